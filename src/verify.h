/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Does every entry really run its interpreter inside the sandbox? */
#ifndef NSB_VERIFY_H
#define NSB_VERIFY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "rule.h"

enum nsb_verify_level
{
  NSB_VERIFY_NONE,   /* trust the kernel's acceptance */
  NSB_VERIFY_STATIC, /* enabled, F, interpreter static or its loader there */
  NSB_VERIFY_PROBE,  /* and run a generated probe of the entry's arch */
};

enum nsb_check_status
{
  NSB_CHECK_OK,
  NSB_CHECK_FAILED,
  NSB_CHECK_UNVERIFIED, /* nothing could be run for it (not an ELF magic) */
};

struct nsb_check
{
  char name[NSB_ENTRY_NAME_MAX + 1];
  char interpreter[PATH_MAX];
  int status; /* enum nsb_check_status */
  char detail[256];
};

struct nsb_report
{
  size_t n;
  struct nsb_check *checks;
  /* Set when an install did other than it was asked, and why: "magic
   * entries, not the pinned selector: ..." */
  char note[256];
};

void nsb_report_free (struct nsb_report *rep);
bool nsb_report_ok (const struct nsb_report *rep);
int nsb_report_add (struct nsb_report *rep, const struct nsb_check *c,
                    nsb_error_t *err);

/* In the target's namespaces already: check entry NAME of the instance
 * mounted at MNTFD.  ROOT_FD is the target's root, HOST_ROOT_FD where F
 * resolved the interpreter.  Appends one check to REP. */
int nsb_verify_entry (int mntfd, const char *name, int root_fd,
                      int host_root_fd, enum nsb_verify_level level,
                      struct nsb_report *rep, nsb_error_t *err);

#endif
