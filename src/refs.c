/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf/selector.h"
#include "entry.h"
#include "instance.h"
#include "refs.h"
#include "util.h"

/* The host uid this process runs as: the outer id of its euid, one user
 * namespace up, followed to the top through /proc/self/uid_map. */
static long
host_uid (void)
{
  cleanup_fclose FILE *f = fopen ("/proc/self/uid_map", "re");
  unsigned long inner, outer, count;
  uid_t uid = geteuid ();

  while (f && fscanf (f, "%lu %lu %lu", &inner, &outer, &count) == 3)
    if (uid >= inner && uid - inner < count)
      return (long)(outer + (uid - inner));
  return -1;
}

/* A directory no other user can have prepared for this one: a directory
 * (not a link to one) of this process's uid, that nobody else may write. */
static bool
is_own_private_dir (const char *path)
{
  struct stat st;

  return lstat (path, &st) == 0 && S_ISDIR (st.st_mode)
         && st.st_uid == geteuid () && (st.st_mode & 022) == 0;
}

/* A rootless user's runtime directory, by podman's rules when it has no
 * XDG_RUNTIME_DIR (hooks get none): /run/user/UID if that is the user's
 * own, else /tmp/podman-run-UID (made 0700 if missing), which must be the
 * user's own too.  There is no login session in a CI runner, a container
 * or after su, so no /run/user/UID.  Not $TMPDIR: runc gives the prestart
 * hook podman 5's TMPDIR=/var/tmp, podman gives poststop none, and both
 * stages must find the same books. */
static int
user_runtime_dir (long uid, char *out, size_t size, nsb_error_t *err)
{
  snprintf (out, size, "/run/user/%ld", uid);
  if (is_own_private_dir (out))
    return 0;
  snprintf (out, size, "/tmp/podman-run-%ld", uid);
  if (mkdir (out, 0700) < 0 && errno != EEXIST)
    return nsb_error_errno (err, "mkdir %s", out);
  if (is_own_private_dir (out))
    return 0;
  return nsb_error_set (err, EPERM,
                        "neither /run/user/%ld nor %s is a directory of this "
                        "user's that no other user may write",
                        uid, out);
}

int
nsb_refs_dir (char *out, size_t size, nsb_error_t *err)
{
  const char *env = getenv ("NSBINFMT_STATE_DIR");
  char base[PATH_MAX];
  struct stat st;
  long uid = host_uid ();
  int n, ret;

  if (stat ("/proc/self/ns/user", &st) < 0)
    return nsb_error_errno (err, "/proc/self/ns/user");
  if (env && *env)
    snprintf (base, sizeof (base), "%s", env);
  else if (uid == 0)
    snprintf (base, sizeof (base), "/run/nsbinfmt");
  else if (uid < 0)
    return nsb_error_set (err, ENOENT, "no host uid for this process");
  else if ((ret = user_runtime_dir (uid, base, sizeof (base), err)) < 0)
    return ret;
  else
    strncat (base, "/nsbinfmt", sizeof (base) - strlen (base) - 1);
  n = snprintf (out, size, "%s/%lu", base, (unsigned long)st.st_ino);
  return n > 0 && (size_t)n < size
             ? 0
             : nsb_error_set (err, ENAMETOOLONG, "state directory");
}

/* mkdir -p, the last component mode 0700. */
static int
make_dirs (const char *path, nsb_error_t *err)
{
  char buf[PATH_MAX];

  snprintf (buf, sizeof (buf), "%s", path);
  for (char *p = buf + 1; *p; p++)
    if (*p == '/')
      {
        *p = '\0';
        if (mkdir (buf, 0700) < 0 && errno != EEXIST)
          return nsb_error_errno (err, "mkdir %s", buf);
        *p = '/';
      }
  if (mkdir (buf, 0700) < 0 && errno != EEXIST)
    return nsb_error_errno (err, "mkdir %s", buf);
  return 0;
}

/* DIR created, opened and locked; the lock goes with the fd. */
static int
open_locked (const char *dir, nsb_error_t *err)
{
  int ret;
  int fd;

  ret = make_dirs (dir, err);
  if (ret < 0)
    return ret;
  fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return nsb_error_errno (err, "open %s", dir);
  if (flock (fd, LOCK_EX) < 0)
    {
      close (fd);
      return nsb_error_errno (err, "lock %s", dir);
    }
  return fd;
}

static bool
safe_name (const char *s)
{
  return s[0] && s[0] != '.' && strlen (s) < 256 && !strchr (s, '/');
}

int
nsb_refs_take (const char *dir, const char *container,
               const struct nsb_ruleset *set, nsb_error_t *err)
{
  cleanup_close int dfd = -1;

  if (!safe_name (container))
    return nsb_error_set (err, EINVAL, "bad container id `%s`", container);
  dfd = open_locked (dir, err);
  if (dfd < 0)
    return dfd;
  for (size_t i = 0; i < set->n; i++)
    {
      char ref[PATH_MAX];
      cleanup_close int fd = -1;
      snprintf (ref, sizeof (ref), "%s/%s", set->rules[i].name, container);
      if (mkdirat (dfd, set->rules[i].name, 0700) < 0 && errno != EEXIST)
        return nsb_error_errno (err, "record %s", ref);
      fd = openat (dfd, ref, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
      if (fd < 0)
        return nsb_error_errno (err, "record %s", ref);
    }
  return 0;
}

/* Drop CONTAINER's reference to ENTRY; is the entry unused now? */
static bool
drop_one (int dfd, const char *entry, const char *container)
{
  char ref[PATH_MAX];
  int efd;
  DIR *d;
  bool unused = true;
  struct dirent *de;

  snprintf (ref, sizeof (ref), "%s/%s", entry, container);
  if (unlinkat (dfd, ref, 0) < 0 && errno == ENOENT)
    return false; /* not one of this container's entries */
  efd = openat (dfd, entry, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  d = efd >= 0 ? fdopendir (efd) : NULL;
  while (d && (de = readdir (d)) != NULL)
    if (de->d_name[0] != '.')
      unused = false;
  if (d)
    closedir (d);
  else if (efd >= 0)
    close (efd);
  if (unused)
    unlinkat (dfd, entry, AT_REMOVEDIR);
  return unused;
}

/* A bpf selector's entry binds several rules' emulators, under the rules'
 * names: it goes when no container uses any of them any more. */
static int
drop_selector_entries (int dfd, int mntfd, nsb_error_t *err)
{
  char **names;
  size_t n;
  int ret = 0;

  ret = nsb_instance_entry_names (mntfd, &names, &n, err);
  if (ret < 0)
    return ret;
  for (size_t i = 0; i < n && ret == 0; i++)
    {
      struct nsb_entry e;
      bool used = false;
      if (nsb_entry_read_at (mntfd, names[i], &e, NULL) < 0)
        continue;
      if (e.rule.type == NSB_TYPE_BPF
          && (strcmp (e.rule.interpreter, NSB_SEL_HANDLER) == 0
              || strcmp (e.rule.interpreter, NSB_SEL_HANDLER_PINNED) == 0))
        {
          for (size_t j = 0; j < e.n_bound && !used; j++)
            used = faccessat (dfd, e.bound[j].name, F_OK, 0) == 0;
          if (!used && nsb_write_file_at (mntfd, names[i], "-1", 2, NULL) < 0
              && errno != ENOENT)
            ret = nsb_error_errno (err, "remove entry %s", names[i]);
        }
      nsb_entry_free (&e);
    }
  nsb_names_free (names, n);
  return ret;
}

int
nsb_refs_drop (const char *dir, const char *container, nsb_error_t *err)
{
  cleanup_close int dfd = -1, mntfd = -1;
  struct dirent *de;
  int ret = 0;
  DIR *d;

  if (!safe_name (container))
    return nsb_error_set (err, EINVAL, "bad container id `%s`", container);
  if (access (dir, F_OK) < 0 && errno == ENOENT)
    return 0; /* no container of this namespace ever took one */
  dfd = open_locked (dir, err);
  if (dfd < 0)
    return dfd;
  d = fdopendir (dup (dfd));
  if (d == NULL)
    return nsb_error_errno (err, "read %s", dir);
  while ((de = readdir (d)) != NULL)
    {
      if (!safe_name (de->d_name) || !drop_one (dfd, de->d_name, container))
        continue;
      /* The instance, if any container still holds it (else a fresh,
       * empty one that dies with this fd). */
      if (mntfd < 0)
        mntfd = nsb_instance_open_self (NULL);
      if (mntfd >= 0
          && nsb_write_file_at (mntfd, de->d_name, "-1", 2, NULL) < 0
          && errno != ENOENT)
        {
          ret = nsb_error_errno (err, "remove entry %s", de->d_name);
          break;
        }
    }
  closedir (d);
  if (ret == 0 && mntfd >= 0)
    ret = drop_selector_entries (dfd, mntfd, err);
  return ret;
}
