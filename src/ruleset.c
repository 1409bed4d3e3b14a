/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A rule set, and what its readers (binfmtd.c, binfmts.c) share: a call
 * parses everything into a batch first and only then merges it, so that a
 * failing call leaves the set as it was; source files are opened as
 * regular files only, and bounded.
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

#include "ruleset.h"
#include "util.h"

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
int
nsb_ruleset_reserve (struct nsb_ruleset *b, nsb_error_t *err)
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
int
nsb_ruleset_parse_into (struct nsb_ruleset *b, const char *s, size_t len,
                        unsigned kf, const char *where, char *origin,
                        nsb_error_t *err)
{
  int ret;
  if (origin == NULL)
    return nsb_error_errno (err, "%s", where);
  ret = nsb_ruleset_reserve (b, err);
  if (ret == 0
      && (ret = nsb_rule_parse (s, len, kf, &b->rules[b->n], err)) < 0)
    nsb_error_prefix (err, "%s", where); /* WHERE may be ORIGIN */
  if (ret < 0)
    {
      free (origin);
      return ret;
    }
  b->origins[b->n++] = origin;
  return 0;
}

/* "FILE:LINE", or NULL with errno set. */
char *
nsb_ruleset_where (const char *file, unsigned line)
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
int
nsb_ruleset_commit (struct nsb_ruleset *set, struct nsb_ruleset *b,
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
  int ret = o != NULL ? nsb_ruleset_reserve (&b, err)
                      : nsb_error_errno (err, "rule set");

  if (ret < 0)
    {
      free (o);
      nsb_ruleset_free (&b);
      return ret;
    }
  b.rules[0] = *rule;
  b.origins[b.n++] = o;
  ret = nsb_ruleset_commit (set, &b, err);
  if (ret < 0)
    nsb_ruleset_free (&b);
  return ret;
}

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
int
nsb_source_read (int rootfd, const char *path, bool missing_ok, char **buf,
                 size_t *len, nsb_error_t *err)
{
  int ret;
  cleanup_close int fd = -1;

  *buf = NULL;
  *len = 0;
  ret = source_open (rootfd, path, missing_ok, &fd, err);
  if (ret < 0)
    return ret;
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
