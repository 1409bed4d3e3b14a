/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instance.h"
#include "options.h"
#include "util.h"

/* getopt values of the options that have no short letter. */
enum
{
  ARG_INTERP = 0x100,
  ARG_ORIGIN,
  ARG_ROOT,
  ARG_INHERIT,
  ARG_CREDENTIALS,
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
  { "root", required_argument, NULL, ARG_ROOT },
  { "inherit", required_argument, NULL, ARG_INHERIT },
  { "credentials", no_argument, NULL, ARG_CREDENTIALS },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* The leading '+' (OPTIONS_FIRST only): options end at the first argument. */
static const char shortopts[] = "+p:jae:E:r:l:wm:kH:h";

/* The commands' options (--pid, --json, --all, --interp) are in their
 * lines of --help, from the table of verbs. */
const char options_help[]
    = "RULES (repeatable):\n"
      "  -e, --emulate ARCH     an architecture by any name (aarch64, arm64,\n"
      "                         linux/arm64, aarch64-linux), `all`, or `none`:\n"
      "                         an empty table, not even the host's entries\n"
      "  -E, --emulator ARCH=NAME  ARCH's emulator by its name in the registry\n"
      "                         (nsbinfmt catalog), or ARCH=PATH, a file you\n"
      "                         may run (implies -e ARCH)\n"
      "      --inherit NAME     copy the host's entry NAME (FEX, box64, wine...)\n"
      "                         into the private table, or `all` of them\n"
      "      --credentials      set-user-ID programs run with their owner's\n"
      "                         credentials under emulation (entry flag C)\n"
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

int
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
    case ARG_CREDENTIALS:
      return &o->credentials;
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
      if (strcmp (arg, "all") == 0)
        o->emulate_all = true;
      else if (strcmp (arg, "none") == 0)
        o->emulate_none = true;
      else
        return push (&o->emulate, &o->n_emulate, arg);
      return 0;
    case ARG_INHERIT:
      return push (&o->inherit, &o->n_inherit, arg);
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
    case ARG_ROOT:
      o->root = arg;
      return 0;
    case 'H':
      if (nsb_handler_mode_parse (arg, &o->handler, NULL) < 0)
        return usage_error ("--handler takes auto, magic or bpf: %s", arg);
      return 0;
    default: /* getopt said why on stderr */
      return usage_error ("bad option");
    }
}

int
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
