/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The emulator registry's files, the version string read from an
 * emulator, and a container's or a run's choice among the names.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "choice.h"
#include "emulator.h"
#include "registry.h"
#include "tap.h"
#include "util.h"

/* Parse TEXT as a file; the error's message, or "" on success. */
static const char *
parse (struct nsb_registry *reg, const char *text)
{
  static char msg[512];
  nsb_error_t err = NULL;

  memset (reg, 0, sizeof (*reg));
  msg[0] = '\0';
  if (nsb_registry_parse (reg, text, strlen (text), "f.conf", &err) < 0)
    snprintf (msg, sizeof (msg), "%s", err->msg);
  nsb_error_release (&err);
  return msg;
}

static void
test_parse (void)
{
  struct nsb_registry reg;
  const char *m;

  m = parse (&reg, "# comment\n\n  qemu-10.0 arm64,riscv64 /q/qemu-{arch} PO\n"
                   "box64 x86_64 /usr/bin/box64\n");
  tap_ok (!*m && reg.n == 3 && !strcmp (reg.v[0].name, "qemu-10.0")
              && !strcmp (reg.v[0].arch->name, "aarch64")
              && !strcmp (reg.v[0].path, "/q/qemu-aarch64")
              && !strcmp (reg.v[1].path, "/q/qemu-riscv64")
              && reg.v[0].flags == (int)(NSB_FLAG_P | NSB_FLAG_O)
              && reg.v[2].flags == -1 && !strcmp (reg.v[2].where, "f.conf:4"),
          "names, aliases, {arch}, flags and where: %s", m);
  nsb_registry_free (&reg);
  m = parse (&reg, "x aarch64 /q -\n");
  tap_ok (!*m && reg.v[0].flags == 0, "`-` is no flags");
  nsb_registry_free (&reg);
  static const struct
  {
    const char *text, *says;
  } bad[] = {
    { "x aarch64\n", "f.conf:1: want NAME ARCHES PATH" },
    { "\n-x aarch64 /q\n", "f.conf:2: `-x` is not a name" },
    { "a/b aarch64 /q\n", "is not a name" },
    { "x vax /q\n", "unknown architecture `vax`" },
    { "x aarch64 q\n", "is not absolute" },
    { "x aarch64 /q F\n", "flags `F`" },
    { "x aarch64 /q PT\n", "flags `PT`" },
    { "x aarch64 /q\nx arm64 /r\n",
      "f.conf:2: `x` names a aarch64 emulator twice" },
    { "x aarch64 /q\0y\n", "" },
    { "x aarch64 /q a b\n", "not 5 words" },
    { "x aarch64 /{arch}/{arch}\n", "bad path" },
  };
  for (size_t i = 0; i < NSB_ARRAY_SIZE (bad); i++)
    {
      nsb_error_t err = NULL;
      size_t len = strlen (bad[i].text);
      if (i == 8)
        len = 15; /* the NUL byte inside */
      memset (&reg, 0, sizeof (reg));
      int r = nsb_registry_parse (&reg, bad[i].text, len, "f.conf", &err);
      const char *want = i == 8 ? "a NUL byte" : bad[i].says;
      tap_ok (r < 0 && err && strstr (err->msg, want), "refused: %s (%s)",
              want, err ? err->msg : "accepted");
      nsb_error_release (&err);
      nsb_registry_free (&reg);
    }
}

static void
test_scan (void)
{
  static const struct
  {
    const char *text, *arch, *version;
  } cases[] = {
    { "xxqemu-aarch64 version 7.2.22 (Debian 1:7.2)\nCopyright", "aarch64",
      "7.2.22 (Debian 1:7.2)" },
    { "qemu-x qemu-riscv64 version 10.0.2\0", "riscv64", "10.0.2" },
    { "qemu-aarch64 version x", "", "" },
    { "qemu-aarch64 version 7.2", "", "" }, /* cut at the end: not taken */
    { "qemu- version 7.2\n", "", "" },
    { "nothing here", "", "" },
  };
  for (size_t i = 0; i < NSB_ARRAY_SIZE (cases); i++)
    {
      struct nsb_emulator emu;
      memset (&emu, 0, sizeof (emu));
      nsb_emulator_scan (cases[i].text, strlen (cases[i].text) + (i == 1),
                         &emu);
      tap_ok (!strcmp (emu.qemu_arch, cases[i].arch)
                  && !strcmp (emu.version, cases[i].version),
              "scan %zu: `%s` `%s`", i, emu.qemu_arch, emu.version);
    }
}

/* An ELF file without section headers (so the scan reads all of it, not
 * only its .rodata) with a qemu's version string straddling the first
 * chunk boundary (at 1 MiB). */
static void
test_scan_chunks (void)
{
  char path[] = "/tmp/nsb-test-registry.XXXXXX";
  int fd = mkstemp (path);
  cleanup_free char *elf = NULL;
  size_t len;
  static const char v[] = "qemu-s390x version 5.2.0\n";
  struct nsb_emulator emu;

  if (fd < 0
      || nsb_read_file_at (AT_FDCWD, "/bin/true", 0, 1 << 20, &elf, &len, NULL)
             < 0
      || pwrite (fd, elf, len, 0) != (ssize_t)len
      || pwrite (fd, v, sizeof (v) - 1, (1 << 20) - 10) != sizeof (v) - 1
      || pwrite (fd, "\0\0\0\0\0\0\0\0", 8, 40) != 8 /* e_shoff */
      || fchmod (fd, 0755) < 0)
    tap_ok (0, "write %s", path);
  tap_ok (nsb_emulator_inspect (path, &emu, NULL) == 0
              && !strcmp (emu.qemu_arch, "s390x")
              && !strcmp (emu.version, "5.2.0") && emu.flags == NSB_FLAG_O,
          "a version across chunks is read whole; qemu 5 gets no P (%s, %u)",
          emu.version, emu.flags);
  close (fd);
  unlink (path);
}

static void
test_choice (void)
{
  struct nsb_choice c = { 0 };
  nsb_error_t err = NULL;

  tap_ok (nsb_choice_add_list (&c, "arm64=qemu-7.2, riscv64=qemu-10.0",
                               "annotation", NULL)
                  == 0
              && c.n == 2 && !strcmp (c.picks[1].emulator, "qemu-10.0"),
          "a list of picks");
  tap_ok (nsb_choice_add (&c, "aarch64=other", "x", NULL) == 0 && c.n == 2
              && !strcmp (c.picks[0].emulator, "other"),
          "a later pick replaces one of the same architecture");
  tap_ok (nsb_choice_add (&c, "arm64=/usr/bin/qemu-aarch64-static",
                          "annotation io.nsbinfmt.emulator", &err)
                  == -EPERM
              && strstr (err->msg, "is a path"),
          "a container names no path: %s", err ? err->msg : "");
  nsb_error_release (&err);
  static const char *const bad[]
      = { "arm64", "arm64=", "vax=q", "=q", "arm64=../q", "arm64=.q" };
  for (size_t i = 0; i < NSB_ARRAY_SIZE (bad); i++)
    {
      tap_ok (nsb_choice_add (&c, bad[i], "x", &err) < 0 && err,
              "refused: `%s` (%s)", bad[i], err ? err->msg : "");
      nsb_error_release (&err);
    }
  c.paths = true;
  tap_ok (nsb_choice_add (&c, "arm64=/q", "x", NULL) == 0
              && nsb_choice_add (&c, "arm64=q/r", "x", &err) < 0,
          "a run may give an absolute path, only");
  nsb_error_release (&err);
  nsb_choice_free (&c);
  tap_ok (nsb_choice_add_list (&c, " , ", "annotation x", &err) < 0
              && strstr (err->msg, "annotation x is empty"),
          "an empty list");
  nsb_error_release (&err);
  nsb_choice_free (&c);
}

/* A registry directory that others may write is refused; a missing one
 * is an empty registry. */
static void
test_load (void)
{
  char dir[] = "/tmp/nsb-test-reg.XXXXXX";
  struct nsb_registry reg;
  nsb_error_t err = NULL;
  char file[64];
  int r;

  if (mkdtemp (dir) == NULL)
    tap_ok (0, "mkdtemp");
  setenv ("NSBINFMT_EMULATORS_DIR", "/nonexistent", 1);
  tap_ok (nsb_registry_load (&reg, NULL) == 0 && reg.n == 0,
          "no directory, no emulators");
  setenv ("NSBINFMT_EMULATORS_DIR", dir, 1);
  snprintf (file, sizeof (file), "%s/a.conf", dir);
  int fd = open (file, O_CREAT | O_WRONLY, 0644);
  if (fd < 0 || write (fd, "x aarch64 /q\n", 13) != 13)
    tap_ok (0, "write %s", file);
  close (fd);
  tap_ok (nsb_registry_load (&reg, NULL) == 0 && reg.n == 1, "a file read");
  nsb_registry_free (&reg);
  chmod (file, 0666);
  r = nsb_registry_load (&reg, &err);
  tap_ok (r == -EPERM && strstr (err->msg, "a.conf: refused"),
          "a file others may write is refused: %s", err ? err->msg : "");
  nsb_error_release (&err);
  chmod (file, 0644);
  char dir2[] = "/tmp/nsb-test-reg2.XXXXXX", list[80], file2[64];
  if (mkdtemp (dir2) == NULL)
    tap_ok (0, "mkdtemp");
  snprintf (file2, sizeof (file2), "%s/a.conf", dir2);
  snprintf (list, sizeof (list), "%s:%s", dir2, dir);
  setenv ("NSBINFMT_EMULATORS_DIR", list, 1);
  tap_ok (symlink ("/dev/null", file2) == 0
              && nsb_registry_load (&reg, NULL) == 0 && reg.n == 0,
          "a link to /dev/null masks the later directory's file");
  nsb_registry_free (&reg);
  unlink (file2);
  rmdir (dir2);
  setenv ("NSBINFMT_EMULATORS_DIR", dir, 1);
  chmod (dir, 0777);
  r = nsb_registry_load (&reg, &err);
  tap_ok (r == -EPERM, "so is such a directory: %s", err ? err->msg : "");
  nsb_error_release (&err);
  unlink (file);
  rmdir (dir);
  unsetenv ("NSBINFMT_EMULATORS_DIR");
}

/* Unprivileged (the Debian package's build): what this user owns is not
 * root's, so the registry refuses its directory. */
static void
test_not_roots (void)
{
  char dir[] = "/tmp/nsb-test-reg.XXXXXX";
  struct nsb_registry reg;
  nsb_error_t err = NULL;

  if (mkdtemp (dir) == NULL)
    tap_ok (0, "mkdtemp");
  setenv ("NSBINFMT_EMULATORS_DIR", dir, 1);
  int r = nsb_registry_load (&reg, &err);
  tap_ok (r == -EPERM && strstr (err->msg, "not root's"),
          "a directory not root's is refused: %s", err ? err->msg : "");
  nsb_error_release (&err);
  rmdir (dir);
  unsetenv ("NSBINFMT_EMULATORS_DIR");
}

int
main (void)
{
  test_parse ();
  test_scan ();
  test_scan_chunks ();
  test_choice ();
  if (geteuid () == 0)
    test_load ();
  else
    test_not_roots ();
  return tap_done ();
}
