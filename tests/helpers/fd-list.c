/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An "emulator" for run.bats: it writes the fds it was started with to
 * standard error, "fd N -> TARGET" a line, and exits 1, so that the test
 * sees what a real emulator inherits from nsbinfmt's probe. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main (void)
{
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *e;

  if (d == NULL)
    return 2;
  while ((e = readdir (d)) != NULL)
    {
      char path[PATH_MAX], target[PATH_MAX] = "";
      ssize_t n;
      if (e->d_name[0] == '.' || atoi (e->d_name) == dirfd (d))
        continue;
      snprintf (path, sizeof (path), "/proc/self/fd/%s", e->d_name);
      n = readlink (path, target, sizeof (target) - 1);
      target[n > 0 ? n : 0] = '\0';
      fprintf (stderr, "fd %s -> %s\n", e->d_name, target);
    }
  closedir (d);
  return 1;
}
