/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The table the selector (selector.bpf.c) matches against, shared by the
 * BPF program and the library (src/selector.c) that fills it in before the
 * program is loaded.  Each rule is a static magic rule compiled to the bytes
 * its mask looks at, most telling byte first, and the name its interpreter
 * is bound under in the B entry.
 */
#ifndef NSB_BPF_SELECTOR_H
#define NSB_BPF_SELECTOR_H

#include "stamp.h"

#define NSB_SEL_RULES_MAX 64 /* rules one selector holds */
#define NSB_SEL_BYTES_MAX 48 /* bytes a rule compares (Debian's: <= 40) */
#define NSB_SEL_WINDOW 128   /* they lie in the first bytes of bprm->buf */
#define NSB_SEL_NAME_MAX 32  /* BINFMT_MISC_INTERP_NAME_MAX */
#define NSB_SEL_HANDLER "nsbinfmt"
#define NSB_SEL_HANDLER_PINNED "nsbinfmt.pin" /* src/pin.c */

/* enum bpf_binprm_flags of Linux 7.3 (fs/binfmt_misc_bpf.c) */
#define NSB_SEL_PRESERVE_ARGV0 1
#define NSB_SEL_CREDENTIALS 2
#define NSB_SEL_EXECFD 4
#define NSB_SEL_TRANSPARENT 8

struct nsb_sel_byte
{
  unsigned char pos;
  unsigned char value; /* already masked */
  unsigned char mask;
};

struct nsb_sel_rule
{
  unsigned int n_bytes;
  unsigned int flags; /* NSB_SEL_* for bpf_binprm_set_flags() */
  char name[NSB_SEL_NAME_MAX + 1];
  struct nsb_sel_byte bytes[NSB_SEL_BYTES_MAX];
};

#endif
