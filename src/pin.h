/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pinned handlers: root loads nsbinfmt's binfmt_misc_ops handlers (the bpf
 * selector, the $ORIGIN loader) once, registers each once from a throwaway
 * user namespace (which makes its struct_ops value ready to link), and pins
 * them in bpffs.  Anyone who can read the pins may then attach a handler in
 * a user namespace of their own: creating a struct_ops link checks no
 * capability, and a handler is registered in the namespace of the process
 * that links it.  Loading needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN;
 * opening a pin (BPF_OBJ_GET, read-only) needs search permission on every
 * directory above it and read permission on it.
 *
 * Layout, under nsb_pin_dir() (root's, mode 0755):
 *   selector/{ops,match,load,rodata}   (0755 directory, 0444 pins)
 *   origin/{ops,match,load,rodata}
 * ops is the struct_ops map, match and load its programs, rodata their
 * read-only data (the selector's table and the build id).  A handler's
 * directory is replaced as a whole (built beside it, then exchanged).
 */
#ifndef NSB_PIN_H
#define NSB_PIN_H

#include <stdbool.h>
#include <stddef.h>

#include "bpf/stamp.h"
#include "error.h"

#define NSB_PIN_DIR_DEFAULT "/sys/fs/bpf/nsbinfmt"
#define NSB_PIN_BPFFS "/sys/fs/bpf"

/* What identifies one of our handlers' pins, from this build's object. */
struct nsb_pin_spec
{
  const char *dir;      /* under nsb_pin_dir(): "selector", "origin" */
  const char *what;     /* for messages: "the bpf selector" */
  const char *map;      /* the struct_ops map's name */
  const char *handler;  /* the handler name its value carries */
  const char *progs[2]; /* match, load: the programs' names */
  size_t rodata_size;   /* of the programs' .rodata */
  size_t stamp_offset;  /* of its nsb_pin_stamp (bpf/stamp.h) */
  unsigned long long build_id;
};

/* A loaded handler, by fd, to pin. */
struct nsb_pin_fds
{
  int ops, match, load, rodata;
};

/* A pin opened and checked for use by an unprivileged attacher. */
struct nsb_pinned
{
  int ops_fd;   /* the struct_ops map, read-only */
  void *rodata; /* a copy of its programs' .rodata */
};

/* $NSBINFMT_PIN_DIR, else NSB_PIN_DIR_DEFAULT. */
const char *nsb_pin_dir (void);

/* Open SPEC's pin and check it is this build's: directories owned by root
 * and writable by nobody else, on a bpffs; a struct_ops map of type
 * binfmt_misc_ops with SPEC's map and handler names; its programs those
 * pinned beside it, with SPEC's names; their .rodata with SPEC's size and
 * build id.  A pin that fails any check is refused (with why), never
 * attached. */
int nsb_pinned_open (const struct nsb_pin_spec *spec, struct nsb_pinned *p,
                     nsb_error_t *err);
void nsb_pinned_close (struct nsb_pinned *p);

/* As root: make FDS (loaded from SPEC's object, the struct_ops value not
 * registered yet) SPEC's pin.  A pin of this build with the same program
 * tags is kept (*CHANGED false); any other is replaced as a whole. */
int nsb_pin_handler (const struct nsb_pin_spec *spec,
                     const struct nsb_pin_fds *fds, void *map, bool *changed,
                     nsb_error_t *err);

/* As root, before loading a handler to pin: the struct_ops layout its
 * stamp records, from the kernel's BTF. */
int nsb_pin_layout (struct nsb_pin_stamp *stamp, nsb_error_t *err);

/* As root: remove the pins.  Entries that use a handler keep it: it lives
 * as long as they do.  *REMOVED counts the handlers' pins removed. */
int nsb_unpin (int *removed, nsb_error_t *err);

#endif
