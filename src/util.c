/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "util.h"

/* openat2(2), again while it says EAGAIN (a rename raced the lookup). */
static int
openat2_retry (int dirfd, const char *path, uint64_t flags,
               unsigned long long resolve)
{
  struct open_how how = { .flags = flags | O_CLOEXEC, .resolve = resolve };
  int fd;

  do
    fd = (int)syscall (SYS_openat2, dirfd, path, &how, sizeof (how));
  while (fd < 0 && errno == EAGAIN);
  return fd;
}

int
nsb_open_in_root (int rootfd, const char *path, int flags,
                  unsigned long long resolve, nsb_error_t *err)
{
  int fd = openat2_retry (rootfd, path, (uint64_t)flags,
                          NSB_RESOLVE_HOSTILE | resolve);

  if (fd < 0)
    return nsb_error_errno (err, "open `%s` inside the target root", path);
  return fd;
}

int
nsb_open_path (int dirfd, const char *path, unsigned long long resolve,
               nsb_error_t *err)
{
  int fd = openat2_retry (dirfd, path, O_PATH, resolve);

  if (fd < 0)
    return nsb_error_errno (err, "open `%s`", path);
  return fd;
}

int
nsb_reopen_regular (int pathfd, const char *what, nsb_error_t *err)
{
  char proc[64];
  struct stat st;
  int fd;

  if (fstat (pathfd, &st) < 0)
    return nsb_error_errno (err, "stat `%s`", what);
  if (!S_ISREG (st.st_mode))
    return nsb_error_set (err, S_ISDIR (st.st_mode) ? EISDIR : EINVAL,
                          "`%s` is not a regular file", what);
  snprintf (proc, sizeof (proc), "/proc/self/fd/%d", pathfd);
  fd = open (proc, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return nsb_error_errno (err, "reopen `%s` through %s", what, proc);
  return fd;
}

int
nsb_open_regular (int dirfd, const char *path, unsigned long long resolve,
                  nsb_error_t *err)
{
  cleanup_close int pathfd = nsb_open_path (dirfd, path, resolve, err);

  return pathfd < 0 ? -1 : nsb_reopen_regular (pathfd, path, err);
}

int
nsb_read_fd (int fd, size_t max, char **out, size_t *len, nsb_error_t *err)
{
  size_t cap = 4096, used = 0;
  char *buf = malloc (cap + 1);

  if (buf == NULL)
    return nsb_error_errno (err, "read");
  for (;;)
    {
      ssize_t n;
      if (used == cap)
        {
          char *nb;
          if (cap > max)
            break;
          cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
          nb = realloc (buf, cap + 1);
          if (nb == NULL)
            {
              free (buf);
              return nsb_error_errno (err, "read");
            }
          buf = nb;
        }
      n = read (fd, buf + used, cap - used);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          free (buf);
          return nsb_error_errno (err, "read");
        }
      if (n == 0)
        break;
      used += (size_t)n;
    }
  if (used > max)
    {
      free (buf);
      return nsb_error_set (err, E2BIG, "larger than %zu bytes", max);
    }
  buf[used] = '\0';
  *out = buf;
  if (len)
    *len = used;
  return 0;
}

int
nsb_read_file_at (int dirfd, const char *path, unsigned long long resolve,
                  size_t max, char **out, size_t *len, nsb_error_t *err)
{
  cleanup_close int fd = nsb_open_regular (dirfd, path, resolve, err);

  if (fd < 0)
    return fd;
  if (nsb_read_fd (fd, max, out, len, err) < 0)
    return nsb_error_prefix (err, "`%s`", path);
  return 0;
}

int
nsb_write_once (int fd, const void *buf, size_t len, const char *what,
                nsb_error_t *err)
{
  ssize_t n;

  do
    n = write (fd, buf, len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return nsb_error_errno (err, "write to %s", what);
  if ((size_t)n != len)
    {
      errno = EIO;
      return nsb_error_set (err, EIO, "short write to %s", what);
    }
  return 0;
}

int
nsb_write_file_at (int dirfd, const char *path, const void *buf, size_t len,
                   nsb_error_t *err)
{
  cleanup_close int fd = openat (dirfd, path, O_WRONLY | O_CLOEXEC);

  if (fd < 0)
    return nsb_error_errno (err, "open `%s` for writing", path);
  return nsb_write_once (fd, buf, len, path, err);
}

bool
nsb_parse_int (const char *s, long long min, long long max, long long *out)
{
  char *end = NULL;
  long long v;

  if (s == NULL || *s == '\0')
    return false;
  errno = 0;
  v = strtoll (s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
    return false;
  *out = v;
  return true;
}

int
nsb_chroot_fd (int dirfd, nsb_error_t *err)
{
  if (fchdir (dirfd) < 0 || chroot (".") < 0 || chdir ("/") < 0)
    return nsb_error_errno (err, "chroot");
  return 0;
}

static bool
env_is (const char *name, const char *value)
{
  const char *v = getenv (name);
  return v != NULL && strcmp (v, value) == 0;
}

bool
nsb_test_point (const char *point)
{
  if (env_is ("NSBINFMT_TEST_STOP_AT", point))
    raise (SIGSTOP);
  if (!env_is ("NSBINFMT_TEST_FAIL_AT", point))
    return false;
  errno = EIO;
  return true;
}

bool
nsb_same_file (int a, int b)
{
  struct stat sa, sb;
  return fstat (a, &sa) == 0 && fstat (b, &sb) == 0 && sa.st_dev == sb.st_dev
         && sa.st_ino == sb.st_ino;
}

pid_t
nsb_fork_piped (int *fd, nsb_error_t *err)
{
  int p[2];
  pid_t pid;

  if (pipe2 (p, O_CLOEXEC) < 0)
    return nsb_error_errno (err, "pipe");
  pid = fork ();
  if (pid < 0)
    {
      close (p[0]);
      close (p[1]);
      return nsb_error_errno (err, "fork");
    }
  close (pid == 0 ? p[0] : p[1]);
  *fd = pid == 0 ? p[1] : p[0];
  return pid;
}

int
nsb_hex_digit (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}
