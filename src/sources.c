/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rule sources.  binfmt.d follows systemd-binfmt (src/binfmt/binfmt.c) and
 * its conf_files_list() (src/basic/conf-files.c) with no filter flags: the
 * first directory holding a name wins, whatever that entry is, and the
 * winners are read in the order of their names.  The binfmt-support format
 * follows update-binfmts --import (get_import() and binfmt_new() of
 * binfmt-support 2.2): the register string it would write is built and
 * handed to nsb_rule_parse(), so values are unescaped in one place only.
 * A call parses everything into a batch first and only then merges it, so
 * that a failing call leaves the set as it was.
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

/* ---- the set ---------------------------------------------------------- */

void
nsb_ruleset_free (struct nsb_ruleset *set)
{
  for (size_t i = 0; i < set->n; i++)
    free (set->origins[i]);
  free (set->origins);
  free (set->rules);
  set->n = 0;
  set->rules = NULL;
  set->origins = NULL;
}

const struct nsb_rule *
nsb_ruleset_find (const struct nsb_ruleset *set, const char *name)
{
  for (size_t i = 0; i < set->n; i++)
    if (strcmp (set->rules[i].name, name) == 0)
      return &set->rules[i];
  return NULL;
}

/* Room for one more rule: set->rules[set->n] and set->origins[set->n]. */
static int
batch_reserve (struct nsb_ruleset *b, nsb_error_t *err)
{
  struct nsb_rule *rules;
  char **origins;

  rules = realloc (b->rules, (b->n + 1) * sizeof (*rules));
  if (rules == NULL)
    return nsb_error_errno (err, "rule set");
  b->rules = rules;
  origins = realloc (b->origins, (b->n + 1) * sizeof (*origins));
  if (origins == NULL)
    return nsb_error_errno (err, "rule set");
  b->origins = origins;
  return 0;
}

/* Parse register string S (LEN bytes) into a new last rule of B.  ORIGIN
 * ("file:line") is taken over; an error is prefixed with WHERE. */
static int
batch_parse (struct nsb_ruleset *b, const char *s, size_t len, unsigned kf,
             const char *where, char *origin, nsb_error_t *err)
{
  if (origin == NULL)
    return nsb_error_errno (err, "%s", where);
  if (batch_reserve (b, err) < 0)
    {
      free (origin);
      return -1;
    }
  if (nsb_rule_parse (s, len, kf, &b->rules[b->n], err) < 0)
    {
      nsb_error_prefix (err, "%s", where); /* WHERE may be ORIGIN */
      free (origin);
      return -1;
    }
  b->origins[b->n++] = origin;
  return 0;
}

/* "FILE:LINE", or NULL with errno set. */
static char *
origin_new (const char *file, unsigned line)
{
  char *s;

  return asprintf (&s, "%s:%u", file, line) < 0 ? NULL : s;
}

/* Does a rule of B from index FROM on have the name NAME? */
static bool
named_from (const struct nsb_ruleset *b, size_t from, const char *name)
{
  for (size_t j = from; j < b->n; j++)
    if (strcmp (b->rules[j].name, name) == 0)
      return true;
  return false;
}

/* Append batch B to SET, a later rule replacing an earlier one of the same
 * name.  B is emptied either way; SET only changes on success. */
static int
ruleset_commit (struct nsb_ruleset *set, struct nsb_ruleset *b,
                nsb_error_t *err)
{
  struct nsb_ruleset out = { 0 };
  size_t keep = 0;

  if (b->n == 0)
    return 0;
  for (size_t i = 0; i < set->n; i++)
    keep += !named_from (b, 0, set->rules[i].name);
  for (size_t j = 0; j < b->n; j++)
    keep += !named_from (b, j + 1, b->rules[j].name);
  out.rules = malloc (keep * sizeof (*out.rules));
  out.origins = malloc (keep * sizeof (*out.origins));
  if (out.rules == NULL || out.origins == NULL)
    {
      free (out.rules);
      free (out.origins);
      return nsb_error_errno (err, "rule set");
    }
  for (size_t i = 0; i < set->n + b->n; i++)
    {
      bool in_set = i < set->n;
      size_t k = in_set ? i : i - set->n;
      struct nsb_ruleset *from = in_set ? set : b;
      bool dropped = in_set ? named_from (b, 0, set->rules[k].name)
                            : named_from (b, k + 1, b->rules[k].name);

      if (dropped)
        free (from->origins[k]);
      else
        {
          out.rules[out.n] = from->rules[k];
          out.origins[out.n++] = from->origins[k];
        }
    }
  free (set->rules);
  free (set->origins);
  free (b->rules);
  free (b->origins);
  *b = (struct nsb_ruleset){ 0 };
  *set = out;
  return 0;
}

int
nsb_ruleset_add_rule (struct nsb_ruleset *set, const struct nsb_rule *rule,
                      const char *origin, nsb_error_t *err)
{
  struct nsb_ruleset b = { 0 };
  char *o = strdup (origin);

  if (o == NULL || batch_reserve (&b, err) < 0)
    {
      free (o);
      nsb_ruleset_free (&b);
      return o == NULL ? nsb_error_errno (err, "rule set") : -1;
    }
  b.rules[0] = *rule;
  b.origins[b.n++] = o;
  if (ruleset_commit (set, &b, err) < 0)
    {
      nsb_ruleset_free (&b);
      return -1;
    }
  return 0;
}

/* ---- reading files ---------------------------------------------------- */

/* Open PATH (beneath ROOTFD when >= 0), a regular file: nothing else is
 * opened for I/O.  *FD is
 * left -1, with no error, for /dev/null and, if MISSING_OK, for a path that
 * does not resolve (ENOENT). */
static int
source_open (int rootfd, const char *path, bool missing_ok, int *fd,
             nsb_error_t *err)
{
  cleanup_close int f = -1;
  nsb_error_t e = NULL;
  struct stat st;

  *fd = -1;
  f = nsb_open_path (rootfd >= 0 ? rootfd : AT_FDCWD, path,
                     rootfd >= 0 ? NSB_RESOLVE_HOSTILE : 0, &e);
  if (f < 0)
    {
      int saved = errno;

      nsb_error_release (&e);
      errno = saved;
      if (saved == ENOENT && missing_ok)
        return 0;
      return nsb_error_errno (err, "open `%s`", path);
    }
  if (fstat (f, &st) < 0)
    return nsb_error_errno (err, "stat `%s`", path);
  if (S_ISCHR (st.st_mode) && st.st_rdev == makedev (1, 3))
    return 0;
  *fd = nsb_reopen_regular (f, path, err);
  return *fd < 0 ? -1 : 0;
}

/* The contents of PATH, NUL-terminated; *BUF is NULL when there are none
 * (see source_open). */
static int
source_read (int rootfd, const char *path, bool missing_ok, char **buf,
             size_t *len, nsb_error_t *err)
{
  cleanup_close int fd = -1;

  *buf = NULL;
  *len = 0;
  if (source_open (rootfd, path, missing_ok, &fd, err) < 0)
    return -1;
  if (fd < 0)
    return 0;
  if (nsb_read_fd (fd, (size_t)NSB_SOURCE_MAX + 1, buf, len, err) < 0)
    return nsb_error_prefix (err, "`%s`", path);
  if (*len > NSB_SOURCE_MAX)
    {
      free (*buf);
      *buf = NULL;
      return nsb_error_set (err, EFBIG, "`%s` is larger than %d bytes", path,
                            NSB_SOURCE_MAX);
    }
  return 0;
}

/* ---- binfmt.d --------------------------------------------------------- */

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
  origin = origin_new (file, line);
  return batch_parse (b, reg, n + 1, kf, origin ? origin : file, origin, err);
}

static int
conf_text (struct nsb_ruleset *b, const char *file, const char *buf,
           size_t len, unsigned kf, nsb_error_t *err)
{
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
      if (conf_line (b, s, n, kf, file, line, err) < 0)
        return -1;
    }
  return 0;
}

/* Read FILE (beneath ROOTFD when >= 0) into batch B. */
static int
conf_file (struct nsb_ruleset *b, int rootfd, const char *file,
           bool missing_ok, unsigned kf, nsb_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len;

  if (source_read (rootfd, file, missing_ok, &buf, &len, err) < 0)
    return -1;
  if (buf == NULL)
    return 0;
  return conf_text (b, file, buf, len, kf, err);
}

int
nsb_ruleset_add_file (struct nsb_ruleset *set, const char *path,
                      unsigned kfeatures, nsb_error_t *err)
{
  struct nsb_ruleset b = { 0 };
  int ret = -1;

  if (conf_file (&b, -1, path, false, kfeatures, err) == 0)
    ret = ruleset_commit (set, &b, err);
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
      if (scan_add (sc, de->d_name, i, err) < 0)
        return -1;
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
  int ret = -1;

  sc.dirs = dirs != NULL ? dirs : nsb_binfmtd_dirs;
  while (sc.dirs[sc.n_dirs] != NULL)
    sc.n_dirs++;
  sc.dir = calloc (sc.n_dirs + 1, sizeof (*sc.dir));
  if (sc.dir == NULL)
    {
      nsb_error_errno (err, "binfmt.d");
      goto out;
    }
  for (size_t i = 0; i < sc.n_dirs; i++)
    if (scan_open_dir (&sc, i, err) < 0 || scan_dir (&sc, i, err) < 0)
      goto out;
  if (sc.n_files > 0)
    qsort (sc.files, sc.n_files, sizeof (*sc.files), entry_cmp);
  for (size_t i = 0; i < sc.n_files; i++)
    if (scan_read (&sc, &sc.files[i], &b, kfeatures, err) < 0)
      goto out;
  ret = ruleset_commit (set, &b, err);
out:
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

/* ---- binfmt-support format files -------------------------------------- */

enum bkey
{
  BK_PACKAGE,
  BK_INTERPRETER,
  BK_MAGIC,
  BK_OFFSET,
  BK_MASK,
  BK_EXTENSION,
  BK_CREDENTIALS,
  BK_PRESERVE,
  BK_FIX_BINARY,
  BK_DETECTOR,
  BK_COUNT
};

static const char *const bkey_name[BK_COUNT] = {
  "package",   "interpreter", "magic",    "offset",     "mask",
  "extension", "credentials", "preserve", "fix_binary", "detector",
};

struct binfmts
{
  const char *path;
  const char *value[BK_COUNT];
  unsigned line[BK_COUNT]; /* 0: not given */
};

/* Record one "key value" line (already cut at the first space). */
static int
binfmts_key (struct binfmts *bf, const char *key, const char *value,
             unsigned line, nsb_error_t *err)
{
  for (int k = 0; k < BK_COUNT; k++)
    {
      if (strcasecmp (key, bkey_name[k]) != 0)
        continue;
      if (bf->line[k] != 0)
        return nsb_error_set (err, EINVAL,
                              "%s:%u: `%s` given again (first on line %u)",
                              bf->path, line, bkey_name[k], bf->line[k]);
      if (value == NULL)
        return nsb_error_set (err, EINVAL, "%s:%u: `%s` without a value",
                              bf->path, line, bkey_name[k]);
      bf->value[k] = value;
      bf->line[k] = line;
      return 0;
    }
  return nsb_error_set (err, EINVAL, "%s:%u: unknown key `%s`", bf->path, line,
                        key);
}

/* Split BUF (LEN bytes, NUL-terminated, modified) into keys and values. */
static int
binfmts_scan (struct binfmts *bf, char *buf, size_t len, nsb_error_t *err)
{
  const char *nul = memchr (buf, '\0', len);
  char *p = buf, *end = buf + len;
  unsigned line = 0;

  if (nul != NULL)
    {
      for (const char *q = buf; q < nul; q++)
        line += *q == '\n';
      return nsb_error_set (err, EINVAL, "%s:%u: a NUL byte", bf->path,
                            line + 1);
    }
  while (p < end)
    {
      char *nl = memchr (p, '\n', (size_t)(end - p));
      char *e = nl != NULL ? nl : end, *sp;

      line++;
      while (e > p && isspace ((unsigned char)e[-1]))
        e--;
      *e = '\0';
      sp = strchr (p, ' ');
      if (sp != NULL)
        *sp++ = '\0';
      if (*p == '\0' && sp != NULL)
        return nsb_error_set (err, EINVAL,
                              "%s:%u: starts with a space (update-binfmts "
                              "would drop the line)",
                              bf->path, line);
      if (*p != '\0' && binfmts_key (bf, p, sp, line, err) < 0)
        return -1;
      p = nl != NULL ? nl + 1 : end;
    }
  return 0;
}

/* "yes" appends LETTER at *FLAGS, "no" (or no line) does not, anything
 * else is an error. */
static int
binfmts_bool (const struct binfmts *bf, int k, char letter, char **flags,
              nsb_error_t *err)
{
  const char *v = bf->value[k];

  if (v == NULL || strcmp (v, "no") == 0)
    return 0;
  if (strcmp (v, "yes") != 0)
    return nsb_error_set (err, EINVAL, "%s:%u: %s: `%s` is not yes or no",
                          bf->path, bf->line[k], bkey_name[k], v);
  *(*flags)++ = letter;
  **flags = '\0';
  return 0;
}

/* What update-binfmts refuses, or what it would get wrong. */
static int
binfmts_check (const struct binfmts *bf, const char *name, nsb_error_t *err)
{
  const unsigned *l = bf->line;
  int ext = l[BK_EXTENSION] != 0, any = 0;

  for (int k = 0; k < BK_COUNT; k++)
    any |= l[k] != 0;
  if (!any)
    return nsb_error_set (err, EINVAL, "%s: empty: no binary format in it",
                          bf->path);
  if (l[BK_DETECTOR])
    return nsb_error_set (err, ENOTSUP,
                          "%s:%u: detector: userspace detectors "
                          "(binfmt-support's run-detectors) are not supported",
                          bf->path, l[BK_DETECTOR]);
  if (!l[BK_PACKAGE] || !l[BK_INTERPRETER])
    return nsb_error_set (err, EINVAL, "%s: no `%s` line", bf->path,
                          l[BK_PACKAGE] ? "interpreter" : "package");
  if (l[BK_MAGIC] && ext)
    return nsb_error_set (err, EINVAL,
                          "%s:%u: extension: the magic (line %u) is given too",
                          bf->path, l[BK_EXTENSION], l[BK_MAGIC]);
  if (!l[BK_MAGIC] && !ext)
    return nsb_error_set (err, EINVAL, "%s: neither `magic` nor `extension`",
                          bf->path);
  for (int k = BK_OFFSET; ext && k <= BK_MASK; k++)
    if (l[k])
      return nsb_error_set (err, EINVAL, "%s:%u: %s: not with an extension",
                            bf->path, l[k], bkey_name[k]);
  if (strchr (name, ':'))
    return nsb_error_set (err, EINVAL,
                          "%s: the name `%s` holds ':', the delimiter "
                          "update-binfmts uses",
                          bf->path, name);
  for (int k = BK_INTERPRETER; k <= BK_EXTENSION; k++)
    if (l[k] && strchr (bf->value[k], ':'))
      return nsb_error_set (err, EINVAL,
                            "%s:%u: %s: holds ':', the delimiter "
                            "update-binfmts uses (write \\x3a in a magic)",
                            bf->path, l[k], bkey_name[k]);
  return 0;
}

/* The register string update-binfmts --import would write (act_enable). */
static int
binfmts_register (const struct binfmts *bf, const char *name, char **out,
                  nsb_error_t *err)
{
  char flags[4] = "", *f = flags;
  int ext = bf->line[BK_EXTENSION] != 0;
  const char *offset = bf->value[BK_OFFSET];

  if (binfmts_bool (bf, BK_CREDENTIALS, 'C', &f, err) < 0
      || binfmts_bool (bf, BK_PRESERVE, 'P', &f, err) < 0
      || binfmts_bool (bf, BK_FIX_BINARY, 'F', &f, err) < 0)
    return -1;
  if (asprintf (out, ":%s:%c:%s:%s:%s:%s:%s\n", name, ext ? 'E' : 'M',
                offset != NULL ? offset : "0",
                bf->value[ext ? BK_EXTENSION : BK_MAGIC],
                bf->value[BK_MASK] != NULL ? bf->value[BK_MASK] : "",
                bf->value[BK_INTERPRETER], flags)
      < 0)
    {
      *out = NULL;
      return nsb_error_errno (err, "%s", bf->path);
    }
  return 0;
}

static int
binfmts_text (struct nsb_ruleset *b, const char *path, char *buf, size_t len,
              unsigned kf, nsb_error_t *err)
{
  struct binfmts bf = { .path = path };
  const char *name = strrchr (path, '/');
  cleanup_free char *reg = NULL;
  unsigned line;

  name = name != NULL ? name + 1 : path;
  if (binfmts_scan (&bf, buf, len, err) < 0
      || binfmts_check (&bf, name, err) < 0
      || binfmts_register (&bf, name, &reg, err) < 0)
    return -1;
  line = bf.line[BK_MAGIC] ? bf.line[BK_MAGIC] : bf.line[BK_EXTENSION];
  return batch_parse (b, reg, strlen (reg), kf, path, origin_new (path, line),
                      err);
}

int
nsb_ruleset_add_binfmts_file (struct nsb_ruleset *set, const char *path,
                              unsigned kfeatures, nsb_error_t *err)
{
  struct nsb_ruleset b = { 0 };
  cleanup_free char *buf = NULL;
  size_t len;
  int ret = -1;

  if (source_read (-1, path, false, &buf, &len, err) < 0)
    return -1;
  if (buf == NULL)
    return nsb_error_set (err, EINVAL, "%s: empty: no binary format in it",
                          path);
  if (binfmts_text (&b, path, buf, len, kfeatures, err) == 0)
    ret = ruleset_commit (set, &b, err);
  nsb_ruleset_free (&b);
  return ret;
}
