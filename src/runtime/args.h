/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The runtime shim's view of the command line an engine gives a runtime.
 * Used before the C library starts too (entry.c): nothing here calls it. */
#ifndef NSB_RUNTIME_ARGS_H
#define NSB_RUNTIME_ARGS_H

#include <stdbool.h>

/* The shim's own options, never passed on (last one wins). */
#define NSB_RUNTIME_OPT_RUNTIME "--nsbinfmt-runtime="
#define NSB_RUNTIME_OPT_HOOK "--nsbinfmt-hook="

/* For what runs before the C library has set up thread-local storage,
 * where the stack protector keeps its canary. */
#if defined __has_attribute
#if __has_attribute(no_stack_protector)
#define NSB_PRE_LIBC __attribute__ ((no_stack_protector))
#endif
#endif
#ifndef NSB_PRE_LIBC
#define NSB_PRE_LIBC
#endif

/* strcmp (A, B) == 0, and strncmp (S, PREFIX, strlen (PREFIX)) == 0,
 * without the C library. */
NSB_PRE_LIBC static inline bool
nsb_streq (const char *a, const char *b)
{
  while (*a != '\0' && *a == *b)
    a++, b++;
  return *a == *b;
}

NSB_PRE_LIBC static inline bool
nsb_starts_with (const char *s, const char *prefix)
{
  while (*prefix != '\0' && *s == *prefix)
    s++, prefix++;
  return *prefix == '\0';
}

/* Is ARG one of the shim's own options? */
NSB_PRE_LIBC static inline bool
nsb_runtime_own_option (const char *arg)
{
  return nsb_starts_with (arg, NSB_RUNTIME_OPT_RUNTIME)
         || nsb_starts_with (arg, NSB_RUNTIME_OPT_HOOK);
}

/* In an OCI runtime's command line (ARGV[1..ARGC-1], runc's grammar:
 * global options, a command, its options, the container id): the index of
 * the command, or 0 if there is none.  Global options that take a value
 * (--root, --log, --log-format, --criu, --rootless, --cgroup-manager) skip
 * it unless written --opt=value; any other option is taken as a flag.  The
 * shim's own options are skipped wherever they are, as if they had been
 * taken out first. */
int nsb_runtime_command (int argc, char *const *argv);

/* After the command at index CMD: the bundle directory (-b, --bundle; the
 * runtime's default is the working directory, "."). */
const char *nsb_runtime_bundle (int argc, char *const *argv, int cmd);

#endif
