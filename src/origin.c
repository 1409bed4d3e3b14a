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
#include "util.h"

#if HAVE_LIBBPF
#include <bpf/libbpf.h>

#include "bpf/origin.skel.h"
#endif

struct nsb_origin
{
#if HAVE_LIBBPF
  struct nsb_origin_bpf *skel;
#endif
};

void
nsb_origin_free (struct nsb_origin *o)
{
  if (o == NULL)
    return;
#if HAVE_LIBBPF
  nsb_origin_bpf__destroy (o->skel);
#endif
  free (o);
}

#if HAVE_LIBBPF
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
origin_load (struct nsb_origin *o, nsb_error_t *err)
{
  unsigned short m64, m32;
  int ret;

  nsb_handler_libbpf_quiet ();
  o->skel = nsb_origin_bpf__open ();
  if (o->skel == NULL)
    return nsb_handler_load_error (-errno, "the $ORIGIN loader", err);
  native_machines (&m64, &m32);
  o->skel->rodata->machine64 = m64;
  o->skel->rodata->machine32 = m32;
  ret = nsb_origin_bpf__load (o->skel);
  if (ret < 0)
    return nsb_handler_load_error (ret, "the $ORIGIN loader", err);
  return 0;
}

static void *
origin_map (struct nsb_origin *o)
{
  return o->skel->maps.nsbinfmt_origin;
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

static void *
origin_map (struct nsb_origin *o)
{
  (void)o;
  return NULL;
}
#endif

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
  if (origin_load (o, err) < 0)
    {
      nsb_origin_free (o);
      return -1;
    }
  *out = o;
  return 0;
}

/* After EEXIST: is the entry there this handler's? */
static bool
origin_entry_is (int mntfd)
{
  struct nsb_entry e = { 0 };
  cleanup_free char *text = NULL;
  size_t len;
  bool same;

  snprintf (e.rule.name, sizeof (e.rule.name), "%s", NSB_ORIGIN_ENTRY);
  if (nsb_read_file_at (mntfd, NSB_ORIGIN_ENTRY, 65536, &text, &len, NULL) < 0
      || nsb_entry_parse (text, len, &e, NULL) < 0)
    return false;
  same = e.enabled && e.rule.type == NSB_TYPE_BPF
         && strcmp (e.rule.interpreter, NSB_ORIGIN_HANDLER) == 0;
  nsb_entry_free (&e);
  return same;
}

int
nsb_origin_install (struct nsb_origin *o, int mntfd, bool *added,
                    nsb_error_t *err)
{
  cleanup_free struct nsb_rule *b = calloc (1, sizeof (*b));
  void *link;
  int ret;

  *added = false;
  if (b == NULL)
    return nsb_error_errno (err, "$ORIGIN loader");
  snprintf (b->name, sizeof (b->name), "%s", NSB_ORIGIN_ENTRY);
  snprintf (b->interpreter, sizeof (b->interpreter), "%s", NSB_ORIGIN_HANDLER);
  b->type = NSB_TYPE_BPF;
  link = nsb_handler_attach (origin_map (o), "the $ORIGIN loader", err);
  if (link == NULL)
    return -1;
  ret = nsb_instance_register (mntfd, b, err);
  if (ret < 0 && (*err)->status == EEXIST && origin_entry_is (mntfd))
    {
      nsb_error_release (err);
      ret = 0;
    }
  else if (ret == 0)
    *added = true;
  nsb_handler_detach (link);
  return ret;
}
