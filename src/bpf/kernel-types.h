/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few kernel types the selector touches, declared for CO-RE instead of
 * a whole generated vmlinux.h: libbpf relocates every field access against
 * the running kernel's BTF, and matches struct binfmt_misc_ops to the
 * kernel's by name.  The kfunc comes from fs/binfmt_misc_bpf.c (Linux 7.3).
 */
#ifndef NSB_BPF_KERNEL_TYPES_H
#define NSB_BPF_KERNEL_TYPES_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

struct linux_binprm
{
  char buf[256];
} __attribute__ ((preserve_access_index));

struct binfmt_misc_ops
{
  bool (*match) (struct linux_binprm *);
  int (*load) (struct linux_binprm *);
  char name[16];
} __attribute__ ((preserve_access_index));

/* fs/binfmt_misc_bpf.c: the kfunc's argument type must match the kernel's */
enum bpf_binprm_flags
{
  BPF_BINPRM_PRESERVE_ARGV0 = 1,
  BPF_BINPRM_CREDENTIALS = 2,
  BPF_BINPRM_EXECFD = 4,
  BPF_BINPRM_TRANSPARENT = 8,
  BPF_BINPRM_LOADER = 16,
};

#endif
