/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Probes: the smallest static ELF executable of a foreign architecture that
 * does nothing but exit with a chosen status.  Running one through a
 * binfmt_misc entry proves the emulator really runs in the sandbox.  They are
 * written byte by byte at run time, so no cross toolchain is needed.
 */
#ifndef NSB_PROBE_H
#define NSB_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define NSB_PROBE_MAX 512 /* enough for any probe */

/* Build into BUF (SIZE bytes) a minimal static ELF executable (ET_EXEC, one
 * PT_LOAD, no PT_INTERP, no sections) for the qemu architecture ARCH (qemu's
 * linux-user name: "aarch64", "mipsn32el", "x86_64"...) whose only job is
 * the exit syscall with status CODE.  Its header matches the magic and mask
 * Debian's qemu-user-static registers for ARCH.  Returns 0 and sets *LEN,
 * or a negative status with *err set for an unknown arch or a too small
 * buffer. */
int nsb_probe_build (const char *arch, uint8_t code, uint8_t *buf, size_t size,
                     size_t *len, nsb_error_t *err);

/* NULL-terminated list of the arch names nsb_probe_build knows. */
const char *const *nsb_probe_arches (void);

#define NSB_PROBE_TIMEOUT_MS 20000
/* Exit statuses of the child for an exec that failed: ENOEXEC (no entry
 * and no native support took it), anything else, or the chroot. */
#define NSB_PROBE_ENOEXEC 125
#define NSB_PROBE_NOEXEC 127
#define NSB_PROBE_NOROOT 126

/* Run the probe IMG (LEN bytes) from a memfd in a child, chrooted to
 * ROOT_FD unless that is this process's root already; *STATUS is its wait
 * status.  Returns 0, 1 if it hung and was killed after
 * NSB_PROBE_TIMEOUT_MS, or a negative status with *err set. */
int nsb_probe_run (const uint8_t *img, size_t len, int root_fd, int *status,
                   nsb_error_t *err);

#endif
