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
#include <stddef.h>

#include "error.h"

/* Linux >= 7.3, where binfmt_misc_ops first appeared: below it, looking
 * for it in the kernel's BTF (megabytes) would cost every container. */
bool nsb_kernel_may_have_handlers (void);

/* After a skeleton's __open() or __load() returned RET (< 0: -errno): the
 * error, naming WHAT, and the rights loading takes on EPERM.  Returns -1. */
int nsb_handler_load_error (int ret, const char *what, nsb_error_t *err);

/* Before opening a skeleton: libbpf quiet unless NSBINFMT_DEBUG_BPF. */
void nsb_handler_libbpf_quiet (void);

/* A handler to attach: the struct_ops map (a struct bpf_map *) of a
 * skeleton this process loaded, or a pinned one's fd (pin.h), which root
 * registered once when it pinned it. */
struct nsb_handler
{
  void *map;
  int pin_fd;       /* >= 0: a pin */
  const char *name; /* the handler name a B entry refers to */
  const char *what; /* for messages */
};

/* Attach H in this process's user namespace; the link, or NULL with *err
 * set.  Detach with nsb_handler_detach once the entry that uses it is
 * registered: the entry keeps the handler alive, the link only reserves
 * its name (so a pin's attach waits a moment for another install in the
 * same namespace to let it go). */
struct nsb_handler_link;
struct nsb_handler_link *nsb_handler_attach (const struct nsb_handler *h,
                                             nsb_error_t *err);
void nsb_handler_detach (struct nsb_handler_link *link);

/* What the handler a B entry names is, for status and verify: "the bpf
 * selector, pinned by root (nsbinfmt pin)", ... */
const char *nsb_handler_describe (const char *name);

/* Which build loaded a handler: FNV-1a (64 bits) of its BPF object. */
unsigned long long nsb_handler_build_id (const void *object, size_t size);

/* Before loading: the handler name the struct_ops MAP's value carries. */
int nsb_handler_set_name (void *map, const char *name, nsb_error_t *err);

#endif
