/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A user namespace's own binfmt_misc instance (Linux >= 6.7), from inside
 * that namespace: each user namespace that mounts binfmt_misc gets its own
 * table; the initial user namespace's table is the host's, and nothing
 * here opens it.
 */
#ifndef NSB_INSTANCE_H
#define NSB_INSTANCE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "rule.h"
#include "target.h"

#define NSB_DEFAULT_MOUNTPOINT "/proc/sys/fs/binfmt_misc"
#define NSB_BINFMTFS_MAGIC 0x42494e4d

/* A detached, writable mount of this user namespace's instance (created if
 * it has none), without the initial user namespace check: callers made
 * sure (nsb_target_open_*, nsb_instance_open_self). */
int nsb_instance_open (nsb_error_t *err);

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

/* Remove the entries NAMES; best effort, to undo a failed install. */
void nsb_instance_remove_entries (int mntfd,
                                  char (*names)[NSB_ENTRY_NAME_MAX + 1],
                                  size_t n);

/* Is the mount at DIRFD the instance at MNTFD (the same superblock)? */
bool nsb_instance_is_same (int dirfd, int mntfd);

/* "register", "status" and dot files: not entries. */
bool nsb_instance_is_control_file (const char *name);

#endif
