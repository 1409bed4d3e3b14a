/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * selector-unbound ARCH NAME -- CMD [ARG]...: a B entry whose selector
 * table names ARCH's interpreter "qemu-ARCH", but whose entry bound it as
 * NAME, in a new user and mount namespace; then exec CMD there.  What the
 * library never does (it binds exactly the names its table selects), so
 * that selector.bats can check what the handler does with a name the entry
 * did not bind: the exec must fail (ENOEXEC), not fall through.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "bpf/selector.h"
#include "bpf/selector.skel.h"
#include "catalog.h"
#include "emulator.h"
#include "instance.h"
#include "selector.h"

static void
fail (const char *what, nsb_error_t err)
{
  fprintf (stderr, "selector-unbound: %s: %s\n", what,
           err ? err->msg : strerror (errno));
  exit (2);
}

static void
write_at (int dirfd, const char *file, const char *text)
{
  int fd = openat (dirfd, file, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, text, strlen (text)) != (ssize_t)strlen (text))
    fail (file, NULL);
  close (fd);
}

/* One table rule: every byte the catalog's mask looks at, in file order. */
static void
table_rule (const struct nsb_rule *r, struct nsb_sel_rule *t)
{
  snprintf (t->name, sizeof (t->name), "%.*s", NSB_SEL_NAME_MAX, r->name);
  t->flags = NSB_SEL_PRESERVE_ARGV0 | NSB_SEL_EXECFD;
  for (size_t k = 0; k < r->magic_len; k++)
    if (r->mask[k] != 0)
      t->bytes[t->n_bytes++] = (struct nsb_sel_byte){
        (unsigned char)k, (unsigned char)(r->magic[k] & r->mask[k]), r->mask[k]
      };
}

int
main (int argc, char **argv)
{
  static struct nsb_rule rule;
  struct nsb_sel_rule one;
  struct nsb_emulator emu;
  nsb_error_t err = NULL;
  struct nsb_selector_bpf *skel;
  const struct nsb_arch *arch;
  char bind[PATH_MAX + 64];
  int mnt;

  if (argc < 5 || strcmp (argv[3], "--") != 0)
    {
      fputs ("usage: selector-unbound ARCH NAME -- CMD [ARG]...\n", stderr);
      return 2;
    }
  arch = nsb_catalog_lookup (argv[1]);
  if (arch == NULL || nsb_emulator_find (arch, &emu, &err) < 0
      || nsb_arch_rule (arch, emu.path, NSB_FLAG_F | emu.flags, &rule, &err)
             < 0)
    fail (argv[1], err);
  skel = nsb_selector_bpf__open ();
  if (skel == NULL)
    fail ("open", NULL);
  memset (&one, 0, sizeof (one));
  table_rule (&rule, &one);
  nsb_selector_fill (skel->rodata, &(struct nsb_sel_table){ &one, 1 });
  if ((errno = -nsb_selector_bpf__load (skel)) != 0)
    fail ("load", NULL);
  if (unshare (CLONE_NEWUSER | CLONE_NEWNS) < 0)
    fail ("unshare", NULL);
  write_at (AT_FDCWD, "/proc/self/setgroups", "deny");
  write_at (AT_FDCWD, "/proc/self/uid_map", "0 0 1");
  write_at (AT_FDCWD, "/proc/self/gid_map", "0 0 1");
  if (bpf_map__attach_struct_ops (skel->maps.nsbinfmt) == NULL)
    fail ("attach", NULL);
  mnt = nsb_instance_open_self (&err);
  if (mnt < 0)
    fail ("instance", err);
  write_at (mnt, "register", ":nsbinfmt:B::::" NSB_SEL_HANDLER ":D");
  snprintf (bind, sizeof (bind), "+%s %s", argv[2], emu.path);
  write_at (mnt, NSB_SELECTOR_ENTRY, bind);
  write_at (mnt, NSB_SELECTOR_ENTRY, "1");
  execv (argv[4], argv + 4);
  fprintf (stderr, "selector-unbound: exec %s: %s\n", argv[4],
           strerror (errno));
  return errno == ENOEXEC ? 126 : 127;
}
