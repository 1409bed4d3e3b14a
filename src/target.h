/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The target of an install: a process (given by pid, or this one), its
 * namespaces and its root.  The initial user namespace is refused.
 */
#ifndef NSB_TARGET_H
#define NSB_TARGET_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

#define NSB_PROC_USER_INIT_INO 0xEFFFFFFDU /* the initial user namespace */

struct nsb_target
{
  pid_t pid; /* 0: this process, in namespaces it made itself */
  int pidfd; /* keeps a reused pid from fooling us */
  int userns_fd;
  int mntns_fd;
  int root_fd;      /* the target's root (O_PATH): a hostile tree */
  int host_root_fd; /* our root, where emulator paths resolve */
  /* If set, the target's root is this directory as the target's mount
   * namespace sees it (an OCI bundle's rootfs before pivot_root): opened
   * there, before dropping into the target's user namespace. */
  const char *root_path;
};

/* Open PID's namespaces and root.  Refuses the initial user namespace. */
int nsb_target_open_pid (pid_t pid, struct nsb_target *t, nsb_error_t *err);
/* This process (after nsb_sandbox_enter, or inside a sandbox). */
int nsb_target_open_self (struct nsb_target *t, nsb_error_t *err);
void nsb_target_close (struct nsb_target *t);

/* Is the user namespace behind FD the initial (host) one? */
bool nsb_userns_is_initial (int userns_fd);

/* In a child process made for it: enter the target's mount and user
 * namespaces, in the order the caller's rights allow. */
int nsb_target_enter (struct nsb_target *t, nsb_error_t *err);

/* The directory MOUNTPOINT beneath the target's root, never through a
 * symlink, opened with FLAGS. */
int nsb_target_open_mountpoint (struct nsb_target *t, const char *mountpoint,
                                int flags, nsb_error_t *err);

#endif
