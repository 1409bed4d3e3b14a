/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bounded ELF header inspection: class, machine, and the PT_INTERP loader. */
#ifndef NSB_ELF_H
#define NSB_ELF_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct nsb_elf_info
{
  uint8_t ei_class; /* ELFCLASS32 / ELFCLASS64 */
  uint8_t ei_data;  /* ELFDATA2LSB / ELFDATA2MSB */
  uint16_t e_type;
  uint16_t e_machine;
  bool has_interp;       /* dynamically linked: it names a loader */
  char interp[PATH_MAX]; /* PT_INTERP, when has_interp */
  uint8_t head[256];     /* the first bytes, as binfmt_misc sees them */
  size_t head_len;
};

/* Inspect FD (read with pread, nothing outside the file's first 64 KiB of
 * program headers is trusted).  Not an ELF file: -1 with ENOEXEC. */
int nsb_elf_inspect_fd (int fd, struct nsb_elf_info *info, nsb_error_t *err);

#endif
