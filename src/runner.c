/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running an operation where the target's namespaces are ours: a helper
 * process enters them, runs it, and sends its report and error back
 * through a pipe.  The stop signals are held meanwhile and passed on to
 * the helper, which decides when they may end it.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "runner.h"
#include "util.h"

struct err_record
{
  int status;
  char msg[1024];
};

/* In the child: send the report, then the error if there is one. */
static void
child_send (int fd, const struct nsb_report *rep, nsb_error_t failure)
{
  for (size_t i = 0; i < rep->n; i++)
    if (write (fd, "C", 1) != 1
        || write (fd, &rep->checks[i], sizeof (rep->checks[i]))
               != (ssize_t)sizeof (rep->checks[i]))
      return;
  if (failure != NULL)
    {
      struct err_record r = { .status = failure->status };
      snprintf (r.msg, sizeof (r.msg), "%s", failure->msg);
      if (write (fd, "E", 1) == 1 && write (fd, &r, sizeof (r)) < 0)
        return;
    }
  if (rep->note[0] != '\0' && write (fd, "N", 1) == 1
      && write (fd, rep->note, sizeof (rep->note)) < 0)
    return;
}

static bool
read_full (int fd, void *buf, size_t len)
{
  size_t got = 0;
  while (got < len)
    {
      ssize_t n = read (fd, (char *)buf + got, len - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return false;
      got += (size_t)n;
    }
  return true;
}

/* In the parent: collect what the child sent. */
static int
parent_receive (int fd, struct nsb_report *rep, nsb_error_t *err)
{
  struct nsb_check *c = malloc (sizeof (*c));
  struct err_record r;
  int ret = 0;
  char tag;

  if (c == NULL)
    return nsb_error_errno (err, "report");
  while (ret == 0 && read_full (fd, &tag, 1))
    {
      if (tag == 'C' && read_full (fd, c, sizeof (*c)))
        ret = nsb_report_add (rep, c, err);
      else if (tag == 'E' && read_full (fd, &r, sizeof (r)))
        ret = nsb_error_set (err, r.status, "%s", r.msg);
      else if (tag == 'N' && read_full (fd, rep->note, sizeof (rep->note)))
        rep->note[sizeof (rep->note) - 1] = '\0';
      else
        ret = nsb_error_set (err, EIO, "garbled report from the child");
    }
  free (c);
  return ret;
}

/* The signals that end nsbinfmt (a terminal's, a runtime's): the helper
 * holds them while it changes the target, so that one either stops it
 * before anything is registered or is seen before the instance is
 * attached, and everything is undone (install_op). */
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

static volatile pid_t forward_to;

static void
forward_signal (int sig)
{
  if (forward_to > 0)
    kill (forward_to, sig);
}

static void
stop_signals_set (sigset_t *set)
{
  sigemptyset (set);
  for (size_t i = 0; i < NSB_ARRAY_SIZE (stop_signals); i++)
    sigaddset (set, stop_signals[i]);
}

/* A stop signal is waiting (blocked in the helper): the SIG, or 0. */
int
nsb_stop_signal_pending (void)
{
  sigset_t pending;

  if (sigpending (&pending) < 0)
    return 0;
  for (size_t i = 0; i < NSB_ARRAY_SIZE (stop_signals); i++)
    if (sigismember (&pending, stop_signals[i]))
      return stop_signals[i];
  return 0;
}

int
nsb_target_run (struct nsb_target *t, nsb_target_op op, void *arg,
                struct nsb_report *rep, nsb_error_t *err)
{
  struct sigaction fwd = { .sa_handler = forward_signal },
                   old[NSB_ARRAY_SIZE (stop_signals)];
  sigset_t block, saved;
  int fd, status, ret;
  pid_t child;

  if (t->pid == 0)
    return op (t, arg, rep, err);
  stop_signals_set (&block);
  sigprocmask (SIG_BLOCK, &block, &saved);
  child = nsb_fork_piped (&fd, err);
  if (child == 0)
    {
      nsb_error_t failure = NULL;
      struct nsb_report local = { 0 };
      if (nsb_target_enter (t, &failure) == 0)
        op (t, arg, &local, &failure);
      child_send (fd, &local, failure);
      _exit (failure ? 1 : 0);
    }
  /* The parent passes the stop signals on to the helper, which decides. */
  forward_to = child;
  for (size_t i = 0; child > 0 && i < NSB_ARRAY_SIZE (stop_signals); i++)
    sigaction (stop_signals[i], &fwd, &old[i]);
  sigprocmask (SIG_SETMASK, &saved, NULL);
  if (child < 0)
    return child;
  ret = parent_receive (fd, rep, err);
  close (fd);
  while (waitpid (child, &status, 0) < 0 && errno == EINTR)
    ;
  forward_to = 0;
  for (size_t i = 0; i < NSB_ARRAY_SIZE (stop_signals); i++)
    sigaction (stop_signals[i], &old[i], NULL);
  if (ret == 0 && !(WIFEXITED (status) && WEXITSTATUS (status) == 0))
    ret = nsb_error_set (err, EIO,
                         "the helper process in the target's "
                         "namespaces died");
  return ret;
}
