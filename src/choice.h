/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which emulator serves which architecture, for one container or run:
 * picks of ARCH=NAME among the registry's names (ARCH=PATH too, where the
 * caller's own credentials open it: `nsbinfmt run -E`), the host's `qemu`
 * for every other architecture, and whether set-user-ID programs run with
 * their owner's credentials (entry flag C).  The rules it makes.
 */
#ifndef NSB_CHOICE_H
#define NSB_CHOICE_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "emulator.h"
#include "registry.h"
#include "ruleset.h"

#define NSB_PICKS_MAX 64

struct nsb_pick
{
  const struct nsb_arch *arch;
  char *emulator; /* a registry name, or (PATHS) an absolute path */
};

/* A zeroed struct picks nothing: the host's qemu everywhere, flags as the
 * emulators' say. */
struct nsb_choice
{
  struct nsb_pick *picks;
  size_t n;
  bool paths; /* a pick may be a path (the caller opens it as itself) */
  /* C: 0 as the emulator's registry line says, 1 always, -1 never. */
  int credentials;
  struct nsb_registry reg; /* read on first use */
  bool loaded;
};

/* Add the pick SPEC, ARCH=NAME (or ARCH=PATH if paths are allowed); a
 * later one for the same architecture replaces it.  WHAT (the option or
 * annotation) begins an error. */
int nsb_choice_add (struct nsb_choice *c, const char *spec, const char *what,
                    nsb_error_t *err);

/* Each of the comma-separated picks of LIST. */
int nsb_choice_add_list (struct nsb_choice *c, const char *list,
                         const char *what, nsb_error_t *err);

/* ARCH's emulator as C chooses (C NULL: the host's), and its entry's
 * flags (F among them) in *FLAGS. */
int nsb_choice_emulator (struct nsb_choice *c, const struct nsb_arch *arch,
                         struct nsb_emulator *emu, unsigned *flags,
                         nsb_error_t *err);

void nsb_choice_free (struct nsb_choice *c);

/* Add ARCH's entry to SET with its emulator as C chooses (C may be NULL).
 * The native architecture is an error. */
int nsb_ruleset_add_arch (struct nsb_ruleset *set, const struct nsb_arch *arch,
                          struct nsb_choice *c, nsb_error_t *err);

/* Every architecture that is not native and has an emulator here. */
int nsb_ruleset_add_all_arches (struct nsb_ruleset *set, struct nsb_choice *c,
                                nsb_error_t *err);

/* Every architecture C picks an emulator for. */
int nsb_ruleset_add_picked (struct nsb_ruleset *set, struct nsb_choice *c,
                            nsb_error_t *err);

#endif
