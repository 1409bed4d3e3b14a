/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON that two readers could take differently is refused; what is left
 * is read the way runc reads it. */
#include "config.h"

#include <errno.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "json.h"
#include "tap.h"

/* Does nsb_json_parse refuse LEN bytes of TEXT with a message containing
 * WANT, in one line? */
static void
refused (const char *text, size_t len, const char *want, const char *what)
{
  nsb_error_t err = NULL;
  yajl_val v;
  int r = nsb_json_parse (text, len, "config.json", &v, &err);

  tap_ok (r == -EINVAL && v == NULL && err && strstr (err->msg, want)
              && !strchr (err->msg, '\n'),
          "%s: %s", what, err ? err->msg : "accepted");
  yajl_tree_free (v);
  nsb_error_release (&err);
}

static void
accepted (const char *text, const char *what)
{
  nsb_error_t err = NULL;
  yajl_val v;
  int r = nsb_json_parse (text, strlen (text), "config.json", &v, &err);

  tap_ok (r == 0 && v != NULL, "%s%s%s", what, err ? ": " : "",
          err ? err->msg : "");
  yajl_tree_free (v);
  nsb_error_release (&err);
}

/* N nested arrays inside an object: {"a":[[...]]}. */
static char *
nested (size_t n)
{
  char *s = malloc (2 * n + 8);
  size_t i = 0;

  i += (size_t)sprintf (s, "{\"a\":");
  memset (s + i, '[', n), i += n;
  memset (s + i, ']', n), i += n;
  strcpy (s + i, "}");
  return s;
}

static void
test_depth (void)
{
  char *ok = nested (NSB_JSON_DEPTH_MAX - 1);
  char *deep = nested (NSB_JSON_DEPTH_MAX);
  char *huge = nested (2000000);

  accepted (ok, "nesting up to the bound");
  refused (deep, strlen (deep), "nested deeper than", "one level more");
  refused (huge, strlen (huge), "nested deeper than",
           "two million levels (a crash before)");
  free (ok);
  free (deep);
  free (huge);
}

static void
test_ambiguous (void)
{
  static const char nul_key[] = "{\"hooks\\u0000x\":{}}";
  static const char nul_value[] = "{\"a\":\"arm64\\u0000../../x\"}";

  refused (nul_key, strlen (nul_key), "NUL in a member name",
           "\\u0000 in a member name");
  refused (nul_value, strlen (nul_value), "NUL in a string",
           "\\u0000 in a string");
  refused ("{\"a\":1,\0}", 8, "NUL byte", "a raw NUL byte");
  refused ("{\"process\":{},\"process\":{}}", 27, "duplicate member `process`",
           "two members of one name");
  refused ("{\"process\":{},\"Process\":{}}", 27, "runc ignores case",
           "two members runc folds together");
  refused ("{\"a\":{\"x\":1,\"y\":2,\"x\":3}}", 25, "duplicate member `x`",
           "a duplicate in an inner object");
  refused ("{\"hoo\xe2\x84\xaas\":{}}", 13, "ASCII letter",
           "the Kelvin sign, which Go folds to k");
  refused ("{\"a\":\"\xff\"}", 8, "UTF8", "a byte that is no UTF-8");
  refused ("{\"a\":\"\xc0\xaf\"}", 9, "invalid UTF-8", "an overlong form");
  refused ("{\"a\":\"\xed\xa0\x80\"}", 10, "invalid UTF-8",
           "a surrogate encoded in UTF-8");
  refused ("{\"a\":\"\\ud800x\"}", 15, "surrogate", "a lone high surrogate");
  refused ("{\"a\":\"\\ud800\\u0041\"}", 20, "surrogate",
           "a high surrogate before a non-surrogate");
  refused ("{\"a\":\"\\udc00\"}", 14, "invalid UTF-8", "a lone low surrogate");
  refused ("{\"a\":1} {}", 10, "not JSON", "trailing data");
  refused ("[]", 2, "not a JSON object", "an array");
  accepted ("{\"a\":\"\\ud83d\\ude00 \\\"\\\\ud800\"}",
            "a surrogate pair, and an escaped backslash before `ud800`");
  accepted ("{\"x\":{\"a\":1},\"y\":{\"a\":1}}", "one name in two objects");
}

static void
test_lookup (void)
{
  static const char *const path[] = { "process", "cwd", NULL };
  const char *text = "{\"Process\":{\"CWD\":\"/w\",\"args\":[]}}";
  yajl_val v;
  const char *cwd;

  nsb_json_parse (text, strlen (text), "config.json", &v, NULL);
  cwd = nsb_json_get_string (v, path);

  tap_ok (cwd && strcmp (cwd, "/w") == 0,
          "members are found as runc finds them, ignoring ASCII case");
  tap_ok (
      nsb_json_get_string (v, (const char *const[]){ "process", "args", NULL })
          == NULL,
      "a member that is not a string is no string");
  yajl_tree_free (v);
}

int
main (void)
{
  test_depth ();
  test_ambiguous ();
  test_lookup ();
  return tap_done ();
}
