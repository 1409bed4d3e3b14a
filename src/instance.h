/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private binfmt_misc instances.  Since Linux 6.7 each user namespace that
 * mounts binfmt_misc gets its own table; the initial user namespace's table
 * is the host's, and nothing here ever writes to it.
 */
#ifndef NSB_INSTANCE_H
#define NSB_INSTANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "origin.h"
#include "rule.h"
#include "selector.h"
#include "verify.h"

#define NSB_DEFAULT_MOUNTPOINT "/proc/sys/fs/binfmt_misc"
#define NSB_BINFMTFS_MAGIC 0x42494e4d
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

/* A detached, writable mount of this user namespace's instance (created if
 * it has none).  Refuses when this process is in the initial namespace. */
int nsb_instance_open_self (nsb_error_t *err);

/* The names of the entries of the instance mounted at MNTFD. */
int nsb_instance_entry_names (int mntfd, char ***names, size_t *n,
                              nsb_error_t *err);
void nsb_names_free (char **names, size_t n);

/* Register RULE through the instance mounted at MNTFD. */
int nsb_instance_register (int mntfd, const struct nsb_rule *rule,
                           nsb_error_t *err);

struct nsb_install_opts
{
  const char *mountpoint; /* NULL: NSB_DEFAULT_MOUNTPOINT */
  bool writable;          /* leave the mount read-write */
  enum nsb_verify_level verify;
  /* If set (nsb_selector_prepare), it serves all the rules: one B entry
   * (NSB_SELECTOR_ENTRY...) instead of one entry per rule. */
  struct nsb_selector *selector;
  /* If set (nsb_origin_prepare), the $ORIGIN loader's entry is registered
   * first; RULES may then be empty. */
  struct nsb_origin *origin;
};

/* Mount (or reuse) the target's instance at the mount point, register the
 * rules with their interpreters resolved on the host, verify them, remount
 * read-only.  On any failure nothing of this call is left behind. */
int nsb_install (struct nsb_target *t, const struct nsb_rule *rules, size_t n,
                 const struct nsb_install_opts *o, struct nsb_report *rep,
                 nsb_error_t *err);

/* The entries of the instance mounted at the target's mount point. */
int nsb_list (struct nsb_target *t, const char *mountpoint,
              struct nsb_entry **entries, size_t *n, nsb_error_t *err);
void nsb_entries_free (struct nsb_entry *entries, size_t n);

/* Remove one entry (NAME) or all (NAME == NULL). */
int nsb_remove (struct nsb_target *t, const char *mountpoint, const char *name,
                nsb_error_t *err);

/* Check every entry at the target's mount point (see verify.h). */
int nsb_verify (struct nsb_target *t, const char *mountpoint,
                enum nsb_verify_level level, struct nsb_report *rep,
                nsb_error_t *err);

#endif
