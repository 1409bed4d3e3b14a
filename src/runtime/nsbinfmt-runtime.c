/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsbinfmt-runtime: an OCI runtime shim for engines that read no hooks.d
 * (dockerd, containerd).  On `create` (and `run`) it writes nsbinfmt-hook
 * into the bundle's config.json, then it executes the real runtime (runc
 * by default) with its arguments unchanged; every other command passes
 * straight through.  A thin shell over libnsbinfmt (src/bundle.c).  In
 * the static build those other commands are passed on before the C
 * library starts, and main() never runs for them (entry.c).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "bundle.h"
#include "runtime/args.h"
#include "util.h"

static void
usage (void)
{
  puts ("Usage: nsbinfmt-runtime [--nsbinfmt-runtime=PATH] "
        "[--nsbinfmt-hook=PATH] RUNTIME-ARGS...\n"
        "An OCI runtime that adds nsbinfmt-hook to the bundle on create, "
        "then runs\nthe real runtime (default: runc; or $NSBINFMT_RUNTIME) "
        "with RUNTIME-ARGS.\nThe hook: " NSB_HOOK_PATH
        " (or $NSBINFMT_RUNTIME_HOOK).  See nsbinfmt-runtime(8).");
}

/* One line for the engine's log: stderr, and the runtime's --log file,
 * in its --log-format, if there is one (containerd keeps it). */
static void
log_line (char **argv, int cmd, const char *msg)
{
  const char *file = NULL, *format = "text";
  cleanup_fclose FILE *f = NULL;
  char line[1300];

  snprintf (line, sizeof (line), "nsbinfmt-runtime: %s", msg);
  fprintf (stderr, "%s\n", line);
  for (int i = 1; i + 1 < cmd; i++)
    if (strcmp (argv[i], "--log") == 0)
      file = argv[i + 1];
    else if (strcmp (argv[i], "--log-format") == 0)
      format = argv[i + 1];
  f = file ? fopen (file, "ae") : NULL;
  if (f != NULL && strcmp (format, "json") == 0)
    {
      yajl_gen g = yajl_gen_alloc (NULL);
      const unsigned char *buf;
      size_t len;
      char when[32];
      time_t now = time (NULL);
      struct tm tm;
      strftime (when, sizeof (when), "%Y-%m-%dT%H:%M:%SZ",
                gmtime_r (&now, &tm));
      if (g == NULL)
        return;
      yajl_gen_map_open (g);
      for (size_t i = 0; i < 3; i++)
        {
          const char *kv[][2]
              = { { "level", "warning" }, { "msg", line }, { "time", when } };
          yajl_gen_string (g, (const unsigned char *)kv[i][0],
                           strlen (kv[i][0]));
          yajl_gen_string (g, (const unsigned char *)kv[i][1],
                           strlen (kv[i][1]));
        }
      yajl_gen_map_close (g);
      if (yajl_gen_get_buf (g, &buf, &len) == yajl_gen_status_ok)
        fprintf (f, "%.*s\n", (int)len, (const char *)buf);
      yajl_gen_free (g);
    }
  else if (f != NULL)
    fprintf (f, "%s\n", line);
}

static int
add_hook (int argc, char **argv, int cmd, const char *hook)
{
  const char *bundle = nsb_runtime_bundle (argc, argv, cmd);
  enum nsb_bundle_result result;
  nsb_error_t err = NULL;
  char what[400] = "", msg[1200];

  if (nsb_bundle_add_hook (bundle, hook, &result, what, sizeof (what), &err)
      < 0)
    {
      fprintf (stderr, "nsbinfmt-runtime: %s\n", err->msg);
      nsb_error_release (&err);
      return -1;
    }
  /* No hook for it: say so where a container needs one. */
  if (result == NSB_BUNDLE_HOST_USERNS && what[0] != '\0')
    {
      snprintf (msg, sizeof (msg),
                "bundle %.300s: the container %s, but would run in the host's "
                "user namespace, which cannot have a binfmt_misc table of its "
                "own: no nsbinfmt-hook, its foreign binaries fail with `exec "
                "format error` (enable dockerd's userns-remap, rootless "
                "Docker, or hostUsers: false for the pod)",
                bundle, what);
      log_line (argv, cmd, msg);
    }
  return 0;
}

/* NAME along $PATH, skipping this program itself: installed as `runc`
 * early on an engine's PATH, the shim runs the next runc, never itself. */
static const char *
find_runtime (const char *name, char *buf, size_t size)
{
  const char *path = getenv ("PATH");
  struct stat self, st;
  char *dirs, *save = NULL;

  if (strchr (name, '/') != NULL || stat ("/proc/self/exe", &self) < 0)
    return name;
  dirs = strdup (path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (char *d = dirs ? strtok_r (dirs, ":", &save) : NULL; d;
       d = strtok_r (NULL, ":", &save))
    {
      snprintf (buf, size, "%s/%s", d, name);
      if (access (buf, X_OK) == 0 && stat (buf, &st) == 0
          && (st.st_dev != self.st_dev || st.st_ino != self.st_ino))
        {
          free (dirs);
          return buf;
        }
    }
  free (dirs);
  return name;
}

int
main (int argc, char **argv)
{
  const char *runtime = getenv ("NSBINFMT_RUNTIME");
  const char *hook = getenv ("NSBINFMT_RUNTIME_HOOK");
  char **args = calloc ((size_t)argc + 1, sizeof (*args));
  char path[PATH_MAX];
  int n = 1, cmd;

  if (argc == 2 && (!strcmp (argv[1], "--help") || !strcmp (argv[1], "-h")))
    {
      usage ();
      return 0;
    }
  if (args == NULL)
    {
      perror ("nsbinfmt-runtime");
      return 1;
    }
  /* Ours go; everything else, known or not, goes on as it came. */
  for (int i = 1; i < argc; i++)
    if (nsb_starts_with (argv[i], NSB_RUNTIME_OPT_RUNTIME))
      runtime = argv[i] + strlen (NSB_RUNTIME_OPT_RUNTIME);
    else if (nsb_starts_with (argv[i], NSB_RUNTIME_OPT_HOOK))
      hook = argv[i] + strlen (NSB_RUNTIME_OPT_HOOK);
    else
      args[n++] = argv[i];
  if (runtime == NULL || runtime[0] == '\0')
    runtime = "runc";
  if (hook == NULL || hook[0] == '\0')
    hook = NSB_HOOK_PATH;
  args[0] = (char *)runtime;
  cmd = nsb_runtime_command (n, args);
  if (cmd > 0
      && (strcmp (args[cmd], "create") == 0 || strcmp (args[cmd], "run") == 0)
      && add_hook (n, args, cmd, hook) < 0)
    return 1;
  execv (find_runtime (runtime, path, sizeof (path)), args);
  fprintf (stderr, "nsbinfmt-runtime: run %s: %s\n", runtime,
           strerror (errno));
  return 127;
}
