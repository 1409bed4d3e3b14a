/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The runtime shim's library part: the command line it reads, and the
 * hook it writes into a bundle's config.json. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "bundle.h"
#include "runtime/args.h"
#include "tap.h"
#include "util.h"

#define HOOK "/usr/libexec/nsbinfmt-hook"

static void
test_command_line (void)
{
  static const struct
  {
    const char *args; /* space-separated, after argv[0] */
    int cmd;          /* its index, 0: none */
    const char *bundle;
  } cases[] = {
    { "create --bundle /b id", 1, "/b" },
    { "--root /r --log /l --log-format json create -b /b id", 7, "/b" },
    { "--debug --systemd-cgroup create --bundle=/b id", 3, "/b" },
    { "--root=/r create -b=/b id", 2, "/b" },
    { "--root create --log /l state id", 5, "." },
    { "--future-flag run id", 2, "." },
    { "-- create --bundle /b", 2, "/b" },
    { "--version", 0, NULL },
    { "--root", 0, NULL },
    { "create id -- --bundle /b", 1, "." },
    /* The shim's own options, as its entry point sees them: skipped. */
    { "--root --nsbinfmt-hook=/h create -b /b id", 5, "." },
    { "--nsbinfmt-runtime=/r -- --nsbinfmt-hook=/h create --bundle /b", 4,
      "/b" },
    { "--nsbinfmt-runtime=/r state --nsbinfmt-hook=/h id", 2, "." },
    { "--nsbinfmt-runtime=/r", 0, NULL },
  };

  for (size_t i = 0; i < NSB_ARRAY_SIZE (cases); i++)
    {
      char *copy = strdup (cases[i].args), *save = NULL;
      char *argv[16] = { (char *)"runc" };
      int argc = 1, cmd;
      for (char *w = strtok_r (copy, " ", &save); w && argc < 15;
           w = strtok_r (NULL, " ", &save))
        argv[argc++] = w;
      cmd = nsb_runtime_command (argc, argv);
      tap_ok (cmd == cases[i].cmd, "`%s`: command at %d (got %d)",
              cases[i].args, cases[i].cmd, cmd);
      if (cmd > 0 && cases[i].bundle)
        {
          const char *b = nsb_runtime_bundle (argc, argv, cmd);
          tap_ok (strcmp (b, cases[i].bundle) == 0, "`%s`: bundle %s (got %s)",
                  cases[i].args, cases[i].bundle, b);
        }
      free (copy);
    }
}

/* Write TEXT to DIR/config.json; add the hook; the result and the tree. */
static int
add (const char *dir, const char *text, enum nsb_bundle_result *r,
     yajl_val *tree)
{
  char path[4096], msg[256];
  cleanup_free char *out = NULL;
  nsb_error_t err = NULL;
  size_t len;
  FILE *f;
  int ret;

  snprintf (path, sizeof (path), "%s/config.json", dir);
  f = fopen (path, "we");
  if (f == NULL)
    return -1;
  fputs (text, f);
  fclose (f);
  ret = nsb_bundle_add_hook (dir, HOOK, r, NULL, 0, &err);
  if (ret < 0)
    {
      tap_diag ("%s", err->msg);
      nsb_error_release (&err);
      return -1;
    }
  if (nsb_read_file_at (AT_FDCWD, path, 0, 1 << 20, &out, &len, NULL) < 0)
    return -1;
  *tree = yajl_tree_parse (out, msg, sizeof (msg));
  return *tree ? 0 : -1;
}

static size_t
stage_len (yajl_val tree, const char *stage)
{
  const char *p[] = { "hooks", stage, NULL };
  yajl_val v = yajl_tree_get (tree, p, yajl_t_array);
  return v ? v->u.array.len : 0;
}

static size_t
hooks_keys (yajl_val tree)
{
  const char *p[] = { "hooks", NULL };
  yajl_val v = yajl_tree_get (tree, p, yajl_t_object);
  return v ? v->u.object.len : 0;
}

static void
test_add_hook (void)
{
  char dir[] = "/tmp/nsb-test-bundle-XXXXXX";
  const char *userns = "\"linux\": {\"namespaces\": [{\"type\": \"user\"}]}";
  char text[1024];
  enum nsb_bundle_result r;
  yajl_val t = NULL;

  if (mkdtemp (dir) == NULL)
    return tap_ok (0, "mkdtemp");
  snprintf (text, sizeof (text), "{%s, \"n\": 1.50}", userns);
  tap_ok (add (dir, text, &r, &t) == 0 && r == NSB_BUNDLE_HOOKED
              && stage_len (t, "prestart") == 1
              && stage_len (t, "poststop") == 1,
          "no hooks: prestart and poststop made");
  yajl_tree_free (t), t = NULL;
  snprintf (text, sizeof (text),
            "{%s, \"hooks\": {\"prestart\": [{\"path\": \"/a\"}], "
            "\"poststop\": [], \"x\": 1}}",
            userns);
  tap_ok (add (dir, text, &r, &t) == 0 && r == NSB_BUNDLE_HOOKED
              && stage_len (t, "prestart") == 2
              && stage_len (t, "poststop") == 1,
          "hooks there: ours appended to each stage");
  yajl_tree_free (t), t = NULL;
  snprintf (text, sizeof (text), "{%s, \"hooks\": {\"prestart\": null}}",
            userns);
  tap_ok (add (dir, text, &r, &t) == 0 && r == NSB_BUNDLE_HOOKED
              && stage_len (t, "prestart") == 1 && hooks_keys (t) == 2,
          "a null stage: ours alone, no second key");
  yajl_tree_free (t), t = NULL;
  snprintf (text, sizeof (text),
            "{%s, \"hooks\": {\"prestart\": [{\"path\": \"" HOOK "\"}], "
            "\"poststop\": [{\"path\": \"" HOOK "\"}]}}",
            userns);
  tap_ok (add (dir, text, &r, &t) == 0 && r == NSB_BUNDLE_HAD_IT,
          "the hook there already: nothing written");
  yajl_tree_free (t), t = NULL;
  /* Run as root in the initial user namespace (make check): no user
   * namespace in the config means the host's. */
  if (geteuid () == 0)
    tap_ok (add (dir, "{\"linux\": {}}", &r, &t) == 0
                && r == NSB_BUNDLE_HOST_USERNS
                && stage_len (t, "prestart") == 0,
            "no user namespace: nothing written");
  yajl_tree_free (t), t = NULL;
  snprintf (text, sizeof (text), "{%s, \"hooks\": {}, \"hooks\": {}}", userns);
  tap_ok (add (dir, text, &r, &t) < 0, "two `hooks` are refused");
  tap_ok (add (dir, "[]", &r, &t) < 0, "not an object: refused");
  snprintf (text, sizeof (text), "%s/config.json", dir);
  unlink (text);
  rmdir (dir);
}

int
main (void)
{
  test_command_line ();
  test_add_hook ();
  return tap_done ();
}
