/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * binfmt-support's format files, as update-binfmts --import reads them
 * (get_import() and binfmt_new() of binfmt-support 2.2): the register
 * string it would write is built and handed to nsb_rule_parse(), so values
 * are unescaped in one place only.
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
  int ret;
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
      if (*p != '\0' && (ret = binfmts_key (bf, p, sp, line, err)) < 0)
        return ret;
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

  int ret;

  if ((ret = binfmts_bool (bf, BK_CREDENTIALS, 'C', &f, err)) < 0
      || (ret = binfmts_bool (bf, BK_PRESERVE, 'P', &f, err)) < 0
      || (ret = binfmts_bool (bf, BK_FIX_BINARY, 'F', &f, err)) < 0)
    return ret;
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
  int ret;
  struct binfmts bf = { .path = path };
  const char *name = strrchr (path, '/');
  cleanup_free char *reg = NULL;
  unsigned line;

  name = name != NULL ? name + 1 : path;
  if ((ret = binfmts_scan (&bf, buf, len, err)) < 0
      || (ret = binfmts_check (&bf, name, err)) < 0
      || (ret = binfmts_register (&bf, name, &reg, err)) < 0)
    return ret;
  line = bf.line[BK_MAGIC] ? bf.line[BK_MAGIC] : bf.line[BK_EXTENSION];
  return nsb_ruleset_parse_into (b, reg, strlen (reg), kf, path,
                                 nsb_ruleset_where (path, line), err);
}

int
nsb_ruleset_add_binfmts_file (struct nsb_ruleset *set, const char *path,
                              unsigned kfeatures, nsb_error_t *err)
{
  struct nsb_ruleset b = { 0 };
  cleanup_free char *buf = NULL;
  size_t len;
  int ret = nsb_source_read (-1, path, false, &buf, &len, err);

  if (ret < 0)
    return ret;
  if (buf == NULL)
    return nsb_error_set (err, EINVAL, "%s: empty: no binary format in it",
                          path);
  ret = binfmts_text (&b, path, buf, len, kfeatures, err);
  if (ret == 0)
    ret = nsb_ruleset_commit (set, &b, err);
  nsb_ruleset_free (&b);
  return ret;
}
