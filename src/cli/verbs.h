/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The verbs of nsbinfmt, called by main()'s table with the parsed command
 * line (the number of its arguments checked there).  Each returns the status
 * to exit with, after one line on stderr if it failed.
 */
#ifndef NSB_CLI_VERBS_H
#define NSB_CLI_VERBS_H

#include "options.h"

int verb_run (struct options *o);
int verb_install (struct options *o);
int verb_status (struct options *o);
int verb_verify (struct options *o);
int verb_remove (struct options *o);
int verb_catalog (struct options *o);
int verb_check_kernel (struct options *o);
int verb_host_table (struct options *o);
int verb_pin (struct options *o);
int verb_unpin (struct options *o);
int verb_relocate (struct options *o);
int verb_rules (struct options *o);
int verb_nix_pre_build_hook (struct options *o);

#endif
