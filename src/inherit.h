/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Entries of the host's table (the one mounted at /proc/sys/fs/binfmt_misc
 * where nsbinfmt runs) copied into a private instance on request: FEX,
 * box64, wine or Java handlers that a private table would otherwise hide.
 * The copies get F, so their interpreters are opened from the host's root
 * when they are registered, and work in any container.
 */
#ifndef NSB_INHERIT_H
#define NSB_INHERIT_H

#include <stddef.h>

#include "error.h"
#include "ruleset.h"

#define NSB_INHERIT_ALL "all"

/* Add to SET the host's entries NAMES (N of them), or, where a name is
 * "all", each of its enabled magic and extension entries.  A name the
 * host's table does not have, or that nsbinfmt cannot copy (a bpf entry,
 * a disabled one), is an error. */
int nsb_inherit (char *const *names, size_t n, struct nsb_ruleset *set,
                 nsb_error_t *err);

#endif
