/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfinfo.h"
#include "emulator.h"
#include "util.h"

/* The version lies some 130 KiB into .rodata; the overlap is longer than
 * any version line we keep; no qemu-user is near the maximum. */
#define SCAN_CHUNK (256 << 10)
#define SCAN_OVERLAP 128
#define SCAN_MAX (256u << 20)

static const char version_word[] = " version ";

/* Does a "qemu-NAME version X..." string start at P (END: the buffer's
 * end)?  Then EMU takes NAME and the version. */
static bool
version_at (const char *p, const char *end, struct nsb_emulator *emu)
{
  const char *name = p + strlen ("qemu-"), *q = name, *v;
  size_t n;

  while (q < end
         && (islower ((unsigned char)*q) || isdigit ((unsigned char)*q)
             || *q == '_'))
    q++;
  n = (size_t)(q - name);
  if (n == 0 || n >= sizeof (emu->qemu_arch)
      || (size_t)(end - q) < strlen (version_word) + 1
      || memcmp (q, version_word, strlen (version_word)) != 0)
    return false;
  v = q + strlen (version_word);
  if (!isdigit ((unsigned char)*v))
    return false;
  for (q = v; q < end && (size_t)(q - v) < sizeof (emu->version) - 1
              && isprint ((unsigned char)*q);
       q++)
    ;
  if (q == end) /* cut by the end of a chunk: the next one has it whole */
    return false;
  memcpy (emu->qemu_arch, name, n);
  emu->qemu_arch[n] = '\0';
  memcpy (emu->version, v, (size_t)(q - v));
  emu->version[q - v] = '\0';
  return true;
}

void
nsb_emulator_scan (const char *buf, size_t len, struct nsb_emulator *emu)
{
  const char *end = buf + len;

  for (const char *p = buf; p < end;)
    {
      p = memmem (p, (size_t)(end - p), "qemu-", 5);
      if (p == NULL || version_at (p, end, emu))
        return;
      p++;
    }
}

/* The version string of the qemu-user at FD, read in chunks that overlap
 * by more than a string's length: in its .rodata (where it is, some 100
 * KiB in, of a file of 13 MB), else in all of it. */
static int
scan_fd (int fd, const struct nsb_elf_info *info, struct nsb_emulator *emu,
         nsb_error_t *err)
{
  cleanup_free char *buf = malloc (SCAN_CHUNK + SCAN_OVERLAP);
  uint64_t start = 0, len = SCAN_MAX;
  size_t kept = 0;
  off_t off;

  if (buf == NULL)
    return nsb_error_errno (err, "emulator");
  if (nsb_elf_section (fd, info, ".rodata", &start, &len) < 0
      || len > SCAN_MAX)
    {
      start = 0;
      len = SCAN_MAX;
    }
  for (off = (off_t)start;
       emu->version[0] == '\0' && off < (off_t)(start + len);)
    {
      ssize_t n = pread (fd, buf + kept, SCAN_CHUNK, off);
      if (n < 0)
        return nsb_error_errno (err, "read");
      if (n == 0)
        break;
      size_t total = kept + (size_t)n;
      nsb_emulator_scan (buf, total, emu);
      off += n;
      kept = total < SCAN_OVERLAP ? total : SCAN_OVERLAP;
      memmove (buf, buf + total - kept, kept);
    }
  return 0;
}

/* The flags a qemu of version V gets: O, and P from 6.0 on. */
static unsigned
qemu_flags (const char *v)
{
  return NSB_FLAG_O | (atoi (v) >= NSB_QEMU_P_SINCE_MAJOR ? NSB_FLAG_P : 0);
}

int
nsb_emulator_inspect (const char *path, struct nsb_emulator *emu,
                      nsb_error_t *err)
{
  cleanup_close int fd = nsb_open_regular (AT_FDCWD, path, 0, err);
  cleanup_free struct nsb_elf_info *info = NULL;
  const struct nsb_arch *own;
  struct stat st;

  if (fd < 0)
    return nsb_error_prefix (err, "emulator");
  if (faccessat (AT_FDCWD, path, X_OK, AT_EACCESS) < 0)
    return nsb_error_errno (err, "emulator `%s` is not executable", path);
  info = malloc (sizeof (*info));
  if (info == NULL)
    return nsb_error_errno (err, "emulator `%s`", path);
  memset (emu, 0, sizeof (*emu));
  if (fstat (fd, &st) < 0)
    return nsb_error_errno (err, "emulator `%s`", path);
  if (nsb_elf_inspect_fd (fd, info, err) < 0
      || scan_fd (fd, info, emu, err) < 0)
    return nsb_error_prefix (err, "emulator `%s`", path);
  own = nsb_catalog_match (info->head, info->head_len);
  emu->native = own != NULL && nsb_arch_is_native (own);
  emu->root_only = st.st_uid == 0 && !(st.st_mode & (S_IWGRP | S_IWOTH));
  snprintf (emu->path, sizeof (emu->path), "%s", path);
  emu->is_static = !info->has_interp;
  snprintf (emu->loader, sizeof (emu->loader), "%s",
            info->has_interp ? info->interp : "");
  emu->flags = emu->version[0] ? qemu_flags (emu->version) : NSB_FLAG_O;
  return 0;
}

int
nsb_emulator_find (const struct nsb_arch *arch, struct nsb_emulator *emu,
                   nsb_error_t *err)
{
  const char *env = getenv ("NSBINFMT_EMULATOR_PATH");
  cleanup_free char *dirs
      = strdup (env && *env ? env : "/usr/local/bin:/usr/bin");
  static const char *const patterns[] = { "%s/qemu-%s-static", "%s/qemu-%s" };
  bool found_dynamic = false;
  cleanup_free struct nsb_emulator *cand = malloc (sizeof (*cand));
  char *save = NULL;

  if (dirs == NULL || cand == NULL)
    return nsb_error_errno (err, "emulator search");
  for (char *d = strtok_r (dirs, ":", &save); d;
       d = strtok_r (NULL, ":", &save))
    for (size_t i = 0; i < NSB_ARRAY_SIZE (patterns); i++)
      {
        cleanup_error nsb_error_t ignored = NULL;
        char path[PATH_MAX];
        snprintf (path, sizeof (path), patterns[i], d, arch->name);
        if (nsb_emulator_inspect (path, cand, &ignored) < 0)
          continue;
        if (cand->is_static)
          {
            *emu = *cand;
            return 0;
          }
        if (!found_dynamic)
          {
            *emu = *cand;
            found_dynamic = true;
          }
      }
  if (found_dynamic)
    return 0;
  return nsb_error_set (err, ENOENT,
                        "no emulator for %s: install qemu-user-static "
                        "(looked for qemu-%s-static and qemu-%s in %s)",
                        arch->name, arch->name, arch->name,
                        env && *env ? env : "/usr/local/bin:/usr/bin");
}
