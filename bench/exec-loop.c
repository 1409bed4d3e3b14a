/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * exec-loop N PROG [ARG]...: fork and exec PROG N times, one after the
 * other, and fail if any run fails.  The workload of bench/selector.sh:
 * every exec walks the binfmt_misc table of the namespace it runs in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  long n = argc > 2 ? strtol (argv[1], NULL, 10) : 0;

  if (n <= 0)
    {
      fputs ("usage: exec-loop N PROG [ARG]...\n", stderr);
      return 2;
    }
  for (long i = 0; i < n; i++)
    {
      int status;
      pid_t pid = fork ();
      if (pid < 0)
        return perror ("fork"), 1;
      if (pid == 0)
        {
          execv (argv[2], argv + 2);
          _exit (127);
        }
      if (waitpid (pid, &status, 0) < 0 || !WIFEXITED (status)
          || WEXITSTATUS (status) != 0)
        return fprintf (stderr, "exec-loop: run %ld of %s failed\n", i,
                        argv[2]),
               1;
    }
  return 0;
}
