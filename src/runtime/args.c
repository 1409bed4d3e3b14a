/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An OCI runtime's command line, as runc and crun parse it (args.h). */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "runtime/args.h"
#include "util.h"

/* runc's and crun's global options that take a value. */
static bool
takes_value (const char *opt)
{
  static const char *const with_value[]
      = { "--root", "--log",      "--log-format",
          "--criu", "--rootless", "--cgroup-manager" };

  for (size_t i = 0; i < NSB_ARRAY_SIZE (with_value); i++)
    if (strcmp (opt, with_value[i]) == 0)
      return true;
  return false;
}

int
nsb_runtime_command (int argc, char *const *argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (argv[i][0] != '-')
        return i;
      if (strcmp (argv[i], "--") == 0)
        return i + 1 < argc ? i + 1 : 0;
      if (takes_value (argv[i]))
        i++;
    }
  return 0;
}

const char *
nsb_runtime_bundle (int argc, char *const *argv, int cmd)
{
  for (int i = cmd + 1; i < argc; i++)
    {
      const char *a = argv[i];
      if (strcmp (a, "--") == 0)
        break;
      if ((strcmp (a, "--bundle") == 0 || strcmp (a, "-b") == 0)
          && i + 1 < argc)
        return argv[i + 1];
      if (strncmp (a, "--bundle=", 9) == 0)
        return a + 9;
      if (strncmp (a, "-b=", 3) == 0)
        return a + 3;
    }
  return ".";
}
