/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few kernel types the selector touches, declared for CO-RE instead of
 * a whole generated vmlinux.h: libbpf relocates every field access against
 * the running kernel's BTF, and matches struct binfmt_misc_ops to the
 * kernel's by name.  The kfunc comes from fs/binfmt_misc_bpf.c (Linux 7.3).
 */
#ifndef NSB_BPF_KERNEL_TYPES_H
#define NSB_BPF_KERNEL_TYPES_H

#include <linux/bpf.h>
#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include <bpf/bpf_helpers.h>

struct path
{
  void *mnt;
  void *dentry;
} __attribute__ ((preserve_access_index));

struct inode
{
  unsigned short i_mode;
} __attribute__ ((preserve_access_index));

struct file
{
  struct inode *f_inode;
  struct path f_path;
} __attribute__ ((preserve_access_index));

struct linux_binprm
{
  char buf[256];
  struct file *file;
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

extern int bpf_binprm_select_interp (struct linux_binprm *bprm,
                                     const char *name, size_t name__sz) __ksym;
extern int bpf_binprm_set_interp (struct linux_binprm *bprm, const char *path,
                                  size_t path__sz) __ksym;
extern int bpf_binprm_set_flags (struct linux_binprm *bprm,
                                 enum bpf_binprm_flags flags) __ksym;
extern int bpf_dynptr_from_file (struct file *file, __u32 flags,
                                 struct bpf_dynptr *ptr__uninit) __ksym;
extern int bpf_dynptr_file_discard (struct bpf_dynptr *dynptr) __ksym;
extern int bpf_path_d_path (const struct path *path, char *buf,
                            size_t buf__sz) __ksym;
extern int bpf_strrchr (const char *s__ign, int c) __ksym;

#endif
