/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Printing what the library reports: text for people, JSON for programs. */
#ifndef NSB_CLI_REPORT_H
#define NSB_CLI_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel.h"
#include "rule.h"
#include "verify.h"

void print_report (const struct nsb_report *rep, bool json);
void print_entries (const struct nsb_entry *e, size_t n, const char *where,
                    bool json);
void print_catalog (bool json);
/* Returns the exit status check-kernel should have. */
int print_kernel (const struct nsb_kernel *k, bool json);

#endif
