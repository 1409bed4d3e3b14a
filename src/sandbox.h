/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The sandbox of `nsbinfmt run` (and of the kernel probe). */
#ifndef NSB_SANDBOX_H
#define NSB_SANDBOX_H

#include <stdbool.h>

#include "error.h"

/* Make a new user and mount namespace for this process, with the caller's
 * uid and gid mapped to root in it (what `unshare -Urm` does), or, for
 * root with KEEP_IDS, every host id mapped to itself: still a new user
 * namespace (so a private instance) whose files keep their owners, as
 * nix-daemon and its build users need. */
int nsb_sandbox_enter (bool keep_ids, nsb_error_t *err);

/* Move this process into a child user and mount namespace with the same
 * ids: its instance stays the one its execs use (the child has none of its
 * own), but the mounts it inherits are locked, so the read-only instance
 * cannot be remounted writable or unmounted, even by root in the child. */
int nsb_sandbox_lock (nsb_error_t *err);

#endif
