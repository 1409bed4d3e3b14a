/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Rule sources: binfmt.d trees and binfmt-support format files. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rule.h"
#include "sources.h"
#include "tap.h"
#include "util.h"

#define KF NSB_KF_LINUX_7_3

static char top[] = "/tmp/nsb-test-sources-XXXXXX";

/* TOP/REL, in a static buffer (one at a time). */
static const char *
at (const char *rel)
{
  static char buf[16][512];
  static int i;

  i = (i + 1) % 16;
  snprintf (buf[i], sizeof (buf[i]), "%s/%s", top, rel);
  return buf[i];
}

/* TOP/REL, kept for the whole run. */
static const char *
keep (const char *rel)
{
  static char pool[16][512];
  static int n;

  if (n == 16)
    exit (99);
  snprintf (pool[n], sizeof (pool[n]), "%s/%s", top, rel);
  return pool[n++];
}

static void
mkdirs_for (const char *path)
{
  char tmp[512];

  snprintf (tmp, sizeof (tmp), "%s", path);
  for (char *p = tmp + strlen (top) + 1; (p = strchr (p, '/')) != NULL; p++)
    {
      *p = '\0';
      mkdir (tmp, 0755);
      *p = '/';
    }
}

/* Write LEN bytes (-1: strlen) to TOP/REL, making its directories. */
static void
put (const char *rel, const char *text, ssize_t len)
{
  const char *path = at (rel);
  FILE *f;

  mkdirs_for (path);
  f = fopen (path, "w");
  if (f == NULL)
    {
      perror (path);
      exit (99);
    }
  fwrite (text, 1, len < 0 ? strlen (text) : (size_t)len, f);
  fclose (f);
}

static void
link_to (const char *target, const char *rel)
{
  const char *path = at (rel);

  mkdirs_for (path);
  if (symlink (target, path) < 0)
    {
      perror (path);
      exit (99);
    }
}

static int
rm_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st, (void)flag, (void)ftw;
  return remove (path);
}

static bool
contains (nsb_error_t e, const char *needle)
{
  return e != NULL && e->msg != NULL && strstr (e->msg, needle) != NULL;
}

static bool
ends_with (const char *s, const char *suffix)
{
  size_t a = strlen (s), b = strlen (suffix);
  return a >= b && strcmp (s + a - b, suffix) == 0;
}

/* The names of SET, space-separated. */
static const char *
names (const struct nsb_ruleset *set)
{
  static char buf[1024];
  size_t n = 0;

  buf[0] = '\0';
  for (size_t i = 0; i < set->n && n < sizeof (buf) - 1; i++)
    n += (size_t)snprintf (buf + n, sizeof (buf) - n, "%s%s", i ? " " : "",
                           set->rules[i].name);
  return buf;
}

static void
test_precedence (void)
{
  int rc;
  const char *dirs[] = { keep ("t1/etc"),
                         keep ("t1/run"),
                         keep ("t1/local"),
                         keep ("t1/lib"),
                         keep ("t1/lib"), /* a repeat */
                         NULL };
  struct nsb_ruleset set = { 0 };
  cleanup_error nsb_error_t e = NULL;
  const struct nsb_rule *r;

  put ("t1/lib/10-a.conf", ":a:M::AA::/bin/lib:\n", -1);
  put ("t1/etc/10-a.conf", ":a:M::AE::/bin/etc:\n", -1);
  put ("t1/run/05-first.conf", ":first:M::F1::/bin/x:\n", -1);
  put ("t1/lib/20-masked.conf", ":masked:M::MM::/bin/x:\n", -1);
  link_to ("/dev/null", "t1/etc/20-masked.conf");
  put ("t1/lib/30-empty.conf", ":emptied:M::EE::/bin/x:\n", -1);
  put ("t1/run/30-empty.conf", "", 0);
  put ("t1/lib/40-dangle.conf", ":dangled:M::DD::/bin/x:\n", -1);
  link_to (at ("t1/nowhere"), "t1/etc/40-dangle.conf");
  put ("t1/local/50-z.conf", ":z:E::zz::/bin/z:\n", -1);
  put ("t1/lib/.hidden.conf", ":hidden:M::HH::/bin/x:\n", -1);
  put ("t1/lib/60-text.txt", ":txt:M::TT::/bin/x:\n", -1);
  put ("t1/lib/70-dup.conf", ":dup:M::D1::/bin/one:\n", -1);
  put ("t1/local/80-dup.conf", ":dup:M::D2::/bin/two:\n", -1);
  put ("t1/lib/A-upper.conf", ":upper:M::UU::/bin/x:\n", -1);
  put ("t1/run/b-lower.conf", ":lower:M::LL::/bin/x:\n", -1);

  rc = nsb_ruleset_add_binfmtd (&set, dirs, KF, &e);
  tap_ok (rc == 0, "binfmt.d tree parses%s%s", e ? ": " : "", e ? e->msg : "");
  tap_ok (strcmp (names (&set), "first a z dup upper lower") == 0,
          "name order, masks, hidden and other suffixes: `%s`", names (&set));
  r = nsb_ruleset_find (&set, "a");
  tap_ok (r != NULL && strcmp (r->interpreter, "/bin/etc") == 0 && set.n > 1
              && ends_with (set.origins[1], "t1/etc/10-a.conf:1"),
          "/etc's file hides /usr/lib's of the same name (%s)",
          set.n > 1 ? set.origins[1] : "-");
  r = nsb_ruleset_find (&set, "dup");
  tap_ok (r != NULL && strcmp (r->interpreter, "/bin/two") == 0,
          "a later file's rule replaces an earlier one of the same name");
  nsb_ruleset_free (&set);
  tap_ok (set.n == 0 && set.rules == NULL && set.origins == NULL,
          "free leaves an empty set");
}

static void
test_comments (void)
{
  int rc;
  struct nsb_ruleset set = { 0 };
  cleanup_error nsb_error_t e = NULL;
  const struct nsb_rule *ws, *last;

  put ("t2/c.conf",
       "# comment\n"
       "; another\n"
       "\n"
       "   \t\n"
       "  \t:ws:M::AB::/bin/ws:P \t\n"
       "  # indented comment\n"
       ":last:M::CD::/bin/last:F",
       -1);
  rc = nsb_ruleset_add_file (&set, at ("t2/c.conf"), KF, &e);
  tap_ok (rc == 0 && set.n == 2,
          "comments, blanks and surrounding white space%s%s", e ? ": " : "",
          e ? e->msg : "");
  ws = nsb_ruleset_find (&set, "ws");
  last = nsb_ruleset_find (&set, "last");
  tap_ok (ws != NULL && ws->flags == NSB_FLAG_P
              && strcmp (ws->interpreter, "/bin/ws") == 0,
          "indented rule with trailing blanks: flags P only");
  tap_ok (last != NULL && last->flags == NSB_FLAG_F && set.n == 2
              && ends_with (set.origins[1], "c.conf:7"),
          "last line without a newline, origin %s",
          set.n == 2 ? set.origins[1] : "-");
  nsb_ruleset_free (&set);
}

static void
test_line_ends (void)
{
  int rc;
  static const char mixed[] = ":n1:M::AB::/i:P\r"    /* 1 */
                              ":n2:M::AB::/i:\0"     /* 2 */
                              ":n3:M::AB::/i:\n\r"   /* 3 */
                              "\n"                   /* 4 */
                              ":n5:M::AB::/i:\r\n\0" /* 5 */
                              ":n6:M::::/i:\n";      /* 6: bad */
  struct nsb_ruleset set = { 0 };
  cleanup_error nsb_error_t e = NULL, e2 = NULL;
  const struct nsb_rule *r;

  put ("t3/crlf.conf", ":c1:M::AB::/bin/x:P\r\n\r\n:c2:M::CD::/bin/x:\r\n",
       -1);
  rc = nsb_ruleset_add_file (&set, at ("t3/crlf.conf"), KF, &e);
  tap_ok (rc == 0 && set.n == 2, "CRLF file%s%s", e ? ": " : "",
          e ? e->msg : "");
  r = nsb_ruleset_find (&set, "c1");
  tap_ok (r != NULL && r->flags == NSB_FLAG_P && set.n == 2
              && ends_with (set.origins[1], "crlf.conf:3"),
          "CRLF: flags P, no stray \\r; the second rule is on line 3");
  nsb_ruleset_free (&set);

  put ("t3/mixed.conf", mixed, sizeof (mixed) - 1);
  rc = nsb_ruleset_add_file (&set, at ("t3/mixed.conf"), KF, &e2);
  tap_ok (rc < 0 && contains (e2, "mixed.conf:6: invalid rule `n6`: magic"),
          "\\r, NUL, \\n\\r and \\r\\n\\0 each end one line: %s",
          e2 ? e2->msg : "no error");
  tap_ok (set.n == 0, "nothing of the failing file was added");
}

static void
test_bad_line (void)
{
  int rc;
  const char *dirs[] = { keep ("t4/d"), NULL };
  struct nsb_ruleset set = { 0 };
  cleanup_error nsb_error_t e = NULL, e2 = NULL, e3 = NULL, e4 = NULL;
  struct nsb_rule *before_rules;
  char *before_origin;

  put ("t4/good.conf", ":keep:M::AB::/bin/keep:\n", -1);
  if (nsb_ruleset_add_file (&set, at ("t4/good.conf"), KF, &e) < 0)
    tap_diag ("%s", e->msg);
  before_rules = set.rules;
  before_origin = set.origins[0];
  put ("t4/bad.conf",
       ":good1:M::AB::/bin/x:\n# fine\n:bad:M:x:AB::/bin/x:\n:good2:M::CD::/"
       "bin/x:\n",
       -1);
  rc = nsb_ruleset_add_file (&set, at ("t4/bad.conf"), KF, &e2);
  tap_ok (rc < 0 && contains (e2, "bad.conf:3: invalid rule `bad`: offset:")
              && e2->status == EINVAL,
          "a bad line names file:line, the rule and the field: %s",
          e2 ? e2->msg : "no error");
  tap_ok (set.n == 1 && set.rules == before_rules
              && set.origins[0] == before_origin
              && strcmp (set.rules[0].name, "keep") == 0
              && nsb_ruleset_find (&set, "good1") == NULL,
          "the set is as before the failing call");

  put ("t4/d/10-ok.conf", ":ok:M::AB::/bin/x:\n", -1);
  put ("t4/d/20-nodelim.conf", ":nodelim:M::AB::/bin/x\n", -1);
  rc = nsb_ruleset_add_binfmtd (&set, dirs, KF, &e3);
  tap_ok (rc < 0 && contains (e3, "20-nodelim.conf:1: invalid rule `nodelim`")
              && set.n == 1 && nsb_ruleset_find (&set, "ok") == NULL,
          "one bad file fails the whole tree, nothing added: %s",
          e3 ? e3->msg : "no error");

  put ("t4/status.conf", ":status:M::AB::/bin/x:\n", -1);
  rc = nsb_ruleset_add_file (&set, at ("t4/status.conf"), KF, &e4);
  tap_ok (rc < 0 && contains (e4, "status.conf:1: invalid rule `")
              && contains (e4, "name:"),
          "a rule named status is refused: %s", e4 ? e4->msg : "no error");
  nsb_ruleset_free (&set);
}

/* systemd-binfmt writes each line with a newline, and the kernel counts it:
 * a 1919-byte line fits the 1920-byte limit, a 1920-byte one does not. */
static void
test_length (void)
{
  static const char head[] = ":long:M::A::/";
  char text[NSB_REGISTER_MAX + 2];
  struct nsb_ruleset set = { 0 };
  cleanup_error nsb_error_t e = NULL, e2 = NULL;
  int rc;

  for (size_t n = NSB_REGISTER_MAX - 1; n <= NSB_REGISTER_MAX; n++)
    {
      memset (text, 'i', n);
      memcpy (text, head, sizeof (head) - 1);
      text[n - 1] = ':';
      text[n] = '\n';
      put ("t10/long.conf", text, (ssize_t)n + 1);
      rc = nsb_ruleset_add_file (&set, at ("t10/long.conf"), KF,
                                 n < NSB_REGISTER_MAX ? &e : &e2);
      if (n < NSB_REGISTER_MAX)
        tap_ok (rc == 0 && set.n == 1, "a %zu-byte line is taken%s%s", n,
                e ? ": " : "", e ? e->msg : "");
      else
        tap_ok (rc < 0 && contains (e2, "long.conf:1: invalid rule")
                    && contains (e2, "length: 1921 bytes"),
                "a %zu-byte line is refused: %s", n,
                e2 ? e2->msg : "no error");
    }
  nsb_ruleset_free (&set);
}

static void
test_odd_files (void)
{
  int rc;
  const char *none[] = { keep ("t5/none1"), keep ("t5/none2"), NULL };
  const char *dirs[] = { keep ("t5/d"), NULL };
  struct nsb_ruleset set = { 0 };
  cleanup_error nsb_error_t e = NULL, e2 = NULL, e3 = NULL, e4 = NULL;

  rc = nsb_ruleset_add_file (&set, at ("t5/missing.conf"), KF, &e);
  tap_ok (rc == -ENOENT && e->status == ENOENT && contains (e, "missing.conf"),
          "a missing file is an error: %s", e ? e->msg : "no error");
  rc = nsb_ruleset_add_binfmtd (&set, none, KF, &e2);
  tap_ok (rc == 0 && set.n == 0, "missing directories are skipped");
  rc = nsb_ruleset_add_file (&set, "/dev/null", KF, &e3);
  tap_ok (rc == 0 && set.n == 0, "/dev/null gives no rules");
  mkdir (at ("t5"), 0755);
  mkdir (at ("t5/d"), 0755);
  mkdir (at ("t5/d/dir.conf"), 0755);
  rc = nsb_ruleset_add_binfmtd (&set, dirs, KF, &e4);
  tap_ok (rc < 0 && e4->status == EISDIR && contains (e4, "dir.conf"),
          "a directory named *.conf is an error: %s",
          e4 ? e4->msg : "no error");
  nsb_ruleset_free (&set);
}

static void
test_root (void)
{
  int rc;
  const char *etc_only[] = { "/etc/binfmt.d", NULL };
  struct nsb_ruleset set = { 0 };
  cleanup_error nsb_error_t e = NULL, e2 = NULL;
  int rootfd;

  /* Absolute and ../ symlinks that would reach the host's files. */
  link_to ("/usr/lib/binfmt.d/qemu-arm.conf", "t6/etc/binfmt.d/abs.conf");
  link_to ("../../../../../../../../usr/lib/binfmt.d/qemu-aarch64.conf",
           "t6/etc/binfmt.d/rel.conf");
  put ("t6/usr/lib/binfmt.d/qemu-arm.conf", ":inroot1:M::R1::/bin/x:\n", -1);
  put ("t6/usr/lib/binfmt.d/qemu-aarch64.conf", ":inroot2:M::R2::/bin/x:\n",
       -1);
  link_to ("/dev/null", "t6/etc/binfmt.d/m.conf");
  put ("t6/usr/lib/binfmt.d/m.conf", ":masked:M::MM::/bin/x:\n", -1);
  link_to ("usr/lib", "t6/lib");
  rootfd = open (at ("t6"), O_PATH | O_DIRECTORY | O_CLOEXEC);

  rc = nsb_ruleset_add_binfmtd_at (&set, rootfd, etc_only, KF, &e);
  tap_ok (rc == 0 && strcmp (names (&set), "inroot1 inroot2") == 0
              && ends_with (set.origins[0], "/etc/binfmt.d/abs.conf:1"),
          "inside a root, symlinks resolve beneath it: `%s`%s%s", names (&set),
          e ? ": " : "", e ? e->msg : "");
  nsb_ruleset_free (&set);
  rc = nsb_ruleset_add_binfmtd_at (&set, rootfd, NULL, KF, &e2);
  tap_ok (rc == 0 && strcmp (names (&set), "inroot1 inroot2") == 0,
          "the system list inside a root: /dev/null masks though the root "
          "has none, later duplicates win: `%s`%s%s",
          names (&set), e2 ? ": " : "", e2 ? e2->msg : "");
  nsb_ruleset_free (&set);
  close (rootfd);
}

static bool
same_rule (const struct nsb_rule *a, const struct nsb_rule *b)
{
  return strcmp (a->name, b->name) == 0 && a->type == b->type
         && a->offset == b->offset && a->magic_len == b->magic_len
         && memcmp (a->magic, b->magic, a->magic_len) == 0
         && a->has_mask == b->has_mask
         && (!a->has_mask || memcmp (a->mask, b->mask, a->magic_len) == 0)
         && strcmp (a->interpreter, b->interpreter) == 0
         && a->flags == b->flags;
}

static void
test_binfmts_round_trip (void)
{
  int rc;
  static const uint8_t magic[] = { 0x7f, 'E', 'L', 'F', 2, 1 };
  static const uint8_t mask[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe };
  struct nsb_ruleset set = { 0 }, back = { 0 };
  cleanup_error nsb_error_t e = NULL, e2 = NULL, e3 = NULL;
  char reg[NSB_REGISTER_MAX + 2];
  const struct nsb_rule *r, *x;
  int n;

  put ("t7/qemu-test",
       "package qemu-user-static\n"
       "interpreter /usr/bin/qemu-test\n"
       "magic \\x7fELF\\x02\\x01\n"
       "Offset 0\n"
       "mask \\xff\\xff\\xff\\xff\\xff\\xfe\n"
       "credentials yes\n"
       "fix_binary yes\n"
       "preserve no\n",
       -1);
  rc = nsb_ruleset_add_binfmts_file (&set, at ("t7/qemu-test"), KF, &e);
  tap_ok (rc == 0, "binfmts file parses%s%s", e ? ": " : "", e ? e->msg : "");
  r = nsb_ruleset_find (&set, "qemu-test");
  tap_ok (r != NULL && r->type == 'M' && r->offset == 0
              && r->magic_len == sizeof (magic)
              && memcmp (r->magic, magic, sizeof (magic)) == 0 && r->has_mask
              && memcmp (r->mask, mask, sizeof (mask)) == 0
              && r->flags == (NSB_FLAG_C | NSB_FLAG_O | NSB_FLAG_F)
              && strcmp (r->interpreter, "/usr/bin/qemu-test") == 0
              && ends_with (set.origins[0], "qemu-test:3"),
          "name from the file, magic and mask decoded, C implies O, "
          "origin is the magic line");
  n = r ? nsb_rule_format (r, reg, sizeof (reg) - 1, &e2) : -1;
  if (n > 0)
    {
      reg[n++] = '\n';
      put ("t7/back.conf", reg, n);
    }
  rc = n > 0 ? nsb_ruleset_add_file (&back, at ("t7/back.conf"), KF, &e2) : -1;
  tap_ok (rc == 0 && back.n == 1 && same_rule (r, &back.rules[0]),
          "binfmts -> register string -> binfmt.d file -> the same rule%s%s",
          e2 ? ": " : "", e2 ? e2->msg : "");
  nsb_ruleset_free (&back);

  put ("t7/wine",
       "package wine\ninterpreter /usr/bin/wine\n"
       "extension exe\npreserve yes\n",
       -1);
  rc = nsb_ruleset_add_binfmts_file (&set, at ("t7/wine"), KF, &e3);
  x = rc == 0 ? nsb_ruleset_find (&set, "wine") : NULL;
  tap_ok (x != NULL && x->type == 'E' && x->magic_len == 3
              && strcmp ((const char *)x->magic, "exe") == 0
              && x->flags == NSB_FLAG_P && set.n == 2,
          "extension entry: type E, flag P%s%s", e3 ? ": " : "",
          e3 ? e3->msg : "");
  nsb_ruleset_free (&set);
}

static void
test_binfmts_forms (void)
{
  struct nsb_ruleset set = { 0 };
  cleanup_error nsb_error_t e = NULL;
  const struct nsb_rule *r;

  put ("t8/crlf", "package p\r\ninterpreter /bin/i\r\n\r\nmagic AB \r\n", -1);
  if (nsb_ruleset_add_binfmts_file (&set, at ("t8/crlf"), KF, &e) == 0)
    r = nsb_ruleset_find (&set, "crlf");
  else
    r = NULL;
  tap_ok (r != NULL && r->magic_len == 2 && memcmp (r->magic, "AB", 2) == 0
              && !r->has_mask && r->flags == 0,
          "binfmts with CRLF, a blank line and trailing blanks%s%s",
          e ? ": " : "", e ? e->msg : "");
  nsb_ruleset_free (&set);
}

struct bad_binfmts
{
  const char *name, *text, *needle;
  int status;
};

static const struct bad_binfmts bad_binfmts[] = {
  { "det", "package p\ninterpreter /i\nmagic AB\ndetector /usr/bin/d\n",
    "det:4: detector: userspace detectors", ENOTSUP },
  { "nopkg", "interpreter /i\nmagic AB\n", "nopkg: no `package` line",
    EINVAL },
  { "nointerp", "package p\nmagic AB\n", "no `interpreter` line", EINVAL },
  { "both", "package p\ninterpreter /i\nmagic AB\nextension exe\n",
    "both:4: extension: the magic (line 3)", EINVAL },
  { "neither", "package p\ninterpreter /i\n", "neither `magic` nor", EINVAL },
  { "extmask", "package p\ninterpreter /i\nextension e\nmask \\xff\n",
    "extmask:4: mask: not with an extension", EINVAL },
  { "yesno", "package p\ninterpreter /i\nmagic AB\npreserve Yes\n",
    "yesno:4: preserve: `Yes` is not yes or no", EINVAL },
  { "unknown", "package p\ninterpreter /i\nmagic AB\nfoo bar\n",
    "unknown:4: unknown key `foo`", EINVAL },
  { "twice", "package p\nmagic AB\ninterpreter /i\nmagic CD\n",
    "twice:4: `magic` given again (first on line 2)", EINVAL },
  { "novalue", "package p\ninterpreter /i\nmagic\n",
    "novalue:3: `magic` without a value", EINVAL },
  { "colon", "package p\ninterpreter /i\nmagic A:B\n",
    "colon:3: magic: holds ':'", EINVAL },
  { "indent", "package p\n interpreter /i\nmagic AB\n",
    "indent:2: starts with a space", EINVAL },
  { "escape", "package p\ninterpreter /i\nmagic \\x4g\n",
    "escape: invalid rule `escape`: magic:", EINVAL },
  { "masklen", "package p\ninterpreter /i\nmagic ABC\nmask \\xff\n",
    "masklen: invalid rule `masklen`: mask:", EINVAL },
  { "status", "package p\ninterpreter /i\nmagic AB\n",
    "status: invalid rule `", EINVAL },
  { "relcred", "package p\ninterpreter i\nmagic AB\ncredentials yes\n",
    "invalid rule `relcred`: interpreter", EINVAL },
  { "empty", "\n\n", "empty: empty: no binary format", EINVAL },
};

static void
test_binfmts_errors (void)
{
  struct nsb_ruleset set = { 0 };
  cleanup_error nsb_error_t e0 = NULL;
  char rel[64];

  put ("t9/keep", "package p\ninterpreter /i\nmagic KK\n", -1);
  nsb_ruleset_add_binfmts_file (&set, at ("t9/keep"), KF, &e0);
  for (size_t i = 0; i < NSB_ARRAY_SIZE (bad_binfmts); i++)
    {
      const struct bad_binfmts *c = &bad_binfmts[i];
      cleanup_error nsb_error_t e = NULL;

      snprintf (rel, sizeof (rel), "t9/%s", c->name);
      put (rel, c->text, -1);
      int rc = nsb_ruleset_add_binfmts_file (&set, at (rel), KF, &e);

      tap_ok (rc == -c->status && contains (e, c->needle)
                  && e->status == c->status && set.n == 1,
              "binfmts %s: %s", c->name, e ? e->msg : "accepted");
    }
  nsb_ruleset_free (&set);
}

/* Compare binfmts file PATH with its binfmt.d twin in CONF; count in
 * *O_DIFF the twins whose flags differ in O only. */
static void
compare_twin (const struct nsb_ruleset *conf, const char *path, size_t *o_diff)
{
  const unsigned pcf = NSB_FLAG_P | NSB_FLAG_C | NSB_FLAG_F;
  struct nsb_ruleset one = { 0 };
  cleanup_error nsb_error_t e = NULL;
  const struct nsb_rule *a, *b;
  char fa[8], fb[8];

  if (nsb_ruleset_add_binfmts_file (&one, path, KF, &e) < 0)
    {
      tap_ok (0, "%s: %s", path, e->msg);
      return;
    }
  a = &one.rules[0];
  b = nsb_ruleset_find (conf, a->name);
  if (b == NULL)
    {
      tap_ok (0, "%s has no binfmt.d twin `%s.conf`", path, a->name);
      nsb_ruleset_free (&one);
      return;
    }
  nsb_flags_to_string (a->flags, fa);
  nsb_flags_to_string (b->flags, fb);
  tap_ok (a->type == b->type && a->offset == b->offset
              && a->magic_len == b->magic_len
              && memcmp (a->magic, b->magic, a->magic_len) == 0
              && a->has_mask == b->has_mask
              && (!a->has_mask || memcmp (a->mask, b->mask, a->magic_len) == 0)
              && (a->flags & pcf) == (b->flags & pcf),
          "%s = its binfmt.d twin (magic, mask, offset, P/C/F: %s vs %s)",
          path, fa, fb);
  if ((a->flags ^ b->flags) & NSB_FLAG_O)
    {
      if (*o_diff == 0)
        tap_diag ("flag O differs: %s: binfmts %s, binfmt.d %s", a->name, fa,
                  fb);
      ++*o_diff;
    }
  nsb_ruleset_free (&one);
}

static void
test_real_data (void)
{
  int rc;
  glob_t confs = { 0 }, fmts = { 0 };
  struct nsb_ruleset set = { 0 }, sys = { 0 };
  cleanup_error nsb_error_t e = NULL;
  size_t bad = 0, o_diff = 0;

  if (glob ("/usr/lib/binfmt.d/qemu-*.conf", 0, NULL, &confs) != 0)
    {
      tap_skip ("no /usr/lib/binfmt.d/qemu-*.conf (qemu-user-static)");
      return;
    }
  for (size_t i = 0; i < confs.gl_pathc; i++)
    {
      cleanup_error nsb_error_t e1 = NULL;
      if (nsb_ruleset_add_file (&set, confs.gl_pathv[i], KF, &e1) < 0)
        bad++, tap_diag ("%s", e1->msg);
    }
  tap_ok (bad == 0 && set.n == confs.gl_pathc,
          "all %zu /usr/lib/binfmt.d/qemu-*.conf parse, one rule each",
          confs.gl_pathc);
  rc = nsb_ruleset_add_binfmtd (&sys, NULL, KF, &e);
  tap_ok (rc == 0, "this machine's binfmt.d directories parse (%zu rules)%s%s",
          sys.n, e ? ": " : "", e ? e->msg : "");
  for (size_t i = 0; i < set.n; i++)
    if (nsb_ruleset_find (&sys, set.rules[i].name) == NULL)
      tap_diag ("%s is masked on this machine", set.rules[i].name);
  if (glob ("/usr/share/binfmts/qemu-*", 0, NULL, &fmts) != 0)
    tap_skip ("no /usr/share/binfmts/qemu-* (qemu-user-static)");
  for (size_t i = 0; i < fmts.gl_pathc; i++)
    compare_twin (&set, fmts.gl_pathv[i], &o_diff);
  if (o_diff > 0)
    tap_diag ("flag O differs for %zu of %zu (binfmt-support cannot ask for "
              "O; the .conf files add it)",
              o_diff, fmts.gl_pathc);
  globfree (&confs);
  globfree (&fmts);
  nsb_ruleset_free (&set);
  nsb_ruleset_free (&sys);
}

int
main (void)
{
  if (mkdtemp (top) == NULL)
    {
      perror ("mkdtemp");
      return 99;
    }
  test_precedence ();
  test_comments ();
  test_line_ends ();
  test_bad_line ();
  test_length ();
  test_odd_files ();
  test_root ();
  test_binfmts_round_trip ();
  test_binfmts_forms ();
  test_binfmts_errors ();
  test_real_data ();
  nftw (top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  return tap_done ();
}
