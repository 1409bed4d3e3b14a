/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Register strings, parsed the way fs/binfmt_misc.c (Linux 7.3) parses them:
 * the buffer is padded with the delimiter, fields are cut at the delimiter,
 * magic and mask go through the kernel's \x-escape check (scanarg) and then
 * its unescaping (string_unescape, UNESCAPE_HEX), the offset through
 * kstrtoint, and the flag and combination rules of create_entry() follow.
 * Every rejection the kernel makes with EINVAL is made here first, with a
 * message that names the rule and the field.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "rule.h"
#include "util.h"

#define DELIM_PAD 8 /* MISC_DELIM_PAD */

static const struct
{
  char c;
  unsigned bit;
  unsigned implies;
  unsigned feature; /* 0: every kernel with binfmt_misc */
} flag_table[] = {
  { 'P', NSB_FLAG_P, 0, 0 },
  { 'O', NSB_FLAG_O, 0, 0 },
  { 'C', NSB_FLAG_C, NSB_FLAG_O, 0 },
  { 'F', NSB_FLAG_F, 0, 0 },
  { 'T', NSB_FLAG_T, NSB_FLAG_O, NSB_KF_TRANSPARENT },
  { 'L', NSB_FLAG_L, 0, NSB_KF_LOADER },
  { 'D', NSB_FLAG_D, 0, NSB_KF_DISABLED },
};

#define INVOCATION_FLAGS                                                      \
  (NSB_FLAG_P | NSB_FLAG_O | NSB_FLAG_C | NSB_FLAG_F | NSB_FLAG_T | NSB_FLAG_L)

static int
flag_lookup (char c, unsigned kf)
{
  for (size_t i = 0; i < NSB_ARRAY_SIZE (flag_table); i++)
    if (flag_table[i].c == c
        && (flag_table[i].feature == 0 || (kf & flag_table[i].feature)))
      return (int)i;
  return -1;
}

void
nsb_flags_to_string (unsigned flags, char out[8])
{
  size_t n = 0;
  for (size_t i = 0; i < NSB_ARRAY_SIZE (flag_table); i++)
    if (flags & flag_table[i].bit)
      out[n++] = flag_table[i].c;
  out[n] = '\0';
}

int
nsb_flags_from_string (const char *s, unsigned *flags)
{
  unsigned f = 0;
  for (; *s; s++)
    {
      int i = flag_lookup (*s, ~0u);
      if (i < 0)
        return -1;
      f |= flag_table[i].bit | flag_table[i].implies;
    }
  *flags = f;
  return 0;
}

/* The flag letters kernel dialect KF knows, for messages. */
static const char *
known_flags (unsigned kf, char buf[NSB_ARRAY_SIZE (flag_table) + 1])
{
  size_t n = 0;

  for (size_t i = 0; i < NSB_ARRAY_SIZE (flag_table); i++)
    if (flag_table[i].feature == 0 || (kf & flag_table[i].feature))
      buf[n++] = flag_table[i].c;
  buf[n] = '\0';
  return buf;
}

/* The parse state: the padded copy and what to call the rule in errors. */
struct parser
{
  char buf[NSB_REGISTER_MAX + DELIM_PAD + 1];
  size_t count;
  char del;
  char label[48];
  nsb_error_t *err;
};

static int fail (struct parser *ps, const char *field, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

static int
fail (struct parser *ps, const char *field, const char *fmt, ...)
{
  char why[256];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (why, sizeof (why), fmt, ap);
  va_end (ap);
  for (char *c = why; *c; c++)
    if (!isprint ((unsigned char)*c))
      *c = '?';
  return nsb_error_set (ps->err, EINVAL, "invalid rule `%s`: %s: %s",
                        ps->label, field, why);
}

/* A printable label for messages: the name if it parses, else the start. */
static void
set_label (struct parser *ps, const char *s, size_t len)
{
  size_t n = 0;
  for (size_t i = 0; i < len && n + 4 < sizeof (ps->label); i++)
    ps->label[n++] = isprint ((unsigned char)s[i]) ? s[i] : '?';
  if (n + 4 >= sizeof (ps->label))
    memcpy (ps->label + n, "...", 3), n += 3;
  ps->label[n] = '\0';
}

/* strchr(): the first DEL, or NULL if a NUL byte comes first. */
static char *
find (char *p, char del)
{
  for (;; p++)
    {
      if (*p == del)
        return p;
      if (*p == '\0')
        return NULL;
    }
}

/* The kernel's scanarg(): cut at DEL, checking each "\x" has two hex
 * digits; NUL bytes do not stop it.  Returns past the delimiter. */
static char *
scanarg (struct parser *ps, char *s)
{
  char *end = ps->buf + sizeof (ps->buf) - 1;
  char c;

  while (s < end && (c = *s++) != ps->del)
    {
      if (c == '\\' && *s == 'x')
        {
          s++;
          if (s + 2 > end || !isxdigit ((unsigned char)s[0])
              || !isxdigit ((unsigned char)s[1]))
            return NULL;
          s += 2;
        }
    }
  if (s >= end && s[-1] != ps->del)
    return NULL;
  s[-1] = '\0';
  return s;
}

/* string_unescape(UNESCAPE_HEX) into OUT; stops at the first NUL. */
static size_t
unescape_hex (const char *src, uint8_t *out)
{
  size_t n = 0;

  while (*src)
    {
      if (src[0] == '\\' && src[1] != '\0')
        {
          src++;
          if (src[0] == 'x' && nsb_hex_digit (src[1]) >= 0)
            {
              int v = nsb_hex_digit (src[1]);
              src += 2;
              if (nsb_hex_digit (*src) >= 0)
                v = (v << 4) | nsb_hex_digit (*src++);
              out[n++] = (uint8_t)v;
              continue;
            }
          out[n++] = '\\';
        }
      out[n++] = (uint8_t)*src++;
    }
  return n;
}

/* kstrtoint(s, 10): [+|-]digits, one trailing newline, fits an int. */
static bool
kstrtoint10 (const char *s, int *out)
{
  bool neg = false;
  unsigned long long v = 0;
  const char *d;

  if (*s == '-')
    neg = true, s++;
  else if (*s == '+')
    s++;
  for (d = s; *s >= '0' && *s <= '9'; s++)
    {
      if (v > (ULLONG_MAX - 9) / 10)
        return false;
      v = v * 10 + (unsigned)(*s - '0');
    }
  if (s == d)
    return false;
  if (*s == '\n')
    s++;
  if (*s != '\0')
    return false;
  if (neg ? v > (unsigned long long)INT_MAX + 1 : v > INT_MAX)
    return false;
  *out = neg ? (int)-(long long)v : (int)v;
  return true;
}

static char *
parse_magic_fields (struct parser *ps, char *p, struct nsb_rule *r)
{
  char *s = find (p, ps->del), *magic, *mask;

  if (s == NULL)
    {
      fail (ps, "offset", "no delimiter after it");
      return NULL;
    }
  *s = '\0';
  if (p != s && (!kstrtoint10 (p, &r->offset) || r->offset < 0))
    {
      fail (ps, "offset", "`%s` is not a decimal number >= 0", p);
      return NULL;
    }
  magic = s + 1;
  p = scanarg (ps, magic);
  if (p == NULL)
    {
      fail (ps, "magic", "a \\x escape needs two hex digits");
      return NULL;
    }
  if (magic[0] == '\0')
    {
      fail (ps, "magic", "empty");
      return NULL;
    }
  mask = p;
  p = scanarg (ps, mask);
  if (p == NULL)
    {
      fail (ps, "mask", "a \\x escape needs two hex digits");
      return NULL;
    }
  r->magic_len = unescape_hex (magic, r->magic);
  r->has_mask = mask[0] != '\0';
  if (r->magic_len > NSB_BINPRM_BUF_SIZE)
    return fail (ps, "magic", "%zu bytes; at most %d", r->magic_len,
                 NSB_BINPRM_BUF_SIZE),
           NULL;
  if (r->has_mask)
    {
      uint8_t tmp[NSB_REGISTER_MAX + 1];
      size_t n = unescape_hex (mask, tmp);
      if (n != r->magic_len)
        return fail (ps, "mask", "%zu bytes, but the magic has %zu", n,
                     r->magic_len),
               NULL;
      memcpy (r->mask, tmp, n);
    }
  if (NSB_BINPRM_BUF_SIZE - (int)r->magic_len < r->offset)
    return fail (ps, "offset",
                 "offset %d + magic %zu bytes ends past the %d-byte buffer",
                 r->offset, r->magic_len, NSB_BINPRM_BUF_SIZE),
           NULL;
  return p;
}

static char *
parse_extension_fields (struct parser *ps, char *p, struct nsb_rule *r)
{
  char *ext;

  p = find (p, ps->del); /* the offset field is skipped, whatever it holds */
  if (p == NULL)
    {
      fail (ps, "offset", "no delimiter after it");
      return NULL;
    }
  ext = ++p;
  p = find (p, ps->del);
  if (p == NULL)
    {
      fail (ps, "magic", "no delimiter after the extension");
      return NULL;
    }
  *p++ = '\0';
  if (ext[0] == '\0' || strchr (ext, '/'))
    return fail (ps, "magic", "an extension must be non-empty, without '/'"),
           NULL;
  r->magic_len = strlen (ext);
  memcpy (r->magic, ext, r->magic_len + 1);
  p = find (p, ps->del); /* the mask field is skipped */
  if (p == NULL)
    {
      fail (ps, "mask", "no delimiter after it");
      return NULL;
    }
  return p + 1;
}

static char *
parse_bpf_fields (struct parser *ps, char *p)
{
  static const char *const field[] = { "offset", "magic", "mask" };

  for (size_t i = 0; i < NSB_ARRAY_SIZE (field); i++)
    if (*p++ != ps->del)
      {
        fail (ps, field[i], "must be empty for a B entry");
        return NULL;
      }
  return p;
}

static char *
parse_name_type (struct parser *ps, char *p, unsigned kf, struct nsb_rule *r)
{
  char *s = find (p, ps->del);

  if (s == NULL)
    {
      fail (ps, "name", "no delimiter after it");
      return NULL;
    }
  *s = '\0';
  if (p[0] == '\0' || !strcmp (p, ".") || !strcmp (p, "..") || strchr (p, '/'))
    return fail (ps, "name", "must be non-empty, not . or .., without '/'"),
           NULL;
  if (strlen (p) > NSB_ENTRY_NAME_MAX)
    {
      fail (ps, "name", "longer than %d bytes", NSB_ENTRY_NAME_MAX);
      return NULL;
    }
  memcpy (r->name, p, strlen (p) + 1);
  set_label (ps, r->name, strlen (r->name));
  /* create_entry() takes these, but the instance's own files are there:
   * add_entry() always fails with EEXIST.  Refused here, before a kernel. */
  if (!strcmp (p, "register") || !strcmp (p, "status"))
    {
      fail (ps, "name", "`%s` is the instance's own file", p);
      return NULL;
    }
  p = s + 1;
  r->type = *p++;
  if (r->type != 'M' && r->type != 'E'
      && !(r->type == 'B' && (kf & NSB_KF_BPF)))
    return fail (ps, "type", "`%c` is not %s", r->type,
                 (kf & NSB_KF_BPF) ? "M, E or B"
                                   : "M or E (this kernel has no B)"),
           NULL;
  if (*p++ != ps->del)
    {
      fail (ps, "type", "one letter, then the delimiter");
      return NULL;
    }
  if (r->type == 'B')
    return parse_bpf_fields (ps, p);
  if (r->type == 'M')
    return parse_magic_fields (ps, p, r);
  return parse_extension_fields (ps, p, r);
}

static int
check_flags (struct parser *ps, struct nsb_rule *r, unsigned kf)
{
  unsigned f = r->flags;
  char letters[8];

  nsb_flags_to_string (f, letters);
  if (r->type == 'B' && (f & INVOCATION_FLAGS))
    return fail (ps, "flags", "a B entry takes no invocation flags (`%s`)",
                 letters);
  if ((f & NSB_FLAG_T) && (f & NSB_FLAG_P))
    return fail (ps, "flags", "T and P exclude each other");
  if ((f & NSB_FLAG_L)
      && (f & (NSB_FLAG_T | NSB_FLAG_P | NSB_FLAG_C | NSB_FLAG_O)))
    return fail (ps, "flags", "L excludes T, P, O and C");
  if ((kf & NSB_KF_ABS_INTERP) && (f & (NSB_FLAG_L | NSB_FLAG_C))
      && !(f & NSB_FLAG_F) && r->interpreter[0] != '/')
    return fail (ps, "interpreter",
                 "with C or L and without F it must be an absolute path");
  return 0;
}

static int
parse_tail (struct parser *ps, char *p, unsigned kf, struct nsb_rule *r)
{
  char known[NSB_ARRAY_SIZE (flag_table) + 1];
  char *s = find (p, ps->del);
  int i;

  if (s == NULL)
    return fail (ps, "interpreter", "no delimiter after it");
  *s = '\0';
  if (p[0] == '\0')
    return fail (ps, "interpreter",
                 r->type == 'B' ? "the handler name is empty" : "empty");
  memcpy (r->interpreter, p, strlen (p) + 1);
  for (p = s + 1; (i = flag_lookup (*p, kf)) >= 0; p++)
    r->flags |= flag_table[i].bit | flag_table[i].implies;
  if (*p == '\n')
    p++;
  if (p > ps->buf + ps->count)
    return fail (ps, "interpreter", "no delimiter after it");
  if (p != ps->buf + ps->count)
    return fail (ps, "flags", "unexpected `%c` (this kernel knows %s)", *p,
                 known_flags (kf, known));
  return check_flags (ps, r, kf);
}

int
nsb_rule_parse (const char *s, size_t len, unsigned kf, struct nsb_rule *r,
                nsb_error_t *err)
{
  struct parser *ps = calloc (1, sizeof (*ps));
  char *p;
  int ret = -EINVAL; /* parse_name_type () failed */

  if (ps == NULL)
    return nsb_error_errno (err, "parse rule");
  ps->err = err;
  set_label (ps, s, len < 40 ? len : 40);
  memset (r, 0, sizeof (*r));
  if (len < NSB_REGISTER_MIN || len > NSB_REGISTER_MAX)
    {
      ret = fail (ps, "length", "%zu bytes; the kernel takes %d to %d", len,
                  NSB_REGISTER_MIN, NSB_REGISTER_MAX);
      goto out;
    }
  memcpy (ps->buf, s, len);
  ps->count = len;
  ps->del = s[0];
  memset (ps->buf + len, ps->del, DELIM_PAD);
  if (flag_lookup (ps->del, kf) >= 0)
    {
      ret = fail (ps, "delimiter", "`%c` is a flag letter", ps->del);
      goto out;
    }
  p = parse_name_type (ps, ps->buf + 1, kf, r);
  if (p != NULL)
    ret = parse_tail (ps, p, kf, r);
out:
  free (ps);
  return ret;
}

/* A delimiter that appears in none of the fields written verbatim. */
static char
pick_delimiter (const struct nsb_rule *r)
{
  static const char candidates[] = ":,|;#@!%&=^~";

  for (const char *c = candidates; *c; c++)
    if (!strchr (r->name, *c) && !strchr (r->interpreter, *c)
        && !(r->type == 'E' && memchr (r->magic, *c, r->magic_len)))
      return *c;
  return '\0';
}

static size_t
escape_bytes (char *out, const uint8_t *b, size_t n, char del)
{
  size_t o = 0;
  for (size_t i = 0; i < n; i++)
    {
      if (b[i] > 0x20 && b[i] < 0x7f && b[i] != '\\' && b[i] != del)
        out[o++] = (char)b[i];
      else
        o += (size_t)sprintf (out + o, "\\x%02x", b[i]);
    }
  out[o] = '\0';
  return o;
}

int
nsb_rule_format (const struct nsb_rule *r, char *buf, size_t size,
                 nsb_error_t *err)
{
  char del = pick_delimiter (r), flags[8], offset[16] = "";
  char magic[4 * NSB_REGISTER_MAX + 1] = "",
                                    mask[4 * NSB_BINPRM_BUF_SIZE + 1] = "";
  int n;

  if (del == '\0')
    return nsb_error_set (err, EINVAL,
                          "invalid rule `%s`: no delimiter is free", r->name);
  nsb_flags_to_string (r->flags, flags);
  if (r->type == 'M')
    {
      if (r->offset != 0)
        snprintf (offset, sizeof (offset), "%d", r->offset);
      escape_bytes (magic, r->magic,
                    r->magic_len < NSB_REGISTER_MAX ? r->magic_len
                                                    : NSB_REGISTER_MAX,
                    del);
      if (r->has_mask)
        escape_bytes (mask, r->mask,
                      r->magic_len < NSB_BINPRM_BUF_SIZE ? r->magic_len
                                                         : NSB_BINPRM_BUF_SIZE,
                      del);
    }
  else if (r->type == 'E')
    snprintf (magic, sizeof (magic), "%s", (const char *)r->magic);
  n = snprintf (buf, size, "%c%s%c%c%c%s%c%s%c%s%c%s%c%s", del, r->name, del,
                r->type, del, offset, del, magic, del, mask, del,
                r->interpreter, del, flags);
  /* ":a:B::::h:" is 10 bytes, one short of what the kernel takes; it
   * takes one newline after the flags. */
  if (n >= 0 && n < NSB_REGISTER_MIN && (size_t)n + 1 < size)
    buf[n++] = '\n', buf[n] = '\0';
  if (n < 0 || (size_t)n >= size || n > NSB_REGISTER_MAX)
    return nsb_error_set (err, E2BIG,
                          "invalid rule `%s`: its register string is longer "
                          "than %d bytes",
                          r->name, NSB_REGISTER_MAX);
  return n;
}

int
nsb_rule_validate (const struct nsb_rule *r, unsigned kf, nsb_error_t *err)
{
  char buf[NSB_REGISTER_MAX + 1];
  struct nsb_rule *back;
  int n = nsb_rule_format (r, buf, sizeof (buf), err), ret;

  if (n < 0)
    return -1;
  back = malloc (sizeof (*back));
  if (back == NULL)
    return nsb_error_errno (err, "validate rule");
  ret = nsb_rule_parse (buf, (size_t)n, kf, back, err);
  free (back);
  return ret;
}

bool
nsb_rule_matches (const struct nsb_rule *r, const uint8_t *buf, size_t len)
{
  if (r->type != 'M' || (size_t)r->offset + r->magic_len > len)
    return false;
  for (size_t i = 0; i < r->magic_len; i++)
    {
      uint8_t b = buf[(size_t)r->offset + i];
      uint8_t m = r->has_mask ? r->mask[i] : 0xff;
      if ((b ^ r->magic[i]) & m)
        return false;
    }
  return true;
}

bool
nsb_rule_same (const struct nsb_rule *a, const struct nsb_rule *b)
{
  return a->type == b->type && a->offset == b->offset
         && a->magic_len == b->magic_len
         && memcmp (a->magic, b->magic, a->magic_len) == 0
         && a->has_mask == b->has_mask
         && (!a->has_mask || memcmp (a->mask, b->mask, a->magic_len) == 0)
         && strcmp (a->interpreter, b->interpreter) == 0
         && (a->flags & ~NSB_FLAG_D) == (b->flags & ~NSB_FLAG_D);
}
