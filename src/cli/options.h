/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command line after the verb: its options, shared by every verb, and
 * the arguments after them. */
#ifndef NSB_CLI_OPTIONS_H
#define NSB_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "selector.h"

#define EXIT_USAGE 2

struct options
{
  pid_t pid;
  bool json, all_entries, writable, emulate_all, emulate_none, keep_ids,
      origin, credentials, help;
  int level; /* -1: the command's default */
  enum nsb_handler_mode handler;
  const char *mountpoint;
  const char *interp; /* relocate --interp */
  const char *root;   /* host-table --root */
  char **emulate;
  size_t n_emulate;
  char **rules_files;
  size_t n_rules_files;
  char **emulators; /* ARCH=NAME or ARCH=PATH */
  size_t n_emulators;
  char **inherit; /* entries of the host's table, or "all" */
  size_t n_inherit;
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

/* The options' part of --help, written beside their table. */
extern const char options_help[];

/* Parse ARGV[1..] (ARGV[0] is the verb) into O.  Returns 0, with o->help
 * set if --help came; else the status to exit with, said on stderr. */
int parse_options (int argc, char **argv, enum options_mode mode,
                   struct options *o);

/* "nsbinfmt: MESSAGE" and where to look on stderr; returns EXIT_USAGE. */
int usage_error (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

#endif
