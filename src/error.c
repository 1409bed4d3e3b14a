/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

static int
status_of (int status)
{
  return status > 0 ? status : EIO;
}

static int
error_vset (nsb_error_t *err, int status, const char *suffix, const char *fmt,
            va_list ap)
{
  char *msg = NULL;
  nsb_error_t e;

  status = status_of (status);
  if (err == NULL || *err != NULL)
    return -status;
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  if (msg != NULL && suffix != NULL)
    {
      char *full = NULL;
      if (asprintf (&full, "%s: %s", msg, suffix) >= 0)
        {
          free (msg);
          msg = full;
        }
    }
  e = calloc (1, sizeof (*e));
  if (e == NULL)
    {
      free (msg);
      return -status;
    }
  e->status = status;
  e->msg = msg != NULL ? msg : strdup ("out of memory");
  *err = e;
  return -status;
}

int
nsb_error_set (nsb_error_t *err, int status, const char *fmt, ...)
{
  va_list ap;
  int ret;

  va_start (ap, fmt);
  ret = error_vset (err, status, NULL, fmt, ap);
  va_end (ap);
  return ret;
}

int
nsb_error_errno (nsb_error_t *err, const char *fmt, ...)
{
  int saved = errno;
  va_list ap;
  int ret;

  va_start (ap, fmt);
  ret = error_vset (err, saved, strerror (saved), fmt, ap);
  va_end (ap);
  errno = saved;
  return ret;
}

int
nsb_error_prefix (nsb_error_t *err, const char *fmt, ...)
{
  char *prefix = NULL, *full = NULL;
  va_list ap;

  if (err == NULL || *err == NULL)
    return -EIO;
  va_start (ap, fmt);
  if (vasprintf (&prefix, fmt, ap) < 0)
    prefix = NULL;
  va_end (ap);
  if (prefix != NULL && asprintf (&full, "%s: %s", prefix, (*err)->msg) >= 0)
    {
      free ((*err)->msg);
      (*err)->msg = full;
    }
  free (prefix);
  return -(*err)->status;
}

void
nsb_error_release (nsb_error_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  free ((*err)->msg);
  free (*err);
  *err = NULL;
}
