/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spawn-at-pid PID CMD...: start CMD as process PID (clone3's set_tid,
 * root only), and return at once; CMD is left to init.  install.bats
 * hands a target's pid to a new process with it. */
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  pid_t want = argc > 2 ? (pid_t)atoi (argv[1]) : 0;
  struct clone_args args = {
    .exit_signal = SIGCHLD,
    .set_tid = (uint64_t)(uintptr_t)&want,
    .set_tid_size = 1,
  };
  long pid;

  if (want <= 0)
    {
      fprintf (stderr, "usage: spawn-at-pid PID CMD...\n");
      return 2;
    }
  pid = syscall (SYS_clone3, &args, sizeof (args));
  if (pid < 0)
    {
      fprintf (stderr, "spawn-at-pid: clone3 with pid %d: %s\n", (int)want,
               strerror (errno));
      return 1;
    }
  if (pid == 0)
    {
      execvp (argv[2], argv + 2);
      _exit (127);
    }
  return 0;
}
