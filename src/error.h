/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library's one error convention, crun's: a failing function returns
 * the negative status of its error (-errno, or -NSB_DECLINED) and, when
 * given an nsb_error_t *err, fills *err with that status and one line
 * saying what failed and why.  The return value carries the cause: a
 * caller tests `ret == -EEXIST`, never the error object.  The setters
 * return that value, so a failure is `return nsb_error_set (...)`, and a
 * caller passes an error on with `if (ret < 0) return ret`.  Only main()s
 * print and exit.
 */
#ifndef NSB_ERROR_H
#define NSB_ERROR_H

#include <stdarg.h>

/* The status of a decline: what was asked for cannot be done that way, and
 * the caller may fall back (magic entries instead of the bpf selector).
 * Above every errno value (MAX_ERRNO is 4095), so no failure of the
 * kernel's can pass for it. */
#define NSB_DECLINED 4096

struct nsb_error_s
{
  int status; /* an errno value, or NSB_DECLINED; never 0 */
  char *msg;  /* one line, no trailing newline */
};
typedef struct nsb_error_s *nsb_error_t;

/* Set *err (if err is not NULL and *err is still empty); return -STATUS
 * (-EIO for a STATUS of 0). */
int nsb_error_set (nsb_error_t *err, int status, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* nsb_error_set with status = errno and ": strerror(errno)" appended. */
int nsb_error_errno (nsb_error_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* Put "PREFIX: " in front of an existing error's message; returns its
 * -status (-EIO without one). */
int nsb_error_prefix (nsb_error_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* Free *err and set it to NULL. */
void nsb_error_release (nsb_error_t *err);

static inline void
nsb_error_cleanup (nsb_error_t *err)
{
  nsb_error_release (err);
}
#define cleanup_error __attribute__ ((cleanup (nsb_error_cleanup)))

#endif
