/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "json.h"
#include "util.h"

/* One open object or array while the text is checked. */
struct frame
{
  bool object;
  char **names; /* an object's member names, ASCII folded */
  size_t n, cap;
};

struct check
{
  struct frame stack[NSB_JSON_DEPTH_MAX];
  int depth;
  char why[160]; /* set when a callback stops the parse */
};

/* The length of the UTF-8 sequence at S (of LEN bytes), or 0 when it is
 * not the shortest encoding of a scalar value (no surrogates, no overlong
 * forms, nothing above U+10FFFF).  *CP is the code point. */
static size_t
utf8_char (const unsigned char *s, size_t len, unsigned int *cp)
{
  static const unsigned int min[] = { 0, 0, 0x80, 0x800, 0x10000 };
  size_t n = s[0] < 0x80   ? 1
             : s[0] < 0xc2 ? 0
             : s[0] < 0xe0 ? 2
             : s[0] < 0xf0 ? 3
             : s[0] < 0xf5 ? 4
                           : 0;

  if (n == 0 || n > len)
    return 0;
  *cp = n == 1 ? s[0] : s[0] & (0x3f >> (n - 1));
  for (size_t i = 1; i < n; i++)
    {
      if ((s[i] & 0xc0) != 0x80)
        return 0;
      *cp = (*cp << 6) | (s[i] & 0x3f);
    }
  if (*cp < min[n] || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
    return 0;
  return n;
}

/* Go's encoding/json folds these onto ASCII letters (ſ, İ, ı, K). */
static bool
folds_to_ascii (unsigned int cp)
{
  return cp == 0x17f || cp == 0x130 || cp == 0x131 || cp == 0x212a;
}

static int
check_text (struct check *c, const unsigned char *s, size_t len, bool name)
{
  for (size_t i = 0, n; i < len; i += n)
    {
      unsigned int cp = 0;
      const char *bad = NULL;
      if ((n = utf8_char (s + i, len - i, &cp)) == 0)
        bad = "invalid UTF-8";
      else if (cp == 0)
        bad = "NUL";
      else if (name && folds_to_ascii (cp))
        bad = "a character that runc reads as an ASCII letter";
      if (bad != NULL)
        {
          snprintf (c->why, sizeof (c->why), "%s in a %s", bad,
                    name ? "member name" : "string");
          return 0;
        }
    }
  return 1;
}

static int
on_string (void *ctx, const unsigned char *s, size_t len)
{
  return check_text (ctx, s, len, false);
}

static int
on_scalar (void *ctx)
{
  (void)ctx;
  return 1;
}

static int
on_scalar_int (void *ctx, int b)
{
  (void)b;
  return on_scalar (ctx);
}

static int
on_number (void *ctx, const char *s, size_t len)
{
  (void)s;
  (void)len;
  return on_scalar (ctx);
}

static int
open_frame (struct check *c, bool object)
{
  if (c->depth == NSB_JSON_DEPTH_MAX)
    {
      snprintf (c->why, sizeof (c->why), "nested deeper than %d",
                NSB_JSON_DEPTH_MAX);
      return 0;
    }
  c->stack[c->depth++] = (struct frame){ .object = object };
  return 1;
}

static int
on_start_map (void *ctx)
{
  return open_frame (ctx, true);
}

static int
on_start_array (void *ctx)
{
  return open_frame (ctx, false);
}

static int
on_key (void *ctx, const unsigned char *s, size_t len)
{
  struct check *c = ctx;
  struct frame *f = &c->stack[c->depth - 1];
  char *name;

  if (!check_text (c, s, len, true))
    return 0;
  if (f->n == f->cap)
    {
      size_t cap = f->cap ? f->cap * 2 : 16;
      char **names = realloc (f->names, cap * sizeof (*names));
      if (names == NULL)
        {
          snprintf (c->why, sizeof (c->why), "out of memory");
          return 0;
        }
      f->names = names;
      f->cap = cap;
    }
  if ((name = strndup ((const char *)s, len)) == NULL)
    {
      snprintf (c->why, sizeof (c->why), "out of memory");
      return 0;
    }
  f->names[f->n++] = name;
  return 1;
}

static int
compare_names (const void *a, const void *b)
{
  return strcasecmp (*(char *const *)a, *(char *const *)b);
}

static void
free_frame (struct frame *f)
{
  for (size_t i = 0; i < f->n; i++)
    free (f->names[i]);
  free (f->names);
}

/* Close the innermost frame: an object's names must differ when folded. */
static int
on_end (void *ctx)
{
  struct check *c = ctx;
  struct frame *f = &c->stack[--c->depth];
  int ok = 1;

  if (f->n > 1)
    qsort (f->names, f->n, sizeof (*f->names), compare_names);
  for (size_t i = 1; ok && i < f->n; i++)
    if (strcasecmp (f->names[i - 1], f->names[i]) == 0)
      {
        snprintf (
            c->why, sizeof (c->why), "duplicate member `%.40s`%s", f->names[i],
            strcmp (f->names[i - 1], f->names[i]) ? " (runc ignores case)"
                                                  : "");
        ok = 0;
      }
  free_frame (f);
  return ok;
}

static const yajl_callbacks check_callbacks = {
  .yajl_null = on_scalar,
  .yajl_boolean = on_scalar_int,
  .yajl_number = on_number,
  .yajl_string = on_string,
  .yajl_start_map = on_start_map,
  .yajl_map_key = on_key,
  .yajl_end_map = on_end,
  .yajl_start_array = on_start_array,
  .yajl_end_array = on_end,
};

/* The four hex digits at S, or -1.  (Not sscanf: the text is not
 * NUL-terminated, and %4x would take a sign or spaces.) */
static int
hex4 (const char *s)
{
  int v = 0;

  for (int k = 0; k < 4; k++)
    {
      char c = s[k];
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0)
        return -1;
      v = v * 16 + d;
    }
  return v;
}

/* yajl turns a lone high surrogate escape into `?` and pairs it with any
 * \u escape that follows: refuse every escape that is not half of a pair. */
static bool
surrogates_paired (const char *s, size_t len, size_t *at)
{
  bool in_string = false;

  for (size_t i = 0; i < len; i++)
    {
      int u, lo;
      if (s[i] == '"')
        in_string = !in_string;
      if (!in_string || s[i] != '\\' || i + 1 >= len)
        continue;
      if (s[++i] != 'u' || i + 4 >= len || (u = hex4 (s + i + 1)) < 0xd800
          || u > 0xdfff)
        continue;
      *at = i - 1;
      if (u > 0xdbff || i + 10 >= len || s[i + 5] != '\\' || s[i + 6] != 'u'
          || (lo = hex4 (s + i + 7)) < 0xdc00 || lo > 0xdfff)
        return false;
      i += 10;
    }
  return true;
}

/* Is JSON (WHAT) one that every reader takes the same way?  If not, the
 * error says why. */
static int
check_unambiguous (const char *json, size_t len, const char *what,
                   nsb_error_t *err)
{
  struct check c = { .depth = 0 };
  yajl_handle h = yajl_alloc (&check_callbacks, NULL, &c);
  size_t at = 0;
  int ret = 0;

  if (h == NULL)
    return nsb_error_set (err, ENOMEM, "%s: out of memory", what);
  if (yajl_parse (h, (const unsigned char *)json, len) != yajl_status_ok
      || yajl_complete_parse (h) != yajl_status_ok)
    {
      unsigned char *msg = c.why[0] ? NULL : yajl_get_error (h, 0, NULL, 0);
      const char *m = msg ? (const char *)msg : "";
      if (c.why[0])
        ret = nsb_error_set (err, EINVAL, "%s is refused: %s", what, c.why);
      else
        ret = nsb_error_set (err, EINVAL, "%s is not JSON: %.*s", what,
                             (int)strcspn (m, "\n"), m);
      yajl_free_error (h, msg);
    }
  else if (!surrogates_paired (json, len, &at))
    ret = nsb_error_set (err, EINVAL,
                         "%s is refused: unpaired UTF-16 surrogate escape at "
                         "byte %zu",
                         what, at);
  while (c.depth > 0)
    free_frame (&c.stack[--c.depth]);
  yajl_free (h);
  return ret;
}

int
nsb_json_parse (const char *json, size_t len, const char *what, yajl_val *out,
                nsb_error_t *err)
{
  char why[256] = "";
  cleanup_free char *copy = NULL;
  yajl_val tree;
  int ret;

  *out = NULL;
  if (memchr (json, '\0', len) != NULL)
    return nsb_error_set (err, EINVAL, "%s: NUL byte in JSON", what);
  ret = check_unambiguous (json, len, what, err);
  if (ret < 0)
    return ret;
  if ((copy = strndup (json, len)) == NULL)
    return nsb_error_errno (err, "%s", what);
  tree = yajl_tree_parse (copy, why, sizeof (why));
  if (tree == NULL || !YAJL_IS_OBJECT (tree))
    {
      yajl_tree_free (tree);
      return nsb_error_set (err, EINVAL, "%s is not a JSON object", what);
    }
  *out = tree;
  return 0;
}

yajl_val
nsb_json_member (yajl_val obj, const char *name)
{
  if (!YAJL_IS_OBJECT (obj))
    return NULL;
  for (size_t i = 0; i < obj->u.object.len; i++)
    if (strcasecmp (obj->u.object.keys[i], name) == 0)
      return obj->u.object.values[i];
  return NULL;
}

yajl_val
nsb_json_get (yajl_val tree, const char *const *path)
{
  for (; tree != NULL && *path != NULL; path++)
    tree = nsb_json_member (tree, *path);
  return tree;
}

const char *
nsb_json_get_string (yajl_val tree, const char *const *path)
{
  yajl_val v = nsb_json_get (tree, path);
  return YAJL_IS_STRING (v) ? YAJL_GET_STRING (v) : NULL;
}
