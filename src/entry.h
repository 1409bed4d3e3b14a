/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Entry files read back: what fs/binfmt_misc.c prints for an entry. */
#ifndef NSB_ENTRY_H
#define NSB_ENTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "rule.h"

/* An entry file read back ("enabled\ninterpreter ...\nflags: ...\n..."). */
struct nsb_bound
{
  char name[NSB_BOUND_NAME_MAX + 1];
  char *path;
};

struct nsb_entry
{
  bool enabled;
  struct nsb_rule rule; /* name filled by the caller: it is the file name */
  size_t n_bound;
  struct nsb_bound *bound; /* B entries: the interpreters it bound */
};

int nsb_entry_parse (const char *text, size_t len, struct nsb_entry *entry,
                     nsb_error_t *err);
/* The entry file NAME of the instance mounted at MNTFD, parsed. */
int nsb_entry_read_at (int mntfd, const char *name, struct nsb_entry *entry,
                       nsb_error_t *err);
void nsb_entry_free (struct nsb_entry *entry);

#endif
