/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsbinfmt: a thin shell over libnsbinfmt.  main() finds the verb in a
 * table, which also makes --help, parses the options and checks the number
 * of arguments before it calls the verb.  Usage errors exit 2.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "util.h"
#include "verbs.h"

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
  { .name = "host-table",
    .args = "[show|mask|unmask] [--root DIR] [--json]",
    .max_args = 1,
    .run = verb_host_table,
    .help = "the qemu emulators the host's own table\n"
            "holds, for every process; mask: stop\n"
            "systemd-binfmt registering them at boot" },
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
  { .name = "rules",
    .args = "[RULES]",
    .run = verb_rules,
    .help = "print the register strings run -e would\n"
            "register (binfmt.d lines; static emulators\n"
            "only), e.g. for Nix's binfmt-misc setting" },
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
