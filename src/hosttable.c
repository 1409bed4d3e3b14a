/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host's table and its boot-time sources (hosttable.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "entry.h"
#include "hosttable.h"
#include "instance.h"
#include "sources.h"
#include "util.h"

#define HOST_MOUNTPOINT "/proc/sys/fs/binfmt_misc"

static const char *const vendor_dirs[] = {
  "/usr/local/lib/binfmt.d",
  "/usr/lib/binfmt.d",
  "/lib/binfmt.d",
  NULL,
};

static const char mask_text[]
    = NSB_HOST_MASK_MARK "\n"
                         "# systemd-binfmt reads this file instead of the "
                         "vendor's of the same name\n"
                         "# and so registers nothing of it host-wide: "
                         "containers get the emulator in\n"
                         "# an instance of their own (nsbinfmt-hook, "
                         "nsbinfmt run).\n"
                         "# Undo: nsbinfmt host-table unmask.\n";

/* Does R run qemu's user-mode emulator: named qemu-*, or an interpreter
 * of qemu's (qemu-ARCH-static; Debian's /usr/libexec/qemu-binfmt/...)? */
static bool
is_emulator (const struct nsb_rule *r)
{
  return strncmp (r->name, "qemu-", 5) == 0
         || strstr (r->interpreter, "qemu") != NULL;
}

/* Is the file at PATH beneath ROOTFD a mask nsbinfmt wrote? */
static bool
is_our_mask (int rootfd, const char *path)
{
  cleanup_free char *text = NULL;
  size_t len;

  return nsb_read_file_at (rootfd, path,
                           NSB_RESOLVE_HOSTILE | RESOLVE_NO_SYMLINKS, 4096,
                           &text, &len, NULL)
             == 0
         && strncmp (text, NSB_HOST_MASK_MARK, strlen (NSB_HOST_MASK_MARK))
                == 0;
}

/* Which of /etc and /run binfmt.d, if any, holds a file named NAME. */
static enum nsb_host_file_state
file_state (int rootfd, const char *name)
{
  static const char *const over[] = { "/etc/binfmt.d", "/run/binfmt.d" };
  char path[PATH_MAX];

  for (size_t i = 0; i < NSB_ARRAY_SIZE (over); i++)
    {
      cleanup_close int fd = -1;
      snprintf (path, sizeof (path), "%s/%s", over[i], name);
      fd = nsb_open_in_root (rootfd, path, O_PATH | O_NOFOLLOW, 0, NULL);
      if (fd >= 0)
        return i == 0 && is_our_mask (rootfd, path) ? NSB_HOST_MASKED
                                                    : NSB_HOST_OVERRIDDEN;
    }
  return NSB_HOST_REGISTERED;
}

/* Add the file of ORIGIN ("/usr/lib/binfmt.d/NAME:LINE") once. */
static int
add_file (int rootfd, struct nsb_host_table *ht, const char *origin,
          nsb_error_t *err)
{
  const char *base = strrchr (origin, '/');
  size_t len = strcspn (base != NULL ? base + 1 : origin, ":");
  struct nsb_host_file f = { .state = NSB_HOST_REGISTERED }, *files;

  snprintf (f.name, sizeof (f.name), "%.*s", (int)len,
            base != NULL ? base + 1 : origin);
  for (size_t i = 0; i < ht->n_files; i++)
    if (strcmp (ht->files[i].name, f.name) == 0)
      return 0;
  files = realloc (ht->files, (ht->n_files + 1) * sizeof (*files));
  if (files == NULL)
    return nsb_error_errno (err, "host table");
  f.state = file_state (rootfd, f.name);
  files[ht->n_files++] = f;
  ht->files = files;
  return 0;
}

static int
read_vendor_files (int rootfd, struct nsb_host_table *ht, nsb_error_t *err)
{
  struct nsb_ruleset set = { 0 };
  int ret = nsb_ruleset_add_binfmtd_at (&set, rootfd, vendor_dirs,
                                        NSB_KF_LINUX_7_3, err);

  for (size_t i = 0; ret == 0 && i < set.n; i++)
    if (is_emulator (&set.rules[i]))
      ret = add_file (rootfd, ht, set.origins[i], err);
  nsb_ruleset_free (&set);
  return ret;
}

/* Is binfmt_misc mounted at HOST_MOUNTPOINT here?  From mountinfo, which
 * triggers no automount (systemd's proc-sys-fs-binfmt_misc.automount). */
static bool
host_table_mounted (void)
{
  cleanup_fclose FILE *f = fopen ("/proc/self/mountinfo", "re");
  char line[4096];

  while (f != NULL && fgets (line, sizeof (line), f) != NULL)
    {
      char mnt[PATH_MAX], fstype[64];
      const char *dash = strstr (line, " - ");
      if (dash != NULL && sscanf (line, "%*s %*s %*s %*s %4095s", mnt) == 1
          && sscanf (dash, " - %63s", fstype) == 1
          && strcmp (mnt, HOST_MOUNTPOINT) == 0
          && strcmp (fstype, "binfmt_misc") == 0)
        return true;
    }
  return false;
}

int
nsb_host_table_open (nsb_error_t *err)
{
  int fd;

  if (!host_table_mounted ())
    return nsb_error_set (
        err, ENOENT, "no binfmt_misc is mounted at " HOST_MOUNTPOINT " here");
  fd = open (HOST_MOUNTPOINT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return nsb_error_errno (err, "open %s", HOST_MOUNTPOINT);
  return fd;
}

/* The emulators' entries of the table mounted at HOST_MOUNTPOINT. */
static int
read_live (struct nsb_host_table *ht, nsb_error_t *err)
{
  cleanup_close int fd = -1;
  char **names;
  size_t n;
  int ret;

  ht->mounted = host_table_mounted ();
  if (!ht->mounted)
    return 0;
  fd = nsb_host_table_open (err);
  if (fd < 0)
    return fd;
  ret = nsb_instance_entry_names (fd, &names, &n, err);
  if (ret < 0)
    return ret;
  ht->live = calloc (n + 1, sizeof (*ht->live));
  for (size_t i = 0; ht->live != NULL && i < n; i++)
    {
      struct nsb_entry e;
      if (nsb_entry_read_at (fd, names[i], &e, NULL) < 0)
        continue;
      if (is_emulator (&e.rule))
        ht->live[ht->n_live++] = strdup (names[i]);
      nsb_entry_free (&e);
    }
  nsb_names_free (names, n);
  return ht->live != NULL ? 0 : nsb_error_errno (err, "host table");
}

int
nsb_host_table_read (int rootfd, bool live, struct nsb_host_table *ht,
                     nsb_error_t *err)
{
  int ret;

  memset (ht, 0, sizeof (*ht));
  ret = read_vendor_files (rootfd, ht, err);
  if (ret == 0 && live)
    ret = read_live (ht, err);
  if (ret < 0)
    nsb_host_table_free (ht);
  return ret;
}

void
nsb_host_table_free (struct nsb_host_table *ht)
{
  nsb_names_free (ht->live, ht->n_live);
  free (ht->files);
  memset (ht, 0, sizeof (*ht));
}

/* /etc/binfmt.d beneath ROOTFD, made if missing (to write masks). */
static int
open_etc_binfmtd (int rootfd, bool make, nsb_error_t *err)
{
  cleanup_close int etc = -1;

  if (make)
    {
      etc = nsb_open_in_root (rootfd, "/etc", O_PATH | O_DIRECTORY,
                              RESOLVE_NO_SYMLINKS, err);
      if (etc < 0)
        return etc;
      if (mkdirat (etc, "binfmt.d", 0755) < 0 && errno != EEXIST)
        return nsb_error_errno (err, "mkdir /etc/binfmt.d");
    }
  return nsb_open_in_root (rootfd, "/etc/binfmt.d", O_PATH | O_DIRECTORY,
                           RESOLVE_NO_SYMLINKS, err);
}

static int
write_mask (int dirfd, const char *name, nsb_error_t *err)
{
  cleanup_close int fd = openat (
      dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

  if (fd < 0)
    return nsb_error_errno (err, "write /etc/binfmt.d/%s", name);
  return nsb_write_once (fd, mask_text, strlen (mask_text), name, err);
}

/* Should MASK (or unmask) change F? */
static bool
to_change (int rootfd, bool mask, const struct nsb_host_file *f)
{
  char path[PATH_MAX];

  if (mask)
    return f->state == NSB_HOST_REGISTERED;
  snprintf (path, sizeof (path), "/etc/binfmt.d/%s", f->name);
  return f->state == NSB_HOST_MASKED && is_our_mask (rootfd, path);
}

int
nsb_host_table_mask (int rootfd, bool mask, struct nsb_host_table *ht,
                     size_t *n, nsb_error_t *err)
{
  cleanup_close int etc = -1;
  size_t todo = 0;
  int ret = 0;

  *n = 0;
  for (size_t i = 0; i < ht->n_files; i++)
    todo += to_change (rootfd, mask, &ht->files[i]);
  if (todo == 0)
    return 0;
  etc = open_etc_binfmtd (rootfd, mask, err);
  if (etc < 0)
    return etc;
  for (size_t i = 0; ret == 0 && i < ht->n_files; i++)
    {
      struct nsb_host_file *f = &ht->files[i];
      if (!to_change (rootfd, mask, f))
        continue;
      if (mask)
        ret = write_mask (etc, f->name, err);
      else if (unlinkat (etc, f->name, 0) < 0)
        ret = nsb_error_errno (err, "remove /etc/binfmt.d/%s", f->name);
      if (ret == 0)
        {
          f->state = mask ? NSB_HOST_MASKED : NSB_HOST_REGISTERED;
          (*n)++;
        }
    }
  return ret;
}
