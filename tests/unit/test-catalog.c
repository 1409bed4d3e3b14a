/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The catalog against Debian's own registrations on this machine
 * (/usr/lib/binfmt.d/qemu-*.conf from qemu-user-static), the names users
 * type, emulator discovery, and the probes each architecture verifies with.
 */
#include "config.h"

#include <fcntl.h>
#include <glob.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "catalog.h"
#include "emulator.h"
#include "probe.h"
#include "tap.h"
#include "util.h"

static struct nsb_rule *
conf_rule (const char *path)
{
  struct nsb_rule *r = malloc (sizeof (*r));
  char *text = NULL;
  size_t len;

  if (nsb_read_file_at (AT_FDCWD, path, 0, 4096, &text, &len, NULL) < 0
      || nsb_rule_parse (text, strcspn (text, "\n"), 0, r, NULL) < 0)
    {
      free (r);
      r = NULL;
    }
  free (text);
  return r;
}

/* Is this host's `uname -m` among those A's native_on lists? */
static bool
may_be_native (const struct nsb_arch *a)
{
  struct utsname u;
  size_t n;

  if (uname (&u) < 0)
    return false;
  n = strlen (u.machine);
  for (const char *p = a->native_on; (p = strstr (p, u.machine)) != NULL;
       p += n)
    if ((p == a->native_on || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
      return true;
  return false;
}

static void
test_against_debian (void)
{
  glob_t g;
  size_t matched = 0;

  if (glob ("/usr/lib/binfmt.d/qemu-*.conf", 0, NULL, &g) != 0)
    {
      tap_skip ("no /usr/lib/binfmt.d/qemu-*.conf (qemu-user-static)");
      return;
    }
  for (size_t i = 0; i < g.gl_pathc; i++)
    {
      struct nsb_rule *deb = conf_rule (g.gl_pathv[i]), ours;
      const struct nsb_arch *a
          = deb ? nsb_catalog_lookup (deb->name + 5) : NULL;
      bool same
          = a && nsb_arch_rule (a, "/x", NSB_QEMU_FLAGS, &ours, NULL) == 0
            && ours.offset == deb->offset && ours.magic_len == deb->magic_len
            && !memcmp (ours.magic, deb->magic, deb->magic_len)
            && ours.has_mask == deb->has_mask
            && !memcmp (ours.mask, deb->mask, deb->magic_len);
      tap_ok (same, "%s: catalog magic/mask equal Debian's", g.gl_pathv[i]);
      matched += same;
      free (deb);
    }
  for (size_t i = 0; i < nsb_catalog_size (); i++)
    {
      const struct nsb_arch *a = nsb_catalog_at (i);
      char path[128];
      snprintf (path, sizeof (path), "/usr/lib/binfmt.d/qemu-%s.conf",
                a->name);
      /* Debian registers nothing a host of this kind may run natively
       * (i386 on amd64), even where this one cannot. */
      if (!may_be_native (a))
        tap_ok (access (path, R_OK) == 0, "%s: Debian registers it too",
                a->name);
    }
  tap_ok (matched == g.gl_pathc && matched >= 28, "%zu of %zu files match",
          matched, g.gl_pathc);
  globfree (&g);
}

static void
test_names (void)
{
  static const char *const pairs[][2] = {
    { "aarch64", "aarch64" },     { "arm64", "aarch64" },
    { "linux/arm64", "aarch64" }, { "aarch64-linux", "aarch64" },
    { "linux/arm/v7", "arm" },    { "armhf", "arm" },
    { "ppc64el", "ppc64le" },     { "linux/ppc64le", "ppc64le" },
    { "linux/s390x", "s390x" },   { "riscv64-linux", "riscv64" },
    { "mips64el", "mips64el" },   { "linux/mips64le", "mips64el" },
    { "amd64", "x86_64" },        { "linux/386", "i386" },
    { "loong64", "loongarch64" },
  };
  size_t dup = 0;

  for (size_t i = 0; i < sizeof (pairs) / sizeof (pairs[0]); i++)
    {
      const struct nsb_arch *a = nsb_catalog_lookup (pairs[i][0]);
      tap_ok (a && !strcmp (a->name, pairs[i][1]), "%s is %s", pairs[i][0],
              pairs[i][1]);
    }
  tap_ok (nsb_catalog_lookup ("linux/arm6") == NULL
              && nsb_catalog_lookup ("") == NULL,
          "unknown names are unknown");
  for (size_t i = 0; i < nsb_catalog_size (); i++)
    {
      const struct nsb_arch *a = nsb_catalog_at (i);
      char *copy = strdup (a->aliases), *save = NULL;
      for (char *w = strtok_r (copy, " ", &save); w;
           w = strtok_r (NULL, " ", &save))
        dup += nsb_catalog_lookup (w) != a;
      free (copy);
    }
  tap_ok (dup == 0, "every alias names exactly its own architecture");
}

static void
test_emulators (void)
{
  const struct nsb_arch *a = nsb_catalog_lookup ("aarch64");
  struct nsb_emulator emu;
  nsb_error_t err = NULL;

  if (access ("/usr/bin/qemu-aarch64-static", X_OK) != 0)
    {
      tap_skip ("qemu-user-static is not installed");
      return;
    }
  tap_ok (nsb_emulator_find (a, &emu, NULL) == 0 && emu.is_static
              && !strcmp (emu.path, "/usr/bin/qemu-aarch64-static"),
          "the static emulator is found");
  tap_ok (!strcmp (emu.qemu_arch, "aarch64")
              && strncmp (emu.version, "7.2.", 4) == 0
              && emu.flags == (NSB_FLAG_P | NSB_FLAG_O) && emu.native
              && emu.root_only,
          "bookworm's qemu 7.2, read from the file: P and O (%s)",
          emu.version);
  setenv ("NSBINFMT_EMULATOR_PATH", "/nonexistent", 1);
  tap_ok (nsb_emulator_find (a, &emu, &err) < 0 && err
              && strstr (err->msg, "qemu-user-static"),
          "a missing emulator says what to install");
  unsetenv ("NSBINFMT_EMULATOR_PATH");
  nsb_error_release (&err);
  tap_ok (nsb_emulator_inspect ("/bin/true", &emu, NULL) == 0 && !emu.is_static
              && emu.loader[0] == '/' && emu.version[0] == '\0'
              && emu.flags == NSB_FLAG_O,
          "a dynamically linked binary is reported as such");
}

static void
test_probes (void)
{
  uint8_t img[NSB_PROBE_MAX];
  size_t len, checked = 0;

  for (const char *const *p = nsb_probe_arches (); *p; p++)
    {
      const struct nsb_arch *a = nsb_catalog_lookup (*p);
      struct nsb_rule r;
      bool ok = a && nsb_arch_rule (a, "/x", NSB_QEMU_FLAGS, &r, NULL) == 0
                && nsb_probe_build (*p, 42, img, sizeof (img), &len, NULL) == 0
                && nsb_rule_matches (&r, img, len);
      tap_ok (ok, "the %s probe matches its catalog magic", *p);
      checked++;
    }
  tap_ok (checked >= 20, "%zu architectures have probes", checked);
}

int
main (void)
{
  test_against_debian ();
  test_names ();
  test_emulators ();
  test_probes ();
  return tap_done ();
}
