/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private instances.  The order of operations for a target given by pid:
 *  1. before anything, open the target's namespaces and root through
 *     /proc/PID and check with its pidfd that the pid still names it;
 *  2. in a child process: enter its mount namespace (then its user
 *     namespace; unprivileged callers need the reverse order), open the
 *     mount point beneath the target's root with openat2(RESOLVE_IN_ROOT |
 *     RESOLVE_NO_SYMLINKS), so a hostile rootfs cannot redirect it;
 *  3. fsopen("binfmt_misc") there gives the instance keyed to the target's
 *     user namespace; chroot back to our own root, so that F opens the
 *     emulator on the host, not in the rootfs; register, verify, make the
 *     mount read-only, and only then move_mount it onto the mount point.
 * A failure at any step removes the entries this call registered; a fresh
 * instance that was never attached dies with its detached mount.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "instance.h"
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
  char proc[32];

  target_init (t);
  t->pid = pid;
  if (pid <= 0)
    return nsb_error_set (err, EINVAL, "bad pid %d", (int)pid);
  t->pidfd = sys_pidfd_open (pid);
  if (t->pidfd < 0)
    {
      int ret = nsb_error_errno (err, "pid %d", (int)pid);
      nsb_target_close (t);
      return ret;
    }
  /* install.bats reuses the pid here, before /proc/PID is opened. */
  nsb_test_point ("target-pidfd");
  snprintf (proc, sizeof (proc), "/proc/%d", (int)pid);
  if (target_open_common (t, proc, err) < 0)
    {
      nsb_target_close (t);
      return -1;
    }
  /* Opened after the pidfd: if the process is still alive, /proc/PID was
   * the process the pidfd names, not a successor that reused the pid. */
  if (syscall (SYS_pidfd_send_signal, t->pidfd, 0, NULL, 0) < 0)
    {
      nsb_error_errno (err, "pid %d exited while being opened", (int)pid);
      nsb_target_close (t);
      return -1;
    }
  return 0;
}

int
nsb_target_open_self (struct nsb_target *t, nsb_error_t *err)
{
  target_init (t);
  if (target_open_common (t, "/proc/self", err) < 0)
    {
      nsb_target_close (t);
      return -1;
    }
  return 0;
}

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

static int
instance_open (nsb_error_t *err)
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
  return instance_open (err);
}

int
nsb_instance_register (int mntfd, const struct nsb_rule *rule,
                       nsb_error_t *err)
{
  char buf[NSB_REGISTER_MAX + 1];
  cleanup_close int fd = -1;
  int n = nsb_rule_format (rule, buf, sizeof (buf), err);

  if (n < 0)
    return -1;
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
static void
remove_entries (int mntfd, char (*names)[NSB_ENTRY_NAME_MAX + 1], size_t n)
{
  for (size_t i = 0; i < n; i++)
    nsb_write_file_at (mntfd, names[i], "-1", 2, NULL);
}

/* Enter the target's mount and user namespaces (this process is a child
 * made for it).  Root walks the rootfs before dropping to the container's
 * ids; an unprivileged caller may only join the mount namespace after the
 * user namespace that owns it. */
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
static int
target_enter (struct nsb_target *t, nsb_error_t *err)
{
  cleanup_close int self = open ("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
  struct stat a, b;
  bool same_userns = self >= 0 && fstat (self, &a) == 0
                     && fstat (t->userns_fd, &b) == 0 && a.st_ino == b.st_ino
                     && a.st_dev == b.st_dev;

  if (same_userns)
    return enter_mntns (t, err);
  if (setns (t->mntns_fd, CLONE_NEWNS) == 0)
    {
      if (reopen_root (t, err) < 0)
        return -1;
      if (setns (t->userns_fd, CLONE_NEWUSER) < 0)
        return nsb_error_errno (err, "enter the target's user namespace");
      return 0;
    }
  if (setns (t->userns_fd, CLONE_NEWUSER) < 0)
    return nsb_error_errno (err, "enter the target's user namespace");
  return enter_mntns (t, err);
}

/* The mount point, beneath the target's root, never through a symlink. */
static int
open_mountpoint (struct nsb_target *t, const char *mountpoint, int flags,
                 nsb_error_t *err)
{
  return nsb_open_in_root (t->root_fd, mountpoint,
                           flags | O_DIRECTORY | O_NOFOLLOW,
                           RESOLVE_NO_SYMLINKS, err);
}

/* An operation on a target, run where the target's namespaces are ours. */
typedef int (*target_op) (struct nsb_target *t, void *arg,
                          struct nsb_report *rep, nsb_error_t *err);

struct err_record
{
  int status;
  char msg[1024];
};

/* In the child: send the report, then the error if there is one. */
static void
child_send (int fd, const struct nsb_report *rep, nsb_error_t failure)
{
  for (size_t i = 0; i < rep->n; i++)
    if (write (fd, "C", 1) != 1
        || write (fd, &rep->checks[i], sizeof (rep->checks[i]))
               != (ssize_t)sizeof (rep->checks[i]))
      return;
  if (failure != NULL)
    {
      struct err_record r = { .status = failure->status };
      snprintf (r.msg, sizeof (r.msg), "%s", failure->msg);
      if (write (fd, "E", 1) == 1 && write (fd, &r, sizeof (r)) < 0)
        return;
    }
  if (rep->note[0] != '\0' && write (fd, "N", 1) == 1
      && write (fd, rep->note, sizeof (rep->note)) < 0)
    return;
}

static bool
read_full (int fd, void *buf, size_t len)
{
  size_t got = 0;
  while (got < len)
    {
      ssize_t n = read (fd, (char *)buf + got, len - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return false;
      got += (size_t)n;
    }
  return true;
}

/* In the parent: collect what the child sent. */
static int
parent_receive (int fd, struct nsb_report *rep, nsb_error_t *err)
{
  struct nsb_check *c = malloc (sizeof (*c));
  struct err_record r;
  int ret = 0;
  char tag;

  if (c == NULL)
    return nsb_error_errno (err, "report");
  while (ret == 0 && read_full (fd, &tag, 1))
    {
      if (tag == 'C' && read_full (fd, c, sizeof (*c)))
        ret = nsb_report_add (rep, c, err);
      else if (tag == 'E' && read_full (fd, &r, sizeof (r)))
        ret = nsb_error_set (err, r.status, "%s", r.msg);
      else if (tag == 'N' && read_full (fd, rep->note, sizeof (rep->note)))
        rep->note[sizeof (rep->note) - 1] = '\0';
      else
        ret = nsb_error_set (err, EIO, "garbled report from the child");
    }
  free (c);
  return ret;
}

/* The signals that end nsbinfmt (a terminal's, a runtime's): the helper
 * holds them while it changes the target, so that one either stops it
 * before anything is registered or is seen before the instance is
 * attached, and everything is undone (install_op). */
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static volatile pid_t forward_to;

static void
forward_signal (int sig)
{
  if (forward_to > 0)
    kill (forward_to, sig);
}

static void
stop_signals_set (sigset_t *set)
{
  sigemptyset (set);
  for (size_t i = 0; i < NSB_ARRAY_SIZE (stop_signals); i++)
    sigaddset (set, stop_signals[i]);
}

/* A stop signal is waiting (blocked in the helper): the SIG, or 0. */
static int
stop_signal_pending (void)
{
  sigset_t pending;

  if (sigpending (&pending) < 0)
    return 0;
  for (size_t i = 0; i < NSB_ARRAY_SIZE (stop_signals); i++)
    if (sigismember (&pending, stop_signals[i]))
      return stop_signals[i];
  return 0;
}

static int
run_in_target (struct nsb_target *t, target_op op, void *arg,
               struct nsb_report *rep, nsb_error_t *err)
{
  struct sigaction fwd = { .sa_handler = forward_signal },
                   old[NSB_ARRAY_SIZE (stop_signals)];
  sigset_t block, saved;
  int fd, status, ret;
  pid_t child;

  if (t->pid == 0)
    return op (t, arg, rep, err);
  stop_signals_set (&block);
  sigprocmask (SIG_BLOCK, &block, &saved);
  child = nsb_fork_piped (&fd, err);
  if (child == 0)
    {
      nsb_error_t failure = NULL;
      struct nsb_report local = { 0 };
      if (target_enter (t, &failure) == 0)
        op (t, arg, &local, &failure);
      child_send (fd, &local, failure);
      _exit (failure ? 1 : 0);
    }
  /* The parent passes the stop signals on to the helper, which decides. */
  forward_to = child;
  for (size_t i = 0; child > 0 && i < NSB_ARRAY_SIZE (stop_signals); i++)
    sigaction (stop_signals[i], &fwd, &old[i]);
  sigprocmask (SIG_SETMASK, &saved, NULL);
  if (child < 0)
    return -1;
  ret = parent_receive (fd, rep, err);
  close (fd);
  while (waitpid (child, &status, 0) < 0 && errno == EINTR)
    ;
  forward_to = 0;
  for (size_t i = 0; i < NSB_ARRAY_SIZE (stop_signals); i++)
    sigaction (stop_signals[i], &old[i], NULL);
  if (ret == 0 && !(WIFEXITED (status) && WEXITSTATUS (status) == 0))
    ret = nsb_error_set (err, EIO,
                         "the helper process in the target's "
                         "namespaces died");
  return ret;
}

struct install_args
{
  const struct nsb_rule *rules;
  size_t n;
  const struct nsb_install_opts *o;
};

static const char *
mountpoint_of (const char *mp)
{
  return mp ? mp : NSB_DEFAULT_MOUNTPOINT;
}

/* Is the mount at DIRFD this user namespace's instance (same superblock)? */
static bool
is_same_instance (int dirfd, int mntfd)
{
  struct statfs sfs;
  struct stat a, b;

  return fstatfs (dirfd, &sfs) == 0 && sfs.f_type == NSB_BINFMTFS_MAGIC
         && fstat (dirfd, &a) == 0 && fstat (mntfd, &b) == 0
         && a.st_dev == b.st_dev;
}

/* After EEXIST: is the entry there RULE itself?  Then it is reused (the
 * instance of a user namespace that several containers share, or a second
 * install) and *err is cleared; else *err says how it differs. */
static bool
entry_is (int mntfd, const struct nsb_rule *rule, nsb_error_t *err)
{
  struct nsb_entry *e = calloc (1, sizeof (*e));
  bool same = false;

  if (e == NULL)
    return false;
  if (nsb_entry_read_at (mntfd, rule->name, e, NULL) == 0)
    {
      e->rule.flags |= rule->flags & NSB_FLAG_D;
      same = nsb_rule_same (&e->rule, rule);
      nsb_entry_free (e);
    }
  free (e);
  nsb_error_release (err);
  if (!same)
    nsb_error_set (err, EEXIST,
                   "register `%s`: the instance has an entry of that name "
                   "with another interpreter, magic or flags",
                   rule->name);
  return same;
}

/* Verify what the install registered: an entry per rule, or the
 * selector's entry SELECTOR_ENTRY. */
static int
verify_all (struct nsb_target *t, int mntfd, struct install_args *a,
            const char *selector_entry, struct nsb_report *rep,
            nsb_error_t *err)
{
  size_t n = selector_entry != NULL ? 1 : a->n;

  for (size_t i = 0; a->o->verify != NSB_VERIFY_NONE && i < n; i++)
    if (nsb_verify_entry (mntfd,
                          selector_entry ? selector_entry : a->rules[i].name,
                          t->root_fd, t->host_root_fd, a->o->verify, rep, err)
        < 0)
      return -1;
  for (size_t i = 0; i < rep->n; i++)
    if (rep->checks[i].status == NSB_CHECK_FAILED)
      return nsb_error_set (err, ENOEXEC, "verify `%s`: %s",
                            rep->checks[i].name, rep->checks[i].detail);
  return 0;
}

static int
register_verify (struct nsb_target *t, int mntfd, struct install_args *a,
                 char (*added)[NSB_ENTRY_NAME_MAX + 1], size_t *n_added,
                 struct nsb_report *rep, nsb_error_t *err)
{
  if (t->pid != 0 && nsb_chroot_fd (t->host_root_fd, err) < 0)
    return -1;
  if (a->o->origin != NULL)
    {
      bool added_o;
      if (nsb_origin_install (a->o->origin, mntfd, &added_o, err) < 0)
        return -1;
      if (added_o)
        snprintf (added[(*n_added)++], NSB_ENTRY_NAME_MAX + 1, "%s",
                  NSB_ORIGIN_ENTRY);
    }
  if (a->o->selector != NULL)
    {
      char name[NSB_SELECTOR_NAME_SIZE];
      bool added_b;
      int r = nsb_selector_install (a->o->selector, mntfd, name, &added_b,
                                    rep->note, sizeof (rep->note), err);
      if (r < 0)
        return -1;
      if (added_b)
        snprintf (added[(*n_added)++], NSB_ENTRY_NAME_MAX + 1, "%s", name);
      if (r == 0)
        return verify_all (t, mntfd, a, name, rep, err);
      /* declined (the note says why): magic entries */
    }
  for (size_t i = 0; i < a->n; i++)
    {
      int r = nsb_instance_register (mntfd, &a->rules[i], err);
      if (r < 0
          && !((*err)->status == EEXIST
               && entry_is (mntfd, &a->rules[i], err)))
        return -1;
      if (r == 0)
        memcpy (added[(*n_added)++], a->rules[i].name, NSB_ENTRY_NAME_MAX + 1);
    }
  return verify_all (t, mntfd, a, NULL, rep, err);
}

static int
install_op (struct nsb_target *t, void *arg, struct nsb_report *rep,
            nsb_error_t *err)
{
  struct install_args *a = arg;
  cleanup_close int dirfd
      = open_mountpoint (t, mountpoint_of (a->o->mountpoint), O_PATH, err);
  cleanup_close int mntfd = -1;
  cleanup_free char (*added)[NSB_ENTRY_NAME_MAX + 1] = NULL;
  size_t n_added = 0;
  bool attached;
  int sig;

  if (dirfd < 0)
    return nsb_error_prefix (err, "mount point");
  mntfd = instance_open (err);
  if (mntfd < 0)
    return -1;
  attached = is_same_instance (dirfd, mntfd);
  added = calloc (a->n + 2, sizeof (*added));
  if (added == NULL)
    return nsb_error_errno (err, "install");
  if (register_verify (t, mntfd, a, added, &n_added, rep, err) < 0)
    goto undo;
  nsb_test_point ("registered");
  if ((sig = stop_signal_pending ()) != 0)
    {
      nsb_error_set (err, EINTR, "interrupted by %s: nothing installed",
                     strsignal (sig));
      goto undo;
    }
  if (!a->o->writable)
    {
      struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
      if (nsb_test_point ("read-only")
          || syscall (SYS_mount_setattr, mntfd, "", AT_EMPTY_PATH, &attr,
                      sizeof (attr))
                 < 0)
        {
          nsb_error_errno (err, "make the instance read-only");
          goto undo;
        }
    }
  if (!attached
      && (nsb_test_point ("move-mount")
          || syscall (SYS_move_mount, mntfd, "", dirfd, "",
                      MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
                 < 0))
    {
      nsb_error_errno (err, "attach the instance at %s",
                       mountpoint_of (a->o->mountpoint));
      goto undo;
    }
  return 0;
undo:
  remove_entries (mntfd, added, n_added);
  return -1;
}

int
nsb_install (struct nsb_target *t, const struct nsb_rule *rules, size_t n,
             const struct nsb_install_opts *o, struct nsb_report *rep,
             nsb_error_t *err)
{
  struct install_args a = { rules, n, o };
  return run_in_target (t, install_op, &a, rep, err);
}

/* The instance at the target's mount point, opened for reading. */
static int
open_instance_dir (struct nsb_target *t, const char *mountpoint,
                   nsb_error_t *err)
{
  int fd = open_mountpoint (t, mountpoint_of (mountpoint), O_RDONLY, err);
  struct statfs sfs;

  if (fd < 0)
    return -1;
  if (fstatfs (fd, &sfs) < 0 || sfs.f_type != NSB_BINFMTFS_MAGIC)
    {
      close (fd);
      return nsb_error_set (err, ENOENT,
                            "no binfmt_misc instance is mounted "
                            "at %s in the target",
                            mountpoint_of (mountpoint));
    }
  return fd;
}

static bool
is_control_file (const char *name)
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
      if (is_control_file (de->d_name))
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

void
nsb_entries_free (struct nsb_entry *entries, size_t n)
{
  for (size_t i = 0; i < n; i++)
    nsb_entry_free (&entries[i]);
  free (entries);
}

int
nsb_list (struct nsb_target *t, const char *mountpoint,
          struct nsb_entry **entries, size_t *n, nsb_error_t *err)
{
  cleanup_close int fd = open_instance_dir (t, mountpoint, err);
  char **names = NULL;
  size_t count = 0;
  int ret = 0;

  *entries = NULL;
  *n = 0;
  if (fd < 0 || nsb_instance_entry_names (fd, &names, &count, err) < 0)
    return -1;
  *entries = calloc (count ? count : 1, sizeof (**entries));
  if (*entries == NULL)
    ret = nsb_error_errno (err, "list");
  for (size_t i = 0; ret == 0 && i < count; i++)
    {
      ret = nsb_entry_read_at (fd, names[i], &(*entries)[i], err);
      if (ret == 0)
        (*n)++;
    }
  nsb_names_free (names, count);
  if (ret < 0)
    {
      nsb_entries_free (*entries, *n);
      *entries = NULL;
      *n = 0;
    }
  return ret;
}

/* A writable handle on the target's instance: the same superblock as the
 * (possibly read-only) mount at the mount point. */
static int
open_instance_rw (struct nsb_target *t, const char *mountpoint,
                  nsb_error_t *err)
{
  cleanup_close int dirfd = open_instance_dir (t, mountpoint, err);
  struct statvfs vfs;
  int mntfd;

  if (dirfd < 0)
    return -1;
  /* From inside, a read-only instance stays so: asking the kernel for a
   * handle here would make a new, empty instance for this user namespace
   * (run's command has none of its own) and hide the one in use. */
  if (t->pid == 0 && fstatvfs (dirfd, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
    return nsb_error_set (err, EROFS,
                          "the instance at %s is read-only (nsbinfmt run "
                          "without --writable): its entries stay",
                          mountpoint_of (mountpoint));
  mntfd = instance_open (err);
  if (mntfd >= 0 && !is_same_instance (dirfd, mntfd))
    {
      close (mntfd);
      return nsb_error_set (err, EPERM,
                            "the binfmt_misc at %s is not the target's own "
                            "instance",
                            mountpoint_of (mountpoint));
    }
  return mntfd;
}

struct remove_args
{
  const char *mountpoint;
  const char *name;
};

static int
remove_op (struct nsb_target *t, void *arg, struct nsb_report *rep,
           nsb_error_t *err)
{
  struct remove_args *a = arg;
  cleanup_close int mntfd = open_instance_rw (t, a->mountpoint, err);
  const char *file = a->name ? a->name : "status";

  (void)rep;
  if (mntfd < 0)
    return -1;
  if (a->name && (is_control_file (a->name) || strchr (a->name, '/')))
    return nsb_error_set (err, EINVAL, "`%s` is not an entry name", a->name);
  if (nsb_write_file_at (mntfd, file, "-1", 2, err) < 0)
    return nsb_error_prefix (err, "remove %s",
                             a->name ? a->name : "all entries");
  return 0;
}

int
nsb_remove (struct nsb_target *t, const char *mountpoint, const char *name,
            nsb_error_t *err)
{
  struct remove_args a = { mountpoint, name };
  struct nsb_report rep = { 0 };
  int ret = run_in_target (t, remove_op, &a, &rep, err);
  nsb_report_free (&rep);
  return ret;
}

struct verify_args
{
  const char *mountpoint;
  enum nsb_verify_level level;
};

static int
verify_op (struct nsb_target *t, void *arg, struct nsb_report *rep,
           nsb_error_t *err)
{
  struct verify_args *a = arg;
  cleanup_close int fd = open_instance_dir (t, a->mountpoint, err);
  char **names = NULL;
  size_t n = 0;
  int ret = 0;

  if (fd < 0 || nsb_instance_entry_names (fd, &names, &n, err) < 0)
    return -1;
  if (t->pid != 0)
    ret = nsb_chroot_fd (t->host_root_fd, err);
  for (size_t i = 0; ret == 0 && i < n; i++)
    ret = nsb_verify_entry (fd, names[i], t->root_fd, t->host_root_fd,
                            a->level, rep, err);
  nsb_names_free (names, n);
  return ret;
}

int
nsb_verify (struct nsb_target *t, const char *mountpoint,
            enum nsb_verify_level level, struct nsb_report *rep,
            nsb_error_t *err)
{
  struct verify_args a = { mountpoint, level };
  return run_in_target (t, verify_op, &a, rep, err);
}
