/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Nix: the `system` of a derivation (.drv, ATerm), and what the
 * pre-build-hook prints for it. */
#ifndef NSB_NIX_H
#define NSB_NIX_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"

#define NSB_DRV_MAX (64 << 20)

/* The fourth field of Derive(outputs, inputDrvs, inputSrcs, system, ...). */
int nsb_nix_drv_system (const char *text, size_t len, char *system,
                        size_t size, nsb_error_t *err);

/* The pre-build-hook for the derivation at DRV_PATH: for a system this host
 * emulates, "extra-sandbox-paths", the static emulator (bound at
 * /usr/bin/qemu-NAME-static when it is elsewhere), an empty line; for a
 * native or unknown system, nothing. */
int nsb_nix_pre_build_hook (const char *drv_path, FILE *out, nsb_error_t *err);

#endif
