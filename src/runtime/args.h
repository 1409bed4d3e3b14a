/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The runtime shim's view of the command line an engine gives a runtime. */
#ifndef NSB_RUNTIME_ARGS_H
#define NSB_RUNTIME_ARGS_H

/* In an OCI runtime's command line (ARGV[1..ARGC-1], runc's grammar:
 * global options, a command, its options, the container id): the index of
 * the command, or 0 if there is none.  Global options that take a value
 * (--root, --log, --log-format, --criu, --rootless, --cgroup-manager) skip
 * it unless written --opt=value; any other option is taken as a flag. */
int nsb_runtime_command (int argc, char *const *argv);

/* After the command at index CMD: the bundle directory (-b, --bundle; the
 * runtime's default is the working directory, "."). */
const char *nsb_runtime_bundle (int argc, char *const *argv, int cmd);

#endif
