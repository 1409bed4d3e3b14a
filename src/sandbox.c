/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sandbox of `nsbinfmt run`: the user and mount namespaces it makes
 * for itself, and the child namespace its command runs in, where the
 * read-only instance it inherits is locked.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"
#include "util.h"

static int
write_proc_self (const char *file, const char *text, nsb_error_t *err)
{
  return nsb_write_file_at (AT_FDCWD, file, text, strlen (text), err);
}

/* The maps of a user namespace this process is about to create.  Only a
 * process left in the parent namespace may write maps of more than one id
 * (as newuidmap does): a helper, forked before the unshare, writes them
 * when told through its pipe, and exits. */
struct map_helper
{
  pid_t pid;
  int fd;
};

static int
map_helper_start (struct map_helper *h, const char *uid_map,
                  const char *gid_map, nsb_error_t *err)
{
  pid_t parent = getpid ();
  char path[64], go;
  int p[2], ok;

  if (pipe2 (p, O_CLOEXEC) < 0 || (h->pid = fork ()) < 0)
    return nsb_error_errno (err, "map ids");
  close (p[h->pid == 0 ? 1 : 0]);
  h->fd = p[h->pid == 0 ? 0 : 1];
  if (h->pid != 0)
    return 0;
  ok = read (h->fd, &go, 1) == 1;
  for (int i = 0; ok && i < 2; i++)
    {
      const char *map = i ? gid_map : uid_map;
      snprintf (path, sizeof (path), "/proc/%d/%s", (int)parent,
                i ? "gid_map" : "uid_map");
      ok = nsb_write_file_at (AT_FDCWD, path, map, strlen (map), NULL) == 0;
    }
  _exit (ok ? 0 : 1);
}

static int
map_helper_finish (struct map_helper *h, nsb_error_t *err)
{
  int status;
  bool sent = write (h->fd, "x", 1) == 1;

  nsb_closep (&h->fd);
  while (waitpid (h->pid, &status, 0) < 0)
    if (errno != EINTR)
      return nsb_error_errno (err, "map ids");
  if (!sent || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return nsb_error_set (err, EPERM,
                          "could not map ids into the new user namespace");
  return 0;
}

static int
unshare_mapped (const char *uid_map, const char *gid_map, nsb_error_t *err)
{
  int ret;
  struct map_helper h;

  ret = map_helper_start (&h, uid_map, gid_map, err);
  if (ret < 0)
    return ret;
  if (unshare (CLONE_NEWUSER | CLONE_NEWNS) < 0)
    {
      ret = nsb_error_errno (err, "create a user and mount namespace");
      map_helper_finish (&h, NULL);
      return ret;
    }
  return map_helper_finish (&h, err);
}

int
nsb_sandbox_enter (bool keep_ids, nsb_error_t *err)
{
  int ret;
  static const char all[] = "0 0 4294967295\n";
  char map[64];
  uid_t uid = geteuid (); /* after unshare() they read as the overflow ids */
  gid_t gid = getegid ();

  if (keep_ids && uid != 0)
    return nsb_error_set (err, EPERM, "keeping the host's ids needs root");
  if (keep_ids)
    return unshare_mapped (all, all, err);
  if (unshare (CLONE_NEWUSER | CLONE_NEWNS) < 0)
    return nsb_error_errno (err, "create a user and mount namespace "
                                 "(are unprivileged user namespaces "
                                 "enabled?)");
  snprintf (map, sizeof (map), "0 %u 1\n", (unsigned)uid);
  if ((ret = write_proc_self ("/proc/self/uid_map", map, err)) < 0
      || (ret = write_proc_self ("/proc/self/setgroups", "deny", err)) < 0)
    return ret;
  snprintf (map, sizeof (map), "0 %u 1\n", (unsigned)gid);
  return write_proc_self ("/proc/self/gid_map", map, err);
}

/* FILE (/proc/self/uid_map or gid_map) as a map of the same ids onto
 * themselves, for a child namespace: "inside inside count" per line. */
static int
identity_map (const char *file, char *out, size_t size, nsb_error_t *err)
{
  int ret;
  cleanup_free char *text = NULL;
  unsigned long long in, host, count;
  size_t used = 0;
  int n = 0;

  ret = nsb_read_file_at (AT_FDCWD, file, 0, 65536, &text, NULL, err);
  if (ret < 0)
    return ret;
  out[0] = '\0';
  for (const char *p = text;
       sscanf (p, "%llu %llu %llu%n", &in, &host, &count, &n) == 3; p += n)
    {
      int w = snprintf (out + used, size - used, "%llu %llu %llu\n", in, in,
                        count);
      if (w < 0 || (size_t)w >= size - used)
        return nsb_error_set (err, E2BIG, "%s is too long", file);
      used += (size_t)w;
    }
  return 0;
}

int
nsb_sandbox_lock (nsb_error_t *err)
{
  char uid_map[8192], gid_map[8192];
  int ret
      = identity_map ("/proc/self/uid_map", uid_map, sizeof (uid_map), err);

  if (ret == 0)
    ret = identity_map ("/proc/self/gid_map", gid_map, sizeof (gid_map), err);
  if (ret < 0)
    return ret;
  if (unshare_mapped (uid_map, gid_map, err) < 0)
    return nsb_error_prefix (err, "lock the instance read-only");
  return 0;
}
