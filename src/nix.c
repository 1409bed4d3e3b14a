/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A .drv file is one ATerm: Derive([outputs],[inputDrvs],[inputSrcs],
 * "system","builder",[args],[env]).  Strings are "..." with \" \\ \n \r \t
 * escapes; only the system is needed, so the first three (list) fields are
 * skipped by nesting depth and the fourth is decoded.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "catalog.h"
#include "emulator.h"
#include "nix.h"
#include "util.h"

/* Past the string starting at S[*I] (a '"'); decoded into OUT if given. */
static int
string_at (const char *s, size_t len, size_t *i, char *out, size_t size)
{
  size_t n = 0;

  for ((*i)++; *i < len; (*i)++)
    {
      char c = s[*i];
      if (c == '"')
        {
          (*i)++;
          if (out)
            out[n] = '\0';
          return 0;
        }
      if (c == '\\' && ++(*i) < len)
        c = s[*i] == 'n'   ? '\n'
            : s[*i] == 't' ? '\t'
            : s[*i] == 'r' ? '\r'
                           : s[*i];
      if (out && n + 1 < size)
        out[n++] = c;
      else if (out)
        return -1;
    }
  return -1;
}

/* Past one list field ([...] with nested lists, tuples and strings). */
static int
skip_list (const char *s, size_t len, size_t *i)
{
  int ret;
  int depth = 0;

  if (*i >= len || s[*i] != '[')
    return -1;
  while (*i < len)
    {
      char c = s[*i];
      if (c == '"')
        {
          ret = string_at (s, len, i, NULL, 0);
          if (ret < 0)
            return ret;
          continue;
        }
      depth += (c == '[' || c == '(') - (c == ']' || c == ')');
      (*i)++;
      if (depth == 0)
        return 0;
      if (depth < 0)
        return depth;
    }
  return -1;
}

int
nsb_nix_drv_system (const char *text, size_t len, char *system, size_t size,
                    nsb_error_t *err)
{
  size_t i = 7;

  if (len < 7 || memcmp (text, "Derive(", 7) != 0)
    return nsb_error_set (err, EINVAL, "not a derivation (no Derive()");
  for (int field = 0; field < 3; field++)
    {
      if (skip_list (text, len, &i) < 0 || i >= len || text[i++] != ',')
        return nsb_error_set (err, EINVAL, "malformed derivation (field %d)",
                              field + 1);
    }
  if (i >= len || text[i] != '"' || string_at (text, len, &i, system, size) < 0
      || i >= len || text[i] != ',')
    return nsb_error_set (err, EINVAL, "malformed derivation (its system)");
  return 0;
}

int
nsb_nix_pre_build_hook (const char *drv_path, FILE *out, nsb_error_t *err)
{
  cleanup_free char *text = NULL;
  const struct nsb_arch *arch;
  struct nsb_emulator emu;
  char system[64], dest[64];
  size_t len;

  if (nsb_read_file_at (AT_FDCWD, drv_path, 0, NSB_DRV_MAX, &text, &len, err)
          < 0
      || nsb_nix_drv_system (text, len, system, sizeof (system), err) < 0)
    return nsb_error_prefix (err, "%s", drv_path);
  arch = nsb_catalog_lookup (system);
  if (arch == NULL || nsb_arch_is_native (arch))
    return 0;
  if (nsb_emulator_find (arch, &emu, err) < 0)
    return nsb_error_prefix (err, "%s (system %s)", drv_path, system);
  if (!emu.is_static)
    return nsb_error_set (err, ENOEXEC,
                          "%s (system %s): the emulator %s is dynamically "
                          "linked and would not run in the sandbox: install "
                          "qemu-user-static",
                          drv_path, system, emu.path);
  /* Where nsbinfmt's default search finds it in the sandbox, whose builder
   * has none of the daemon's environment: an emulator elsewhere (NixOS: a
   * store path) is bound there. */
  snprintf (dest, sizeof (dest), "/usr/bin/qemu-%s-static", arch->name);
  if (strcmp (dest, emu.path) == 0)
    fprintf (out, "extra-sandbox-paths\n%s\n\n", emu.path);
  else
    fprintf (out, "extra-sandbox-paths\n%s=%s\n\n", dest, emu.path);
  return fflush (out) == 0 ? 0 : nsb_error_errno (err, "write");
}
