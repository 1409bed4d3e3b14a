/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The $ORIGIN loader (Linux >= 7.3, CONFIG_BINFMT_MISC_BPF): one B entry,
 * backed by nsbinfmt's handler src/bpf/origin.bpf.c, that runs native ELF
 * binaries whose PT_INTERP is "$ORIGIN/..." (relocatable, Nix-style) with
 * that loader resolved against the binary's directory, as a native exec.
 * Loaded by root before entering the target, attached from inside it, like
 * the selector (selector.h).
 */
#ifndef NSB_ORIGIN_H
#define NSB_ORIGIN_H

#include <stdbool.h>

#include "error.h"
#include "pin.h"

#define NSB_ORIGIN_ENTRY "nsbinfmt-origin"

struct nsb_origin;

/* Load the handler, else use the pinned one (pin.h).  A kernel without B
 * entries, a build without libbpf, a caller without BPF rights and no
 * usable pin: one line in *err, never a silent no-op. */
int nsb_origin_prepare (struct nsb_origin **origin, nsb_error_t *err);
void nsb_origin_free (struct nsb_origin *origin);

/* As root: load the handler and pin it (pin.h), for users who cannot load
 * it themselves.  *CHANGED false: this build's was pinned already. */
int nsb_origin_pin (bool *changed, nsb_error_t *err);

/* In the target's user namespace: attach, register the B entry through
 * the instance at MNTFD, let the link go.  An entry already there that is
 * this handler's is reused (*ADDED false). */
int nsb_origin_install (struct nsb_origin *origin, int mntfd, bool *added,
                        nsb_error_t *err);

/* The loader's BPF object (origin-bpf.c; nobpf.c without libbpf), for its
 * struct nsb_handler_kind: opened with the host's native machines, and its
 * pin's object data. */
void *nsb_origin_open (const void *unused, nsb_error_t *err);
void nsb_origin_object (struct nsb_pin_spec *spec);

#endif
