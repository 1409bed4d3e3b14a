/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsbinfmt: a thin shell over libnsbinfmt.  main() finds the verb in a
 * table, which also makes --help, parses the options and checks the number
 * of arguments before it calls the verb.  Every failure is one line on
 * stderr; usage errors exit 2, `run` exits 125 for its own errors and with
 * CMD's status otherwise.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
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

#define EXIT_USAGE 2

struct options
{
  pid_t pid;
  bool json, all_entries, writable, emulate_all, keep_ids, origin, help;
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
  char **args; /* the arguments after the options, NULL-terminated */
  int n_args;
};

/* How a verb takes options: anywhere among its arguments (the default;
 * relocate BINARY --interp PATH), only before them (run's CMD has options
 * of its own), or none at all (nix-pre-build-hook: DRV is Nix's to name). */
enum options_mode
{
  OPTIONS_ANYWHERE,
  OPTIONS_FIRST,
  OPTIONS_NONE,
};

/* getopt values of the options that have no short letter. */
enum
{
  ARG_INTERP = 0x100,
  ARG_ORIGIN,
};

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

/* The leading '+' (OPTIONS_FIRST only): options end at the first argument. */
static const char shortopts[] = "+p:jae:E:r:l:wm:kH:h";

/* The commands' options (--pid, --json, --all, --interp) are in their
 * lines of --help, from the table of verbs. */
static const char options_help[]
    = "RULES (repeatable):\n"
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
      "                         against their directory (Linux >= 7.3, root)\n";

static int __attribute__ ((format (printf, 1, 2)))
usage_error (const char *fmt, ...)
{
  va_list ap;

  fputs ("nsbinfmt: ", stderr);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputs ("\n(see nsbinfmt --help)\n", stderr);
  return EXIT_USAGE;
}

static int
push (char ***v, size_t *n, char *s)
{
  char **nv = realloc (*v, (*n + 1) * sizeof (*nv));
  if (nv == NULL)
    {
      perror ("nsbinfmt");
      return EXIT_FAILURE;
    }
  nv[(*n)++] = s;
  *v = nv;
  return 0;
}

/* The option that takes no argument, or NULL. */
static bool *
flag_of (int c, struct options *o)
{
  switch (c)
    {
    case 'j':
      return &o->json;
    case 'a':
      return &o->all_entries;
    case 'w':
      return &o->writable;
    case 'k':
      return &o->keep_ids;
    case ARG_ORIGIN:
      return &o->origin;
    case 'h':
      return &o->help;
    default:
      return NULL;
    }
}

static int
parse_level (const char *s)
{
  static const char *const names[] = { "none", "static", "probe" };
  for (int i = 0; i < (int)NSB_ARRAY_SIZE (names); i++)
    if (strcmp (s, names[i]) == 0)
      return i;
  return -1;
}

/* Option C, which takes ARG; 0, or the status to exit with. */
static int
set_option (int c, char *arg, struct options *o)
{
  long long v;

  switch (c)
    {
    case 'p':
      if (!nsb_parse_int (arg, 1, 0x7fffffff, &v))
        return usage_error ("--pid takes a process id: %s", arg);
      o->pid = (pid_t)v;
      return 0;
    case 'e':
      if (strcmp (arg, "all") != 0)
        return push (&o->emulate, &o->n_emulate, arg);
      o->emulate_all = true;
      return 0;
    case 'E':
      return push (&o->emulators, &o->n_emulators, arg);
    case 'r':
      return push (&o->rules_files, &o->n_rules_files, arg);
    case 'l':
      o->level = parse_level (arg);
      if (o->level < 0)
        return usage_error ("--level takes none, static or probe: %s", arg);
      return 0;
    case 'm':
      o->mountpoint = arg;
      return 0;
    case ARG_INTERP:
      o->interp = arg;
      return 0;
    case 'H':
      if (nsb_handler_mode_parse (arg, &o->handler, NULL) < 0)
        return usage_error ("--handler takes auto, magic or bpf: %s", arg);
      return 0;
    default: /* getopt said why on stderr */
      return usage_error ("bad option");
    }
}

static int
parse_options (int argc, char **argv, enum options_mode mode,
               struct options *o)
{
  const char *opts = mode == OPTIONS_FIRST ? shortopts : shortopts + 1;
  int c, r;

  memset (o, 0, sizeof (*o));
  o->level = -1;
  optind = 1;
  while (mode != OPTIONS_NONE
         && (c = getopt_long (argc, argv, opts, longopts, NULL)) != -1)
    {
      bool *flag = flag_of (c, o);
      if (flag != NULL)
        *flag = true;
      else if ((r = set_option (c, optarg, o)) != 0)
        return r;
      if (o->help)
        return 0;
    }
  o->args = argv + optind;
  o->n_args = argc - optind;
  return 0;
}

#define EXIT_RUN_FAILED 125

/* ERR's line on stderr; returns STATUS. */
static int
fail (nsb_error_t err, int status)
{
  fprintf (stderr, "nsbinfmt: %s\n", err ? err->msg : "failed");
  return status;
}

/* The ARCH of an --emulator ARCH=PATH. */
static char *
emulator_arch (const char *spec)
{
  return strndup (spec, strcspn (spec, "="));
}

/* ARCH's --emulator override, or NULL. */
static const char *
emulator_override (const struct options *o, const struct nsb_arch *a)
{
  for (size_t i = 0; i < o->n_emulators; i++)
    {
      cleanup_free char *name = emulator_arch (o->emulators[i]);
      if (nsb_catalog_lookup (name) == a)
        return strchr (o->emulators[i], '=') + 1;
    }
  return NULL;
}

/* The architecture NAME, with its --emulator if it has one. */
static int
add_arch (const struct options *o, const char *name, struct nsb_ruleset *set,
          nsb_error_t *err)
{
  const struct nsb_arch *a = nsb_catalog_lookup (name);

  if (a == NULL)
    return nsb_error_set (
        err, EINVAL, "unknown architecture `%s` (see nsbinfmt catalog)", name);
  return nsb_ruleset_add_arch (set, a, emulator_override (o, a), err);
}

static int
build_rules (const struct options *o, struct nsb_ruleset *set,
             nsb_error_t *err)
{
  unsigned kf = NSB_KF_LINUX_7_3;
  int r;

  for (size_t i = 0; i < o->n_emulators; i++)
    {
      const char *eq = strchr (o->emulators[i], '=');
      if (eq == NULL || eq[1] != '/')
        return nsb_error_set (err, EINVAL,
                              "--emulator takes ARCH=/ABSOLUTE/PATH, not `%s`",
                              o->emulators[i]);
    }
  /* `all` first: a named architecture (and its --emulator) replaces it. */
  if (o->emulate_all && (r = nsb_ruleset_add_all_arches (set, err)) < 0)
    return r;
  for (size_t i = 0; i < o->n_emulate; i++)
    if ((r = add_arch (o, o->emulate[i], set, err)) < 0)
      return r;
  for (size_t i = 0; i < o->n_emulators; i++)
    {
      cleanup_free char *name = emulator_arch (o->emulators[i]);
      if (name == NULL)
        return nsb_error_errno (err, "--emulator");
      if ((r = add_arch (o, name, set, err)) < 0)
        return r;
    }
  if (o->n_rules_files && (r = nsb_kernel_dialect (&kf, err)) < 0)
    return r;
  for (size_t i = 0; i < o->n_rules_files; i++)
    if ((r = nsb_ruleset_add_file (set, o->rules_files[i], kf, err)) < 0)
      return r;
  if (set->n == 0 && !o->origin)
    return nsb_error_set (
        err, EINVAL,
        "nothing to install: give --emulate, --emulator, --rules or --origin");
  return 0;
}

/* What run and install share: the rules, how they are served, the target,
 * and what installing them there reports. */
struct install
{
  struct nsb_ruleset set;
  struct nsb_install_opts io;
  struct nsb_target t;
  struct nsb_report rep;
};

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
  int r;

  if (o->origin && (r = nsb_origin_prepare (&io->origin, err)) < 0)
    return r;
  if (set->n == 0)
    return 0;
  r = nsb_selector_prepare (set->rules, set->n, o->handler, &io->selector,
                            note, sizeof (note), err);
  if (r < 0)
    return r;
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

/* Install the rules into the target opened; the library's note, if it
 * has one, on stderr. */
static int
install_rules (struct install *in, nsb_error_t *err)
{
  int r
      = nsb_install (&in->t, in->set.rules, in->set.n, &in->io, &in->rep, err);

  if (r >= 0 && in->rep.note[0] != '\0')
    fprintf (stderr, "nsbinfmt: %s\n", in->rep.note);
  return r;
}

static void
install_release (struct install *in)
{
  nsb_target_close (&in->t);
  nsb_report_free (&in->rep);
  nsb_ruleset_free (&in->set);
  release_handlers (&in->io);
}

static int
verb_run (struct options *o)
{
  struct install in = { .io = install_opts (o, NSB_VERIFY_STATIC) };
  cleanup_error nsb_error_t err = NULL;
  int exec_errno;

  if (o->pid)
    return usage_error ("run makes its own namespaces; --pid is for install");
  if (build_rules (o, &in.set, &err) < 0
      || prepare_handler (o, &in.set, &in.io, &err) < 0
      || nsb_sandbox_enter (o->keep_ids, &err) < 0
      || nsb_target_open_self (&in.t, &err) < 0
      || install_rules (&in, &err) < 0)
    return fail (err, EXIT_RUN_FAILED);
  install_release (&in);
  if (!o->writable && nsb_sandbox_lock (&err) < 0)
    return fail (err, EXIT_RUN_FAILED);
  exec_command (o->args);
  exec_errno = errno;
  fprintf (stderr, "nsbinfmt: exec %s: %s\n", o->args[0],
           strerror (exec_errno));
  return exec_errno == ENOENT ? 127 : 126;
}

static int
open_target (const struct options *o, struct nsb_target *t, nsb_error_t *err)
{
  return o->pid ? nsb_target_open_pid (o->pid, t, err)
                : nsb_target_open_self (t, err);
}

static int
verb_install (struct options *o)
{
  struct install in = { .io = install_opts (o, NSB_VERIFY_PROBE) };
  cleanup_error nsb_error_t err = NULL;

  if (!o->pid)
    return usage_error ("install needs --pid PID");
  if (build_rules (o, &in.set, &err) < 0
      || nsb_target_open_pid (o->pid, &in.t, &err) < 0
      || prepare_handler (o, &in.set, &in.io, &err) < 0
      || install_rules (&in, &err) < 0)
    return fail (err, EXIT_FAILURE);
  print_report (&in.rep, o->json);
  install_release (&in);
  return 0;
}

static int
verb_status (struct options *o)
{
  struct nsb_entry *entries = NULL;
  struct nsb_target t;
  cleanup_error nsb_error_t err = NULL;
  size_t n = 0;

  if (open_target (o, &t, &err) < 0
      || nsb_list (&t, o->mountpoint, &entries, &n, &err) < 0)
    return fail (err, EXIT_FAILURE);
  print_entries (entries, n,
                 o->mountpoint ? o->mountpoint : NSB_DEFAULT_MOUNTPOINT,
                 o->json);
  nsb_entries_free (entries, n);
  nsb_target_close (&t);
  return 0;
}

static int
verb_verify (struct options *o)
{
  struct nsb_report rep = { 0 };
  struct nsb_target t;
  cleanup_error nsb_error_t err = NULL;
  int ok;

  if (open_target (o, &t, &err) < 0
      || nsb_verify (&t, o->mountpoint,
                     o->level >= 0 ? (enum nsb_verify_level)o->level
                                   : NSB_VERIFY_PROBE,
                     &rep, &err)
             < 0)
    return fail (err, EXIT_FAILURE);
  print_report (&rep, o->json);
  ok = nsb_report_ok (&rep);
  if (!ok)
    fprintf (stderr, "nsbinfmt: verification failed\n");
  nsb_report_free (&rep);
  nsb_target_close (&t);
  return ok ? 0 : EXIT_FAILURE;
}

static int
verb_remove (struct options *o)
{
  const char *name = o->n_args ? o->args[0] : NULL;
  struct nsb_target t;
  cleanup_error nsb_error_t err = NULL;

  if ((name == NULL) == !o->all_entries)
    return usage_error ("remove takes one entry NAME, or --all");
  if (open_target (o, &t, &err) < 0
      || nsb_remove (&t, o->mountpoint, name, &err) < 0)
    return fail (err, EXIT_FAILURE);
  nsb_target_close (&t);
  return 0;
}

static int
verb_catalog (struct options *o)
{
  print_catalog (o->json);
  return 0;
}

static int
verb_check_kernel (struct options *o)
{
  struct nsb_kernel k;
  cleanup_error nsb_error_t err = NULL;

  if (nsb_kernel_probe (&k, &err) < 0)
    return fail (err, EXIT_FAILURE);
  return print_kernel (&k, o->json);
}

/* Pin both handlers; one line each saying what happened. */
static int
verb_pin (struct options *o)
{
  static const struct
  {
    const char *what, *dir;
    int (*pin) (bool *, nsb_error_t *);
  } handlers[] = { { "the bpf selector", "selector", nsb_selector_pin },
                   { "the $ORIGIN loader", "origin", nsb_origin_pin } };
  cleanup_error nsb_error_t err = NULL;

  (void)o;
  if (!nsb_kernel_may_have_handlers ())
    {
      nsb_error_set (
          &err, ENOTSUP,
          "pin: the handlers need Linux >= 7.3 with CONFIG_BINFMT_MISC_BPF");
      return fail (err, EXIT_FAILURE);
    }
  for (size_t i = 0; i < NSB_ARRAY_SIZE (handlers); i++)
    {
      bool changed;
      if (handlers[i].pin (&changed, &err) < 0)
        return fail (err, EXIT_FAILURE);
      printf ("%s: %s %s/%s\n", handlers[i].what,
              changed ? "pinned at" : "this build's pin is in place at",
              nsb_pin_dir (), handlers[i].dir);
    }
  return 0;
}

static int
verb_unpin (struct options *o)
{
  cleanup_error nsb_error_t err = NULL;
  int removed;

  (void)o;
  if (nsb_unpin (&removed, &err) < 0)
    return fail (err, EXIT_FAILURE);
  printf ("%d handler pin%s removed from %s\n", removed,
          removed == 1 ? "" : "s", nsb_pin_dir ());
  return 0;
}

static int
verb_relocate (struct options *o)
{
  const char *binary = o->args[0];
  cleanup_error nsb_error_t err = NULL;
  cleanup_close int fd = -1;

  if (o->interp == NULL)
    return usage_error ("relocate takes BINARY --interp PATH");
  fd = open (binary, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    {
      nsb_error_errno (&err, "open %s", binary);
      return fail (err, EXIT_FAILURE);
    }
  if (nsb_elf_set_interp (fd, o->interp, &err) < 0)
    {
      nsb_error_prefix (&err, "%s", binary);
      return fail (err, EXIT_FAILURE);
    }
  return 0;
}

/* Nix's pre-build-hook protocol: DRV [CHROOT] as arguments; the answer on
 * stdout (nothing, or extra-sandbox-paths) */
static int
verb_nix_pre_build_hook (struct options *o)
{
  cleanup_error nsb_error_t err = NULL;

  if (nsb_nix_pre_build_hook (o->args[0], stdout, &err) < 0)
    return fail (err, EXIT_FAILURE);
  return 0;
}

#define ARGS_ANY INT_MAX
/* Where a verb's help starts in --help, two spaces after its arguments at
 * the least (else on the next line). */
#define HELP_COLUMN 34

/* A verb takes no arguments and its options anywhere, unless it says. */
struct verb
{
  const char *name;
  const char *args; /* its arguments as --help and usage errors say them */
  int min_args, max_args;
  enum options_mode options;
  int (*run) (struct options *o);
  const char *help; /* lines of at most 79 - HELP_COLUMN characters */
};

static const struct verb verbs[] = {
  { .name = "run",
    .args = "[RULES] [INSTALL] -- CMD [ARG]...",
    .min_args = 1,
    .max_args = ARGS_ANY,
    .options = OPTIONS_FIRST,
    .run = verb_run,
    .help = "make a user and mount namespace with its own\n"
            "binfmt_misc instance, and exec CMD in it" },
  { .name = "install",
    .args = "--pid PID [RULES] [INSTALL]",
    .run = verb_install,
    .help = "give PID's user namespace its instance\n"
            "(never the host's)" },
  { .name = "status",
    .args = "[--pid PID] [--json]",
    .run = verb_status,
    .help = "list the entries of an instance" },
  { .name = "verify",
    .args = "[--pid PID] [--level L] [--json]",
    .run = verb_verify,
    .help = "check every entry; run a probe through it\n"
            "(exit 1: failed)" },
  { .name = "remove",
    .args = "[--pid PID] (NAME | --all)",
    .max_args = 1,
    .run = verb_remove,
    .help = "remove an entry, or all of them" },
  { .name = "catalog",
    .args = "[--json]",
    .run = verb_catalog,
    .help = "the architectures and the host's emulators" },
  { .name = "check-kernel",
    .args = "[--json]",
    .run = verb_check_kernel,
    .help = "what this kernel's binfmt_misc can do" },
  { .name = "pin",
    .args = "",
    .run = verb_pin,
    .help = "as root: load the bpf selector and the\n"
            "$ORIGIN loader once and pin them in bpffs,\n"
            "so that any user can attach them in a user\n"
            "namespace of its own" },
  { .name = "unpin",
    .args = "",
    .run = verb_unpin,
    .help = "remove those pins (entries keep theirs)" },
  { .name = "relocate",
    .args = "BINARY --interp PATH",
    .min_args = 1,
    .max_args = 1,
    .run = verb_relocate,
    .help = "rewrite BINARY's PT_INTERP in place: an\n"
            "absolute path, or $ORIGIN/... for --origin" },
  { .name = "nix-pre-build-hook",
    .args = "DRV [CHROOT]",
    .min_args = 1,
    .max_args = 2,
    .options = OPTIONS_NONE,
    .run = verb_nix_pre_build_hook,
    .help = "Nix's pre-build-hook: the static emulator as\n"
            "an extra sandbox path for a derivation of an\n"
            "emulated system" },
};

static const struct verb *
find_verb (const char *name)
{
  for (size_t i = 0; i < NSB_ARRAY_SIZE (verbs); i++)
    if (strcmp (verbs[i].name, name) == 0)
      return &verbs[i];
  return NULL;
}

/* "  NAME ARGS", then the help's lines from HELP_COLUMN on: beside it if
 * there is room, else below it. */
static void
print_verb_help (const struct verb *v)
{
  int col = printf ("  %s%s%s", v->name, v->args[0] ? " " : "", v->args);

  if (col > HELP_COLUMN - 2)
    {
      putchar ('\n');
      col = 0;
    }
  for (const char *line = v->help; *line != '\0';)
    {
      int len = (int)strcspn (line, "\n");
      printf ("%*s%.*s\n", HELP_COLUMN - col, "", len, line);
      col = 0;
      line += len + (line[len] == '\n');
    }
}

static void
print_help (void)
{
  fputs ("Usage: nsbinfmt COMMAND [OPTIONS]\n"
         "Private binfmt_misc instances for sandboxes and containers.\n"
         "\n"
         "Commands:\n",
         stdout);
  for (size_t i = 0; i < NSB_ARRAY_SIZE (verbs); i++)
    print_verb_help (&verbs[i]);
  printf ("\n%s\nSee nsbinfmt(1).\n", options_help);
}

/* Run verb V with ARGV, whose ARGV[0] names it. */
static int
dispatch (const struct verb *v, int argc, char **argv)
{
  struct options o;
  int r;

  r = parse_options (argc, argv, v->options, &o);
  if (r != 0)
    return r;
  if (o.help)
    {
      print_help ();
      return 0;
    }
  if (o.n_args > v->max_args)
    return usage_error ("unexpected argument: %s", o.args[v->max_args]);
  if (o.n_args < v->min_args)
    return usage_error ("%s takes %s", v->name, v->args);
  return v->run (&o);
}

int
main (int argc, char **argv)
{
  const char *self
      = strrchr (argv[0], '/') ? strrchr (argv[0], '/') + 1 : argv[0];
  const struct verb *v;

  /* Nix passes the hook no arguments of its own: it is called by name. */
  if (strcmp (self, "nsbinfmt-nix-pre-build-hook") == 0)
    return dispatch (find_verb ("nix-pre-build-hook"), argc, argv);
  if (argc < 2)
    return usage_error ("no command");
  if (!strcmp (argv[1], "--help") || !strcmp (argv[1], "-h")
      || !strcmp (argv[1], "help"))
    {
      print_help ();
      return 0;
    }
  if (!strcmp (argv[1], "--version"))
    {
      puts (PACKAGE_STRING);
      return 0;
    }
  v = find_verb (argv[1]);
  if (v == NULL)
    return usage_error ("unknown command: %s", argv[1]);
  return dispatch (v, argc - 1, argv + 1);
}
