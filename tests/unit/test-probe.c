/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every probe nsb_probe_build knows really runs: under the host's
 * /usr/bin/qemu-ARCH-static (natively for the host's own architectures) it
 * exits with the status it was built with.  Its header also matches the
 * magic and mask of Debian's /usr/lib/binfmt.d/qemu-ARCH.conf, so the kernel
 * would hand it to the emulator.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "catalog.h"
#include "probe.h"
#include "tap.h"
#include "util.h"

#define BINFMT_DIR "/usr/lib/binfmt.d"
#define EMU_DIR "/usr/bin"
#define PROBE_TIMEOUT 20 /* seconds */

/* Host `uname -m` values and the arches they may run without an emulator:
 * the host's own always, a compat one (COMPAT) only where the kernel and
 * the CPU have that mode (ia32_emulation=0, CPUs without AArch32 and some
 * hypervisors do not). */
static const struct
{
  const char *host, *arch;
  bool compat;
} native[] = {
  { "x86_64", "x86_64", false },
  { "x86_64", "i386", true },
  { "aarch64", "aarch64", false },
  { "aarch64", "arm", true },
};

static int run_probe (const char *arch, const char *emu, uint8_t code);

/* ARCH's row for this host, or NULL. */
static const char *
native_row (const char *arch, bool *compat)
{
  struct utsname u;

  if (uname (&u) < 0)
    return NULL;
  for (size_t i = 0; i < NSB_ARRAY_SIZE (native); i++)
    if (strcmp (native[i].host, u.machine) == 0
        && strcmp (native[i].arch, arch) == 0)
      {
        *compat = native[i].compat;
        return native[i].arch;
      }
  return NULL;
}

static bool
may_be_native (const char *arch)
{
  bool compat;
  return native_row (arch, &compat) != NULL;
}

static bool
is_native (const char *arch)
{
  bool compat = false;
  return native_row (arch, &compat) != NULL
         && (!compat || run_probe (arch, NULL, 0) == 0);
}

/* Decode a binfmt_misc magic or mask ("\x7fELF\x01...") into OUT. */
static size_t
unescape (const char *s, uint8_t *out, size_t max)
{
  size_t n = 0;

  while (*s != '\0' && n < max)
    {
      if (s[0] == '\\' && s[1] == 'x' && isxdigit ((unsigned char)s[2])
          && isxdigit ((unsigned char)s[3]))
        {
          char hex[3] = { s[2], s[3], '\0' };
          out[n++] = (uint8_t)strtoul (hex, NULL, 16);
          s += 4;
        }
      else if (s[0] == '\\' && s[1] != '\0')
        {
          out[n++] = (uint8_t)s[1];
          s += 2;
        }
      else
        out[n++] = (uint8_t)*s++;
    }
  return n;
}

/* 1: PROBE matches the M rule of FILE; 0: it does not; -1: no such rule. */
static int
binfmt_match (const char *file, const uint8_t *probe, size_t len)
{
  char line[4096], *f[8] = { NULL };
  uint8_t magic[128], mask[128];
  size_t nmagic, nmask, off;
  int nf = 0;
  FILE *fp cleanup_fclose = fopen (file, "re");

  if (fp == NULL)
    return -1;
  while (fgets (line, sizeof (line), fp) != NULL)
    if (line[0] == ':')
      break;
  if (line[0] != ':')
    return -1;
  line[strcspn (line, "\n")] = '\0';
  /* :name:type:offset:magic:mask:interpreter:flags */
  for (char *p = line + 1; nf < 8 && p != NULL; nf++)
    {
      f[nf] = p;
      p = strchr (p, ':');
      if (p != NULL)
        *p++ = '\0';
    }
  if (nf < 5 || strcmp (f[1], "M") != 0)
    return -1;
  off = strtoul (f[2], NULL, 10);
  nmagic = unescape (f[3], magic, sizeof (magic));
  nmask = unescape (f[4], mask, sizeof (mask));
  if (off + nmagic > len)
    return 0;
  for (size_t i = 0; i < nmagic; i++)
    {
      uint8_t m = i < nmask ? mask[i] : 0xff;
      if ((probe[off + i] & m) != (magic[i] & m))
        return 0;
    }
  return 1;
}

/* Read FD to its end; true when nothing came.  What did is a diagnostic. */
static bool
drain_quiet (int fd)
{
  char out[512];
  size_t n = 0;
  ssize_t r;

  while ((r = read (fd, out + n, sizeof (out) - 1 - n)) != 0)
    {
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        break;
      n += (size_t)r;
      if (n == sizeof (out) - 1)
        n = sizeof (out) - 2; /* keep the start, read on to the end */
    }
  out[n] = '\0';
  if (n > 0)
    tap_diag ("output: %s", out);
  return n == 0;
}

/* Run ARGV; its exit status, or -1 (and a diagnostic) when it died of a
 * signal or printed anything: qemu exits 255 when it refuses a binary, and
 * says why on stderr. */
static int
run (char *const argv[])
{
  int status, fds[2];
  bool quiet;
  pid_t pid;

  if (pipe2 (fds, O_CLOEXEC) < 0)
    return -1;
  pid = fork ();
  if (pid < 0)
    {
      close (fds[0]);
      close (fds[1]);
      return -1;
    }
  if (pid == 0)
    {
      dup2 (fds[1], STDOUT_FILENO);
      dup2 (fds[1], STDERR_FILENO);
      alarm (PROBE_TIMEOUT); /* survives the exec: a looping probe dies */
      execv (argv[0], argv);
      _exit (127);
    }
  close (fds[1]);
  quiet = drain_quiet (fds[0]);
  close (fds[0]);
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  if (WIFSIGNALED (status))
    tap_diag ("%s killed by signal %d", argv[0], WTERMSIG (status));
  return WIFEXITED (status) && quiet ? WEXITSTATUS (status) : -1;
}

/* Write the probe to a new mode-0700 temporary file; its path in PATH. */
static int
write_probe (const uint8_t *buf, size_t len, char *path, size_t size)
{
  const char *dir = getenv ("TMPDIR");
  int fd cleanup_close = -1;

  snprintf (path, size, "%s/nsb-probe-XXXXXX",
            dir != NULL && *dir != '\0' ? dir : "/tmp");
  fd = mkstemp (path);
  if (fd < 0)
    return -1;
  if (write (fd, buf, len) != (ssize_t)len || fchmod (fd, 0700) < 0)
    {
      unlink (path);
      return -1;
    }
  return 0;
}

/* Build, write and run the probe of ARCH for CODE; the exit status. */
static int
run_probe (const char *arch, const char *emu, uint8_t code)
{
  uint8_t buf[NSB_PROBE_MAX];
  char path[4096];
  size_t len = 0;
  int status;
  cleanup_error nsb_error_t err = NULL;

  if (nsb_probe_build (arch, code, buf, sizeof (buf), &len, &err) < 0)
    {
      tap_diag ("%s", err->msg);
      return -1;
    }
  if (write_probe (buf, len, path, sizeof (path)) < 0)
    {
      tap_diag ("writing the %s probe: %s", arch, strerror (errno));
      return -1;
    }
  if (emu != NULL)
    status = run ((char *const[]){ (char *)emu, path, NULL });
  else
    status = run ((char *const[]){ path, NULL });
  unlink (path);
  return status;
}

static void
test_arch (const char *arch)
{
  static const uint8_t codes[] = { 0, 42, 255 };
  uint8_t buf[NSB_PROBE_MAX];
  char emu[256], conf[256];
  size_t len = 0;
  bool native_arch = is_native (arch);
  const struct nsb_arch *a = nsb_catalog_lookup (arch);
  int r;
  cleanup_error nsb_error_t err = NULL;

  r = nsb_probe_build (arch, 0, buf, sizeof (buf), &len, &err);
  tap_ok (r == 0 && len > 0 && len <= NSB_PROBE_MAX,
          "%s: probe built (%zu bytes)", arch, len);
  if (a != NULL)
    tap_ok (nsb_arch_is_native (a) == native_arch,
            "%s: the catalog says %s, as an exec of it here does", arch,
            native_arch ? "native" : "emulated");
  snprintf (emu, sizeof (emu), EMU_DIR "/qemu-%s-static", arch);
  snprintf (conf, sizeof (conf), BINFMT_DIR "/qemu-%s.conf", arch);
  if (!native_arch && access (emu, X_OK) < 0)
    {
      char why[300];
      snprintf (why, sizeof (why), "%s: %s not installed", arch, emu);
      tap_skip (why);
      return;
    }
  if (!native_arch)
    {
      int m = binfmt_match (conf, buf, len);
      /* Debian ships no rule for what a host of this kind may run
       * natively (i386 on amd64): there is nothing to compare with. */
      if (m < 0 && may_be_native (arch))
        tap_diag ("%s: no rule in %s to compare with", arch, conf);
      else if (m < 0)
        {
          char why[300];
          snprintf (why, sizeof (why), "%s: no rule in %s", arch, conf);
          tap_skip (why);
        }
      else
        tap_ok (m == 1, "%s: header matches %s", arch, conf);
    }
  for (size_t i = 0; i < NSB_ARRAY_SIZE (codes); i++)
    {
      int status = run_probe (arch, native_arch ? NULL : emu, codes[i]);
      tap_ok (status == codes[i], "%s: probe exits %u (got %d)%s", arch,
              codes[i], status, native_arch ? " natively" : "");
    }
}

static void
test_errors (void)
{
  uint8_t buf[NSB_PROBE_MAX];
  size_t len = 0, need = 0;
  int r;
  nsb_error_t err = NULL;

  r = nsb_probe_build ("vax", 0, buf, sizeof (buf), &len, &err);
  tap_ok (r == -EINVAL && err != NULL && err->msg != NULL,
          "unknown arch fails: %s", err != NULL ? err->msg : "(no error)");
  nsb_error_release (&err);

  r = nsb_probe_build ("x86_64", 0, buf, sizeof (buf), &need, NULL);
  tap_ok (r == 0 && need > 1, "x86_64 probe needs %zu bytes", need);
  r = nsb_probe_build ("x86_64", 0, buf, need - 1, &len, &err);
  tap_ok (r == -ENOBUFS && err != NULL && err->msg != NULL,
          "too small buffer fails: %s", err != NULL ? err->msg : "(no error)");
  nsb_error_release (&err);

  r = nsb_probe_build ("x86_64", 0, buf, need, &len, &err);
  tap_ok (r == 0 && len == need && err == NULL,
          "a buffer of exactly %zu bytes is enough", need);

  r = nsb_probe_build (NULL, 0, buf, sizeof (buf), &len, &err);
  tap_ok (r == -EINVAL && err != NULL, "a NULL arch fails");
  nsb_error_release (&err);
}

/* For every arch: one byte short fails and writes nothing past the end. */
static void
test_sizes (const char *const *arches)
{
  bool ok = true;

  for (size_t i = 0; arches[i] != NULL; i++)
    {
      uint8_t buf[NSB_PROBE_MAX];
      size_t len = 0, short_len = 0;
      nsb_error_t err = NULL;

      if (nsb_probe_build (arches[i], 7, buf, sizeof (buf), &len, NULL) < 0)
        ok = false;
      memset (buf, 0xa5, sizeof (buf));
      if (nsb_probe_build (arches[i], 7, buf, len - 1, &short_len, &err)
              != -ENOBUFS
          || err == NULL || short_len != 0 || buf[0] != 0xa5)
        {
          tap_diag ("%s: a %zu-byte buffer did not fail cleanly", arches[i],
                    len - 1);
          ok = false;
        }
      nsb_error_release (&err);
    }
  tap_ok (ok, "every arch refuses a buffer one byte short");
}

int
main (void)
{
  const char *const *arches = nsb_probe_arches ();
  size_t n = 0;

  for (; arches[n] != NULL; n++)
    test_arch (arches[n]);
  tap_ok (n > 0, "%zu arches known", n);
  test_errors ();
  test_sizes (arches);
  return tap_done ();
}
