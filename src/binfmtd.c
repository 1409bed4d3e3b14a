/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * binfmt.d, as systemd-binfmt (src/binfmt/binfmt.c) reads it, with its
 * conf_files_list() (src/basic/conf-files.c) and no filter flags: the first
 * directory holding a name wins, whatever that entry is, and the winners
 * are read in the order of their names.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "sources.h"
#include "util.h"

const char *const nsb_binfmtd_dirs[] = {
  "/etc/binfmt.d",     "/run/binfmt.d", "/usr/local/lib/binfmt.d",
  "/usr/lib/binfmt.d", "/lib/binfmt.d", NULL,
};

enum
{
  EOL_LF = 1 << 0,
  EOL_CR = 1 << 1,
  EOL_NUL = 1 << 2,
};

static int
eol_kind (char c)
{
  return c == '\n' ? EOL_LF : c == '\r' ? EOL_CR : c == '\0' ? EOL_NUL : 0;
}

/* systemd's read_line(): a line ends at EOF or at a run of end-of-line
 * bytes holding each of \n and \r at most once and ending at a NUL. */
static bool
next_line (const char *buf, size_t len, size_t *pos, const char **line,
           size_t *n)
{
  size_t p = *pos;
  int seen = 0;

  if (p >= len)
    return false;
  *line = buf + p;
  *n = 0;
  for (; p < len; p++)
    {
      int eol = eol_kind (buf[p]);

      if ((seen & EOL_NUL) || (eol == 0 && seen != 0) || (eol & seen))
        break;
      if (eol != 0)
        seen |= eol;
      else
        (*n)++;
    }
  *pos = p;
  return true;
}

/* Check one stripped line the way systemd-binfmt writes it: with a newline
 * (write_string_file), which the kernel counts and accepts after the flags. */
static int
conf_line (struct nsb_ruleset *b, const char *s, size_t n, unsigned kf,
           const char *file, unsigned line, nsb_error_t *err)
{
  cleanup_free char *reg = malloc (n + 2);
  char *origin;

  if (reg == NULL)
    return nsb_error_errno (err, "%s:%u", file, line);
  memcpy (reg, s, n);
  reg[n] = '\n';
  reg[n + 1] = '\0';
  origin = nsb_ruleset_where (file, line);
  return nsb_ruleset_parse_into (b, reg, n + 1, kf, origin ? origin : file,
                                 origin, err);
}

static int
conf_text (struct nsb_ruleset *b, const char *file, const char *buf,
           size_t len, unsigned kf, nsb_error_t *err)
{
  int ret;
  const char *s;
  size_t pos = 0, n;

  for (unsigned line = 1; next_line (buf, len, &pos, &s, &n); line++)
    {
      while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
      while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
      if (n == 0 || *s == '#' || *s == ';')
        continue;
      ret = conf_line (b, s, n, kf, file, line, err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

/* Read FILE (beneath ROOTFD when >= 0) into batch B. */
static int
conf_file (struct nsb_ruleset *b, int rootfd, const char *file,
           bool missing_ok, unsigned kf, nsb_error_t *err)
{
  int ret;
  cleanup_free char *buf = NULL;
  size_t len;

  ret = nsb_source_read (rootfd, file, missing_ok, &buf, &len, err);
  if (ret < 0)
    return ret;
  if (buf == NULL)
    return 0;
  return conf_text (b, file, buf, len, kf, err);
}

int
nsb_ruleset_add_file (struct nsb_ruleset *set, const char *path,
                      unsigned kfeatures, nsb_error_t *err)
{
  struct nsb_ruleset b = { 0 };
  int ret = conf_file (&b, -1, path, false, kfeatures, err);

  if (ret == 0)
    ret = nsb_ruleset_commit (set, &b, err);
  nsb_ruleset_free (&b);
  return ret;
}

struct conf_entry
{
  char *name;
  size_t dir; /* index into the directory list */
};

/* The directories' entries that count: one per name, the first found. */
struct conf_scan
{
  int rootfd;
  const char *const *dirs;
  size_t n_dirs;
  DIR **dir; /* NULL: missing, or a directory listed before */
  size_t n_files;
  struct conf_entry *files;
};

static void
scan_free (struct conf_scan *sc)
{
  for (size_t i = 0; sc->dir != NULL && i < sc->n_dirs; i++)
    if (sc->dir[i] != NULL)
      closedir (sc->dir[i]);
  for (size_t i = 0; i < sc->n_files; i++)
    free (sc->files[i].name);
  free (sc->dir);
  free (sc->files);
}

/* Open directory I, unless it is missing or the same as an earlier one. */
static int
scan_open_dir (struct conf_scan *sc, size_t i, nsb_error_t *err)
{
  int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  const char *path = sc->dirs[i];
  cleanup_close int fd = -1;
  nsb_error_t e = NULL;
  struct stat st, other;

  fd = sc->rootfd >= 0 ? nsb_open_in_root (sc->rootfd, path, flags, 0, &e)
                       : open (path, flags);
  if (fd < 0)
    {
      int saved = errno;

      nsb_error_release (&e);
      errno = saved;
      if (saved == ENOENT)
        return 0;
      return nsb_error_errno (err, "open directory `%s`", path);
    }
  if (fstat (fd, &st) < 0)
    return nsb_error_errno (err, "stat `%s`", path);
  for (size_t j = 0; j < i; j++)
    if (sc->dir[j] != NULL && fstat (dirfd (sc->dir[j]), &other) == 0
        && other.st_dev == st.st_dev && other.st_ino == st.st_ino)
      return 0;
  sc->dir[i] = fdopendir (fd);
  if (sc->dir[i] == NULL)
    return nsb_error_errno (err, "open directory `%s`", path);
  fd = -1; /* the DIR owns it now */
  return 0;
}

static bool
scan_has (const struct conf_scan *sc, const char *name)
{
  for (size_t i = 0; i < sc->n_files; i++)
    if (strcmp (sc->files[i].name, name) == 0)
      return true;
  return false;
}

static int
scan_add (struct conf_scan *sc, const char *name, size_t dir, nsb_error_t *err)
{
  struct conf_entry *files;
  char *copy = strdup (name);

  files
      = copy ? realloc (sc->files, (sc->n_files + 1) * sizeof (*files)) : NULL;
  if (files == NULL)
    {
      free (copy);
      return nsb_error_errno (err, "list `%s`", sc->dirs[dir]);
    }
  sc->files = files;
  sc->files[sc->n_files].name = copy;
  sc->files[sc->n_files++].dir = dir;
  return 0;
}

/* Claim the names of directory I that no earlier directory holds. */
static int
scan_dir (struct conf_scan *sc, size_t i, nsb_error_t *err)
{
  int ret;
  static const char suffix[] = ".conf";
  struct dirent *de;

  if (sc->dir[i] == NULL)
    return 0;
  for (;;)
    {
      size_t len;

      errno = 0;
      de = readdir (sc->dir[i]);
      if (de == NULL)
        break;
      len = strlen (de->d_name);
      if (de->d_name[0] == '.' || len < sizeof (suffix)
          || strcmp (de->d_name + len - (sizeof (suffix) - 1), suffix) != 0
          || scan_has (sc, de->d_name))
        continue;
      ret = scan_add (sc, de->d_name, i, err);
      if (ret < 0)
        return ret;
    }
  if (errno != 0)
    return nsb_error_errno (err, "list `%s`", sc->dirs[i]);
  return 0;
}

static int
entry_cmp (const void *a, const void *b)
{
  return strcmp (((const struct conf_entry *)a)->name,
                 ((const struct conf_entry *)b)->name);
}

/* A symlink whose target is literally /dev/null: a mask, even where the
 * tree has no /dev/null of its own. */
static bool
is_null_link (DIR *dir, const char *name)
{
  char target[16];
  ssize_t n = readlinkat (dirfd (dir), name, target, sizeof (target));

  return n == 9 && memcmp (target, "/dev/null", 9) == 0;
}

static int
scan_read (const struct conf_scan *sc, const struct conf_entry *f,
           struct nsb_ruleset *b, unsigned kf, nsb_error_t *err)
{
  const char *dir = sc->dirs[f->dir];
  size_t dl = strlen (dir);
  cleanup_free char *path = NULL;

  if (is_null_link (sc->dir[f->dir], f->name))
    return 0;
  if (asprintf (&path, "%s%s%s", dir, dl > 0 && dir[dl - 1] == '/' ? "" : "/",
                f->name)
      < 0)
    return nsb_error_errno (err, "read `%s`", f->name);
  return conf_file (b, sc->rootfd, path, true, kf, err);
}

int
nsb_ruleset_add_binfmtd_at (struct nsb_ruleset *set, int rootfd,
                            const char *const *dirs, unsigned kfeatures,
                            nsb_error_t *err)
{
  struct conf_scan sc = { .rootfd = rootfd };
  struct nsb_ruleset b = { 0 };
  int ret = 0;

  sc.dirs = dirs != NULL ? dirs : nsb_binfmtd_dirs;
  while (sc.dirs[sc.n_dirs] != NULL)
    sc.n_dirs++;
  sc.dir = calloc (sc.n_dirs + 1, sizeof (*sc.dir));
  if (sc.dir == NULL)
    ret = nsb_error_errno (err, "binfmt.d");
  for (size_t i = 0; ret == 0 && i < sc.n_dirs; i++)
    if ((ret = scan_open_dir (&sc, i, err)) == 0)
      ret = scan_dir (&sc, i, err);
  if (ret == 0 && sc.n_files > 0)
    qsort (sc.files, sc.n_files, sizeof (*sc.files), entry_cmp);
  for (size_t i = 0; ret == 0 && i < sc.n_files; i++)
    ret = scan_read (&sc, &sc.files[i], &b, kfeatures, err);
  if (ret == 0)
    ret = nsb_ruleset_commit (set, &b, err);
  nsb_ruleset_free (&b);
  scan_free (&sc);
  return ret;
}

int
nsb_ruleset_add_binfmtd (struct nsb_ruleset *set, const char *const *dirs,
                         unsigned kfeatures, nsb_error_t *err)
{
  return nsb_ruleset_add_binfmtd_at (set, -1, dirs, kfeatures, err);
}
