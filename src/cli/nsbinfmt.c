/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsbinfmt: a thin shell over libnsbinfmt.  Every failure is one line on
 * stderr; `run` exits 125 for its own errors and with CMD's status otherwise.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "elfinfo.h"
#include "handler.h"
#include "instance.h"
#include "kernel.h"
#include "nix.h"
#include "pin.h"
#include "report.h"
#include "sandbox.h"
#include "sources.h"
#include "util.h"

#define EXIT_RUN_FAILED 125

static const char usage_text[]
    = "Usage: nsbinfmt COMMAND [OPTIONS]\n"
      "Private binfmt_misc instances for sandboxes and containers.\n"
      "\n"
      "Commands:\n"
      "  run [RULES] [INSTALL] -- CMD [ARG]...\n"
      "                 make a user and mount namespace, give it its own\n"
      "                 binfmt_misc instance with the emulators, exec CMD in it\n"
      "  install --pid PID [RULES] [INSTALL]\n"
      "                 give PID's user namespace its instance (never the host's)\n"
      "  status [--pid PID] [--json]     list the entries of an instance\n"
      "  verify [--pid PID] [--level L] [--json]\n"
      "                 check every entry; run a probe through it (exit 1: failed)\n"
      "  remove [--pid PID] (NAME | --all)\n"
      "  catalog [--json]                the architectures and the host's emulators\n"
      "  check-kernel [--json]           what this kernel's binfmt_misc can do\n"
      "  pin                             as root: load the bpf selector and the\n"
      "                 $ORIGIN loader once and pin them in bpffs, so that any\n"
      "                 user can attach them in a user namespace of its own\n"
      "  unpin                           remove those pins (entries keep theirs)\n"
      "  relocate BINARY --interp PATH   rewrite BINARY's PT_INTERP in place\n"
      "                 (absolute, or $ORIGIN/... for the $ORIGIN loader)\n"
      "  nix-pre-build-hook DRV [CHROOT]\n"
      "                 Nix's pre-build-hook: the static emulator as an extra\n"
      "                 sandbox path for a derivation of an emulated system\n"
      "\n"
      "RULES (repeatable):\n"
      "  -e, --emulate ARCH     an architecture by any name (aarch64, arm64,\n"
      "                         linux/arm64, aarch64-linux), or `all`\n"
      "  -E, --emulator ARCH=PATH  use PATH as ARCH's emulator (implies -e ARCH)\n"
      "  -r, --rules FILE       register strings, one per line (binfmt.d format)\n"
      "INSTALL:\n"
      "  -l, --level none|static|probe  verification (run: static; install: probe)\n"
      "  -w, --writable         leave the instance writable (default: read-only)\n"
      "  -k, --keep-ids         run, as root: map every host id to itself in\n"
      "                         the new user namespace (nix-daemon, nix-build)\n"
      /* one line of help, one line of code: even with a macro in it */
      /* clang-format off */
      "  -m, --mountpoint PATH  where in the target (default " NSB_DEFAULT_MOUNTPOINT ")\n"
      /* clang-format on */
      "  -H, --handler auto|magic|bpf  one magic entry per rule, or one B entry\n"
      "                         backed by the bpf selector (Linux >= 7.3, root);\n"
      "                         auto: the selector where it loads (default)\n"
      "      --origin           also the $ORIGIN loader: native binaries whose\n"
      "                         PT_INTERP is $ORIGIN/... run with it resolved\n"
      "                         against their directory (Linux >= 7.3, root)\n"
      "\n"
      "See nsbinfmt(1).\n";

/* getopt values of the options that have no short letter. */
enum
{
  ARG_INTERP = 0x100,
  ARG_ORIGIN,
};

struct options
{
  pid_t pid;
  bool json, all_entries, writable, emulate_all, keep_ids, origin;
  int level; /* -1: the command's default */
  enum nsb_handler_mode handler;
  const char *mountpoint;
  const char *interp; /* relocate --interp */
  char **emulate;
  size_t n_emulate;
  char **rules_files;
  size_t n_rules_files;
  char **emulators; /* ARCH=PATH */
  size_t n_emulators;
};

static void
die (nsb_error_t err, int status)
{
  fprintf (stderr, "nsbinfmt: %s\n", err ? err->msg : "failed");
  exit (status);
}

static void
die_usage (const char *msg, const char *arg)
{
  fprintf (stderr, "nsbinfmt: %s%s%s\n(see nsbinfmt --help)\n", msg,
           arg ? ": " : "", arg ? arg : "");
  exit (2);
}

static void
push (char ***v, size_t *n, char *s)
{
  char **nv = realloc (*v, (*n + 1) * sizeof (*nv));
  if (nv == NULL)
    {
      perror ("nsbinfmt");
      exit (1);
    }
  nv[(*n)++] = s;
  *v = nv;
}

static int
parse_level (const char *s)
{
  static const char *const names[] = { "none", "static", "probe" };
  for (int i = 0; i < 3; i++)
    if (strcmp (s, names[i]) == 0)
      return i;
  die_usage ("--level takes none, static or probe", s);
  return -1;
}

/* IN_ORDER: options end at the first argument (run's CMD); else they may
 * follow arguments too (relocate BINARY --interp PATH). */
static void
parse_options (int argc, char **argv, bool in_order, struct options *o)
{
  static const struct option longopts[] = {
    { "pid", required_argument, NULL, 'p' },
    { "json", no_argument, NULL, 'j' },
    { "all", no_argument, NULL, 'a' },
    { "emulate", required_argument, NULL, 'e' },
    { "emulator", required_argument, NULL, 'E' },
    { "rules", required_argument, NULL, 'r' },
    { "level", required_argument, NULL, 'l' },
    { "writable", no_argument, NULL, 'w' },
    { "mountpoint", required_argument, NULL, 'm' },
    { "keep-ids", no_argument, NULL, 'k' },
    { "handler", required_argument, NULL, 'H' },
    { "interp", required_argument, NULL, ARG_INTERP },
    { "origin", no_argument, NULL, ARG_ORIGIN },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  long long v;
  int c;

  memset (o, 0, sizeof (*o));
  o->level = -1;
  while ((c = getopt_long (argc, argv,
                           in_order ? "+p:jae:E:r:l:wm:kH:h"
                                    : "p:jae:E:r:l:wm:kH:h",
                           longopts, NULL))
         != -1)
    switch (c)
      {
      case 'p':
        if (!nsb_parse_int (optarg, 1, 0x7fffffff, &v))
          die_usage ("--pid takes a process id", optarg);
        o->pid = (pid_t)v;
        break;
      case 'j':
        o->json = true;
        break;
      case 'a':
        o->all_entries = true;
        break;
      case 'e':
        if (strcmp (optarg, "all") == 0)
          o->emulate_all = true;
        else
          push (&o->emulate, &o->n_emulate, optarg);
        break;
      case 'E':
        push (&o->emulators, &o->n_emulators, optarg);
        break;
      case 'r':
        push (&o->rules_files, &o->n_rules_files, optarg);
        break;
      case 'l':
        o->level = parse_level (optarg);
        break;
      case 'w':
        o->writable = true;
        break;
      case 'm':
        o->mountpoint = optarg;
        break;
      case 'k':
        o->keep_ids = true;
        break;
      case ARG_INTERP:
        o->interp = optarg;
        break;
      case ARG_ORIGIN:
        o->origin = true;
        break;
      case 'H':
        if (nsb_handler_mode_parse (optarg, &o->handler, NULL) < 0)
          die_usage ("--handler takes auto, magic or bpf", optarg);
        break;
      case 'h':
        fputs (usage_text, stdout);
        exit (0);
      default:
        die_usage ("bad option", NULL);
      }
}

/* ARCH's --emulator override, or NULL. */
static const char *
emulator_override (const struct options *o, const struct nsb_arch *a)
{
  for (size_t i = 0; i < o->n_emulators; i++)
    {
      const char *eq = strchr (o->emulators[i], '=');
      cleanup_free char *name
          = strndup (o->emulators[i], (size_t)(eq - o->emulators[i]));
      if (nsb_catalog_lookup (name) == a)
        return eq + 1;
    }
  return NULL;
}

static int
build_rules (struct options *o, struct nsb_ruleset *set, nsb_error_t *err)
{
  unsigned kf = NSB_KF_LINUX_7_3;

  for (size_t i = 0; i < o->n_emulators; i++)
    {
      const char *eq = strchr (o->emulators[i], '=');
      if (eq == NULL || eq[1] != '/')
        return nsb_error_set (err, EINVAL,
                              "--emulator takes ARCH=/ABSOLUTE/PATH, not `%s`",
                              o->emulators[i]);
      push (&o->emulate, &o->n_emulate,
            strndup (o->emulators[i], (size_t)(eq - o->emulators[i])));
    }
  /* `all` first: a named architecture (and its --emulator) replaces it. */
  if (o->emulate_all && nsb_ruleset_add_all_arches (set, err) < 0)
    return -1;
  for (size_t i = 0; i < o->n_emulate; i++)
    {
      const struct nsb_arch *a = nsb_catalog_lookup (o->emulate[i]);
      if (a == NULL)
        return nsb_error_set (
            err, EINVAL, "unknown architecture `%s` (see nsbinfmt catalog)",
            o->emulate[i]);
      if (nsb_ruleset_add_arch (set, a, emulator_override (o, a), err) < 0)
        return -1;
    }
  if (o->n_rules_files && nsb_kernel_dialect (&kf, err) < 0)
    return -1;
  for (size_t i = 0; i < o->n_rules_files; i++)
    if (nsb_ruleset_add_file (set, o->rules_files[i], kf, err) < 0)
      return -1;
  if (set->n == 0 && !o->origin)
    return nsb_error_set (
        err, EINVAL,
        "nothing to install: give --emulate, --emulator, --rules or --origin");
  return 0;
}

static struct nsb_install_opts
install_opts (const struct options *o, int default_level)
{
  struct nsb_install_opts io = {
    .mountpoint = o->mountpoint,
    .writable = o->writable,
    .verify
    = (enum nsb_verify_level) (o->level >= 0 ? o->level : default_level),
  };
  return io;
}

/* The bpf selector or magic entries (--handler); before any namespace is
 * entered, since loading it takes the host's BPF rights.  Why the selector
 * is not used, where it could have been, is said on stderr. */
static int
prepare_handler (const struct options *o, const struct nsb_ruleset *set,
                 struct nsb_install_opts *io, nsb_error_t *err)
{
  char note[512];

  if (o->origin && nsb_origin_prepare (&io->origin, err) < 0)
    return -1;
  if (set->n == 0)
    return 0;
  if (nsb_selector_prepare (set->rules, set->n, o->handler, &io->selector,
                            note, sizeof (note), err)
      < 0)
    return -1;
  if (note[0] != '\0')
    fprintf (stderr, "nsbinfmt: magic entries, not the bpf selector: %s\n",
             note);
  return 0;
}

static void
release_handlers (struct nsb_install_opts *io)
{
  nsb_selector_free (io->selector);
  nsb_origin_free (io->origin);
}

/* execvp() without its fallback of running a file that is not executable
 * (ENOEXEC) as a shell script: a foreign binary without its entry must fail
 * with "Exec format error", as it would under crun or podman. */
static void
exec_command (char **argv)
{
  const char *path = getenv ("PATH");
  int first_error = 0;

  if (strchr (argv[0], '/'))
    {
      execv (argv[0], argv);
      return;
    }
  if (path == NULL || *path == '\0')
    path = "/usr/local/bin:/usr/bin:/bin";
  for (const char *p = path; *p;)
    {
      size_t len = strcspn (p, ":");
      cleanup_free char *file = NULL;
      if (asprintf (&file, "%.*s/%s", (int)len, len ? p : ".", argv[0]) < 0)
        return;
      execv (file, argv);
      if (errno != ENOENT && errno != ENOTDIR && first_error == 0)
        first_error = errno;
      if (errno == ENOEXEC)
        break;
      p += len + (p[len] == ':');
    }
  errno = first_error ? first_error : ENOENT;
}

static int
cmd_run (int argc, char **argv, struct options *o)
{
  struct nsb_ruleset set = { 0 };
  struct nsb_report rep = { 0 };
  struct nsb_install_opts io = install_opts (o, NSB_VERIFY_STATIC);
  struct nsb_target t;
  nsb_error_t err = NULL;

  if (optind >= argc)
    die_usage ("run needs a command after --", NULL);
  if (o->pid)
    die_usage ("run makes its own namespaces; --pid is for install", NULL);
  if (build_rules (o, &set, &err) < 0
      || prepare_handler (o, &set, &io, &err) < 0
      || nsb_sandbox_enter (o->keep_ids, &err) < 0
      || nsb_target_open_self (&t, &err) < 0)
    die (err, EXIT_RUN_FAILED);
  if (nsb_install (&t, set.rules, set.n, &io, &rep, &err) < 0)
    die (err, EXIT_RUN_FAILED);
  if (rep.note[0] != '\0')
    fprintf (stderr, "nsbinfmt: %s\n", rep.note);
  nsb_target_close (&t);
  nsb_report_free (&rep);
  nsb_ruleset_free (&set);
  release_handlers (&io);
  if (!o->writable && nsb_sandbox_lock (&err) < 0)
    die (err, EXIT_RUN_FAILED);
  exec_command (argv + optind);
  fprintf (stderr, "nsbinfmt: exec %s: %s\n", argv[optind], strerror (errno));
  return errno == ENOENT ? 127 : 126;
}

static int
open_target (const struct options *o, struct nsb_target *t, nsb_error_t *err)
{
  return o->pid ? nsb_target_open_pid (o->pid, t, err)
                : nsb_target_open_self (t, err);
}

static int
cmd_install (int argc, char **argv, struct options *o)
{
  struct nsb_ruleset set = { 0 };
  struct nsb_report rep = { 0 };
  struct nsb_install_opts io = install_opts (o, NSB_VERIFY_PROBE);
  struct nsb_target t;
  nsb_error_t err = NULL;

  (void)argv;
  if (optind < argc)
    die_usage ("unexpected argument", argv[optind]);
  if (!o->pid)
    die_usage ("install needs --pid PID", NULL);
  if (build_rules (o, &set, &err) < 0
      || nsb_target_open_pid (o->pid, &t, &err) < 0
      || prepare_handler (o, &set, &io, &err) < 0
      || nsb_install (&t, set.rules, set.n, &io, &rep, &err) < 0)
    die (err, 1);
  if (rep.note[0] != '\0')
    fprintf (stderr, "nsbinfmt: %s\n", rep.note);
  print_report (&rep, o->json);
  nsb_target_close (&t);
  nsb_report_free (&rep);
  nsb_ruleset_free (&set);
  release_handlers (&io);
  return 0;
}

static int
cmd_status (struct options *o)
{
  struct nsb_entry *entries = NULL;
  struct nsb_target t;
  nsb_error_t err = NULL;
  size_t n = 0;

  if (open_target (o, &t, &err) < 0
      || nsb_list (&t, o->mountpoint, &entries, &n, &err) < 0)
    die (err, 1);
  print_entries (entries, n,
                 o->mountpoint ? o->mountpoint : NSB_DEFAULT_MOUNTPOINT,
                 o->json);
  nsb_entries_free (entries, n);
  nsb_target_close (&t);
  return 0;
}

static int
cmd_verify (struct options *o)
{
  struct nsb_report rep = { 0 };
  struct nsb_target t;
  nsb_error_t err = NULL;
  int ok;

  if (open_target (o, &t, &err) < 0
      || nsb_verify (&t, o->mountpoint,
                     o->level >= 0 ? (enum nsb_verify_level)o->level
                                   : NSB_VERIFY_PROBE,
                     &rep, &err)
             < 0)
    die (err, 1);
  print_report (&rep, o->json);
  ok = nsb_report_ok (&rep);
  if (!ok)
    fprintf (stderr, "nsbinfmt: verification failed\n");
  nsb_report_free (&rep);
  nsb_target_close (&t);
  return ok ? 0 : 1;
}

static int
cmd_remove (int argc, char **argv, struct options *o)
{
  const char *name = optind < argc ? argv[optind] : NULL;
  struct nsb_target t;
  nsb_error_t err = NULL;

  if ((name == NULL) == !o->all_entries || optind + (name != NULL) < argc)
    die_usage ("remove takes one entry NAME, or --all", NULL);
  if (open_target (o, &t, &err) < 0
      || nsb_remove (&t, o->mountpoint, name, &err) < 0)
    die (err, 1);
  nsb_target_close (&t);
  return 0;
}

/* Nix's pre-build-hook protocol: DRV [CHROOT] as arguments; the answer on
 * stdout (nothing, or extra-sandbox-paths) */
static int
cmd_nix_pre_build_hook (int argc, char **argv)
{
  nsb_error_t err = NULL;

  if (argc < 1 || argc > 2)
    die_usage ("nix-pre-build-hook takes DRV [CHROOT]", NULL);
  if (nsb_nix_pre_build_hook (argv[0], stdout, &err) < 0)
    die (err, 1);
  return 0;
}

static int
cmd_relocate (int argc, char **argv, struct options *o)
{
  nsb_error_t err = NULL;
  int fd;

  if (optind + 1 != argc || o->interp == NULL)
    die_usage ("relocate takes BINARY --interp PATH", NULL);
  fd = open (argv[optind], O_RDWR | O_CLOEXEC);
  if (fd < 0)
    {
      nsb_error_errno (&err, "open %s", argv[optind]);
      die (err, 1);
    }
  if (nsb_elf_set_interp (fd, o->interp, &err) < 0)
    {
      nsb_error_prefix (&err, "%s", argv[optind]);
      die (err, 1);
    }
  close (fd);
  return 0;
}

/* Pin both handlers; one line each saying what happened. */
static int
cmd_pin (void)
{
  static const struct
  {
    const char *what, *dir;
    int (*pin) (bool *, nsb_error_t *);
  } handlers[] = { { "the bpf selector", "selector", nsb_selector_pin },
                   { "the $ORIGIN loader", "origin", nsb_origin_pin } };
  nsb_error_t err = NULL;

  if (!nsb_kernel_may_have_handlers ())
    {
      nsb_error_set (
          &err, ENOTSUP,
          "pin: the handlers need Linux >= 7.3 with CONFIG_BINFMT_MISC_BPF");
      die (err, 1);
    }
  for (size_t i = 0; i < sizeof (handlers) / sizeof (handlers[0]); i++)
    {
      bool changed;
      if (handlers[i].pin (&changed, &err) < 0)
        die (err, 1);
      printf ("%s: %s %s/%s\n", handlers[i].what,
              changed ? "pinned at" : "this build's pin is in place at",
              nsb_pin_dir (), handlers[i].dir);
    }
  return 0;
}

static int
cmd_unpin (void)
{
  nsb_error_t err = NULL;
  int removed;

  if (nsb_unpin (&removed, &err) < 0)
    die (err, 1);
  printf ("%d handler pin%s removed from %s\n", removed,
          removed == 1 ? "" : "s", nsb_pin_dir ());
  return 0;
}

static int
cmd_check_kernel (struct options *o)
{
  struct nsb_kernel k;
  nsb_error_t err = NULL;

  if (nsb_kernel_probe (&k, &err) < 0)
    die (err, 1);
  return print_kernel (&k, o->json);
}

int
main (int argc, char **argv)
{
  struct options o;
  const char *cmd;

  cmd = strrchr (argv[0], '/') ? strrchr (argv[0], '/') + 1 : argv[0];
  if (!strcmp (cmd, "nsbinfmt-nix-pre-build-hook"))
    return cmd_nix_pre_build_hook (argc - 1, argv + 1);
  if (argc < 2)
    die_usage ("no command", NULL);
  cmd = argv[1];
  if (!strcmp (cmd, "nix-pre-build-hook"))
    return cmd_nix_pre_build_hook (argc - 2, argv + 2);
  if (!strcmp (cmd, "--help") || !strcmp (cmd, "-h") || !strcmp (cmd, "help"))
    return fputs (usage_text, stdout), 0;
  if (!strcmp (cmd, "--version"))
    return puts (PACKAGE_STRING), 0;
  optind = 1;
  parse_options (argc - 1, argv + 1, strcmp (cmd, "run") == 0, &o);
  argc--, argv++;
  if (!strcmp (cmd, "run"))
    return cmd_run (argc, argv, &o);
  if (!strcmp (cmd, "install"))
    return cmd_install (argc, argv, &o);
  if (!strcmp (cmd, "relocate"))
    return cmd_relocate (argc, argv, &o);
  if (optind < argc && strcmp (cmd, "remove") != 0)
    die_usage ("unexpected argument", argv[optind]);
  if (!strcmp (cmd, "status"))
    return cmd_status (&o);
  if (!strcmp (cmd, "verify"))
    return cmd_verify (&o);
  if (!strcmp (cmd, "remove"))
    return cmd_remove (argc, argv, &o);
  if (!strcmp (cmd, "catalog"))
    return print_catalog (o.json), 0;
  if (!strcmp (cmd, "check-kernel"))
    return cmd_check_kernel (&o);
  if (!strcmp (cmd, "pin"))
    return cmd_pin ();
  if (!strcmp (cmd, "unpin"))
    return cmd_unpin ();
  die_usage ("unknown command", cmd);
  return 2;
}
