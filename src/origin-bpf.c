/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The $ORIGIN loader's object (src/bpf/origin.bpf.c): the host's native
 * machines filled in, and its pin's build id (origin.h). */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/utsname.h>

#include <bpf/libbpf.h>

#include "bpf/origin.h"
#include "bpf/origin.skel.h"
#include "handler.h"
#include "origin.h"

/* The machines this host runs natively: its own, and the 32-bit one it
 * runs beside it (x86_64: i386; aarch64: arm). */
static void
native_machines (unsigned short *m64, unsigned short *m32)
{
  static const struct
  {
    const char *uname;
    unsigned short m64, m32;
  } machines[] = {
    { "x86_64", EM_X86_64, EM_386 }, { "aarch64", EM_AARCH64, EM_ARM },
    { "riscv64", EM_RISCV, 0 },      { "ppc64le", EM_PPC64, 0 },
    { "s390x", EM_S390, 0 },
  };
  struct utsname u;

  *m64 = *m32 = 0;
  if (uname (&u) < 0)
    return;
  for (size_t i = 0; i < sizeof (machines) / sizeof (machines[0]); i++)
    if (strcmp (u.machine, machines[i].uname) == 0)
      {
        *m64 = machines[i].m64;
        *m32 = machines[i].m32;
      }
}

void *
nsb_origin_open (const void *arg, nsb_error_t *err)
{
  struct nsb_origin_bpf *k;
  unsigned short m64, m32;

  (void)arg;
  nsb_handler_libbpf_quiet ();
  k = nsb_origin_bpf__open ();
  if (k == NULL)
    {
      nsb_handler_load_error (-errno, "the $ORIGIN loader", err);
      return NULL;
    }
  native_machines (&m64, &m32);
  k->rodata->machine64 = m64;
  k->rodata->machine32 = m32;
  return k;
}

void
nsb_origin_object (struct nsb_pin_spec *spec)
{
  size_t size;
  const void *elf = nsb_origin_bpf__elf_bytes (&size);

  spec->rodata_size = sizeof (struct nsb_origin_bpf__rodata);
  spec->stamp_offset = offsetof (struct nsb_origin_bpf__rodata, nsb_pin_stamp);
  spec->build_id = nsb_handler_build_id (elf, size);
}
