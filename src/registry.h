/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The emulator registry root administers: names for emulators, in files
 * of emulators.d directories, one emulator and its architectures a line:
 *
 *   # NAME     ARCHES           PATH                                FLAGS
 *   qemu-10.0  aarch64,riscv64  /opt/qemu-10.0/bin/qemu-{arch}      OP
 *
 * ARCHES are catalog names (any alias), PATH is absolute ({arch} is the
 * architecture's qemu name), FLAGS (optional) the entry flags the
 * emulator is registered with besides F: P, O, C, or - for none; without
 * them, what nsbinfmt reads of the file says (emulator.h).  The name
 * `qemu` is built in: the host's qemu-user-static of each architecture,
 * unless a file names another.  A container chooses among names, never
 * paths (choice.h).
 */
#ifndef NSB_REGISTRY_H
#define NSB_REGISTRY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "emulator.h"
#include "error.h"

#define NSB_EMULATOR_NAME_MAX 32
#define NSB_REGISTRY_DEFAULT "qemu" /* the built-in name */
#define NSB_REGISTRY_FILE_MAX (64 * 1024)
#define NSB_REGISTRY_FILES_MAX 128    /* in one directory */
#define NSB_REGISTRY_ENTRIES_MAX 1024 /* an emulator and one architecture */

struct nsb_registry_entry
{
  char name[NSB_EMULATOR_NAME_MAX + 1];
  const struct nsb_arch *arch;
  char path[PATH_MAX];
  int flags;                 /* NSB_FLAG_* besides F, or -1: as inspected */
  char where[PATH_MAX + 16]; /* "FILE:LINE" */
};

struct nsb_registry
{
  struct nsb_registry_entry *v;
  size_t n;
};

/* The directories, first first: $NSBINFMT_EMULATORS_DIR (colon-separated)
 * if set, else SYSCONFDIR/nsbinfmt/emulators.d then
 * PREFIX/lib/nsbinfmt/emulators.d.  *.conf files, by name; a file masks
 * one of the same name in a later directory, and a link to /dev/null
 * reads as empty (systemd's mask).  A directory or file that is
 * not root's, or that others than root may write, is refused. */
int nsb_registry_load (struct nsb_registry *reg, nsb_error_t *err);

/* Parse one file's TEXT (LEN bytes, from FILE) into REG. */
int nsb_registry_parse (struct nsb_registry *reg, const char *text, size_t len,
                        const char *file, nsb_error_t *err);

void nsb_registry_free (struct nsb_registry *reg);

/* Is S a name: at most NSB_EMULATOR_NAME_MAX of A-Z a-z 0-9 . _ -, not
 * starting with '.' or '-'? */
bool nsb_emulator_name_valid (const char *s);

/* NAME's emulator for ARCH, inspected and checked: an executable static
 * ELF file this host runs, root's and written by no one else; a qemu-user
 * must be ARCH's.  The built-in name without a file's line: the host's
 * emulator (nsb_emulator_find). */
int nsb_registry_emulator (const struct nsb_registry *reg, const char *name,
                           const struct nsb_arch *arch,
                           struct nsb_emulator *emu, nsb_error_t *err);

#endif
