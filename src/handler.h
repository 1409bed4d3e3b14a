/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The life cycle that nsbinfmt's binfmt_misc_ops handlers (the bpf
 * selector, the $ORIGIN loader) share: loaded here (root), else a pin
 * (pin.h) that root loaded once; attached, for a moment, in the user
 * namespace of the process that registers the B entry that uses it; then
 * kept alive by that entry alone.
 *
 * What needs libbpf is in handler-bpf.c, pin-bpf.c and each handler's *-bpf.c;
 * a build without it links nobpf.c instead, whose every function says so.
 */
#ifndef NSB_HANDLER_H
#define NSB_HANDLER_H

#include <stdbool.h>
#include <stddef.h>

#include "entry.h"
#include "error.h"
#include "pin.h"

enum nsb_handler_mode
{
  NSB_HANDLER_AUTO,  /* the selector where it loads, else magic entries */
  NSB_HANDLER_MAGIC, /* magic entries only */
  NSB_HANDLER_BPF,   /* the selector or an error */
};

/* "auto", "magic", "bpf" */
int nsb_handler_mode_parse (const char *s, enum nsb_handler_mode *mode,
                            nsb_error_t *err);

/* What the handler a B entry names is, for status and verify: "the bpf
 * selector, pinned by root (nsbinfmt pin)", ... */
const char *nsb_handler_describe (const char *name);

/* One of nsbinfmt's handlers: selector.c's, origin.c's. */
struct nsb_handler_kind
{
  const char *what; /* for messages: "the bpf selector" */
  const char *name; /* the name it registers under when loaded here */
  const char *none; /* "no pinned selector" */
  /* Its pin's names (the parts that do not come from the object). */
  struct nsb_pin_spec pin;
  /* Open its skeleton (*-bpf.c), its read-only data filled in from ARG. */
  void *(*open) (const void *arg, nsb_error_t *err);
  /* Complete SPEC from this build's object: .rodata size, build id. */
  void (*object) (struct nsb_pin_spec *spec);
  /* If set: does the pin whose .rodata is RODATA serve ARG? */
  int (*pin_serves) (const void *arg, const void *rodata, nsb_error_t *err);
};

/* A handler in use: loaded here (skel, map), or a pin (pin_fd). */
struct nsb_handler
{
  void *skel;
  void *map;
  int pin_fd;       /* >= 0: a pin */
  const char *name; /* the handler name a B entry refers to */
  const char *what; /* for messages */
  struct nsb_pinned pin;
};

/* Load KIND's handler (ARG fills its tables), else open its pin; H is
 * released with nsb_handler_release.  Neither: both reasons in *err, with
 * the pin's status. */
int nsb_handler_get (const struct nsb_handler_kind *kind, const void *arg,
                     struct nsb_handler *h, nsb_error_t *err);
void nsb_handler_release (struct nsb_handler *h);

/* As root: load KIND's handler and pin it (pin.h), for users who cannot
 * load it themselves.  BUILD_ID_MASK is XORed into the build id it
 * carries (not 0: a test's "other build").  *CHANGED false: this build's
 * was pinned already. */
int nsb_handler_pin (const struct nsb_handler_kind *kind, const void *arg,
                     unsigned long long build_id_mask, bool *changed,
                     nsb_error_t *err);

/* Load KIND's handler here (root): H holds the skeleton. */
int nsb_handler_load (const struct nsb_handler_kind *kind, const void *arg,
                      struct nsb_handler *h, nsb_error_t *err);
/* Free a skeleton KIND's open gave (NULL: nothing). */
void nsb_handler_destroy (void *skel);

/* Attach H in this process's user namespace: *LINK.  Detach with
 * nsb_handler_detach once the entry that uses it is registered: the entry
 * keeps the handler alive, the link only reserves its name (so a pin's attach
 * waits a moment for another install in the same namespace to let it go). */
struct nsb_handler_link;
int nsb_handler_attach (const struct nsb_handler *h,
                        struct nsb_handler_link **link, nsb_error_t *err);
void nsb_handler_detach (struct nsb_handler_link *link);

/* Register the B entry NAME for H (attached) through the instance at
 * MNTFD; DISABLED: with D, to be enabled once bound. */
int nsb_handler_register (const struct nsb_handler *h, int mntfd,
                          const char *name, bool disabled, nsb_error_t *err);

/* Is entry NAME at MNTFD an enabled B entry of handler HANDLER?  Then *E
 * holds it (nsb_entry_free). */
bool nsb_handler_entry_is (int mntfd, const char *name, const char *handler,
                           struct nsb_entry *e);

/* For the *-bpf.c files that open skeletons: libbpf quiet unless
 * NSBINFMT_DEBUG_BPF, before opening; after a skeleton's open or load
 * returned RET (< 0: -errno), the error naming WHAT and the rights loading
 * takes on EPERM. */
void nsb_handler_libbpf_quiet (void);
int nsb_handler_load_error (int ret, const char *what, nsb_error_t *err);

/* Which build loaded a handler: FNV-1a (64 bits) of its BPF object. */
unsigned long long nsb_handler_build_id (const void *object, size_t size);

#endif
