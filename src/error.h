/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library's one error convention: a failing function returns a negative
 * value and, when given an nsb_error_t *err, fills *err with the errno value
 * and one line saying what failed and why.  Only main()s print and exit.
 */
#ifndef NSB_ERROR_H
#define NSB_ERROR_H

#include <stdarg.h>

struct nsb_error_s
{
  int status; /* an errno value, 0 when the failure has none */
  char *msg;  /* one line, no trailing newline */
};
typedef struct nsb_error_s *nsb_error_t;

/* Set *err (if err is not NULL and *err is still empty) and return -1. */
int nsb_error_set (nsb_error_t *err, int status, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* nsb_error_set with status = errno and ": strerror(errno)" appended. */
int nsb_error_errno (nsb_error_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* Put "PREFIX: " in front of an existing error's message; returns -1. */
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
