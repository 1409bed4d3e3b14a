/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The per-container BPF selector (Linux >= 7.3, CONFIG_BINFMT_MISC_BPF):
 * one B entry, backed by nsbinfmt's binfmt_misc_ops handler
 * (src/bpf/selector.bpf.c), that serves what N magic entries would, with
 * each emulator bound to the entry (pre-opened, as F does).
 *
 * The handler is loaded by a process that may (CAP_BPF, CAP_PERFMON and
 * CAP_SYS_ADMIN in the initial user namespace: root), before anything
 * enters the target; nsb_install() then attaches it from inside the
 * target's user namespace (handlers are per user namespace), registers the
 * B entry disabled, binds the interpreters, enables it and lets the link
 * go: the entry keeps the handler alive, for as long as the instance lives.
 */
#ifndef NSB_SELECTOR_H
#define NSB_SELECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "bpf/selector.h"
#include "error.h"
#include "handler.h"
#include "rule.h"

/* The B entry's name: "nsbinfmt", then "nsbinfmt.1" ... for each further
 * install with other interpreters into the same instance. */
#define NSB_SELECTOR_ENTRY "nsbinfmt"
#define NSB_SELECTOR_ENTRIES_MAX 16
#define NSB_SELECTOR_NAME_SIZE 16

struct nsb_selector;

/* Can the selector serve RULE (a pre-opened magic rule whose mask looks
 * at no more than the selector compares)?  If not, a decline
 * (-NSB_DECLINED) says why. */
int nsb_rule_selectable (const struct nsb_rule *rule, nsb_error_t *err);

/*
 * Decide how RULES are installed, before entering the target: *SEL is the
 * selector serving all of them, or NULL for magic entries.  In order: the
 * selector loaded here (root), the pinned one (pin.h; anyone who may read
 * the pins), magic entries.  In NSB_HANDLER_AUTO mode a kernel older than
 * 7.3 gives NULL silently; a selector that cannot be used (a rule it cannot
 * serve, no BPF rights, no binfmt_misc_ops in the kernel) is a decline
 * (-NSB_DECLINED, *err says why): magic entries then.  In NSB_HANDLER_BPF
 * mode those are errors.
 */
int nsb_selector_prepare (const struct nsb_rule *rules, size_t n,
                          enum nsb_handler_mode mode,
                          struct nsb_selector **sel, nsb_error_t *err);
void nsb_selector_free (struct nsb_selector *sel);

/* As root: load the selector with a table of every architecture of the
 * catalog and pin it (pin.h), for users who cannot load it themselves.
 * Their entries bind the emulators they want; the handler declines the
 * rest (ENOEXEC).  *CHANGED false: this build's was pinned already. */
int nsb_selector_pin (bool *changed, nsb_error_t *err);

/* In the target's user namespace, with the interpreters' root as ours:
 * attach the handler, register a B entry through the instance at MNTFD,
 * bind, enable; its name is left in NAME.  An entry with the same bindings
 * already there is reused (*ADDED false); entries with other bindings stay
 * (they are sealed) and this one gets the next name.  On failure nothing
 * is left.  The pinned selector goes only into an instance without other
 * entries (or reuses its entry there): otherwise, in NSB_HANDLER_AUTO mode
 * it declines (-NSB_DECLINED, *err says why: install magic entries then);
 * in NSB_HANDLER_BPF mode that is an error. */
int nsb_selector_install (struct nsb_selector *sel, int mntfd,
                          char name[NSB_SELECTOR_NAME_SIZE], bool *added,
                          nsb_error_t *err);

/* The selector's BPF object (selector-bpf.c; nobpf.c without libbpf), for
 * its struct nsb_handler_kind: the table it is opened with, its pin's
 * object data, and whether a pin's table (its .rodata) serves a table. */
struct nsb_sel_table
{
  const struct nsb_sel_rule *rules;
  size_t n;
};
void *nsb_selector_open (const void *table, nsb_error_t *err);
/* Fill a selector skeleton's RODATA (its struct nsb_selector_bpf__rodata)
 * with TABLE: the rules and the lookup table built from them. */
void nsb_selector_fill (void *rodata, const struct nsb_sel_table *table);
void nsb_selector_object (struct nsb_pin_spec *spec);
int nsb_selector_pin_serves (const void *table, const void *rodata,
                             nsb_error_t *err);

#endif
