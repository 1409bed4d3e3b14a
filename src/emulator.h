/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An emulator: the program an entry runs a foreign binary with.  What it
 * is (static, its loader), which qemu and release it is (read from the
 * file, never run), and the entry flags it may be registered with.
 */
#ifndef NSB_EMULATOR_H
#define NSB_EMULATOR_H

#include <limits.h>
#include <stdbool.h>

#include "catalog.h"
#include "error.h"

/* qemu reads the P flag from AT_FLAGS from 6.0 on (qemu commit 6e1c0d7b,
 * "linux-user: manage binfmt-misc preserve-arg[0] flag", for Linux 5.12's
 * AT_FLAGS_PRESERVE_ARGV0); an older one would take the kept argv[0] for
 * the program's first argument. */
#define NSB_QEMU_P_SINCE_MAJOR 6

struct nsb_emulator
{
  char path[PATH_MAX];
  bool is_static;
  char loader[PATH_MAX]; /* its PT_INTERP when dynamically linked */
  bool native;           /* an ELF file of an architecture this host runs */
  bool root_only;        /* root's, and no one else may write it */
  char qemu_arch[32];    /* a qemu-user: what it emulates ("aarch64") */
  char version[64];      /* a qemu-user: its version ("10.0.2 (Debian...)") */
  /* The flags its entries get besides F: NSB_FLAG_O always for a qemu;
   * NSB_FLAG_P where it reads AT_FLAGS_PRESERVE_ARGV0. */
  unsigned flags;
};

/* Find the host's emulator: $NSBINFMT_EMULATOR_PATH (colon-separated dirs)
 * or /usr/local/bin:/usr/bin, names qemu-NAME-static then qemu-NAME; a
 * static one is preferred over a dynamically linked one. */
int nsb_emulator_find (const struct nsb_arch *arch, struct nsb_emulator *emu,
                       nsb_error_t *err);

/* Inspect an emulator given by path: a regular, executable ELF file; for
 * a qemu-user, its target and version (from the "qemu-NAME version ..."
 * string --version prints) and so its flags.  Anything else gets O. */
int nsb_emulator_inspect (const char *path, struct nsb_emulator *emu,
                          nsb_error_t *err);

/* The version string's parts of a qemu-user's file contents BUF: for the
 * fuzzer and the unit tests. */
void nsb_emulator_scan (const char *buf, size_t len, struct nsb_emulator *emu);

#endif
