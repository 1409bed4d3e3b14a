/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The $ORIGIN loader: loading it, or its pin, and its B entry (origin.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "bpf/origin.h"
#include "handler.h"
#include "kernel.h"
#include "origin.h"

struct nsb_origin
{
  struct nsb_handler h; /* what nsb_origin_install attaches */
};

static const struct nsb_handler_kind origin_kind = {
  .what = "the $ORIGIN loader",
  .name = NSB_ORIGIN_HANDLER,
  .none = "no pinned $ORIGIN loader",
  .pin = { .dir = "origin",
           .what = "the pinned $ORIGIN loader",
           .map = NSB_ORIGIN_HANDLER,
           .handler = NSB_ORIGIN_HANDLER_PINNED,
           .progs = { "nsb_origin_match", "nsb_origin_load" } },
  .open = nsb_origin_open,
  .object = nsb_origin_object,
};

void
nsb_origin_free (struct nsb_origin *o)
{
  if (o == NULL)
    return;
  nsb_handler_release (&o->h);
  free (o);
}

int
nsb_origin_pin (bool *changed, nsb_error_t *err)
{
  return nsb_handler_pin (&origin_kind, NULL, 0, changed, err);
}

int
nsb_origin_prepare (struct nsb_origin **out, nsb_error_t *err)
{
  struct nsb_origin *o;
  int ret;

  *out = NULL;
  if (!nsb_kernel_may_have_handlers ())
    return nsb_error_set (err, ENOTSUP,
                          "the $ORIGIN loader needs Linux >= 7.3 with "
                          "CONFIG_BINFMT_MISC_BPF");
  o = calloc (1, sizeof (*o));
  if (o == NULL)
    return nsb_error_errno (err, "$ORIGIN loader");
  ret = nsb_handler_get (&origin_kind, NULL, &o->h, err);
  if (ret < 0)
    {
      free (o);
      return ret;
    }
  *out = o;
  return 0;
}

int
nsb_origin_install (struct nsb_origin *o, int mntfd, bool *added,
                    nsb_error_t *err)
{
  struct nsb_handler_link *link;
  struct nsb_entry e;
  int ret;

  *added = false;
  ret = nsb_handler_attach (&o->h, &link, err);
  if (ret < 0)
    return ret;
  ret = nsb_handler_register (&o->h, mntfd, NSB_ORIGIN_ENTRY, false, err);
  if (ret == -EEXIST
      && nsb_handler_entry_is (mntfd, NSB_ORIGIN_ENTRY, o->h.name, &e))
    {
      nsb_entry_free (&e);
      nsb_error_release (err);
      ret = 0;
    }
  else if (ret == 0)
    *added = true;
  nsb_handler_detach (link);
  return ret;
}
