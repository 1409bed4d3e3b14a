/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Install, list, remove and verify the entries of a target's private
 * instance.  The initial user namespace's table is the host's, and
 * nothing here ever writes to it (target.h refuses it).
 */
#ifndef NSB_INSTALL_H
#define NSB_INSTALL_H

#include <stdbool.h>
#include <stddef.h>

#include "entry.h"
#include "error.h"
#include "instance.h"
#include "origin.h"
#include "rule.h"
#include "selector.h"
#include "target.h"
#include "verify.h"

struct nsb_install_opts
{
  const char *mountpoint; /* NULL: NSB_DEFAULT_MOUNTPOINT */
  bool writable;          /* leave the mount read-write */
  enum nsb_verify_level verify;
  /* If set (nsb_selector_prepare), it serves all the rules: one B entry
   * (NSB_SELECTOR_ENTRY...) instead of one entry per rule. */
  struct nsb_selector *selector;
  /* If set (nsb_origin_prepare), the $ORIGIN loader's entry is registered
   * first; RULES may then be empty. */
  struct nsb_origin *origin;
};

/* Mount (or reuse) the target's instance at the mount point, register the
 * rules with their interpreters resolved on the host, verify them, remount
 * read-only.  On any failure nothing of this call is left behind. */
int nsb_install (struct nsb_target *t, const struct nsb_rule *rules, size_t n,
                 const struct nsb_install_opts *o, struct nsb_report *rep,
                 nsb_error_t *err);

/* The entries of the instance mounted at the target's mount point. */
int nsb_list (struct nsb_target *t, const char *mountpoint,
              struct nsb_entry **entries, size_t *n, nsb_error_t *err);
void nsb_entries_free (struct nsb_entry *entries, size_t n);

/* Remove one entry (NAME) or all (NAME == NULL). */
int nsb_remove (struct nsb_target *t, const char *mountpoint, const char *name,
                nsb_error_t *err);

/* Check every entry at the target's mount point (see verify.h). */
int nsb_verify (struct nsb_target *t, const char *mountpoint,
                enum nsb_verify_level level, struct nsb_report *rep,
                nsb_error_t *err);

#endif
