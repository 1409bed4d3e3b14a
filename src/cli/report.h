/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Printing what the library reports: text for people, JSON for programs. */
#ifndef NSB_CLI_REPORT_H
#define NSB_CLI_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "hosttable.h"
#include "kernel.h"
#include "registry.h"
#include "rule.h"
#include "verify.h"

void print_report (const struct nsb_report *rep, bool json);
void print_entries (const struct nsb_entry *e, size_t n, const char *where,
                    bool json);
/* Each architecture, the host's emulator (the registry's `qemu`) and the
 * registry's others for it, with their versions and states. */
void print_catalog (const struct nsb_registry *reg, bool json);
/* LIVE: the table itself was read (not under --root). */
void print_host_table (const struct nsb_host_table *ht, bool live, bool json);
/* Returns the exit status check-kernel should have.  HT: the host's
 * table, if it could be read. */
int print_kernel (const struct nsb_kernel *k, const struct nsb_host_table *ht,
                  bool json);

#endif
