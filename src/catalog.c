/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The catalog.  Magic and mask are Debian's (qemu-user-static's
 * /usr/lib/binfmt.d/qemu-*.conf, which follow qemu's qemu-binfmt-conf.sh);
 * i386 and x86_64 have no file on an amd64 Debian and come from qemu's
 * script.  tests/unit/test-catalog.c compares every row with the files.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "catalog.h"
#include "elfinfo.h"
#include "probe.h"
#include "sources.h"
#include "util.h"

/* One architecture per row, strings as Debian writes them. */
/* clang-format off */
static const struct nsb_arch catalog[] = {
  { "aarch64", "arm64 arm64v8 linux/arm64 linux/arm64/v8 aarch64-linux",
    "\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff",
    "aarch64 arm64" },
  { "alpha", "alpha-linux",
    "\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x26\\x90",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff",
    "" },
  { "arm", "armhf armel armv7l armv6l armv5tel linux/arm linux/arm/v7 linux/arm/v6 linux/arm/v5 armv7l-linux armv6l-linux armv5tel-linux",
    "\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x28\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff",
    "armv7l armv8l armv6l" },
  { "armeb", "",
    "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x28",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff",
    "" },
  { "cris", "",
    "\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x4c\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff",
    "" },
  { "hexagon", "hexagon-linux",
    "\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xa4\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff",
    "" },
  { "hppa", "parisc linux/hppa hppa-linux",
    "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x0f",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff",
    "" },
  { "i386", "i686 i486 x86 386 linux/386 i686-linux",
    "\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x03\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff",
    "x86_64 i686 i586 i386" },
  { "loongarch64", "loong64 linux/loong64 loongarch64-linux",
    "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x02\\x01",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfc\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff",
    "loongarch64" },
  { "m68k", "linux/m68k m68k-linux",
    "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x04",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff",
    "" },
  { "microblaze", "microblaze-linux",
    "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\xba\\xab",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff",
    "" },
  { "mips", "linux/mips mips-linux",
    "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xfe\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20",
    "" },
  { "mips64", "linux/mips64 mips64-linux",
    "\\x7f\\x45\\x4c\\x46\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xfe\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff",
    "" },
  { "mips64el", "linux/mips64le mips64el-linux",
    "\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xfe\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff",
    "mips64" },
  { "mipsel", "linux/mipsle mipsel-linux",
    "\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xfe\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20",
    "" },
  { "mipsn32", "",
    "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xfe\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20",
    "" },
  { "mipsn32el", "",
    "\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xfe\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20",
    "" },
  { "ppc", "powerpc linux/ppc powerpc-linux",
    "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x14",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfc\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff",
    "ppc" },
  { "ppc64", "linux/ppc64 powerpc64-linux",
    "\\x7f\\x45\\x4c\\x46\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x15",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfc\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff",
    "ppc64" },
  { "ppc64le", "ppc64el linux/ppc64le powerpc64le-linux",
    "\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x15\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfc\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\x00",
    "ppc64le" },
  { "riscv32", "linux/riscv32 riscv32-linux",
    "\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xf3\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff",
    "" },
  { "riscv64", "linux/riscv64 riscv64-linux",
    "\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xf3\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff",
    "riscv64" },
  { "s390x", "linux/s390x s390x-linux",
    "\\x7f\\x45\\x4c\\x46\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x16",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfc\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff",
    "s390x" },
  { "sh4", "sh4-linux",
    "\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x2a\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfc\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff",
    "" },
  { "sh4eb", "",
    "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x2a",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfc\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff",
    "" },
  { "sparc", "linux/sparc sparc-linux",
    "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x02",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfc\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff",
    "" },
  { "sparc32plus", "",
    "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x12",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfc\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff",
    "" },
  { "sparc64", "linux/sparc64 sparc64-linux",
    "\\x7f\\x45\\x4c\\x46\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x2b",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfc\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff",
    "" },
  { "x86_64", "amd64 linux/amd64 x86_64-linux",
    "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x3e\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff",
    "x86_64" },
  { "xtensa", "",
    "\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x5e\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff",
    "" },
  { "xtensaeb", "",
    "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x5e",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff",
    "" },
};
/* clang-format on */

size_t
nsb_catalog_size (void)
{
  return NSB_ARRAY_SIZE (catalog);
}

const struct nsb_arch *
nsb_catalog_at (size_t i)
{
  return i < NSB_ARRAY_SIZE (catalog) ? &catalog[i] : NULL;
}

/* Is WORD one of the space-separated words of LIST? */
static bool
word_in (const char *word, const char *list)
{
  size_t n = strlen (word);

  for (const char *p = list; *p;)
    {
      size_t len = strcspn (p, " ");
      if (len == n && strncmp (p, word, n) == 0)
        return true;
      p += len;
      p += strspn (p, " ");
    }
  return false;
}

const struct nsb_arch *
nsb_catalog_lookup (const char *name)
{
  for (size_t i = 0; i < NSB_ARRAY_SIZE (catalog); i++)
    if (strcmp (catalog[i].name, name) == 0
        || word_in (name, catalog[i].aliases))
      return &catalog[i];
  return NULL;
}

const struct nsb_arch *
nsb_catalog_match (const uint8_t *head, size_t len)
{
  struct nsb_rule *r = malloc (sizeof (*r));
  const struct nsb_arch *found = NULL;

  for (size_t i = 0; r && !found && i < NSB_ARRAY_SIZE (catalog); i++)
    if (nsb_arch_rule (&catalog[i], "/", r, NULL) == 0
        && nsb_rule_matches (r, head, len))
      found = &catalog[i];
  free (r);
  return found;
}

/* Does this kernel, on this CPU, exec ARCH's probe without an emulator?
 * Asked once per process and architecture. */
static bool
probe_runs_natively (const struct nsb_arch *arch)
{
  static signed char known[NSB_ARRAY_SIZE (catalog)]; /* 0 ?, 1 yes, -1 no */
  size_t i = (size_t)(arch - catalog);
  uint8_t img[NSB_PROBE_MAX];
  size_t len;
  int status = 0;

  if (i >= NSB_ARRAY_SIZE (catalog))
    return false;
  if (known[i] == 0)
    known[i]
        = nsb_probe_build (arch->name, 0, img, sizeof (img), &len, NULL) == 0
                  && nsb_probe_run (img, len, -1, &status, NULL) == 0
                  && WIFEXITED (status) && WEXITSTATUS (status) == 0
              ? 1
              : -1;
  return known[i] > 0;
}

bool
nsb_arch_is_native (const struct nsb_arch *arch)
{
  struct utsname u;

  if (uname (&u) < 0 || !word_in (u.machine, arch->native_on))
    return false;
  /* The host's own architecture runs; a compat one (i386 on x86_64, arm
   * on aarch64) only where the kernel and the CPU have that mode, which
   * ia32_emulation=0, CPUs without AArch32 and some hypervisors lack. */
  return strcmp (u.machine, arch->name) == 0 || probe_runs_natively (arch);
}

int
nsb_arch_rule (const struct nsb_arch *arch, const char *interpreter,
               struct nsb_rule *rule, nsb_error_t *err)
{
  char buf[NSB_REGISTER_MAX + 1];
  int n = snprintf (buf, sizeof (buf), ":qemu-%s:M::%s:%s:%s:POF", arch->name,
                    arch->magic, arch->mask, interpreter);

  if (n < 0 || (size_t)n >= sizeof (buf))
    return nsb_error_set (err, E2BIG, "emulator path `%s` is too long",
                          interpreter);
  return nsb_rule_parse (buf, (size_t)n, 0, rule, err);
}

int
nsb_emulator_inspect (const char *path, struct nsb_emulator *emu,
                      nsb_error_t *err)
{
  cleanup_close int fd = nsb_open_regular (AT_FDCWD, path, 0, err);
  struct nsb_elf_info *info;
  int ret;

  if (fd < 0)
    return nsb_error_prefix (err, "emulator");
  if (faccessat (AT_FDCWD, path, X_OK, AT_EACCESS) < 0)
    return nsb_error_errno (err, "emulator `%s` is not executable", path);
  info = malloc (sizeof (*info));
  if (info == NULL)
    return nsb_error_errno (err, "emulator `%s`", path);
  ret = nsb_elf_inspect_fd (fd, info, err);
  if (ret == 0)
    {
      snprintf (emu->path, sizeof (emu->path), "%s", path);
      emu->is_static = !info->has_interp;
      snprintf (emu->loader, sizeof (emu->loader), "%s",
                info->has_interp ? info->interp : "");
    }
  free (info);
  return ret < 0 ? nsb_error_prefix (err, "emulator `%s`", path) : 0;
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
  struct nsb_emulator cand;
  char *save = NULL;

  if (dirs == NULL)
    return nsb_error_errno (err, "emulator search");
  for (char *d = strtok_r (dirs, ":", &save); d;
       d = strtok_r (NULL, ":", &save))
    for (size_t i = 0; i < NSB_ARRAY_SIZE (patterns); i++)
      {
        cleanup_error nsb_error_t ignored = NULL;
        char path[PATH_MAX];
        snprintf (path, sizeof (path), patterns[i], d, arch->name);
        if (nsb_emulator_inspect (path, &cand, &ignored) < 0)
          continue;
        if (cand.is_static)
          {
            *emu = cand;
            return 0;
          }
        if (!found_dynamic)
          *emu = cand, found_dynamic = true;
      }
  if (found_dynamic)
    return 0;
  return nsb_error_set (err, ENOENT,
                        "no emulator for %s: install qemu-user-static "
                        "(looked for qemu-%s-static and qemu-%s in %s)",
                        arch->name, arch->name, arch->name,
                        env && *env ? env : "/usr/local/bin:/usr/bin");
}

int
nsb_ruleset_add_arch (struct nsb_ruleset *set, const struct nsb_arch *arch,
                      const char *emulator, nsb_error_t *err)
{
  int ret;
  cleanup_free struct nsb_rule *rule = malloc (sizeof (*rule));
  struct nsb_emulator emu;
  char origin[64];

  if (rule == NULL)
    return nsb_error_errno (err, "rules");
  if (nsb_arch_is_native (arch))
    return nsb_error_set (err, EINVAL,
                          "%s runs natively on this host: nothing to emulate",
                          arch->name);
  ret = emulator ? nsb_emulator_inspect (emulator, &emu, err)
                 : nsb_emulator_find (arch, &emu, err);
  if (ret < 0)
    return ret;
  ret = nsb_arch_rule (arch, emu.path, rule, err);
  if (ret < 0)
    return ret;
  snprintf (origin, sizeof (origin), "emulate %s", arch->name);
  return nsb_ruleset_add_rule (set, rule, origin, err);
}

int
nsb_ruleset_add_all_arches (struct nsb_ruleset *set, nsb_error_t *err)
{
  int ret;
  for (size_t i = 0; i < NSB_ARRAY_SIZE (catalog); i++)
    {
      cleanup_error nsb_error_t missing = NULL;
      struct nsb_emulator emu;
      if (nsb_arch_is_native (&catalog[i])
          || nsb_emulator_find (&catalog[i], &emu, &missing) < 0)
        continue;
      ret = nsb_ruleset_add_arch (set, &catalog[i], emu.path, err);
      if (ret < 0)
        return ret;
    }
  return 0;
}
