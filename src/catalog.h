/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The architectures Debian's qemu-user-static emulates: their magic/mask (as
 * Debian registers them), the names users type for them, and the host's
 * emulator for each.
 */
#ifndef NSB_CATALOG_H
#define NSB_CATALOG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "rule.h"

struct nsb_arch
{
  const char *name;    /* qemu's name: the emulator is qemu-NAME[-static] */
  const char *aliases; /* space-separated: Debian, OCI, Nix, uname -m names */
  const char *magic;   /* escaped, as in /usr/lib/binfmt.d/qemu-NAME.conf */
  const char *mask;
  const char *native_on; /* host `uname -m` values that run it natively */
};

size_t nsb_catalog_size (void);
const struct nsb_arch *nsb_catalog_at (size_t i);

/* By qemu name or any alias ("arm64", "linux/arm64", "aarch64-linux"...). */
const struct nsb_arch *nsb_catalog_lookup (const char *name);

/* The architecture whose magic and mask match the first bytes of a file. */
const struct nsb_arch *nsb_catalog_match (const uint8_t *head, size_t len);

/* Does this host run the architecture without an emulator?  For a compat
 * architecture (i386 on x86_64, arm on aarch64) a probe run says, once
 * per process. */
bool nsb_arch_is_native (const struct nsb_arch *arch);

/* The entry nsbinfmt registers for ARCH: name "qemu-NAME", its magic and
 * mask, INTERPRETER, FLAGS (NSB_FLAG_*: F, and what the emulator honours,
 * emulator.h). */
/* The flags of a qemu-user's entry (from qemu 6.0 on, emulator.h). */
#define NSB_QEMU_FLAGS (NSB_FLAG_P | NSB_FLAG_O | NSB_FLAG_F)

int nsb_arch_rule (const struct nsb_arch *arch, const char *interpreter,
                   unsigned flags, struct nsb_rule *rule, nsb_error_t *err);

#endif
