/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host's own binfmt_misc table, and what fills it at boot: the qemu
 * emulators every process on the host gets, whether or not nsbinfmt serves
 * its container.  Debian's qemu-user-static ships /usr/lib/binfmt.d/qemu-*
 * .conf, which systemd-binfmt registers host-wide at boot.  nsbinfmt reads
 * the table and never writes it; a mask is a file of the same name in
 * /etc/binfmt.d, which systemd-binfmt then reads instead of the vendor's.
 */
#ifndef NSB_HOSTTABLE_H
#define NSB_HOSTTABLE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* The first line of a mask nsbinfmt wrote, and only of those. */
#define NSB_HOST_MASK_MARK "# masked by nsbinfmt host-table mask"

enum nsb_host_file_state
{
  NSB_HOST_REGISTERED, /* systemd-binfmt registers it at boot */
  NSB_HOST_MASKED,     /* by nsbinfmt, in /etc/binfmt.d */
  NSB_HOST_OVERRIDDEN, /* by another file in /etc or /run/binfmt.d */
};

/* A vendor binfmt.d file that registers an emulator (a qemu-*). */
struct nsb_host_file
{
  char name[NAME_MAX + 1]; /* "qemu-aarch64.conf" */
  enum nsb_host_file_state state;
};

struct nsb_host_table
{
  struct nsb_host_file *files;
  size_t n_files;
  bool mounted; /* binfmt_misc at /proc/sys/fs/binfmt_misc, here */
  char **live;  /* the emulators' entries registered in it now */
  size_t n_live;
};

/* Read the vendor files beneath ROOTFD (/usr/local/lib, /usr/lib and /lib
 * binfmt.d, as systemd-binfmt finds them) and, if LIVE, the table mounted
 * at /proc/sys/fs/binfmt_misc in this mount namespace (nothing is mounted
 * to read it). */
int nsb_host_table_read (int rootfd, bool live, struct nsb_host_table *ht,
                         nsb_error_t *err);
void nsb_host_table_free (struct nsb_host_table *ht);

/* The table mounted at /proc/sys/fs/binfmt_misc in this mount namespace,
 * opened for reading: found in mountinfo, so no automount is triggered
 * and nothing is mounted (none there: -ENOENT). */
int nsb_host_table_open (nsb_error_t *err);

/* MASK: write a mask for every file still registered at boot; else remove
 * nsbinfmt's masks (another file in /etc/binfmt.d is left alone).  *N
 * counts the files changed; HT is updated. */
int nsb_host_table_mask (int rootfd, bool mask, struct nsb_host_table *ht,
                         size_t *n, nsb_error_t *err);

#endif
