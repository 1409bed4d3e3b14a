/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry.h"
#include "util.h"

#define ARCH_WORD "{arch}"

static const char *const default_dirs = NSB_SYSCONFDIR
    "/nsbinfmt/emulators.d:" NSB_PREFIX "/lib/nsbinfmt/emulators.d";

bool
nsb_emulator_name_valid (const char *s)
{
  size_t n = strlen (s);

  if (n == 0 || n > NSB_EMULATOR_NAME_MAX || s[0] == '.' || s[0] == '-')
    return false;
  return strspn (s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789._-")
         == n;
}

/* PATH with {arch} replaced by ARCH's qemu name, into OUT. */
static bool
expand_path (const char *path, const struct nsb_arch *arch, char *out,
             size_t size)
{
  const char *w = strstr (path, ARCH_WORD);
  int n = w ? snprintf (out, size, "%.*s%s%s", (int)(w - path), path,
                        arch->name, w + strlen (ARCH_WORD))
            : snprintf (out, size, "%s", path);
  return n >= 0 && (size_t)n < size && strstr (out, ARCH_WORD) == NULL;
}

static const struct nsb_registry_entry *
find (const struct nsb_registry *reg, const char *name,
      const struct nsb_arch *arch)
{
  for (size_t i = 0; i < reg->n; i++)
    if (reg->v[i].arch == arch && strcmp (reg->v[i].name, name) == 0)
      return &reg->v[i];
  return NULL;
}

static int
parse_flags (const char *s, int *flags)
{
  unsigned f = 0;

  if (s == NULL)
    {
      *flags = -1;
      return 0;
    }
  if (strcmp (s, "-") != 0
      && (strspn (s, "POC") != strlen (s)
          || nsb_flags_from_string (s, &f) < 0))
    return -1;
  *flags = (int)f;
  return 0;
}

/* One entry per architecture of ARCHES (comma-separated). */
static int
add_arches (struct nsb_registry *reg, const char *name, char *arches,
            const char *path, int flags, const char *where, nsb_error_t *err)
{
  char *save = NULL;

  for (char *a = strtok_r (arches, ",", &save); a;
       a = strtok_r (NULL, ",", &save))
    {
      const struct nsb_arch *arch = nsb_catalog_lookup (a);
      struct nsb_registry_entry *e;
      if (arch == NULL)
        return nsb_error_set (err, EINVAL, "%s: unknown architecture `%s`",
                              where, a);
      if (find (reg, name, arch) != NULL)
        return nsb_error_set (err, EEXIST,
                              "%s: `%s` names a %s emulator twice", where,
                              name, arch->name);
      if (reg->n == NSB_REGISTRY_ENTRIES_MAX)
        return nsb_error_set (err, E2BIG, "%s: more than %d emulators", where,
                              NSB_REGISTRY_ENTRIES_MAX);
      e = realloc (reg->v, (reg->n + 1) * sizeof (*e));
      if (e == NULL)
        return nsb_error_errno (err, "%s", where);
      reg->v = e;
      e = &reg->v[reg->n];
      memset (e, 0, sizeof (*e));
      snprintf (e->name, sizeof (e->name), "%s", name);
      e->arch = arch;
      e->flags = flags;
      snprintf (e->where, sizeof (e->where), "%s", where);
      if (!expand_path (path, arch, e->path, sizeof (e->path)))
        return nsb_error_set (err, ENAMETOOLONG, "%s: bad path", where);
      reg->n++;
    }
  return 0;
}

/* One line, NUL-terminated, comments and blanks already skipped. */
static int
parse_line (struct nsb_registry *reg, char *line, const char *where,
            nsb_error_t *err)
{
  char *save = NULL, *w[5];
  size_t n = 0;
  int flags;

  for (char *t = strtok_r (line, " \t", &save); t && n < 5;
       t = strtok_r (NULL, " \t", &save))
    w[n++] = t;
  if (n < 3 || n > 4)
    return nsb_error_set (err, EINVAL,
                          "%s: want NAME ARCHES PATH [FLAGS], not %zu words",
                          where, n);
  if (!nsb_emulator_name_valid (w[0]))
    return nsb_error_set (err, EINVAL,
                          "%s: `%s` is not a name (at most %d of "
                          "A-Z a-z 0-9 . _ -, not starting with . or -)",
                          where, w[0], NSB_EMULATOR_NAME_MAX);
  if (w[2][0] != '/')
    return nsb_error_set (err, EINVAL, "%s: the path `%s` is not absolute",
                          where, w[2]);
  if (parse_flags (n == 4 ? w[3] : NULL, &flags) < 0)
    return nsb_error_set (
        err, EINVAL, "%s: flags `%s` are not P, O and C, or -", where, w[3]);
  return add_arches (reg, w[0], w[1], w[2], flags, where, err);
}

int
nsb_registry_parse (struct nsb_registry *reg, const char *text, size_t len,
                    const char *file, nsb_error_t *err)
{
  unsigned lineno = 0;

  for (const char *p = text, *end = text + len; p < end; lineno++)
    {
      const char *nl = memchr (p, '\n', (size_t)(end - p));
      size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
      cleanup_free char *line = strndup (p, n);
      char where[PATH_MAX + 16];
      const char *s;
      int ret;
      snprintf (where, sizeof (where), "%s:%u", file, lineno + 1);
      if (line == NULL)
        return nsb_error_errno (err, "%s", where);
      if (strlen (line) != n)
        return nsb_error_set (err, EINVAL, "%s: a NUL byte", where);
      p += n + (nl != NULL);
      s = line + strspn (line, " \t");
      if (*s == '\0' || *s == '#')
        continue;
      ret = parse_line (reg, line, where, err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

/* Is the file at FD root's, and written by no one else? */
static int
check_owner (int fd, const char *what, nsb_error_t *err)
{
  struct stat st;

  if (fstat (fd, &st) < 0)
    return nsb_error_errno (err, "%s", what);
  if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
    return nsb_error_set (err, EPERM,
                          "%s: refused: it is not root's, or others than "
                          "root may write it",
                          what);
  return 0;
}

static int
load_file (struct nsb_registry *reg, int dirfd, const char *dir,
           const char *name, nsb_error_t *err)
{
  char path[PATH_MAX];
  cleanup_close int fd = -1;
  cleanup_free char *text = NULL;
  size_t len;
  int ret;

  snprintf (path, sizeof (path), "%s/%s", dir, name);
  fd = nsb_open_regular (dirfd, name, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
                         err);
  if (fd < 0)
    return nsb_error_prefix (err, "emulator registry %s", path);
  ret = check_owner (fd, path, err);
  if (ret == 0
      && nsb_read_fd (fd, NSB_REGISTRY_FILE_MAX, &text, &len, err) < 0)
    ret = nsb_error_prefix (err, "%s", path);
  return ret < 0 ? ret : nsb_registry_parse (reg, text, len, path, err);
}

/* A link to /dev/null: systemd's way to mask a file of the same name. */
static bool
is_mask (int dirfd, const char *name)
{
  char target[16];
  ssize_t n = readlinkat (dirfd, name, target, sizeof (target) - 1);

  if (n < 0)
    return false;
  target[n] = '\0';
  return strcmp (target, "/dev/null") == 0;
}

static bool
is_conf (const char *name)
{
  size_t n = strlen (name);
  return name[0] != '.' && n > 5 && strcmp (name + n - 5, ".conf") == 0;
}

/* Has an earlier directory of DIRS (up to BEFORE) a file NAME? */
static bool
masked (char **dirs, size_t before, const char *name)
{
  for (size_t i = 0; i < before; i++)
    {
      char path[PATH_MAX];
      struct stat st;
      snprintf (path, sizeof (path), "%s/%s", dirs[i], name);
      if (lstat (path, &st) == 0)
        return true;
    }
  return false;
}

static int
load_dir (struct nsb_registry *reg, char **dirs, size_t i, nsb_error_t *err)
{
  cleanup_close int fd
      = open (dirs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct dirent **names = NULL;
  int n, ret = 0;

  if (fd < 0 && errno == ENOENT)
    return 0;
  if (fd < 0)
    return nsb_error_errno (err, "emulator registry %s", dirs[i]);
  ret = check_owner (fd, dirs[i], err);
  if (ret < 0)
    return ret;
  n = scandirat (fd, ".", &names, NULL, alphasort);
  if (n < 0)
    return nsb_error_errno (err, "emulator registry %s", dirs[i]);
  if (n > NSB_REGISTRY_FILES_MAX + 2)
    ret = nsb_error_set (err, E2BIG, "%s: more than %d files", dirs[i],
                         NSB_REGISTRY_FILES_MAX);
  for (int k = 0; ret == 0 && k < n; k++)
    if (is_conf (names[k]->d_name) && !masked (dirs, i, names[k]->d_name)
        && !is_mask (fd, names[k]->d_name))
      ret = load_file (reg, fd, dirs[i], names[k]->d_name, err);
  for (int k = 0; k < n; k++)
    free (names[k]);
  free (names);
  return ret;
}

int
nsb_registry_load (struct nsb_registry *reg, nsb_error_t *err)
{
  const char *env = getenv ("NSBINFMT_EMULATORS_DIR");
  cleanup_free char *list = strdup (env && *env ? env : default_dirs);
  char *dirs[16], *save = NULL;
  size_t n = 0;
  int ret = 0;

  memset (reg, 0, sizeof (*reg));
  if (list == NULL)
    return nsb_error_errno (err, "emulator registry");
  for (char *d = strtok_r (list, ":", &save); d && n < 16;
       d = strtok_r (NULL, ":", &save))
    dirs[n++] = d;
  for (size_t i = 0; ret == 0 && i < n; i++)
    ret = load_dir (reg, dirs, i, err);
  if (ret < 0)
    nsb_registry_free (reg);
  return ret;
}

void
nsb_registry_free (struct nsb_registry *reg)
{
  free (reg->v);
  memset (reg, 0, sizeof (*reg));
}

/* Is EMU fit to be E's emulator? */
static int
check_emulator (const struct nsb_registry_entry *e,
                const struct nsb_emulator *emu, nsb_error_t *err)
{
  const char *why = NULL;

  if (!emu->root_only)
    why = "it is not root's, or others than root may write it";
  else if (!emu->is_static)
    why = "it is dynamically linked (a static one runs in any container)";
  else if (!emu->native)
    why = "it is not an ELF file this host runs";
  else if (emu->qemu_arch[0] && strcmp (emu->qemu_arch, e->arch->name) != 0)
    why = "it is a qemu of another architecture";
  if (why == NULL)
    return 0;
  return nsb_error_set (err, EPERM, "%s: emulator %s for %s refused: %s",
                        e->where, e->path, e->arch->name, why);
}

int
nsb_registry_emulator (const struct nsb_registry *reg, const char *name,
                       const struct nsb_arch *arch, struct nsb_emulator *emu,
                       nsb_error_t *err)
{
  const struct nsb_registry_entry *e = find (reg, name, arch);
  int ret;

  if (e == NULL && strcmp (name, NSB_REGISTRY_DEFAULT) == 0)
    return nsb_emulator_find (arch, emu, err);
  if (e == NULL)
    return nsb_error_set (err, ENOENT,
                          "no emulator `%s` for %s in the registry "
                          "(nsbinfmt catalog lists them)",
                          name, arch->name);
  ret = nsb_emulator_inspect (e->path, emu, err);
  if (ret < 0)
    return nsb_error_prefix (err, "%s", e->where);
  ret = check_emulator (e, emu, err);
  if (ret == 0 && e->flags >= 0)
    emu->flags = (unsigned)e->flags;
  return ret;
}
