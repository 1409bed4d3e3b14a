/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OCI state, config.json, annotations, and the entrypoint's architecture
 * read beneath a rootfs built here from real binaries of this machine. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci.h"
#include "tap.h"
#include "util.h"

#define NSB_ARM64_FIXTURE "/var/cache/nsbinfmt/fixtures/arm64/busybox"

static char bundle[] = "/tmp/nsb-test-oci-XXXXXX";

static void
put (const char *rel, const char *text, mode_t mode)
{
  char path[PATH_MAX];
  FILE *f;

  snprintf (path, sizeof (path), "%s/%s", bundle, rel);
  f = fopen (path, "w");
  if (f)
    fputs (text, f), fclose (f);
  chmod (path, mode);
}

static void
test_state (void)
{
  struct nsb_oci_state st;
  nsb_error_t err = NULL;
  const char *ok = "{\"ociVersion\":\"1.0.2\",\"id\":\"abc\",\"status\":"
                   "\"created\",\"pid\":42,\"bundle\":\"/b\"}";
  const char *stopped = "{\"id\":\"abc\",\"status\":\"stopped\",\"bundle\":"
                        "\"/b\"}";
  const char *bad[] = { "",
                        "{",
                        "[]",
                        "{\"pid\":\"x\",\"bundle\":\"/b\"}",
                        "{\"pid\":0,\"bundle\":\"/b\"}",
                        "{\"pid\":4294967296,\"bundle\":\"/b\"}",
                        "{\"pid\":3,\"bundle\":\"rel\"}",
                        "{\"pid\":3}" };

  tap_ok (nsb_oci_state_parse (ok, strlen (ok), &st, NULL) == 0 && st.pid == 42
              && !strcmp (st.id, "abc") && !strcmp (st.bundle, "/b")
              && !strcmp (st.status, "created"),
          "a state");
  tap_ok (nsb_oci_state_parse (stopped, strlen (stopped), &st, NULL) == 0
              && st.pid == 0,
          "a stopped container's state needs no pid");
  for (size_t i = 0; i < sizeof (bad) / sizeof (bad[0]); i++)
    {
      tap_ok (nsb_oci_state_parse (bad[i], strlen (bad[i]), &st, &err) < 0
                  && err && !strchr (err->msg, '\n'),
              "bad state %zu: %s", i, err ? err->msg : "accepted");
      nsb_error_release (&err);
    }
  tap_ok (nsb_oci_state_parse ("{\"pid\":1,\0\"x\"}", 14, &st, NULL) < 0,
          "a NUL byte in the JSON is refused");
}

static struct nsb_oci_config *
config (const char *json)
{
  static struct nsb_oci_config cfg;
  nsb_oci_config_free (&cfg);
  put ("config.json", json, 0644);
  return nsb_oci_config_load (bundle, &cfg, NULL) == 0 ? &cfg : NULL;
}

static void
test_config_policy (void)
{
  struct nsb_oci_config *c;
  struct nsb_oci_policy pol;
  nsb_error_t err = NULL;

  c = config ("{\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":"
              "[\"sh\",\"-c\",\"x\"],\"env\":[\"A=1\",\"PATH=/opt/bin\"],"
              "\"cwd\":\"/w\"},\"annotations\":{\"io.nsbinfmt.emulate\":"
              "\"arm64 linux/s390x\",\"io.nsbinfmt.verify\":\"probe\","
              "\"io.nsbinfmt.on-failure\":\"warn\"}}");
  tap_ok (c && !strcmp (c->args[0], "sh") && !strcmp (c->args[2], "x")
              && !c->args[3] && !strcmp (c->path_env, "/opt/bin")
              && !strcmp (c->cwd, "/w") && !strncmp (c->root, bundle, 20)
              && strstr (c->root, "/rootfs"),
          "config.json: root relative to the bundle, args, PATH, cwd");
  tap_ok (c && nsb_oci_policy (c, &pol, NULL) == 0 && pol.mode == NSB_OCI_LIST
              && pol.n_arches == 2 && !strcmp (pol.arches[1]->name, "s390x")
              && pol.verify == NSB_VERIFY_PROBE && !pol.fail,
          "annotations: a list, probe, warn");
  c = config ("{\"root\":{\"path\":\"/abs\"},\"process\":{\"args\":[]}}");
  tap_ok (c && !strcmp (c->root, "/abs") && nsb_oci_policy (c, &pol, NULL) == 0
              && pol.mode == NSB_OCI_AUTO && pol.fail
              && pol.verify == NSB_VERIFY_STATIC,
          "defaults: auto, static, fail");
  c = config ("{\"root\":{\"path\":\"r\"},\"annotations\":"
              "{\"io.nsbinfmt.emulate\":\"vax\"}}");
  tap_ok (c && nsb_oci_policy (c, &pol, &err) < 0 && strstr (err->msg, "vax"),
          "an unknown architecture is an error");
  nsb_error_release (&err);
  c = config ("{\"root\":{\"path\":\"r\"},\"annotations\":"
              "{\"io.nsbinfmt.verify\":\"always\"}}");
  tap_ok (c && nsb_oci_policy (c, &pol, NULL) < 0, "a bad level too");
  tap_ok (config ("{\"process\":{}}") == NULL, "no root.path");
  tap_ok (config ("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[1]}}")
              == NULL,
          "a number in args");
  config ("{}");
}

/* The rootfs: the host's busybox (x86_64) and an arm64 busybox if the
 * fixtures are there; symlinks and scripts between them. */
static void
test_entrypoint (void)
{
  const char *arm64 = NSB_ARM64_FIXTURE;
  char cmd[PATH_MAX * 3];
  struct nsb_oci_config *c;
  const struct nsb_arch *a;
  char why[PATH_MAX + 128];
  int root;

  snprintf (cmd, sizeof (cmd),
            "mkdir -p %1$s/rootfs/bin %1$s/rootfs/opt && cp /bin/busybox "
            "%1$s/rootfs/bin/sh && cp %2$s %1$s/rootfs/opt/arm && ln -s "
            "../../../../../../bin/busybox %1$s/rootfs/escape && ln -s "
            "/opt/arm %1$s/rootfs/bin/app && mkfifo %1$s/rootfs/fifo",
            bundle, arm64);
  if (access (arm64, R_OK) != 0 || system (cmd) != 0)
    {
      tap_skip ("arm64 fixture (tests/fixtures/fetch-foreign.sh)");
      return;
    }
  put ("rootfs/opt/script", "#!/opt/arm -x\n", 0755);
  put ("rootfs/opt/script2", "#!/opt/script\n", 0755);
  snprintf (cmd, sizeof (cmd), "%s/rootfs", bundle);
  root = open (cmd, O_PATH | O_DIRECTORY | O_CLOEXEC);
  static const struct
  {
    const char *args, *env, *want;
  } cases[] = {
    { "[\"/bin/sh\"]", "", "x86_64" },
    { "[\"app\"]", "", "aarch64" },
    { "[\"app\"]", "\"PATH=/nowhere\"", "x86_64" }, /* falls back to sh */
    { "[\"/escape\"]", "", "x86_64" }, /* ../ stays in: rootfs/bin/busybox */
    { "[\"/opt/script2\"]", "", "aarch64" },
    { "[\"/fifo\"]", "", "x86_64" }, /* not opened for reading: sh */
    { "[]", "", "x86_64" },
  };
  for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++)
    {
      char json[512];
      snprintf (json, sizeof (json),
                "{\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":%s,"
                "\"env\":[%s]}}",
                cases[i].args, cases[i].env);
      c = config (json);
      a = NULL;
      tap_ok (
          c
              && nsb_oci_entrypoint_arch (root, c, &a, why, sizeof (why), NULL)
                     == 0
              && a && !strcmp (a->name, cases[i].want),
          "entrypoint %s %s: %s (%s)", cases[i].args, cases[i].env,
          a ? a->name : "none", why);
    }
  close (root);
}

/* POL.yes_at_foreign (the runtime shim's yes or no): a foreign
 * architecture, from the entrypoint or the list, is a yes with no emulator
 * looked for (NSBINFMT_EMULATOR_PATH names none); a native one is not. */
static void
test_yes_at_foreign (void)
{
  static const struct
  {
    const char *args, *annotations;
    int want;
  } cases[] = {
    { "[\"app\"]", "", 1 },
    { "[\"/bin/sh\"]", "", 0 },
    { "[\"/bin/sh\"]", "\"io.nsbinfmt.emulate\":\"x86_64,arm64\"", 1 },
    { "[\"app\"]", "\"io.nsbinfmt.emulate\":\"x86_64\"", 0 },
    { "[\"/bin/sh\"]", "\"io.nsbinfmt.emulator\":\"arm64=qemu\"", 1 },
  };

  if (access (NSB_ARM64_FIXTURE, R_OK) != 0)
    return tap_skip ("arm64 fixture (tests/fixtures/fetch-foreign.sh)");
  setenv ("NSBINFMT_EMULATOR_PATH", "/nonexistent", 1);
  for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++)
    {
      struct nsb_oci_policy pol;
      struct nsb_ruleset set = { 0 };
      struct nsb_oci_config *c;
      char json[512], why[PATH_MAX + 128];
      int ret = -1;
      snprintf (json, sizeof (json),
                "{\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":%s},"
                "\"annotations\":{%s}}",
                cases[i].args, cases[i].annotations);
      c = config (json);
      if (c && nsb_oci_policy (c, &pol, NULL) == 0)
        {
          pol.yes_at_foreign = true;
          ret = nsb_oci_decide (c, &pol, &set, why, sizeof (why), NULL);
          nsb_oci_policy_free (&pol);
        }
      tap_ok (ret == cases[i].want && set.n == 0,
              "yes at foreign: %s {%s}: %d (want %d), no rule", cases[i].args,
              cases[i].annotations, ret, cases[i].want);
      nsb_ruleset_free (&set);
    }
  unsetenv ("NSBINFMT_EMULATOR_PATH");
}

int
main (void)
{
  char cmd[64];

  if (mkdtemp (bundle) == NULL)
    return perror ("mkdtemp"), 1;
  test_state ();
  test_config_policy ();
  test_entrypoint ();
  test_yes_at_foreign ();
  snprintf (cmd, sizeof (cmd), "rm -rf %s", bundle);
  if (system (cmd) != 0)
    tap_diag ("could not remove %s", bundle);
  return tap_done ();
}
