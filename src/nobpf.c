/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A build without libbpf (configure --without-bpf, and the static CLI for
 * build sandboxes): what handler-bpf.c, pin-bpf.c, selector-bpf.c and
 * origin-bpf.c do with libbpf, each a refusal that says so.  No handler is
 * ever loaded or opened, so none is attached, destroyed or pinned.
 */
#include "config.h"

#include <errno.h>

#include "handler.h"
#include "origin.h"
#include "selector.h"

#define WITHOUT_LIBBPF "nsbinfmt was built without libbpf"

int
nsb_handler_load (const struct nsb_handler_kind *kind, const void *arg,
                  struct nsb_handler *h, nsb_error_t *err)
{
  (void)arg;
  (void)h;
  return nsb_error_set (err, ENOTSUP, "load %s: " WITHOUT_LIBBPF, kind->what);
}

void
nsb_handler_destroy (void *skel)
{
  (void)skel;
}

int
nsb_handler_pin (const struct nsb_handler_kind *kind, const void *arg,
                 unsigned long long build_id_mask, bool *changed,
                 nsb_error_t *err)
{
  (void)arg;
  (void)build_id_mask;
  *changed = false;
  return nsb_error_set (err, ENOTSUP, "pin %s: " WITHOUT_LIBBPF, kind->what);
}

int
nsb_handler_attach (const struct nsb_handler *h,
                    struct nsb_handler_link **link, nsb_error_t *err)
{
  *link = NULL;
  return nsb_error_set (err, ENOTSUP, "attach %s: " WITHOUT_LIBBPF, h->what);
}

void
nsb_handler_detach (struct nsb_handler_link *link)
{
  (void)link;
}

int
nsb_pinned_open (const struct nsb_pin_spec *spec, struct nsb_pinned *p,
                 nsb_error_t *err)
{
  p->ops_fd = -1;
  p->rodata = NULL;
  return nsb_error_set (err, ENOTSUP, "%s: " WITHOUT_LIBBPF, spec->what);
}

int
nsb_unpin (int *removed, nsb_error_t *err)
{
  (void)err;
  *removed = 0;
  return 0;
}

/* The handlers' objects: never reached, nsb_handler_load and nsb_pinned_open
 * above refuse first. */
void *
nsb_selector_open (const void *table, nsb_error_t *err)
{
  (void)table;
  nsb_error_set (err, ENOTSUP, "the bpf selector: " WITHOUT_LIBBPF);
  return NULL;
}

void
nsb_selector_object (struct nsb_pin_spec *spec)
{
  (void)spec;
}

int
nsb_selector_pin_serves (const void *table, const void *rodata,
                         nsb_error_t *err)
{
  (void)table;
  (void)rodata;
  return nsb_error_set (err, ENOTSUP, "the bpf selector: " WITHOUT_LIBBPF);
}

void *
nsb_origin_open (const void *unused, nsb_error_t *err)
{
  (void)unused;
  nsb_error_set (err, ENOTSUP, "the $ORIGIN loader: " WITHOUT_LIBBPF);
  return NULL;
}

void
nsb_origin_object (struct nsb_pin_spec *spec)
{
  (void)spec;
}
