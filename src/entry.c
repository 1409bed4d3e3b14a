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
#include <string.h>

#include "rule.h"
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

/* One "key value" line into the model. */
static int
entry_line (struct nsb_entry *e, const char *line, nsb_error_t *err)
{
  struct nsb_rule *r = &e->rule;
  const char *v = strchr (line, ' ');
  long long off;

  v = v ? v + 1 : "";
#define KEY(k)                                                                \
  (strncmp (line, k " ", strlen (k) + 1) == 0 || strcmp (line, k) == 0)
  if (strcmp (line, "enabled") == 0 || strcmp (line, "disabled") == 0)
    e->enabled = line[0] == 'e';
  else if (KEY ("interpreter"))
    snprintf (r->interpreter, sizeof (r->interpreter), "%s", v),
        r->type = r->type ? r->type : 'M';
  else if (KEY ("bpf"))
    snprintf (r->interpreter, sizeof (r->interpreter), "%s", v), r->type = 'B';
  else if (KEY ("bpf-interpreter"))
    return add_bound (e, v, err);
  else if (KEY ("flags:"))
    {
      if (nsb_flags_from_string (v, &r->flags) < 0)
        return nsb_error_set (err, EINVAL, "unknown flag in `%s`", line);
    }
  else if (KEY ("extension") && v[0] == '.')
    {
      r->type = 'E';
      r->magic_len = strlen (v + 1);
      snprintf ((char *)r->magic, sizeof (r->magic), "%s", v + 1);
    }
  else if (KEY ("offset"))
    {
      if (!nsb_parse_int (v, 0, NSB_BINPRM_BUF_SIZE, &off))
        return nsb_error_set (err, EINVAL, "bad `%s`", line);
      r->offset = (int)off;
    }
  else if (KEY ("magic"))
    {
      if (hex_decode (v, r->magic, NSB_BINPRM_BUF_SIZE, &r->magic_len) < 0)
        return nsb_error_set (err, EINVAL, "bad magic `%s`", v);
    }
  else if (KEY ("mask"))
    {
      size_t n;
      if (hex_decode (v, r->mask, NSB_BINPRM_BUF_SIZE, &n) < 0)
        return nsb_error_set (err, EINVAL, "bad mask `%s`", v);
      r->has_mask = true;
    }
  else
    return nsb_error_set (err, EINVAL, "unknown line `%s`", line);
#undef KEY
  return 0;
}

int
nsb_entry_parse (const char *text, size_t len, struct nsb_entry *e,
                 nsb_error_t *err)
{
  char name[sizeof (e->rule.name)];
  cleanup_free char *copy = strndup (text, len);
  char *save = NULL;

  memcpy (name, e->rule.name, sizeof (name));
  memset (e, 0, sizeof (*e));
  memcpy (e->rule.name, name, sizeof (name));
  if (copy == NULL)
    return nsb_error_errno (err, "entry `%s`", name);
  if (strncmp (copy, "enabled\n", 8) && strncmp (copy, "disabled\n", 9))
    return nsb_error_set (
        err, EINVAL, "entry `%s`: does not start with enabled/disabled", name);
  for (char *line = strtok_r (copy, "\n", &save); line;
       line = strtok_r (NULL, "\n", &save))
    if (entry_line (e, line, err) < 0)
      {
        nsb_entry_free (e);
        return nsb_error_prefix (err, "entry `%s`", name);
      }
  if (e->rule.type == 0 || e->rule.interpreter[0] == '\0'
      || (e->rule.type == 'M' && e->rule.magic_len == 0))
    {
      nsb_entry_free (e);
      return nsb_error_set (err, EINVAL, "entry `%s`: incomplete", name);
    }
  return 0;
}

int
nsb_entry_read_at (int mntfd, const char *name, struct nsb_entry *e,
                   nsb_error_t *err)
{
  cleanup_free char *text = NULL;
  size_t len;

  memset (e, 0, sizeof (*e));
  snprintf (e->rule.name, sizeof (e->rule.name), "%s", name);
  if (nsb_read_file_at (mntfd, name, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
                        65536, &text, &len, err)
      < 0)
    return -1;
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
