/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "bundle.h"
#include "json.h"
#include "oci.h"
#include "target.h"
#include "util.h"

#define HOOK_ARGV0 "nsbinfmt-hook"

static const char *const hook_stages[] = { "prestart", "poststop" };

/* Does the container get a user namespace other than the initial one? */
static bool
has_own_userns (yajl_val config)
{
  yajl_val ns
      = nsb_json_member (nsb_json_member (config, "linux"), "namespaces");
  cleanup_close int self = -1;

  for (size_t i = 0; YAJL_IS_ARRAY (ns) && i < ns->u.array.len; i++)
    {
      yajl_val type = nsb_json_member (ns->u.array.values[i], "type");
      yajl_val path = nsb_json_member (ns->u.array.values[i], "path");
      cleanup_close int fd = -1;
      if (!YAJL_IS_STRING (type) || strcmp (type->u.string, "user") != 0)
        continue;
      if (!YAJL_IS_STRING (path) || path->u.string[0] == '\0')
        return true;                                  /* a new one */
      fd = open (path->u.string, O_PATH | O_CLOEXEC); /* never blocks */
      return fd >= 0 && !nsb_userns_is_initial (fd);
    }
  /* None: the container runs in the runtime's (rootless engines). */
  self = open ("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
  return self >= 0 && !nsb_userns_is_initial (self);
}

static bool
has_hook (yajl_val config, const char *hook)
{
  yajl_val hooks = nsb_json_member (config, "hooks");

  for (size_t s = 0; s < NSB_ARRAY_SIZE (hook_stages); s++)
    {
      yajl_val list = nsb_json_member (hooks, hook_stages[s]);
      bool found = false;
      for (size_t i = 0; YAJL_IS_ARRAY (list) && i < list->u.array.len; i++)
        {
          yajl_val path = nsb_json_member (list->u.array.values[i], "path");
          found = found
                  || (YAJL_IS_STRING (path)
                      && strcmp (path->u.string, hook) == 0);
        }
      if (!found)
        return false;
    }
  return true;
}

#define GEN_STR(g, s)                                                         \
  yajl_gen_string (g, (const unsigned char *)(s), strlen (s))

/* V as it was: numbers in their own digits, keys in their order. */
static yajl_gen_status
emit (yajl_gen g, yajl_val v)
{
  yajl_gen_status st = yajl_gen_status_ok;

  switch (v->type)
    {
    case yajl_t_string:
      return GEN_STR (g, v->u.string);
    case yajl_t_number:
      return yajl_gen_number (g, v->u.number.r, strlen (v->u.number.r));
    case yajl_t_true:
      return yajl_gen_bool (g, 1);
    case yajl_t_false:
      return yajl_gen_bool (g, 0);
    case yajl_t_null:
      return yajl_gen_null (g);
    case yajl_t_array:
      st = yajl_gen_array_open (g);
      for (size_t i = 0; st == yajl_gen_status_ok && i < v->u.array.len; i++)
        st = emit (g, v->u.array.values[i]);
      return st == yajl_gen_status_ok ? yajl_gen_array_close (g) : st;
    case yajl_t_object:
      st = yajl_gen_map_open (g);
      for (size_t i = 0; st == yajl_gen_status_ok && i < v->u.object.len; i++)
        if ((st = GEN_STR (g, v->u.object.keys[i])) == yajl_gen_status_ok)
          st = emit (g, v->u.object.values[i]);
      return st == yajl_gen_status_ok ? yajl_gen_map_close (g) : st;
    default:
      return yajl_gen_invalid_string;
    }
}

static yajl_gen_status
emit_hook (yajl_gen g, const char *hook)
{
  yajl_gen_map_open (g);
  GEN_STR (g, "path");
  GEN_STR (g, hook);
  GEN_STR (g, "args");
  yajl_gen_array_open (g);
  GEN_STR (g, HOOK_ARGV0);
  yajl_gen_array_close (g);
  return yajl_gen_map_close (g);
}

/* HOOKS (an object, or NULL) with HOOK appended to each stage. */
static yajl_gen_status
emit_hooks (yajl_gen g, yajl_val hooks, const char *hook)
{
  yajl_gen_status st = yajl_gen_map_open (g);
  size_t n = YAJL_IS_OBJECT (hooks) ? hooks->u.object.len : 0;

  for (size_t i = 0; st == yajl_gen_status_ok && i < n; i++)
    {
      const char *key = hooks->u.object.keys[i];
      yajl_val v = hooks->u.object.values[i];
      bool stage = strcasecmp (key, hook_stages[0]) == 0
                   || strcasecmp (key, hook_stages[1]) == 0;
      bool ours = stage && YAJL_IS_ARRAY (v);
      if (stage && !ours)
        continue; /* null or junk: a stage of ours alone, below */
      if ((st = GEN_STR (g, key)) != yajl_gen_status_ok)
        break;
      if (!ours)
        {
          st = emit (g, v);
          continue;
        }
      yajl_gen_array_open (g);
      for (size_t j = 0; j < v->u.array.len; j++)
        emit (g, v->u.array.values[j]);
      emit_hook (g, hook);
      st = yajl_gen_array_close (g);
    }
  for (size_t s = 0;
       st == yajl_gen_status_ok && s < NSB_ARRAY_SIZE (hook_stages); s++)
    if (!YAJL_IS_ARRAY (nsb_json_member (hooks, hook_stages[s])))
      {
        GEN_STR (g, hook_stages[s]);
        yajl_gen_array_open (g);
        emit_hook (g, hook);
        st = yajl_gen_array_close (g);
      }
  return st == yajl_gen_status_ok ? yajl_gen_map_close (g) : st;
}

/* CONFIG with HOOK in its hooks, into G's buffer. */
static int
generate (yajl_gen g, yajl_val config, const char *hook, nsb_error_t *err)
{
  yajl_gen_status st = yajl_gen_map_open (g);
  bool had_hooks = false;

  for (size_t i = 0; st == yajl_gen_status_ok && i < config->u.object.len; i++)
    {
      const char *key = config->u.object.keys[i];
      yajl_val v = config->u.object.values[i];
      /* One at most: nsb_json_parse refuses two, in any case. */
      bool hooks = strcasecmp (key, "hooks") == 0;
      had_hooks |= hooks;
      if ((st = GEN_STR (g, key)) == yajl_gen_status_ok)
        st = hooks ? emit_hooks (g, v, hook) : emit (g, v);
    }
  if (st == yajl_gen_status_ok && !had_hooks
      && (st = GEN_STR (g, "hooks")) == yajl_gen_status_ok)
    st = emit_hooks (g, NULL, hook);
  if (st == yajl_gen_status_ok)
    st = yajl_gen_map_close (g);
  return st == yajl_gen_status_ok
             ? 0
             : nsb_error_set (err, EINVAL,
                              "config.json: writing JSON failed "
                              "(yajl status %d)",
                              (int)st);
}

/* Replace DIRFD/config.json with BUF, mode and owner of ST. */
static int
replace_config (int dirfd, const struct stat *st, const unsigned char *buf,
                size_t len, nsb_error_t *err)
{
  char tmp[64];
  unsigned int r = 0;
  cleanup_close int fd = -1;
  int ret;

  if (getrandom (&r, sizeof (r), 0) < 0)
    r = (unsigned int)getpid ();
  snprintf (tmp, sizeof (tmp), ".config.json.nsbinfmt-%08x", r);
  fd = openat (dirfd, tmp,
               O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return nsb_error_errno (err, "create %s in the bundle", tmp);
  ret = nsb_write_once (fd, buf, len, tmp, err);
  if (ret == 0 && fchown (fd, st->st_uid, st->st_gid) < 0 && geteuid () == 0)
    ret = nsb_error_errno (err, "chown %s", tmp);
  if (ret == 0 && fchmod (fd, st->st_mode & 07777) < 0)
    ret = nsb_error_errno (err, "chmod %s", tmp);
  if (ret == 0 && fsync (fd) < 0)
    ret = nsb_error_errno (err, "fsync %s", tmp);
  if (ret == 0 && renameat (dirfd, tmp, dirfd, "config.json") < 0)
    ret = nsb_error_errno (err, "rename %s to config.json", tmp);
  if (ret < 0)
    unlinkat (dirfd, tmp, 0);
  return ret;
}

/* What the container of CFG needs, as nsb_bundle_needs says; CFG is
 * freed.  YES_ONLY: 1 is all that is wanted, and OUT is not written for
 * it where a foreign architecture tells (no emulator is looked for). */
static int
decide (struct nsb_oci_config *cfg, bool yes_only, char *out, size_t size,
        nsb_error_t *err)
{
  struct nsb_oci_policy pol = { 0 };
  struct nsb_ruleset set = { 0 };
  char why[PATH_MAX + 128] = "";
  int ret = nsb_oci_policy (cfg, &pol, err);

  pol.yes_at_foreign = yes_only;
  if (ret == 0)
    ret = nsb_oci_decide (cfg, &pol, &set, why, sizeof (why), err);
  if (ret == 0 && nsb_oci_wants_instance (&pol, &set))
    {
      nsb_oci_needs (&pol, &set, why, out, size);
      ret = 1;
    }
  nsb_ruleset_free (&set);
  nsb_oci_policy_free (&pol);
  nsb_oci_config_free (cfg);
  return ret;
}

/* nsb_bundle_needs of BUNDLE, whose config.json is CONFIG, already read
 * (YES_ONLY: as decide). */
static int
needs_of (const char *bundle, yajl_val config, bool yes_only, char *out,
          size_t size, nsb_error_t *err)
{
  struct nsb_oci_config cfg;

  if (nsb_oci_config_from_tree (bundle, config, &cfg, err) < 0)
    return nsb_error_prefix (err, "bundle %s", bundle);
  return decide (&cfg, yes_only, out, size, err);
}

/* Does the hook have anything to do?  Unless told no, yes.  A foreign
 * architecture is a yes whether its emulator is found or not, so none is
 * looked for (nor its version read): the hook does that at prestart. */
static bool
needs_hook (const char *bundle, yajl_val config)
{
  nsb_error_t err = NULL;
  char what[64];
  int needs = needs_of (bundle, config, true, what, sizeof (what), &err);

  nsb_error_release (&err);
  return needs != 0;
}

/* What a container in the host's user namespace would need, into OUT:
 * as nsb_bundle_add_hook tells it. */
static void
host_needs (const char *bundle, yajl_val config, char *out, size_t size)
{
  nsb_error_t err = NULL;
  int needs = needs_of (bundle, config, false, out, size, &err);

  if (needs < 0)
    snprintf (out, size, "may need emulation (%s)",
              err ? err->msg : "unknown error");
  else if (needs == 0 && size > 0)
    out[0] = '\0';
  nsb_error_release (&err);
}

/* What CONFIG of BUNDLE gets; for the host's user namespace, what the
 * container would need into NEEDS (unless NULL). */
static enum nsb_bundle_result
outcome (yajl_val config, const char *bundle, const char *hook, char *needs,
         size_t size)
{
  if (!has_own_userns (config))
    {
      if (needs != NULL)
        host_needs (bundle, config, needs, size);
      return NSB_BUNDLE_HOST_USERNS;
    }
  if (has_hook (config, hook))
    return NSB_BUNDLE_HAD_IT;
  return needs_hook (bundle, config) ? NSB_BUNDLE_HOOKED
                                     : NSB_BUNDLE_NOT_NEEDED;
}

/* What CONFIG of BUNDLE needs (*RESULT), and the hook added if it does. */
static int
edit_config (int dirfd, const struct stat *st, yajl_val config,
             const char *bundle, const char *hook,
             enum nsb_bundle_result *result, char *needs, size_t size,
             nsb_error_t *err)
{
  enum nsb_bundle_result r = outcome (config, bundle, hook, needs, size);
  const unsigned char *buf;
  yajl_gen g;
  size_t len;
  int ret = 0;

  if (r == NSB_BUNDLE_HOOKED)
    {
      g = yajl_gen_alloc (NULL);
      if (g == NULL)
        return nsb_error_set (err, ENOMEM, "config.json");
      ret = generate (g, config, hook, err);
      if (ret == 0 && yajl_gen_get_buf (g, &buf, &len) != yajl_gen_status_ok)
        ret = nsb_error_set (err, ENOMEM, "config.json");
      if (ret == 0)
        ret = replace_config (dirfd, st, buf, len, err);
      yajl_gen_free (g);
    }
  if (ret == 0)
    *result = r;
  return ret;
}

int
nsb_bundle_add_hook (const char *bundle, const char *hook,
                     enum nsb_bundle_result *result, char *needs, size_t size,
                     nsb_error_t *err)
{
  cleanup_close int dirfd = -1, fd = -1;
  cleanup_free char *json = NULL;
  yajl_val config = NULL;
  struct stat st;
  size_t len;
  int ret;

  if (hook[0] != '/')
    return nsb_error_set (err, EINVAL, "the hook `%s` is not an absolute path",
                          hook);
  dirfd = open (bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return nsb_error_errno (err, "bundle %s", bundle);
  fd = nsb_open_regular (dirfd, "config.json", RESOLVE_NO_SYMLINKS, err);
  if (fd < 0)
    return nsb_error_prefix (err, "bundle %s", bundle);
  if (fstat (fd, &st) < 0)
    return nsb_error_errno (err, "%s/config.json", bundle);
  if (nsb_read_fd (fd, NSB_OCI_JSON_MAX, &json, &len, err) < 0)
    return nsb_error_prefix (err, "%s/config.json", bundle);
  ret = nsb_json_parse (json, len, "config.json", &config, err);
  if (ret < 0)
    return ret;
  ret = edit_config (dirfd, &st, config, bundle, hook, result, needs, size,
                     err);
  yajl_tree_free (config);
  return ret;
}

int
nsb_bundle_needs (const char *bundle, char *out, size_t size, nsb_error_t *err)
{
  struct nsb_oci_config cfg;
  int ret = nsb_oci_config_load (bundle, &cfg, err);

  return ret < 0 ? ret : decide (&cfg, false, out, size, err);
}
