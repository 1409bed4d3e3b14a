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

/* The entry nsbinfmt registers: name "qemu-NAME", flags F (pre-opened), P
 * (argv[0] kept: qemu reads AT_FLAGS_PRESERVE_ARGV0) and O (the binary is
 * handed over as AT_EXECFD, so no path has to resolve in the sandbox). */
int nsb_arch_rule (const struct nsb_arch *arch, const char *interpreter,
                   struct nsb_rule *rule, nsb_error_t *err);

struct nsb_emulator
{
  char path[PATH_MAX];
  bool is_static;
  char loader[PATH_MAX]; /* its PT_INTERP when dynamically linked */
};

/* Find the host's emulator: $NSBINFMT_EMULATOR_PATH (colon-separated dirs)
 * or /usr/local/bin:/usr/bin, names qemu-NAME-static then qemu-NAME; a
 * static one is preferred over a dynamically linked one. */
int nsb_emulator_find (const struct nsb_arch *arch, struct nsb_emulator *emu,
                       nsb_error_t *err);

/* Inspect an emulator given by path (for --emulator ARCH=PATH). */
int nsb_emulator_inspect (const char *path, struct nsb_emulator *emu,
                          nsb_error_t *err);

struct nsb_ruleset;

/* Add ARCH's entry to SET, with EMULATOR (NULL: the host's, found with
 * nsb_emulator_find).  The native architecture is an error. */
int nsb_ruleset_add_arch (struct nsb_ruleset *set, const struct nsb_arch *arch,
                          const char *emulator, nsb_error_t *err);

/* Add every architecture that is not native and has an emulator here. */
int nsb_ruleset_add_all_arches (struct nsb_ruleset *set, nsb_error_t *err);

#endif
