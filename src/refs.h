/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which containers use which entries of an instance they share.  Rootless
 * podman runs its containers in one user namespace, so they share its one
 * binfmt_misc instance: an entry must stay while any container that needed
 * it runs and go when the last one stops.  References live in a directory
 * per user namespace, DIR/ENTRY/CONTAINER-ID, under an flock.
 */
#ifndef NSB_REFS_H
#define NSB_REFS_H

#include <stddef.h>

#include "error.h"
#include "sources.h"

/* The directory for this process's user namespace: $NSBINFMT_STATE_DIR,
 * else /run/nsbinfmt (root on the host), else nsbinfmt in the directory
 * where podman keeps the runtime files of UID, the host uid this process
 * runs as: /run/user/UID if it is UID's own, else /tmp/podman-run-UID,
 * which must be too; then the namespace's inode. */
int nsb_refs_dir (char *out, size_t size, nsb_error_t *err);

/* CONTAINER uses the entries of SET. */
int nsb_refs_take (const char *dir, const char *container,
                   const struct nsb_ruleset *set, nsb_error_t *err);

/* CONTAINER has stopped: drop its references, and remove from this user
 * namespace's instance every entry no container uses any more: a magic
 * entry by its rule's name, a bpf selector's entry when none of the names
 * it bound is used. */
int nsb_refs_drop (const char *dir, const char *container, nsb_error_t *err);

#endif
