/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What nsbinfmt's binfmt_misc_ops handlers (the bpf selector, the $ORIGIN
 * loader) share: the kernel they need, libbpf's loading, and the struct_ops
 * link that registers a handler, for a moment, in the user namespace of
 * the process that makes it.
 */
#ifndef NSB_HANDLER_H
#define NSB_HANDLER_H

#include <stdbool.h>

#include "error.h"

/* Linux >= 7.3, where binfmt_misc_ops first appeared: below it, looking
 * for it in the kernel's BTF (megabytes) would cost every container. */
bool nsb_kernel_may_have_handlers (void);

/* After a skeleton's __open() or __load() returned RET (< 0: -errno): the
 * error, naming WHAT, and the rights loading takes on EPERM.  Returns -1. */
int nsb_handler_load_error (int ret, const char *what, nsb_error_t *err);

/* Before opening a skeleton: libbpf quiet unless NSBINFMT_DEBUG_BPF. */
void nsb_handler_libbpf_quiet (void);

/* Attach the struct_ops MAP (a struct bpf_map *) in this process's user
 * namespace; the link, or NULL with *err set.  Detach with
 * nsb_handler_detach once the entry that uses it is registered: the entry
 * keeps the handler alive, the link only reserves its name. */
void *nsb_handler_attach (void *map, const char *what, nsb_error_t *err);
void nsb_handler_detach (void *link);

#endif
