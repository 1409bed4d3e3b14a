/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Install, list, remove and verify: the operations on a target's private
 * instance.  The order of operations for a target given by pid:
 *  1. before anything, open the target's namespaces and root through
 *     /proc/PID and check with its pidfd that the pid still names it
 *     (target.c);
 *  2. in a child process (runner.c): enter its mount namespace (then its
 *     user namespace; unprivileged callers need the reverse order), open
 *     the mount point beneath the target's root with openat2(RESOLVE_IN_ROOT
 *     | RESOLVE_NO_SYMLINKS), so a hostile rootfs cannot redirect it;
 *  3. fsopen("binfmt_misc") there gives the instance keyed to the target's
 *     user namespace (instance.c); chroot back to our own root, so that F
 *     opens the emulator on the host, not in the rootfs; register, verify,
 *     make the mount read-only, and only then move_mount it onto the mount
 *     point.
 * A failure at any step removes the entries this call registered; a fresh
 * instance that was never attached dies with its detached mount.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#include "install.h"
#include "instance.h"
#include "runner.h"
#include "util.h"

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

/* After EEXIST: is the entry there RULE itself?  Then it is reused (the
 * instance of a user namespace that several containers share, or a second
 * install).  Else the error says how it differs. */
static bool
entry_is (int mntfd, const struct nsb_rule *rule)
{
  struct nsb_entry *e = calloc (1, sizeof (*e));
  bool same = false;

  if (e != NULL && nsb_entry_read_at (mntfd, rule->name, e, NULL) == 0)
    {
      e->rule.flags |= rule->flags & NSB_FLAG_D;
      same = nsb_rule_same (&e->rule, rule);
      nsb_entry_free (e);
    }
  free (e);
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
    {
      int ret = nsb_verify_entry (
          mntfd, selector_entry ? selector_entry : a->rules[i].name,
          t->root_fd, t->host_root_fd, a->o->verify, rep, err);
      if (ret < 0)
        return ret;
    }
  for (size_t i = 0; i < rep->n; i++)
    if (rep->checks[i].status == NSB_CHECK_FAILED)
      return nsb_error_set (err, ENOEXEC, "verify `%s`: %s",
                            rep->checks[i].name, rep->checks[i].detail);
  return 0;
}

/* The selector's B entry, or a decline (the note says why: magic entries
 * then); its name in NAME. */
static int
register_selector (struct install_args *a, int mntfd, char *name,
                   char (*added)[NSB_ENTRY_NAME_MAX + 1], size_t *n_added,
                   struct nsb_report *rep, nsb_error_t *err)
{
  bool added_b;
  int ret = nsb_selector_install (a->o->selector, mntfd, name, &added_b, err);

  if (ret == 0 && added_b)
    snprintf (added[(*n_added)++], NSB_ENTRY_NAME_MAX + 1, "%s", name);
  if (ret == -NSB_DECLINED)
    {
      snprintf (rep->note, sizeof (rep->note), "%s", (*err)->msg);
      nsb_error_release (err);
    }
  return ret;
}

/* Register RULE (*ADDED), or reuse the same entry already there. */
static int
register_rule (int mntfd, const struct nsb_rule *rule, bool *added,
               nsb_error_t *err)
{
  int ret = nsb_instance_register (mntfd, rule, err);

  *added = ret == 0;
  if (ret != -EEXIST)
    return ret;
  nsb_error_release (err);
  if (entry_is (mntfd, rule))
    return 0;
  return nsb_error_set (err, EEXIST,
                        "register `%s`: the instance has an entry of that "
                        "name with another interpreter, magic or flags",
                        rule->name);
}

static int
register_verify (struct nsb_target *t, int mntfd, struct install_args *a,
                 char (*added)[NSB_ENTRY_NAME_MAX + 1], size_t *n_added,
                 struct nsb_report *rep, nsb_error_t *err)
{
  char name[NSB_SELECTOR_NAME_SIZE];
  int ret = t->pid != 0 ? nsb_chroot_fd (t->host_root_fd, err) : 0;

  if (ret == 0 && a->o->origin != NULL)
    {
      bool added_o;
      ret = nsb_origin_install (a->o->origin, mntfd, &added_o, err);
      if (ret == 0 && added_o)
        snprintf (added[(*n_added)++], NSB_ENTRY_NAME_MAX + 1, "%s",
                  NSB_ORIGIN_ENTRY);
    }
  if (ret == 0 && a->o->selector != NULL)
    {
      ret = register_selector (a, mntfd, name, added, n_added, rep, err);
      if (ret == 0)
        return verify_all (t, mntfd, a, name, rep, err);
    }
  if (ret < 0 && ret != -NSB_DECLINED)
    return ret;
  for (size_t i = 0; i < a->n; i++)
    {
      bool added_r;
      ret = register_rule (mntfd, &a->rules[i], &added_r, err);
      if (ret < 0)
        return ret;
      if (added_r)
        memcpy (added[(*n_added)++], a->rules[i].name, NSB_ENTRY_NAME_MAX + 1);
    }
  return verify_all (t, mntfd, a, NULL, rep, err);
}

/* After registering: no stop signal waiting, the mount read-only (unless
 * writable), and then attached at the mount point at DIRFD. */
static int
seal_attach (struct install_args *a, int mntfd, int dirfd, bool attached,
             nsb_error_t *err)
{
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
  int sig = nsb_stop_signal_pending ();

  if (sig != 0)
    return nsb_error_set (err, EINTR, "interrupted by %s: nothing installed",
                          strsignal (sig));
  if (!a->o->writable
      && (nsb_test_point ("read-only")
          || syscall (SYS_mount_setattr, mntfd, "", AT_EMPTY_PATH, &attr,
                      sizeof (attr))
                 < 0))
    return nsb_error_errno (err, "make the instance read-only");
  if (!attached
      && (nsb_test_point ("move-mount")
          || syscall (SYS_move_mount, mntfd, "", dirfd, "",
                      MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
                 < 0))
    return nsb_error_errno (err, "attach the instance at %s",
                            mountpoint_of (a->o->mountpoint));
  return 0;
}

static int
install_op (struct nsb_target *t, void *arg, struct nsb_report *rep,
            nsb_error_t *err)
{
  struct install_args *a = arg;
  cleanup_close int dirfd = nsb_target_open_mountpoint (
      t, mountpoint_of (a->o->mountpoint), O_PATH, err);
  cleanup_close int mntfd = -1;
  cleanup_free char (*added)[NSB_ENTRY_NAME_MAX + 1] = NULL;
  size_t n_added = 0;
  int ret;

  if (dirfd < 0)
    return nsb_error_prefix (err, "mount point");
  mntfd = nsb_instance_open (err);
  if (mntfd < 0)
    return mntfd;
  added = calloc (a->n + 2, sizeof (*added));
  if (added == NULL)
    return nsb_error_errno (err, "install");
  ret = register_verify (t, mntfd, a, added, &n_added, rep, err);
  if (ret == 0)
    {
      nsb_test_point ("registered");
      ret = seal_attach (a, mntfd, dirfd, nsb_instance_is_same (dirfd, mntfd),
                         err);
    }
  if (ret < 0)
    nsb_instance_remove_entries (mntfd, added, n_added);
  return ret;
}

int
nsb_install (struct nsb_target *t, const struct nsb_rule *rules, size_t n,
             const struct nsb_install_opts *o, struct nsb_report *rep,
             nsb_error_t *err)
{
  struct install_args a = { rules, n, o };
  return nsb_target_run (t, install_op, &a, rep, err);
}

/* The instance at the target's mount point, opened for reading. */
static int
open_instance_dir (struct nsb_target *t, const char *mountpoint,
                   nsb_error_t *err)
{
  int fd = nsb_target_open_mountpoint (t, mountpoint_of (mountpoint), O_RDONLY,
                                       err);
  struct statfs sfs;

  if (fd < 0)
    return fd;
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

void
nsb_entries_free (struct nsb_entry *entries, size_t n)
{
  for (size_t i = 0; i < n; i++)
    nsb_entry_free (&entries[i]);
  free (entries);
}

/* The instance at the target's mount point (*FD) and its entries' names. */
static int
open_entry_names (struct nsb_target *t, const char *mountpoint, int *fd,
                  char ***names, size_t *n, nsb_error_t *err)
{
  *fd = open_instance_dir (t, mountpoint, err);
  if (*fd < 0)
    return *fd;
  return nsb_instance_entry_names (*fd, names, n, err);
}

int
nsb_list (struct nsb_target *t, const char *mountpoint,
          struct nsb_entry **entries, size_t *n, nsb_error_t *err)
{
  cleanup_close int fd = -1;
  char **names = NULL;
  size_t count = 0;
  int ret = open_entry_names (t, mountpoint, &fd, &names, &count, err);

  *entries = NULL;
  *n = 0;
  if (ret < 0)
    return ret;
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
    return dirfd;
  /* From inside, a read-only instance stays so: asking the kernel for a
   * handle here would make a new, empty instance for this user namespace
   * (run's command has none of its own) and hide the one in use. */
  if (t->pid == 0 && fstatvfs (dirfd, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
    return nsb_error_set (err, EROFS,
                          "the instance at %s is read-only (nsbinfmt run "
                          "without --writable): its entries stay",
                          mountpoint_of (mountpoint));
  mntfd = nsb_instance_open (err);
  if (mntfd >= 0 && !nsb_instance_is_same (dirfd, mntfd))
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
    return mntfd;
  if (a->name
      && (nsb_instance_is_control_file (a->name) || strchr (a->name, '/')))
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
  int ret = nsb_target_run (t, remove_op, &a, &rep, err);
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
  cleanup_close int fd = -1;
  char **names = NULL;
  size_t n = 0;
  int ret = open_entry_names (t, a->mountpoint, &fd, &names, &n, err);

  if (ret < 0)
    return ret;
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
  return nsb_target_run (t, verify_op, &a, rep, err);
}
