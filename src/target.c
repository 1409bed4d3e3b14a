/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The target: a process given by pid (or this one), its user and mount
 * namespaces and its root, opened before anything else and checked with
 * its pidfd, so that a reused pid cannot stand in for it.  The initial user
 * namespace is refused here, before anything of the target is touched.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "target.h"
#include "util.h"

static int
sys_pidfd_open (pid_t pid)
{
  return (int)syscall (SYS_pidfd_open, pid, 0);
}

bool
nsb_userns_is_initial (int userns_fd)
{
  struct stat st;
  return fstat (userns_fd, &st) < 0 || st.st_ino == NSB_PROC_USER_INIT_INO;
}

static void
target_init (struct nsb_target *t)
{
  memset (t, 0, sizeof (*t));
  t->pidfd = t->userns_fd = t->mntns_fd = t->root_fd = t->host_root_fd = -1;
}

void
nsb_target_close (struct nsb_target *t)
{
  nsb_closep (&t->pidfd);
  nsb_closep (&t->userns_fd);
  nsb_closep (&t->mntns_fd);
  nsb_closep (&t->root_fd);
  nsb_closep (&t->host_root_fd);
}

static int
target_open_common (struct nsb_target *t, const char *proc, nsb_error_t *err)
{
  char path[64];

  /* The user namespace first: the host's is refused before anything else
   * of the target is touched. */
  snprintf (path, sizeof (path), "%s/ns/user", proc);
  t->userns_fd = open (path, O_RDONLY | O_CLOEXEC);
  if (t->userns_fd < 0)
    return nsb_error_errno (err, "open %s", path);
  if (nsb_userns_is_initial (t->userns_fd))
    return nsb_error_set (
        err, EPERM,
        "%s is in the initial user namespace: its binfmt_misc table is the "
        "host's, and nsbinfmt never writes to it (give the target a user "
        "namespace: podman --userns=auto or --uidmap, unshare -U)",
        t->pid ? "the target" : "this process");
  snprintf (path, sizeof (path), "%s/ns/mnt", proc);
  t->mntns_fd = open (path, O_RDONLY | O_CLOEXEC);
  snprintf (path, sizeof (path), "%s/root", proc);
  t->root_fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  t->host_root_fd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (t->mntns_fd < 0 || t->root_fd < 0 || t->host_root_fd < 0)
    return nsb_error_errno (err, "open the namespaces and root of %s", proc);
  return 0;
}

int
nsb_target_open_pid (pid_t pid, struct nsb_target *t, nsb_error_t *err)
{
  int ret;
  char proc[32];

  target_init (t);
  t->pid = pid;
  if (pid <= 0)
    return nsb_error_set (err, EINVAL, "bad pid %d", (int)pid);
  t->pidfd = sys_pidfd_open (pid);
  if (t->pidfd < 0)
    {
      ret = nsb_error_errno (err, "pid %d", (int)pid);
      nsb_target_close (t);
      return ret;
    }
  /* install.bats reuses the pid here, before /proc/PID is opened. */
  nsb_test_point ("target-pidfd");
  snprintf (proc, sizeof (proc), "/proc/%d", (int)pid);
  ret = target_open_common (t, proc, err);
  /* Opened after the pidfd: if the process is still alive, /proc/PID was
   * the process the pidfd names, not a successor that reused the pid. */
  if (ret == 0 && syscall (SYS_pidfd_send_signal, t->pidfd, 0, NULL, 0) < 0)
    ret = nsb_error_errno (err, "pid %d exited while being opened", (int)pid);
  if (ret < 0)
    nsb_target_close (t);
  return ret;
}

int
nsb_target_open_self (struct nsb_target *t, nsb_error_t *err)
{
  int ret;

  target_init (t);
  ret = target_open_common (t, "/proc/self", err);
  if (ret < 0)
    nsb_target_close (t);
  return ret;
}

/* After entering the target's mount namespace: its root directory, if
 * the caller named one, as that namespace sees it. */
static int
reopen_root (struct nsb_target *t, nsb_error_t *err)
{
  int fd;

  if (t->root_path == NULL)
    return 0;
  fd = open (t->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return nsb_error_errno (err, "open the target's root %s", t->root_path);
  nsb_closep (&t->root_fd);
  t->root_fd = fd;
  return 0;
}

static int
enter_mntns (struct nsb_target *t, nsb_error_t *err)
{
  if (setns (t->mntns_fd, CLONE_NEWNS) < 0)
    return nsb_error_errno (err, "enter the target's mount namespace");
  return reopen_root (t, err);
}

/* Enter the target's mount and user namespaces (this process is a child
 * made for it).  Root opens the root directory before dropping to the
 * container's ids (podman's storage directories are 0700); an unprivileged
 * caller may only join the mount namespace after the user namespace that
 * owns it; in its own user namespace (a rootless engine's hook) only the
 * mount namespace is joined. */
int
nsb_target_enter (struct nsb_target *t, nsb_error_t *err)
{
  int ret;
  cleanup_close int self = open ("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
  struct stat a, b;
  bool same_userns = self >= 0 && fstat (self, &a) == 0
                     && fstat (t->userns_fd, &b) == 0 && a.st_ino == b.st_ino
                     && a.st_dev == b.st_dev;

  if (same_userns)
    return enter_mntns (t, err);
  if (setns (t->mntns_fd, CLONE_NEWNS) == 0)
    {
      ret = reopen_root (t, err);
      if (ret < 0)
        return ret;
      if (setns (t->userns_fd, CLONE_NEWUSER) < 0)
        return nsb_error_errno (err, "enter the target's user namespace");
      return 0;
    }
  if (setns (t->userns_fd, CLONE_NEWUSER) < 0)
    return nsb_error_errno (err, "enter the target's user namespace");
  return enter_mntns (t, err);
}

/* The mount point, beneath the target's root, never through a symlink. */
int
nsb_target_open_mountpoint (struct nsb_target *t, const char *mountpoint,
                            int flags, nsb_error_t *err)
{
  return nsb_open_in_root (t->root_fd, mountpoint,
                           flags | O_DIRECTORY | O_NOFOLLOW,
                           RESOLVE_NO_SYMLINKS, err);
}
