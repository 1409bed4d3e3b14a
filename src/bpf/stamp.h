/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What `nsbinfmt pin` writes into a handler's .rodata before it loads it
 * (src/handler-bpf.c), and what a user of the pin reads back
 * (src/pin-bpf.c): which build loaded it, and where the kernel keeps the
 * members of the struct_ops value, found in the kernel's BTF once, when
 * root pins.  A container that uses the pin checks the value at those
 * offsets and parses no BTF: 5 MB of it cost each one ~60 ms under TCG.
 * The .rodata is frozen once loaded, and the pin checks that its programs
 * use it, so the stamp is as trusted as the programs.
 */
#ifndef NSB_BPF_STAMP_H
#define NSB_BPF_STAMP_H

/* The struct_ops value's members the pin checks, in this order. */
#define NSB_STAMP_MATCH 0
#define NSB_STAMP_LOAD 1
#define NSB_STAMP_NAME 2
#define NSB_STAMP_MEMBERS 3

struct nsb_pin_stamp
{
  unsigned long long build_id;
  unsigned int ops_type_id; /* bpf_struct_ops_binfmt_misc_ops's BTF id */
  unsigned int ops_off[NSB_STAMP_MEMBERS]; /* in that value, in bytes */
};

#endif
