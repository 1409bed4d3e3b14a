/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A user namespace's binfmt_misc instance, as seen from inside that
 * namespace: made (or found) with fsopen, entries registered, listed and
 * removed through a detached mount of it.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "instance.h"
#include "util.h"

/* Why no instance could be made: on a kernel older than 6.7 that is the
 * reason (binfmt_misc cannot be mounted in a user namespace there). */
static int
instance_error (bool fsopen_failed, nsb_error_t *err)
{
  const char *what
      = fsopen_failed ? "fsopen binfmt_misc" : "create a binfmt_misc instance";
  struct utsname u;
  int saved = errno, major = 0, minor = 0;
  bool old = uname (&u) == 0
             && sscanf (u.release, "%d.%d", &major, &minor) == 2
             && (major < 6 || (major == 6 && minor < 7));

  errno = saved;
  if (old)
    return nsb_error_errno (err,
                            "Linux %s gives no user namespace a binfmt_misc "
                            "instance of its own (that needs Linux >= 6.7): "
                            "%s",
                            u.release, what);
  return nsb_error_errno (err, "%s", what);
}

int
nsb_instance_open (nsb_error_t *err)
{
  cleanup_close int fsfd
      = (int)syscall (SYS_fsopen, "binfmt_misc", FSOPEN_CLOEXEC);
  int mntfd;
  struct statfs sfs;

  if (fsfd < 0
      || syscall (SYS_fsconfig, fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return instance_error (fsfd < 0, err);
  mntfd = (int)syscall (SYS_fsmount, fsfd, FSMOUNT_CLOEXEC, 0);
  if (mntfd < 0)
    return nsb_error_errno (err, "mount a binfmt_misc instance");
  if (fstatfs (mntfd, &sfs) < 0 || sfs.f_type != NSB_BINFMTFS_MAGIC)
    {
      close (mntfd);
      return nsb_error_set (err, EIO, "the new mount is not binfmt_misc");
    }
  return mntfd;
}

int
nsb_instance_open_self (nsb_error_t *err)
{
  cleanup_close int ns = open ("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);

  if (ns < 0)
    return nsb_error_errno (err, "open /proc/self/ns/user");
  if (nsb_userns_is_initial (ns))
    return nsb_error_set (err, EPERM,
                          "refusing to open the host's binfmt_misc table "
                          "(this process is in the initial user namespace)");
  return nsb_instance_open (err);
}

int
nsb_instance_register (int mntfd, const struct nsb_rule *rule,
                       nsb_error_t *err)
{
  char buf[NSB_REGISTER_MAX + 1];
  cleanup_close int fd = -1;
  int n = nsb_rule_format (rule, buf, sizeof (buf), err);

  if (n < 0)
    return n;
  fd = openat (mntfd, "register", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return nsb_error_errno (err, "open the instance's register file");
  if (write (fd, buf, (size_t)n) == n)
    return 0;
  switch (errno)
    {
    case ENOENT:
      return nsb_error_errno (err, "register `%s`: interpreter `%s` not found",
                              rule->name, rule->interpreter);
    case EEXIST:
      return nsb_error_errno (err,
                              "register `%s`: the instance has an entry "
                              "of that name",
                              rule->name);
    case ENOSPC:
      return nsb_error_errno (err,
                              "register `%s`: max_binfmt_misc_"
                              "interpreters reached",
                              rule->name);
    default:
      return nsb_error_errno (err, "register `%s`", rule->name);
    }
}

/* Remove entries by name; best effort, used to undo a failed install. */
void
nsb_instance_remove_entries (int mntfd, char (*names)[NSB_ENTRY_NAME_MAX + 1],
                             size_t n)
{
  for (size_t i = 0; i < n; i++)
    nsb_write_file_at (mntfd, names[i], "-1", 2, NULL);
}

/* Is the mount at DIRFD this user namespace's instance (same superblock)? */
bool
nsb_instance_is_same (int dirfd, int mntfd)
{
  struct statfs sfs;
  struct stat a, b;

  return fstatfs (dirfd, &sfs) == 0 && sfs.f_type == NSB_BINFMTFS_MAGIC
         && fstat (dirfd, &a) == 0 && fstat (mntfd, &b) == 0
         && a.st_dev == b.st_dev;
}

bool
nsb_instance_is_control_file (const char *name)
{
  return name[0] == '.' || !strcmp (name, "register")
         || !strcmp (name, "status");
}

int
nsb_instance_entry_names (int fd, char ***names, size_t *n, nsb_error_t *err)
{
  int dfd = openat (fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = dfd >= 0 ? fdopendir (dfd) : NULL;
  struct dirent *de;

  *names = NULL;
  *n = 0;
  if (d == NULL)
    {
      nsb_closep (&dfd);
      return nsb_error_errno (err, "read the instance");
    }
  while ((de = readdir (d)) != NULL)
    {
      char **nn;
      if (nsb_instance_is_control_file (de->d_name))
        continue;
      nn = realloc (*names, (*n + 1) * sizeof (*nn));
      if (nn == NULL || (nn[*n] = strdup (de->d_name)) == NULL)
        {
          closedir (d);
          *names = nn ? nn : *names;
          return nsb_error_errno (err, "read the instance");
        }
      *names = nn;
      (*n)++;
    }
  closedir (d);
  return 0;
}

void
nsb_names_free (char **names, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free (names[i]);
  free (names);
}
