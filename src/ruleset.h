/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A set of rules, by name, in registration order. */
#ifndef NSB_RULESET_H
#define NSB_RULESET_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "rule.h"

#define NSB_SOURCE_MAX (1024 * 1024) /* a larger file is refused */

/*
 * Rules in registration order.  Names are unique: a rule added under a name
 * the set already holds replaces it and moves to the end, as systemd-binfmt
 * deletes an entry and registers it again (and the kernel tries the newest
 * entry first).  A zeroed struct is an empty set.
 */
struct nsb_ruleset
{
  size_t n;
  struct nsb_rule *rules;
  char **origins; /* "file:line" for each rule */
};

/* Add one rule built in memory (already valid), from ORIGIN (e.g.
 * "--emulate aarch64"), replacing one of the same name. */
int nsb_ruleset_add_rule (struct nsb_ruleset *set, const struct nsb_rule *rule,
                          const char *origin, nsb_error_t *err);

/* The rule called NAME, or NULL. */
const struct nsb_rule *nsb_ruleset_find (const struct nsb_ruleset *set,
                                         const char *name);

/* Free what SET holds and leave it empty. */
void nsb_ruleset_free (struct nsb_ruleset *set);

/* For the readers of source files (binfmtd.c, binfmts.c): a batch is a
 * set of its own, merged into the set only when all of it parsed. */

/* Room for one more rule: B->rules[B->n] and B->origins[B->n]. */
int nsb_ruleset_reserve (struct nsb_ruleset *b, nsb_error_t *err);

/* Parse register string S (LEN bytes) into a new last rule of B.  ORIGIN
 * ("file:line", nsb_ruleset_where) is taken over; an error is prefixed
 * with WHERE. */
int nsb_ruleset_parse_into (struct nsb_ruleset *b, const char *s, size_t len,
                            unsigned kf, const char *where, char *origin,
                            nsb_error_t *err);

/* "FILE:LINE", or NULL with errno set. */
char *nsb_ruleset_where (const char *file, unsigned line);

/* Append batch B to SET, a later rule replacing an earlier one of the same
 * name.  B is emptied either way; SET only changes on success. */
int nsb_ruleset_commit (struct nsb_ruleset *set, struct nsb_ruleset *b,
                        nsb_error_t *err);

/* The contents of PATH (beneath ROOTFD when >= 0, a hostile tree), a
 * regular file of at most NSB_SOURCE_MAX bytes, NUL-terminated.  *BUF is
 * NULL, with no error, for /dev/null and, if MISSING_OK, for a path that
 * does not resolve. */
int nsb_source_read (int rootfd, const char *path, bool missing_ok, char **buf,
                     size_t *len, nsb_error_t *err);

#endif
