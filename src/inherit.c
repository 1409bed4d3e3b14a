/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "entry.h"
#include "hosttable.h"
#include "inherit.h"
#include "instance.h"
#include "util.h"

/* Copy the entry NAME of the table at FD (ALL: skip, silently, what cannot
 * be copied). */
static int
copy_entry (int fd, const char *name, bool all, struct nsb_ruleset *set,
            nsb_error_t *err)
{
  cleanup_free struct nsb_entry *e = calloc (1, sizeof (*e));
  const char *why = NULL;
  char origin[NSB_ENTRY_NAME_MAX + 16];
  struct stat st;
  int ret;

  if (e == NULL)
    return nsb_error_errno (err, "inherit");
  if (strchr (name, '/') || !strcmp (name, ".") || !strcmp (name, "..")
      || !strcmp (name, "register") || !strcmp (name, "status"))
    return nsb_error_set (err, EINVAL, "inherit: `%s` is not an entry's name",
                          name);
  if (fstatat (fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
    return nsb_error_set (err, ENOENT,
                          "inherit: the host's table has no entry `%s`", name);
  ret = nsb_entry_read_at (fd, name, e, err);
  if (ret < 0)
    return nsb_error_prefix (err, "inherit %s", name);
  if (e->rule.type == NSB_TYPE_BPF)
    why = "a bpf entry, bound to the host's handler";
  else if (!e->enabled)
    why = "disabled";
  if (why == NULL)
    {
      snprintf (e->rule.name, sizeof (e->rule.name), "%s", name);
      e->rule.flags |= NSB_FLAG_F;
      snprintf (origin, sizeof (origin), "inherit %s", name);
      ret = nsb_ruleset_add_rule (set, &e->rule, origin, err);
    }
  else if (!all)
    ret = nsb_error_set (err, EINVAL,
                         "inherit: the host's entry `%s` is %s: it is not "
                         "copied",
                         name, why);
  nsb_entry_free (e);
  return ret;
}

int
nsb_inherit (char *const *names, size_t n, struct nsb_ruleset *set,
             nsb_error_t *err)
{
  cleanup_close int fd = n ? nsb_host_table_open (err) : -1;
  char **all = NULL;
  size_t n_all = 0;
  int ret = 0;

  if (n && fd < 0)
    return nsb_error_prefix (err, "inherit: nothing to inherit");
  for (size_t i = 0; ret == 0 && i < n; i++)
    if (strcmp (names[i], NSB_INHERIT_ALL) != 0)
      ret = copy_entry (fd, names[i], false, set, err);
    else if (all == NULL
             && (ret = nsb_instance_entry_names (fd, &all, &n_all, err)) == 0)
      for (size_t k = 0; ret == 0 && k < n_all; k++)
        ret = copy_entry (fd, all[k], true, set, err);
  nsb_names_free (all, n_all);
  return ret;
}
