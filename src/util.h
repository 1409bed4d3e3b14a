/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers shared by the library: cleanup attributes and fd-based I/O. */
#ifndef NSB_UTIL_H
#define NSB_UTIL_H

#include <linux/openat2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "error.h"

static inline void
nsb_freep (void *p)
{
  free (*(void **)p);
}
static inline void
nsb_closep (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}
static inline void
nsb_fclosep (FILE **f)
{
  if (*f)
    fclose (*f);
}
#define cleanup_free __attribute__ ((cleanup (nsb_freep)))
#define cleanup_close __attribute__ ((cleanup (nsb_closep)))
#define cleanup_fclose __attribute__ ((cleanup (nsb_fclosep)))

#define NSB_ARRAY_SIZE(a) (sizeof (a) / sizeof ((a)[0]))

/* Hand an fd out of a cleanup_close variable. */
static inline int
nsb_steal_fd (int *fd)
{
  int r = *fd;
  *fd = -1;
  return r;
}

/*
 * Open PATH beneath ROOTFD, which is treated as the root of a hostile tree:
 * openat2 with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE (more
 * RESOLVE_* bits, e.g. RESOLVE_NO_SYMLINKS), O_CLOEXEC always.
 * Returns the fd or a negative status with *err set.
 */
int nsb_open_in_root (int rootfd, const char *path, int flags,
                      unsigned long long resolve, nsb_error_t *err);

/* The resolve flags for a path in a hostile tree (a rootfs). */
#define NSB_RESOLVE_HOSTILE (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

/* Open PATH (relative to DIRFD, or AT_FDCWD) O_PATH with openat2 and
 * RESOLVE, O_CLOEXEC always: nothing is opened for I/O yet, so neither a
 * FIFO nor a device node sees an open.  A negative status with *err set on
 * failure. */
int nsb_open_path (int dirfd, const char *path, unsigned long long resolve,
                   nsb_error_t *err);

/* Open the file behind PATHFD (an O_PATH fd, WHAT for messages) for
 * reading, if it is a regular file: checked first, then reopened through
 * /proc/self/fd, so it is the same inode and can be read without
 * blocking. */
int nsb_reopen_regular (int pathfd, const char *what, nsb_error_t *err);

/* nsb_open_path then nsb_reopen_regular. */
int nsb_open_regular (int dirfd, const char *path, unsigned long long resolve,
                      nsb_error_t *err);

/* Read at most MAX bytes of FD (from offset 0) into a NUL-terminated buffer.
 */
int nsb_read_fd (int fd, size_t max, char **out, size_t *len,
                 nsb_error_t *err);

/* Read the regular file at PATH (relative to DIRFD, resolved with RESOLVE)
 * into a NUL-terminated buffer; anything else is refused unopened. */
int nsb_read_file_at (int dirfd, const char *path, unsigned long long resolve,
                      size_t max, char **out, size_t *len, nsb_error_t *err);

/* Write all of BUF with one write(2): binfmt_misc files take one command a
 * write.  Returns 0, or a negative status with errno kept and *err set. */
int nsb_write_once (int fd, const void *buf, size_t len, const char *what,
                    nsb_error_t *err);

/* Write LEN bytes to the file at PATH (relative to DIRFD), one write. */
int nsb_write_file_at (int dirfd, const char *path, const void *buf,
                       size_t len, nsb_error_t *err);

/* chroot(2) to the directory DIRFD and chdir to its root. */
int nsb_chroot_fd (int dirfd, nsb_error_t *err);

/* fork() with a pipe from the child to the parent: returns 0 in the child
 * (write to *FD), the child's pid in the parent (read from *FD), or a
 * negative status with *err set.  The other end is closed on each side. */
pid_t nsb_fork_piped (int *fd, nsb_error_t *err);

/* A point the tests drive (never set in use): stop there with SIGSTOP when
 * $NSBINFMT_TEST_STOP_AT is POINT; true, meaning "fail this step with
 * EIO", when $NSBINFMT_TEST_FAIL_AT is POINT. */
bool nsb_test_point (const char *point);

/* Do two fds name the same file? */
bool nsb_same_file (int a, int b);

/* The value of hex digit C, or -1. */
int nsb_hex_digit (char c);

/* Parse a decimal int in [min, max]; false on anything else. */
bool nsb_parse_int (const char *s, long long min, long long max,
                    long long *out);

#endif
