/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The handlers' life cycle, the part that needs no libbpf (handler.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/origin.h"
#include "bpf/selector.h"
#include "handler.h"
#include "instance.h"
#include "util.h"

int
nsb_handler_mode_parse (const char *s, enum nsb_handler_mode *mode,
                        nsb_error_t *err)
{
  static const char *const names[] = { "auto", "magic", "bpf" };

  for (size_t i = 0; i < sizeof (names) / sizeof (names[0]); i++)
    if (strcmp (s, names[i]) == 0)
      {
        *mode = (enum nsb_handler_mode)i;
        return 0;
      }
  return nsb_error_set (err, EINVAL,
                        "handler `%s`: expected auto, magic or bpf", s);
}

const char *
nsb_handler_describe (const char *name)
{
  static const char *const names[][2] = {
    { NSB_SEL_HANDLER, "the bpf selector, loaded by the installer" },
    { NSB_SEL_HANDLER_PINNED, "the bpf selector, pinned by root (nsbinfmt "
                              "pin)" },
    { NSB_ORIGIN_HANDLER, "the $ORIGIN loader, loaded by the installer" },
    { NSB_ORIGIN_HANDLER_PINNED, "the $ORIGIN loader, pinned by root "
                                 "(nsbinfmt pin)" },
  };

  for (size_t i = 0; i < sizeof (names) / sizeof (names[0]); i++)
    if (strcmp (name, names[i][0]) == 0)
      return names[i][1];
  return "not nsbinfmt's";
}

unsigned long long
nsb_handler_build_id (const void *object, size_t size)
{
  const unsigned char *p = object;
  unsigned long long h = 0xcbf29ce484222325ULL;

  for (size_t i = 0; i < size; i++)
    h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

/* Its pin, opened and checked, and serving ARG. */
static int
use_pin (const struct nsb_handler_kind *kind, const void *arg,
         struct nsb_handler *h, nsb_error_t *err)
{
  struct nsb_pin_spec spec = kind->pin;
  int ret;

  kind->object (&spec);
  ret = nsb_pinned_open (&spec, &h->pin, err);
  if (ret == 0 && kind->pin_serves != NULL)
    ret = kind->pin_serves (arg, h->pin.rodata, err);
  if (ret < 0)
    return ret;
  h->pin_fd = h->pin.ops_fd;
  h->name = spec.handler;
  h->what = spec.what;
  return 0;
}

int
nsb_handler_get (const struct nsb_handler_kind *kind, const void *arg,
                 struct nsb_handler *h, nsb_error_t *err)
{
  cleanup_error nsb_error_t load_err = NULL;
  cleanup_error nsb_error_t pin_err = NULL;
  int ret;

  *h = (struct nsb_handler){ .pin_fd = -1, .pin = { .ops_fd = -1 } };
  /* The pinned handler first, for root too: where it is this build's and
   * serves ARG, a container costs no load and no verifier run.  bench/vm.sh
   * compares it with a load (NSBINFMT_TEST_FAIL_AT=use-pin). */
  ret = nsb_test_point ("use-pin")
            ? nsb_error_set (&pin_err, EIO, "not used (test point)")
            : use_pin (kind, arg, h, &pin_err);
  if (ret == 0)
    return 0;
  nsb_handler_release (h);
  if (nsb_handler_load (kind, arg, h, &load_err) == 0)
    return 0;
  nsb_handler_release (h);
  return nsb_error_set (err, -ret, "%s; %s: %s", load_err->msg, kind->none,
                        pin_err->msg);
}

void
nsb_handler_release (struct nsb_handler *h)
{
  nsb_pinned_close (&h->pin);
  nsb_handler_destroy (h->skel);
  *h = (struct nsb_handler){ .pin_fd = -1, .pin = { .ops_fd = -1 } };
}

int
nsb_handler_register (const struct nsb_handler *h, int mntfd, const char *name,
                      bool disabled, nsb_error_t *err)
{
  cleanup_free struct nsb_rule *b = calloc (1, sizeof (*b));

  if (b == NULL)
    return nsb_error_errno (err, "%s", h->what);
  snprintf (b->name, sizeof (b->name), "%s", name);
  snprintf (b->interpreter, sizeof (b->interpreter), "%s", h->name);
  b->type = NSB_TYPE_BPF;
  b->flags = disabled ? NSB_FLAG_D : 0;
  return nsb_instance_register (mntfd, b, err);
}

bool
nsb_handler_entry_is (int mntfd, const char *name, const char *handler,
                      struct nsb_entry *e)
{
  if (nsb_entry_read_at (mntfd, name, e, NULL) < 0)
    return false;
  if (e->enabled && e->rule.type == NSB_TYPE_BPF
      && strcmp (e->rule.interpreter, handler) == 0)
    return true;
  nsb_entry_free (e);
  return false;
}
