/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The register-string grammar of Linux 7.3 (and 6.x), case by case. */
#include "config.h"

#include <string.h>

#include "rule.h"
#include "tap.h"

#define ALL NSB_KF_LINUX_7_3

struct rcase
{
  const char *s;
  unsigned kf;
  const char *field; /* NULL: accepted; else the field the error names */
};

static const struct rcase cases[] = {
  /* accepted */
  { ":a:M::\\x7fELF::/i:", ALL, NULL },
  { ":a:M:0:AB:\\xff\\xfe:/i:POCF", ALL, NULL },
  { ":a:M:+7:AB::/i:\n", ALL, NULL },
  { ":a:M:-0:AB::/i:", ALL, NULL },
  { ":a:M:0012:AB::/i:", ALL, NULL },
  { ":a:M:12\n:AB::/i:", ALL, NULL },
  { ",a,M,,x:y,,/i,F", ALL, NULL },
  { ":a:E::exe::/usr/bin/wine:", ALL, NULL },
  { ":a:E:junk:exe:junk:/w:", ALL, NULL },
  { ":a:M::\\\\x41::/i:", ALL, NULL },
  { ":a:M::\\q::/i:", ALL, NULL },
  { ":a:B::::handler:", ALL, NULL },
  { ":f:B::::\\:\n", ALL, NULL }, /* formats to 10 bytes + newline */
  { ":a:B::::handler:D", ALL, NULL },
  { ":a:M::AB::/i:T", ALL, NULL },
  { ":a:M::AB::/i:LF", ALL, NULL },
  { ":a:M::AB::rel:CF", ALL, NULL },
  { ":a:M::AB::rel:C", 0, NULL },
  { ":a:M::AB::/i:PPFF", ALL, NULL },
  { "Xa\nbXMXXABXX/iX", ALL, NULL },
  /* rejected, with the field named */
  { ":a:M::A::", ALL, "length" },
  { ":ab:M::AB::/i:F:", ALL, "flags" },
  { "Fa:M::AB::/i:", ALL, "delimiter" },
  { "Ta:M::AB::/i:", ALL, "delimiter" },
  { "Ta:M::AB::/i:", 0, "name" },
  { "::M::AB::/interp:", ALL, "name" },
  { ":.:M::AB::/interp:", ALL, "name" },
  { ":..:M::AB::/interp:", ALL, "name" },
  { ":a/b:M::AB::/i:", ALL, "name" },
  { ":status:M::AB::/i:", ALL, "name" },
  { ":register:M::AB::/i:", ALL, "name" },
  { ":a:X::AB::/interp:", ALL, "type" },
  { ":a:MM::AB::/i:", ALL, "type" },
  { ":a:B::::handler:", 0, "type" },
  { ":a:M:x:AB::/i:", ALL, "offset" },
  { ":a:M:-1:AB::/i:", ALL, "offset" },
  { ":a:M: 1:AB::/i:", ALL, "offset" },
  { ":a:M:0x10:AB::/i:", ALL, "offset" },
  { ":a:M:99999999999:AB::/i:", ALL, "offset" },
  { ":a:M:255:AB::/i:", ALL, "offset" },
  { ":a:M:254:AB::/i:", ALL, NULL },
  { ":a:M::::/interp:", ALL, "magic" },
  { ":a:M::\\x4::/interp:", ALL, "magic" },
  { ":a:M::\\xg1::/interp:", ALL, "magic" },
  { ":a:M::AB:\\xff::/i:", ALL, "mask" },
  { ":a:M::AB:\\x1z:/i:", ALL, "mask" },
  { ":a:E::::/interp:", ALL, "magic" },
  { ":a:E::a/b::/interp:", ALL, "magic" },
  { ":a:M::AB:::", ALL, "interpreter" },
  { ":ab:B::::::", ALL, "interpreter" },
  { ":a:B:0:::h:", ALL, "offset" },
  { ":a:B::x::h:", ALL, "magic" },
  { ":a:B:::x:h:", ALL, "mask" },
  { ":a:B::::h:F", ALL, "flags" },
  { ":a:B::::h:P", ALL, "flags" },
  { ":a:M::AB::/i:X", ALL, "flags" },
  { ":a:M::AB::/i:T", 0, "flags" },
  { ":a:M::AB::/i:L", 0, "flags" },
  { ":a:M::AB::/i:D", 0, "flags" },
  { ":a:M::AB::/i:TP", ALL, "flags" },
  { ":a:M::AB::/i:LO", ALL, "flags" },
  { ":a:M::AB::/i:LC", ALL, "flags" },
  { ":a:M::AB::/i:LT", ALL, "flags" },
  { ":a:M::AB::/i:F\n\n", ALL, "flags" },
  { ":a:M::AB::rel:C", ALL, "interpreter" },
  { ":a:M::AB::rel:L", ALL, "interpreter" },
};

/* The case as one printable line for the TAP output. */
static const char *
show (const char *s)
{
  static char buf[256];
  size_t n = 0;
  for (; *s && n + 3 < sizeof (buf); s++)
    if (*s == '\n')
      buf[n++] = '\\', buf[n++] = 'n';
    else
      buf[n++] = *s;
  buf[n] = '\0';
  return buf;
}

static void
test_cases (void)
{
  for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++)
    {
      const struct rcase *c = &cases[i];
      struct nsb_rule *r = malloc (sizeof (*r));
      nsb_error_t err = NULL;
      int ret = nsb_rule_parse (c->s, strlen (c->s), c->kf, r, &err);
      if (c->field == NULL)
        tap_ok (ret == 0, "accept %s%s", show (c->s), err ? err->msg : "");
      else
        {
          char want[64];
          snprintf (want, sizeof (want), ": %s: ", c->field);
          tap_ok (ret < 0 && err && strstr (err->msg, want),
                  "reject %s naming `%s`", show (c->s), c->field);
          if (err)
            tap_diag ("%s", show (err->msg));
        }
      nsb_error_release (&err);
      free (r);
    }
}

static void
test_decoding (void)
{
  struct nsb_rule *r = malloc (sizeof (*r));
  const char *s;

  s = ":n:M:3:\\x7fE\\x00F:\\xff\\xff\\x00\\xff:/q:OC";
  tap_ok (nsb_rule_parse (s, strlen (s), ALL, r, NULL) == 0 && r->offset == 3
              && r->magic_len == 4
              && !memcmp (r->magic,
                          "\x7f"
                          "E\0F",
                          4)
              && r->has_mask && r->mask[2] == 0
              && r->flags == (NSB_FLAG_O | NSB_FLAG_C),
          "magic, mask, offset, C implies O");
  s = ":n:M::\\\\x41::/q:";
  tap_ok (nsb_rule_parse (s, strlen (s), ALL, r, NULL) == 0
              && r->magic_len == 5 && !memcmp (r->magic, "\\\\x41", 5),
          "\\\\x41 stays five bytes, as string_unescape leaves it");
  s = ":n:M::AB\0CD::/q:";
  tap_ok (nsb_rule_parse (s, 16, ALL, r, NULL) == 0 && r->magic_len == 2,
          "a NUL byte ends the magic (parsing halts at the first one)");
  s = ":n:M::\\x:/q:F";
  tap_ok (nsb_rule_parse (s, strlen (s), ALL, r, NULL) < 0,
          "\\x before the delimiter is a bad escape");
  s = ":n:T::AB::/q:D";
  tap_ok (nsb_rule_parse (":n:M::AB::/q:D", 14, ALL, r, NULL) == 0
              && (r->flags & NSB_FLAG_D),
          "D is kept in the model %s", s);
  free (r);
}

static void
test_lengths (void)
{
  char buf[NSB_REGISTER_MAX + 2];
  struct nsb_rule *r = malloc (sizeof (*r));
  size_t n;

  n = (size_t)snprintf (buf, sizeof (buf), ":n:M::AB::/");
  memset (buf + n, 'i', NSB_REGISTER_MAX - n - 1);
  buf[NSB_REGISTER_MAX - 1] = ':';
  buf[NSB_REGISTER_MAX] = '\0';
  tap_ok (nsb_rule_parse (buf, NSB_REGISTER_MAX, ALL, r, NULL) == 0,
          "a %d-byte register string is taken", NSB_REGISTER_MAX);
  buf[NSB_REGISTER_MAX - 1] = 'i';
  buf[NSB_REGISTER_MAX] = ':';
  tap_ok (nsb_rule_parse (buf, NSB_REGISTER_MAX + 1, ALL, r, NULL) < 0,
          "one byte more is refused");
  memset (buf, 'n', sizeof (buf));
  buf[0] = ':';
  memcpy (buf + 1 + 255, ":M::AB::/i:", 11);
  tap_ok (nsb_rule_parse (buf, 267, ALL, r, NULL) == 0,
          "a 255-byte name is taken");
  memcpy (buf + 1 + 256, ":M::AB::/i:", 11);
  buf[256] = 'n';
  tap_ok (nsb_rule_parse (buf, 268, ALL, r, NULL) < 0,
          "a 256-byte name is refused (NAME_MAX)");
  free (r);
}

static void
test_roundtrip (void)
{
  struct nsb_rule *a = malloc (sizeof (*a)), *b = malloc (sizeof (*b));
  char out[NSB_REGISTER_MAX + 1];
  int bad = 0, n;

  for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++)
    {
      if (cases[i].field
          || nsb_rule_parse (cases[i].s, strlen (cases[i].s), cases[i].kf, a,
                             NULL)
                 < 0)
        continue;
      n = nsb_rule_format (a, out, sizeof (out), NULL);
      if (n < 0 || nsb_rule_parse (out, (size_t)n, cases[i].kf, b, NULL) < 0
          || memcmp (a, b, sizeof (*a)) != 0
          || nsb_rule_validate (a, cases[i].kf, NULL) < 0)
        {
          tap_diag ("round trip of %s gave %s", cases[i].s, out);
          bad++;
        }
    }
  tap_ok (bad == 0, "format(parse(s)) parses back to the same rule");
  memset (a, 0, sizeof (*a));
  strcpy (a->name, "x/y");
  a->type = 'M';
  a->magic_len = 1;
  a->magic[0] = 1;
  strcpy (a->interpreter, "/i");
  tap_ok (nsb_rule_validate (a, ALL, NULL) < 0, "validate refuses x/y");
  free (a);
  free (b);
}

static void
test_matches (void)
{
  struct nsb_rule *r = malloc (sizeof (*r));
  const char *s = ":n:M:1:\\x10\\x20:\\xf0\\xff:/q:";
  const uint8_t yes[] = { 0, 0x1f, 0x20 }, no[] = { 0, 0x20, 0x20 };

  nsb_rule_parse (s, strlen (s), ALL, r, NULL);
  tap_ok (nsb_rule_matches (r, yes, 3) && !nsb_rule_matches (r, no, 3)
              && !nsb_rule_matches (r, yes, 2),
          "magic/mask matching at an offset");
  free (r);
}

int
main (void)
{
  unsigned flags;
  char s[8];

  test_cases ();
  test_decoding ();
  test_lengths ();
  test_roundtrip ();
  test_matches ();
  nsb_flags_to_string (NSB_FLAG_F | NSB_FLAG_P | NSB_FLAG_O, s);
  tap_ok (strcmp (s, "POF") == 0, "flags print in the kernel's order");
  tap_ok (nsb_flags_from_string ("C", &flags) == 0
              && flags == (NSB_FLAG_C | NSB_FLAG_O)
              && nsb_flags_from_string ("Z", &flags) < 0,
          "flags from letters");
  return tap_done ();
}
