/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The error convention: a setter's return value is the error's -status. */
#include "config.h"

#include <errno.h>

#include "error.h"
#include "tap.h"

static int
fails_with (int status, nsb_error_t *err)
{
  return nsb_error_set (err, status, "failed with %d", status);
}

int
main (void)
{
  nsb_error_t err = NULL;
  int r;

  r = fails_with (EEXIST, &err);
  tap_ok (r == -EEXIST && err && err->status == EEXIST,
          "the return value carries the status: %d", r);
  r = fails_with (ENOENT, &err);
  tap_ok (r == -ENOENT && err->status == EEXIST,
          "a second error returns its own status, keeps the first");
  r = nsb_error_prefix (&err, "outer");
  tap_ok (r == -EEXIST && strcmp (err->msg, "outer: failed with 17") == 0,
          "a prefix returns the error's status: %s", err->msg);
  nsb_error_release (&err);
  tap_ok (fails_with (EPERM, NULL) == -EPERM, "without an error object too");
  tap_ok (fails_with (0, &err) == -EIO && err->status == EIO,
          "a status of 0 is EIO: never a return of 0");
  nsb_error_release (&err);
  tap_ok (nsb_error_set (&err, NSB_DECLINED, "no") == -NSB_DECLINED
              && NSB_DECLINED > 4095,
          "a decline is above every errno");
  nsb_error_release (&err);
  errno = ENOSPC;
  r = nsb_error_errno (&err, "write");
  tap_ok (r == -ENOSPC && strstr (err->msg, "write: ") == err->msg,
          "nsb_error_errno: %s", err->msg);
  nsb_error_release (&err);
  return tap_done ();
}
