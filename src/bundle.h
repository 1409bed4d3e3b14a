/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * For engines that read no hooks.d (dockerd, containerd): nsbinfmt's hook
 * written into a bundle's config.json by a runtime shim (nsbinfmt-runtime)
 * before the real runtime reads it, and what the shim must know of the
 * runtime's command line to find the bundle.
 */
#ifndef NSB_BUNDLE_H
#define NSB_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

enum nsb_bundle_result
{
  NSB_BUNDLE_HOOKED,      /* the hook was added */
  NSB_BUNDLE_HAD_IT,      /* it was there already: nothing written */
  NSB_BUNDLE_HOST_USERNS, /* the container would run in the initial user
                             namespace: nothing written */
  NSB_BUNDLE_NOT_NEEDED,  /* the hook would do nothing (nsb_bundle_needs
                             says 0): nothing written */
};

/* Add HOOK (an absolute path) to BUNDLE/config.json as a prestart and a
 * poststop hook (args: "nsbinfmt-hook"), after those already there.  The
 * file is replaced atomically (a new file in the bundle, with the old one's
 * mode and owner, renamed over it), and every other field is kept.  Where
 * the container would share the initial user namespace (no user namespace
 * of its own in linux.namespaces while this process is in the initial one,
 * or one whose path is the initial one) nothing is written; nor where the
 * container needs neither emulation nor the loader (nsb_bundle_needs is 0:
 * a native entrypoint and no annotation asking for either), so a native
 * container costs its runtime no hook process; a foreign architecture is
 * enough for the hook, and no emulator is looked for (the hook finds it at
 * prestart).  Where that cannot be told (a bad annotation, a rootfs that
 * cannot be opened), the hook is added: it decides at prestart, and
 * reports as its policy says.  config.json is read once.  For
 * NSB_BUNDLE_HOST_USERNS, NEEDS (SIZE bytes, unless NULL) says what the
 * container would have needed: nsb_bundle_needs's OUT, or "may need
 * emulation (WHY)" where that cannot be told, or "" for nothing. */
int nsb_bundle_add_hook (const char *bundle, const char *hook,
                         enum nsb_bundle_result *result, char *needs,
                         size_t size, nsb_error_t *err);

/* Does the container of BUNDLE need emulation (1, and *OUT says which and
 * why: "needs aarch64 emulation (...)"), or not (0)?  As nsbinfmt-hook
 * decides: annotations, else the entrypoint's ELF header in the rootfs. */
int nsb_bundle_needs (const char *bundle, char *out, size_t size,
                      nsb_error_t *err);

#endif
