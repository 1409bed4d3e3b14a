/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The $ORIGIN loader: loading it and its B entry (see origin.h). */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "bpf/origin.h"
#include "handler.h"
#include "instance.h"
#include "origin.h"
#include "pin.h"
#include "util.h"

#if NSB_BPF
#include <bpf/libbpf.h>

#include "bpf/origin.skel.h"
#endif

struct nsb_origin
{
  struct nsb_handler h; /* what nsb_origin_install attaches */
  struct nsb_pinned pin;
#if NSB_BPF
  struct nsb_origin_bpf *skel;
#endif
};

void
nsb_origin_free (struct nsb_origin *o)
{
  if (o == NULL)
    return;
  nsb_pinned_close (&o->pin);
#if NSB_BPF
  nsb_origin_bpf__destroy (o->skel);
#endif
  free (o);
}

#if NSB_BPF
/* The machines this host runs natively: its own, and the 32-bit one it
 * runs beside it (x86_64: i386; aarch64: arm). */
static void
native_machines (unsigned short *m64, unsigned short *m32)
{
  struct utsname u;

  *m64 = *m32 = 0;
  if (uname (&u) < 0)
    return;
  if (strcmp (u.machine, "x86_64") == 0)
    *m64 = EM_X86_64, *m32 = EM_386;
  else if (strcmp (u.machine, "aarch64") == 0)
    *m64 = EM_AARCH64, *m32 = EM_ARM;
  else if (strcmp (u.machine, "riscv64") == 0)
    *m64 = EM_RISCV;
  else if (strcmp (u.machine, "ppc64le") == 0)
    *m64 = EM_PPC64;
  else if (strcmp (u.machine, "s390x") == 0)
    *m64 = EM_S390;
}

static int
origin_open (struct nsb_origin *o, nsb_error_t *err)
{
  unsigned short m64, m32;

  nsb_handler_libbpf_quiet ();
  o->skel = nsb_origin_bpf__open ();
  if (o->skel == NULL)
    return nsb_handler_load_error (-errno, "the $ORIGIN loader", err);
  native_machines (&m64, &m32);
  o->skel->rodata->machine64 = m64;
  o->skel->rodata->machine32 = m32;
  return 0;
}

static int
origin_load (struct nsb_origin *o, nsb_error_t *err)
{
  int ret;

  if (origin_open (o, err) < 0)
    return -1;
  ret = nsb_origin_bpf__load (o->skel);
  if (ret < 0)
    return nsb_handler_load_error (ret, "the $ORIGIN loader", err);
  o->h = (struct nsb_handler){ o->skel->maps.nsbinfmt_origin, -1,
                               NSB_ORIGIN_HANDLER, "the $ORIGIN loader" };
  return 0;
}

static void
origin_pin_spec (struct nsb_pin_spec *spec)
{
  size_t size;
  const void *elf = nsb_origin_bpf__elf_bytes (&size);

  *spec = (struct nsb_pin_spec){
    .dir = "origin",
    .what = "the pinned $ORIGIN loader",
    .map = NSB_ORIGIN_HANDLER,
    .handler = NSB_ORIGIN_HANDLER_PINNED,
    .progs = { "nsb_origin_match", "nsb_origin_load" },
    .rodata_size = sizeof (struct nsb_origin_bpf__rodata),
    .build_id_offset = offsetof (struct nsb_origin_bpf__rodata, nsb_build_id),
    .build_id = nsb_handler_build_id (elf, size),
  };
}

int
nsb_origin_pin (bool *changed, nsb_error_t *err)
{
  struct nsb_origin *o = calloc (1, sizeof (*o));
  struct nsb_pin_spec spec;
  int ret = -1;

  *changed = false;
  if (o == NULL)
    return nsb_error_errno (err, "$ORIGIN loader");
  o->pin.ops_fd = -1;
  origin_pin_spec (&spec);
  if (origin_open (o, err) == 0)
    {
      o->skel->rodata->nsb_build_id = spec.build_id;
      if (nsb_handler_set_name (o->skel->maps.nsbinfmt_origin, spec.handler,
                                err)
          == 0)
        ret = nsb_origin_bpf__load (o->skel);
      if (ret < 0 && err != NULL && *err == NULL)
        nsb_handler_load_error (ret, "the $ORIGIN loader", err);
    }
  if (ret == 0)
    {
      struct nsb_origin_bpf *k = o->skel;
      struct nsb_pin_fds fds = { bpf_map__fd (k->maps.nsbinfmt_origin),
                                 bpf_program__fd (k->progs.nsb_origin_match),
                                 bpf_program__fd (k->progs.nsb_origin_load),
                                 bpf_map__fd (k->maps.rodata) };
      ret = nsb_pin_handler (&spec, &fds, k->maps.nsbinfmt_origin, changed,
                             err);
    }
  nsb_origin_free (o);
  return ret;
}
#else
static int
origin_load (struct nsb_origin *o, nsb_error_t *err)
{
  (void)o;
  return nsb_error_set (err, ENOTSUP,
                        "load the $ORIGIN loader: nsbinfmt was built without "
                        "libbpf");
}

static void
origin_pin_spec (struct nsb_pin_spec *spec)
{
  *spec = (struct nsb_pin_spec){ .dir = "origin",
                                 .what = "the pinned $ORIGIN loader" };
}

int
nsb_origin_pin (bool *changed, nsb_error_t *err)
{
  *changed = false;
  return nsb_error_set (err, ENOTSUP,
                        "pin the $ORIGIN loader: nsbinfmt was built without "
                        "libbpf");
}
#endif

/* Load it (root), else use the pin (anyone), else say both why. */
static int
origin_get (struct nsb_origin *o, nsb_error_t *err)
{
  cleanup_error nsb_error_t load_err = NULL;
  struct nsb_pin_spec spec;

  if (origin_load (o, &load_err) == 0)
    return 0;
  origin_pin_spec (&spec);
  if (nsb_pinned_open (&spec, &o->pin, err) < 0)
    return nsb_error_prefix (err, "%s; no pinned $ORIGIN loader",
                             load_err->msg);
  o->h = (struct nsb_handler){ NULL, o->pin.ops_fd, NSB_ORIGIN_HANDLER_PINNED,
                               spec.what };
  return 0;
}

int
nsb_origin_prepare (struct nsb_origin **out, nsb_error_t *err)
{
  struct nsb_origin *o;

  *out = NULL;
  if (!nsb_kernel_may_have_handlers ())
    return nsb_error_set (err, ENOTSUP,
                          "the $ORIGIN loader needs Linux >= 7.3 with "
                          "CONFIG_BINFMT_MISC_BPF");
  o = calloc (1, sizeof (*o));
  if (o == NULL)
    return nsb_error_errno (err, "$ORIGIN loader");
  o->pin.ops_fd = -1;
  if (origin_get (o, err) < 0)
    {
      nsb_origin_free (o);
      return -1;
    }
  *out = o;
  return 0;
}

/* After EEXIST: is the entry there this handler's? */
static bool
origin_entry_is (const struct nsb_origin *o, int mntfd)
{
  struct nsb_entry e;
  bool same;

  if (nsb_entry_read_at (mntfd, NSB_ORIGIN_ENTRY, &e, NULL) < 0)
    return false;
  same = e.enabled && e.rule.type == NSB_TYPE_BPF
         && strcmp (e.rule.interpreter, o->h.name) == 0;
  nsb_entry_free (&e);
  return same;
}

int
nsb_origin_install (struct nsb_origin *o, int mntfd, bool *added,
                    nsb_error_t *err)
{
  cleanup_free struct nsb_rule *b = calloc (1, sizeof (*b));
  struct nsb_handler_link *link;
  int ret;

  *added = false;
  if (b == NULL)
    return nsb_error_errno (err, "$ORIGIN loader");
  snprintf (b->name, sizeof (b->name), "%s", NSB_ORIGIN_ENTRY);
  snprintf (b->interpreter, sizeof (b->interpreter), "%s", o->h.name);
  b->type = NSB_TYPE_BPF;
  link = nsb_handler_attach (&o->h, err);
  if (link == NULL)
    return -1;
  ret = nsb_instance_register (mntfd, b, err);
  if (ret < 0 && (*err)->status == EEXIST && origin_entry_is (o, mntfd))
    {
      nsb_error_release (err);
      ret = 0;
    }
  else if (ret == 0)
    *added = true;
  nsb_handler_detach (link);
  return ret;
}
