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
  uint64_t interp_off;   /* where its string lies in the file */
  uint64_t interp_size;  /* and the bytes it has there (NUL included) */
  uint8_t head[256];     /* the first bytes, as binfmt_misc sees them */
  size_t head_len;
};

/* Inspect FD (read with pread, nothing outside the file's first 64 KiB of
 * program headers is trusted).  Not an ELF file: -1 with ENOEXEC. */
int nsb_elf_inspect_fd (int fd, struct nsb_elf_info *info, nsb_error_t *err);

/* The file range (*OFF, *SIZE) of FD's section NAME (".rodata"), from its
 * section headers (INFO: nsb_elf_inspect_fd's); -ENOENT where it has none
 * or they do not read. */
int nsb_elf_section (int fd, const struct nsb_elf_info *info, const char *name,
                     uint64_t *off, uint64_t *size);

/* Rewrite FD's PT_INTERP in place to INTERP (absolute, or "$ORIGIN/..."
 * for the $ORIGIN loader), padded with NULs: it must fit in the bytes the
 * binary has for it, else an error says how many it needs. */
int nsb_elf_set_interp (int fd, const char *interp, nsb_error_t *err);

#endif
