/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An OCI runtime's command line, as runc and crun parse it (args.h).  No
 * call to the C library and no pointer in static data: entry.c uses this
 * before the C library has started (and relocated anything). */
#include "config.h"

#include <stdbool.h>

#include "runtime/args.h"

/* runc's and crun's global options that take a value. */
NSB_PRE_LIBC static bool
takes_value (const char *opt)
{
  static const char with_value[] = "--root\0--log\0--log-format\0--criu\0"
                                   "--rootless\0--cgroup-manager\0";

  for (const char *w = with_value; *w != '\0';)
    {
      if (nsb_streq (opt, w))
        return true;
      while (*w++ != '\0')
        ;
    }
  return false;
}

/* The index of the first argument from I on that is not the shim's. */
NSB_PRE_LIBC static int
next_arg (int argc, char *const *argv, int i)
{
  while (i < argc && nsb_runtime_own_option (argv[i]))
    i++;
  return i;
}

NSB_PRE_LIBC int
nsb_runtime_command (int argc, char *const *argv)
{
  for (int i = next_arg (argc, argv, 1); i < argc;
       i = next_arg (argc, argv, i + 1))
    {
      if (argv[i][0] != '-')
        return i;
      if (nsb_streq (argv[i], "--"))
        {
          i = next_arg (argc, argv, i + 1);
          return i < argc ? i : 0;
        }
      if (takes_value (argv[i]))
        i = next_arg (argc, argv, i + 1);
    }
  return 0;
}

NSB_PRE_LIBC const char *
nsb_runtime_bundle (int argc, char *const *argv, int cmd)
{
  for (int i = cmd + 1; i < argc; i++)
    {
      const char *a = argv[i];
      if (nsb_streq (a, "--"))
        break;
      if ((nsb_streq (a, "--bundle") || nsb_streq (a, "-b")) && i + 1 < argc)
        return argv[i + 1];
      if (nsb_starts_with (a, "--bundle="))
        return a + 9;
      if (nsb_starts_with (a, "-b="))
        return a + 3;
    }
  return ".";
}
