/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A minimal TAP producer for the C unit tests (automake's tap-driver.sh). */
#ifndef NSB_TAP_H
#define NSB_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static inline void
tap_ok (int cond, const char *fmt, ...)
{
  va_list ap;
  printf ("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  putchar ('\n');
  fflush (stdout);
  if (!cond)
    tap_failed++;
}

/* A skip is a failure in CI (CI=true) when the machine could run the test. */
static inline void
tap_skip (const char *why)
{
  const char *ci = getenv ("CI");
  if (ci != NULL && strcmp (ci, "true") == 0)
    tap_ok (0, "skipped in CI: %s", why);
  else
    printf ("ok %d # SKIP %s\n", ++tap_n, why);
}

static inline void
tap_diag (const char *fmt, ...)
{
  va_list ap;
  fputs ("# ", stdout);
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  putchar ('\n');
}

static inline int
tap_done (void)
{
  printf ("1..%d\n", tap_n);
  return tap_failed ? 1 : 0;
}

#endif
