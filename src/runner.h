/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Running an operation in the target's namespaces, in a helper process. */
#ifndef NSB_RUNNER_H
#define NSB_RUNNER_H

#include "error.h"
#include "target.h"
#include "verify.h"

/* An operation on a target, run where the target's namespaces are ours. */
typedef int (*nsb_target_op) (struct nsb_target *t, void *arg,
                              struct nsb_report *rep, nsb_error_t *err);

/* Run OP with ARG: in a helper process that entered T's namespaces, or
 * here if T is this process (pid 0).  The helper's report lands in REP,
 * its error in *ERR.  The stop signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT)
 * reach the helper blocked: OP asks nsb_stop_signal_pending. */
int nsb_target_run (struct nsb_target *t, nsb_target_op op, void *arg,
                    struct nsb_report *rep, nsb_error_t *err);

/* In the helper: a stop signal is waiting, the signal, or 0. */
int nsb_stop_signal_pending (void);

#endif
