/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * binfmt_misc register strings (":name:type:offset:magic:mask:interp:flags")
 * and entry files, exactly as fs/binfmt_misc.c of Linux 7.3 takes and shows
 * them.  A dialect (the NSB_KF_* bits) says which grammar a kernel speaks.
 */
#ifndef NSB_RULE_H
#define NSB_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define NSB_REGISTER_MIN 11     /* create_entry(): count < 11 is EINVAL */
#define NSB_REGISTER_MAX 1920   /* MAX_REGISTER_LENGTH */
#define NSB_BINPRM_BUF_SIZE 256 /* BINPRM_BUF_SIZE */
#define NSB_ENTRY_NAME_MAX 255  /* NAME_MAX, the entry's dentry */
#define NSB_BOUND_NAME_MAX 32   /* BINFMT_MISC_INTERP_NAME_MAX */
#define NSB_BOUND_MAX 100       /* BINFMT_MISC_INTERP_MAX */

/* What a kernel's binfmt_misc understands beyond the classic grammar. */
enum
{
  NSB_KF_BPF = 1 << 0,         /* type B (CONFIG_BINFMT_MISC_BPF) */
  NSB_KF_TRANSPARENT = 1 << 1, /* flag T */
  NSB_KF_LOADER = 1 << 2,      /* flag L */
  NSB_KF_DISABLED = 1 << 3,    /* flag D */
  NSB_KF_ABS_INTERP = 1 << 4,  /* C or L without F needs an absolute path */
};
#define NSB_KF_LINUX_7_3                                                      \
  (NSB_KF_BPF | NSB_KF_TRANSPARENT | NSB_KF_LOADER | NSB_KF_DISABLED          \
   | NSB_KF_ABS_INTERP)

/* Entry flags, in the order the kernel prints them. */
enum
{
  NSB_FLAG_P = 1 << 0, /* preserve argv[0] */
  NSB_FLAG_O = 1 << 1, /* open binary (AT_EXECFD) */
  NSB_FLAG_C = 1 << 2, /* credentials from the binary; implies O */
  NSB_FLAG_F = 1 << 3, /* open the interpreter at registration */
  NSB_FLAG_T = 1 << 4, /* transparent; implies O */
  NSB_FLAG_L = 1 << 5, /* loader substitution */
  NSB_FLAG_D = 1 << 6, /* register disabled (consumed, never read back) */
};

enum nsb_rule_type
{
  NSB_TYPE_MAGIC = 'M',
  NSB_TYPE_EXTENSION = 'E',
  NSB_TYPE_BPF = 'B',
};

struct nsb_rule
{
  char name[NSB_REGISTER_MAX + 1];
  char type;        /* enum nsb_rule_type */
  int offset;       /* M only */
  size_t magic_len; /* M: decoded magic; E: extension length */
  uint8_t magic[NSB_REGISTER_MAX + 1]; /* M: bytes; E: NUL-terminated */
  bool has_mask;
  uint8_t mask[NSB_BINPRM_BUF_SIZE];
  char interpreter[NSB_REGISTER_MAX + 1]; /* B: the handler's name */
  unsigned flags; /* NSB_FLAG_*, implied bits included, D included */
};

/* One line that says which field is wrong is left in *err. */
int nsb_rule_parse (const char *s, size_t len, unsigned kfeatures,
                    struct nsb_rule *rule, nsb_error_t *err);

/* Check a rule built in memory against the same grammar. */
int nsb_rule_validate (const struct nsb_rule *rule, unsigned kfeatures,
                       nsb_error_t *err);

/* Write RULE as a register string (no newline) that parses back to it.
 * Returns its length, or a negative status with *err set if it does not fit.
 */
int nsb_rule_format (const struct nsb_rule *rule, char *buf, size_t size,
                     nsb_error_t *err);

/* Flag bits to letters ("POCF..." order) and back (unknown letter: -1). */
void nsb_flags_to_string (unsigned flags, char out[8]);
int nsb_flags_from_string (const char *s, unsigned *flags);

/* Do two rules register the same entry (what an entry file reads back:
 * type, offset, magic, mask, interpreter, flags but D)? */
bool nsb_rule_same (const struct nsb_rule *a, const struct nsb_rule *b);

/* Does a file starting with BUF (LEN bytes) match RULE's magic and mask? */
bool nsb_rule_matches (const struct nsb_rule *rule, const uint8_t *buf,
                       size_t len);

#endif
