/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Entry files read back into the rule model: what bm_entry_show() prints,
 *   enabled|disabled
 *   interpreter PATH            | bpf HANDLER, bpf-interpreter NAME PATH ...
 *   flags: LETTERS
 *   offset N, magic HEX[, mask HEX] | extension .EXT | (nothing, for B)
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "entry.h"
#include "util.h"

static int
hex_decode (const char *hex, uint8_t *out, size_t max, size_t *len)
{
  size_t n = strlen (hex);

  if (n == 0 || n % 2 || n / 2 > max)
    return -1;
  for (size_t i = 0; i < n / 2; i++)
    {
      int hi = nsb_hex_digit (hex[2 * i]), lo = nsb_hex_digit (hex[2 * i + 1]);
      if (hi < 0 || lo < 0)
        return -1;
      out[i] = (uint8_t)(hi << 4 | lo);
    }
  *len = n / 2;
  return 0;
}

static int
add_bound (struct nsb_entry *e, const char *v, nsb_error_t *err)
{
  const char *sp = strchr (v, ' ');
  struct nsb_bound *nb;
  size_t nlen;

  if (sp == NULL || (nlen = (size_t)(sp - v)) == 0 || nlen > NSB_BOUND_NAME_MAX
      || e->n_bound >= NSB_BOUND_MAX)
    return nsb_error_set (err, EINVAL, "bad `bpf-interpreter %s`", v);
  nb = realloc (e->bound, (e->n_bound + 1) * sizeof (*nb));
  if (nb == NULL)
    return nsb_error_errno (err, "entry");
  e->bound = nb;
  nb = &e->bound[e->n_bound];
  memcpy (nb->name, v, nlen);
  nb->name[nlen] = '\0';
  nb->path = strdup (sp + 1);
  if (nb->path == NULL)
    return nsb_error_errno (err, "entry");
  e->n_bound++;
  return 0;
}

/* The lines of an entry file, in the order the kernel prints them; each
 * once, but for bpf-interpreter.  A line out of order or twice can only
 * come from a path or an extension with a newline in it (which the kernel
 * takes): such an entry is refused rather than read one way or another. */
enum stage
{
  S_STATE,
  S_INTERP,
  S_BOUND,
  S_FLAGS,
  S_OFFSET,
  S_MAGIC,
  S_MASK,
  S_EXTENSION,
};

static const char *const stage_keys[] = {
  [S_INTERP] = "interpreter",  [S_BOUND] = "bpf-interpreter",
  [S_FLAGS] = "flags:",        [S_OFFSET] = "offset",
  [S_MAGIC] = "magic",         [S_MASK] = "mask",
  [S_EXTENSION] = "extension",
};

/* The stage of LINE, its value in *V; -1 for an unknown line. */
static int
line_stage (const char *line, const char **v)
{
  const char *sp = strchr (line, ' ');
  size_t klen = sp ? (size_t)(sp - line) : strlen (line);

  *v = sp ? sp + 1 : "";
  if (strcmp (line, "enabled") == 0 || strcmp (line, "disabled") == 0)
    return S_STATE;
  if (klen == 3 && strncmp (line, "bpf", 3) == 0)
    return S_INTERP;
  for (size_t i = S_INTERP; i < NSB_ARRAY_SIZE (stage_keys); i++)
    if (strlen (stage_keys[i]) == klen
        && strncmp (line, stage_keys[i], klen) == 0)
      return (int)i;
  return -1;
}

/* One "key value" line of stage ST into the model. */
static int
entry_line (struct nsb_entry *e, int st, const char *line, const char *v,
            nsb_error_t *err)
{
  struct nsb_rule *r = &e->rule;
  long long off;
  size_t n;

  switch (st)
    {
    case S_STATE:
      e->enabled = line[0] == 'e';
      return 0;
    case S_INTERP:
      snprintf (r->interpreter, sizeof (r->interpreter), "%s", v);
      r->type = line[0] == 'b' ? 'B' : 'M';
      return 0;
    case S_BOUND:
      return add_bound (e, v, err);
    case S_FLAGS:
      if (nsb_flags_from_string (v, &r->flags) < 0)
        return nsb_error_set (err, EINVAL, "unknown flag in `%s`", line);
      return 0;
    case S_OFFSET:
      if (!nsb_parse_int (v, 0, NSB_BINPRM_BUF_SIZE, &off))
        return nsb_error_set (err, EINVAL, "bad `%s`", line);
      r->offset = (int)off;
      return 0;
    case S_MAGIC:
      if (hex_decode (v, r->magic, NSB_BINPRM_BUF_SIZE, &r->magic_len) < 0)
        return nsb_error_set (err, EINVAL, "bad magic `%s`", v);
      return 0;
    case S_MASK:
      if (hex_decode (v, r->mask, NSB_BINPRM_BUF_SIZE, &n) < 0)
        return nsb_error_set (err, EINVAL, "bad mask `%s`", v);
      r->has_mask = true;
      return 0;
    default: /* S_EXTENSION */
      if (v[0] != '.')
        return nsb_error_set (err, EINVAL, "bad `%s`", line);
      r->type = 'E';
      r->magic_len = strlen (v + 1);
      snprintf ((char *)r->magic, sizeof (r->magic), "%s", v + 1);
      return 0;
    }
}

/* Each line, in order, into E.  TEXT ends with a newline. */
static int
entry_lines (struct nsb_entry *e, char *text, nsb_error_t *err)
{
  int ret;
  int last = -1;

  for (char *line = text, *nl; *line; line = nl + 1)
    {
      const char *v;
      int st;
      nl = strchr (line, '\n');
      *nl = '\0';
      st = line_stage (line, &v);
      if (st < 0)
        return nsb_error_set (err, EINVAL, "unknown line `%s`", line);
      if (st < last || (st == last && st != S_BOUND)
          || (last < S_INTERP && st > S_INTERP)
          || (st == S_STATE && last >= 0))
        return nsb_error_set (
            err, EINVAL, "`%s` out of place (a newline in a path?)", line);
      ret = entry_line (e, st, line, v, err);
      if (ret < 0)
        return ret;
      last = st;
    }
  return 0;
}

/* The parts the entry's type has, and no others. */
static bool
entry_complete (const struct nsb_rule *r, bool has_offset)
{
  switch (r->type)
    {
    case 'M':
      return has_offset && r->magic_len > 0;
    case 'E':
    case 'B':
      return !has_offset && !r->has_mask
             && (r->type == 'E') == (r->magic_len > 0);
    default:
      return false;
    }
}

int
nsb_entry_parse (const char *text, size_t len, struct nsb_entry *e,
                 nsb_error_t *err)
{
  char name[sizeof (e->rule.name)];
  cleanup_free char *copy = strndup (text, len);

  memcpy (name, e->rule.name, sizeof (name));
  memset (e, 0, sizeof (*e));
  memcpy (e->rule.name, name, sizeof (name));
  e->rule.offset = -1;
  if (copy == NULL)
    return nsb_error_errno (err, "entry `%s`", name);
  if (strlen (copy) != len || len == 0 || copy[len - 1] != '\n'
      || strstr (copy, "\n\n") != NULL)
    return nsb_error_set (err, EINVAL,
                          "entry `%s`: not lines the kernel prints", name);
  if (strncmp (copy, "enabled\n", 8) && strncmp (copy, "disabled\n", 9))
    return nsb_error_set (
        err, EINVAL, "entry `%s`: does not start with enabled/disabled", name);
  if (entry_lines (e, copy, err) < 0)
    {
      nsb_entry_free (e);
      return nsb_error_prefix (err, "entry `%s`", name);
    }
  if (!entry_complete (&e->rule, e->rule.offset >= 0)
      || e->rule.interpreter[0] == '\0')
    {
      nsb_entry_free (e);
      return nsb_error_set (err, EINVAL, "entry `%s`: incomplete", name);
    }
  if (e->rule.offset < 0)
    e->rule.offset = 0;
  return 0;
}

int
nsb_entry_read_at (int mntfd, const char *name, struct nsb_entry *e,
                   nsb_error_t *err)
{
  int ret;
  cleanup_free char *text = NULL;
  size_t len;

  memset (e, 0, sizeof (*e));
  snprintf (e->rule.name, sizeof (e->rule.name), "%s", name);
  ret = nsb_read_file_at (mntfd, name, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
                          65536, &text, &len, err);
  if (ret < 0)
    return ret;
  return nsb_entry_parse (text, len, e, err);
}

void
nsb_entry_free (struct nsb_entry *e)
{
  for (size_t i = 0; i < e->n_bound; i++)
    free (e->bound[i].path);
  free (e->bound);
  e->bound = NULL;
  e->n_bound = 0;
}
