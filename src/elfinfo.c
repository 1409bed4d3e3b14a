/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfinfo.h"
#include "util.h"

#define MAX_PHNUM 256
#define MAX_SHNUM 4096

static uint16_t
rd16 (const uint8_t *p, bool be)
{
  return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t
rd32 (const uint8_t *p, bool be)
{
  return be ? (uint32_t)rd16 (p, true) << 16 | rd16 (p + 2, true)
            : (uint32_t)rd16 (p + 2, false) << 16 | rd16 (p, false);
}

static uint64_t
rd64 (const uint8_t *p, bool be)
{
  return be ? (uint64_t)rd32 (p, true) << 32 | rd32 (p + 4, true)
            : (uint64_t)rd32 (p + 4, false) << 32 | rd32 (p, false);
}

static bool
read_exact (int fd, void *buf, size_t len, uint64_t off)
{
  ssize_t n = pread (fd, buf, len, (off_t)off);
  return n >= 0 && (size_t)n == len;
}

/* Find PT_INTERP among the program headers and read its string. */
static int
read_interp (int fd, struct nsb_elf_info *info, uint64_t phoff,
             uint16_t phentsize, uint16_t phnum, nsb_error_t *err)
{
  bool be = info->ei_data == ELFDATA2MSB, is64 = info->ei_class == ELFCLASS64;
  uint8_t ph[64];

  if (phnum > MAX_PHNUM || phentsize < (is64 ? 56 : 32) || phentsize > 64)
    return nsb_error_set (err, ENOEXEC, "bad program header table");
  for (uint16_t i = 0; i < phnum; i++)
    {
      uint64_t off, size;
      if (!read_exact (fd, ph, phentsize, phoff + (uint64_t)i * phentsize))
        return nsb_error_set (err, ENOEXEC, "truncated program headers");
      if (rd32 (ph, be) != PT_INTERP)
        continue;
      off = is64 ? rd64 (ph + 8, be) : rd32 (ph + 4, be);
      size = is64 ? rd64 (ph + 32, be) : rd32 (ph + 16, be);
      if (size < 2 || size > sizeof (info->interp)
          || !read_exact (fd, info->interp, size, off)
          || info->interp[size - 1] != '\0')
        return nsb_error_set (err, ENOEXEC, "bad PT_INTERP");
      info->has_interp = true;
      info->interp_off = off;
      info->interp_size = size;
      return 0;
    }
  return 0;
}

int
nsb_elf_inspect_fd (int fd, struct nsb_elf_info *info, nsb_error_t *err)
{
  const uint8_t *h = info->head;
  ssize_t n;
  bool be, is64;

  memset (info, 0, sizeof (*info));
  n = pread (fd, info->head, sizeof (info->head), 0);
  if (n < 0)
    return nsb_error_errno (err, "read ELF header");
  info->head_len = (size_t)n;
  if (n < 52 || memcmp (h, ELFMAG, SELFMAG) != 0)
    return nsb_error_set (err, ENOEXEC, "not an ELF file");
  info->ei_class = h[EI_CLASS];
  info->ei_data = h[EI_DATA];
  if ((info->ei_class != ELFCLASS32 && info->ei_class != ELFCLASS64)
      || (info->ei_data != ELFDATA2LSB && info->ei_data != ELFDATA2MSB)
      || (info->ei_class == ELFCLASS64 && n < 64))
    return nsb_error_set (err, ENOEXEC, "unknown ELF class or encoding");
  be = info->ei_data == ELFDATA2MSB;
  is64 = info->ei_class == ELFCLASS64;
  info->e_type = rd16 (h + 16, be);
  info->e_machine = rd16 (h + 18, be);
  if (is64)
    return read_interp (fd, info, rd64 (h + 32, be), rd16 (h + 54, be),
                        rd16 (h + 56, be), err);
  return read_interp (fd, info, rd32 (h + 28, be), rd16 (h + 42, be),
                      rd16 (h + 44, be), err);
}

int
nsb_elf_set_interp (int fd, const char *interp, nsb_error_t *err)
{
  int ret;
  cleanup_free struct nsb_elf_info *info = malloc (sizeof (*info));
  cleanup_free char *buf = NULL;
  size_t len = strlen (interp);

  if (info == NULL)
    return nsb_error_errno (err, "relocate");
  if (interp[0] != '/' && strncmp (interp, "$ORIGIN/", 8) != 0)
    return nsb_error_set (err, EINVAL,
                          "`%s` is neither absolute nor $ORIGIN/...: the "
                          "kernel would resolve it against the caller's "
                          "directory",
                          interp);
  ret = nsb_elf_inspect_fd (fd, info, err);
  if (ret < 0)
    return ret;
  if (!info->has_interp)
    return nsb_error_set (err, EINVAL,
                          "statically linked: no PT_INTERP to rewrite");
  if (len + 1 > info->interp_size)
    return nsb_error_set (err, ENOSPC,
                          "`%s` needs %zu bytes, PT_INTERP has %llu (relink "
                          "with a longer --dynamic-linker)",
                          interp, len + 1,
                          (unsigned long long)info->interp_size);
  buf = calloc (1, info->interp_size);
  if (buf == NULL)
    return nsb_error_errno (err, "relocate");
  memcpy (buf, interp, len);
  if (pwrite (fd, buf, info->interp_size, (off_t)info->interp_off)
      != (ssize_t)info->interp_size)
    return nsb_error_errno (err, "write PT_INTERP");
  return 0;
}

/* Section header I of the table at SHOFF: its name's index, offset, size. */
static bool
read_shdr (int fd, const struct nsb_elf_info *info, uint64_t shoff,
           uint16_t shentsize, uint16_t i, uint32_t *name, uint64_t *off,
           uint64_t *size)
{
  bool be = info->ei_data == ELFDATA2MSB, is64 = info->ei_class == ELFCLASS64;
  uint8_t sh[64];

  if (shentsize < (is64 ? 64 : 40) || shentsize > 64
      || !read_exact (fd, sh, shentsize, shoff + (uint64_t)i * shentsize))
    return false;
  *name = rd32 (sh, be);
  *off = is64 ? rd64 (sh + 24, be) : rd32 (sh + 16, be);
  *size = is64 ? rd64 (sh + 32, be) : rd32 (sh + 20, be);
  return true;
}

int
nsb_elf_section (int fd, const struct nsb_elf_info *info, const char *name,
                 uint64_t *off, uint64_t *size)
{
  const uint8_t *h = info->head;
  bool be = info->ei_data == ELFDATA2MSB, is64 = info->ei_class == ELFCLASS64;
  uint64_t shoff = is64 ? rd64 (h + 40, be) : rd32 (h + 32, be);
  uint16_t entsize = rd16 (h + (is64 ? 58 : 46), be),
           shnum = rd16 (h + (is64 ? 60 : 48), be),
           strndx = rd16 (h + (is64 ? 62 : 50), be);
  uint64_t str_off, str_size;
  uint32_t ignored, at;
  size_t len = strlen (name) + 1;
  char buf[64];

  if (shoff == 0 || shnum > MAX_SHNUM || strndx >= shnum || len > sizeof (buf)
      || !read_shdr (fd, info, shoff, entsize, strndx, &ignored, &str_off,
                     &str_size))
    return -ENOENT;
  for (uint16_t i = 0; i < shnum; i++)
    if (read_shdr (fd, info, shoff, entsize, i, &at, off, size)
        && at < str_size && str_size - at >= len
        && read_exact (fd, buf, len, str_off + at)
        && memcmp (buf, name, len) == 0)
      return 0;
  return -ENOENT;
}
