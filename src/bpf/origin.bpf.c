// SPDX-License-Identifier: GPL-2.0-only
/*
 * origin.bpf.c - nsbinfmt's $ORIGIN loader (Linux 7.3,
 * CONFIG_BINFMT_MISC_BPF): a native ELF executable whose PT_INTERP starts
 * with "$ORIGIN/" (a relocatable, Nix-style binary) runs with that loader
 * resolved against the directory the binary was executed from, as a
 * native exec (BPF_BINPRM_LOADER: /proc/self/exe, argv and AT_SECURE are
 * the binary's own).
 *
 * `match` looks at the prefetched header first (ELF, a native machine) and
 * only then reads the program headers from the file, bounded; everything
 * else never commits to this handler.  `load` reads them again (the file
 * may have changed), refuses set-id binaries (whoever can hard-link one
 * next to a loader of their own would run it with its privileges), and
 * selects "<dir of the binary>/<rest of PT_INTERP>": the kernel opens that
 * with the execing task's credentials; ".." is resolved by that lookup.
 */
#include "kernel-types.h"

#include <bpf/bpf_tracing.h>

#include "origin.h"

char LICENSE[] SEC ("license") = "GPL";

#define EPERM 1
#define ENOENT 2
#define ENOEXEC 8
#define ENAMETOOLONG 36
#define PT_INTERP 3
#define PHDRS_MAX 64
#define NSB_PATH_MAX 4096
#define S_ISUID 04000
#define S_ISGID 02000
#define S_IXGRP 00010

/* The native machines (e_machine), 64- and 32-bit; 0: none. */
const volatile __u16 machine64 = 0;
const volatile __u16 machine32 = 0;
/* Which build of nsbinfmt pinned this, and its struct_ops layout. */
const volatile struct nsb_pin_stamp nsb_pin_stamp = {};

struct scratch
{
  char interp[NSB_PATH_MAX];
  char path[2 * NSB_PATH_MAX]; /* the binary's, then the loader's */
};

/* Keyed by pid_tgid: execs run concurrently and the programs sleep. */
struct
{
  __uint (type, BPF_MAP_TYPE_HASH);
  __uint (max_entries, 1024);
  __type (key, __u64);
  __type (value, struct scratch);
} scratch SEC (".maps");

static const struct scratch zero;

static __u64
rd (const unsigned char *p, int n, bool be)
{
  __u64 v = 0;
  for (int i = 0; i < 8; i++)
    if (i < n)
      v |= (__u64)p[be ? n - 1 - i : i] << (8 * i);
  return v;
}

/* A native ELF executable, by the header the kernel prefetched? */
static bool
native_elf (struct linux_binprm *bprm)
{
  const char *b = bprm->buf;
  bool be = b[5] == 2;
  __u16 machine
      = be ? (__u8)b[18] << 8 | (__u8)b[19] : (__u8)b[19] << 8 | (__u8)b[18];

  if (b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F')
    return false;
  if (b[4] == 2)
    return machine64 != 0 && machine == machine64;
  return b[4] == 1 && machine32 != 0 && machine == machine32;
}

struct interp
{
  __u64 off, size;
};

/* PT_INTERP's place in the file, from at most PHDRS_MAX headers. */
static int
find_interp (struct bpf_dynptr *dp, struct interp *in)
{
  unsigned char eh[64], ph[56];
  bool be, is64;
  __u64 phoff;
  __u32 phnum, phsz;
  int i;

  if (bpf_dynptr_read (eh, sizeof (eh), dp, 0, 0))
    return -1;
  be = eh[5] == 2;
  is64 = eh[4] == 2;
  phoff = is64 ? rd (eh + 32, 8, be) : rd (eh + 28, 4, be);
  phsz = rd (is64 ? eh + 54 : eh + 42, 2, be);
  phnum = rd (is64 ? eh + 56 : eh + 44, 2, be);
  if (phsz != (is64 ? 56 : 32))
    return -1;
  bpf_for (i, 0, phnum)
  {
    int r;

    if (i >= PHDRS_MAX)
      break;
    r = is64 ? bpf_dynptr_read (ph, 56, dp, phoff + i * 56, 0)
             : bpf_dynptr_read (ph, 32, dp, phoff + i * 32, 0);
    if (r)
      return -1;
    if (rd (ph, 4, be) != PT_INTERP)
      continue;
    in->off = is64 ? rd (ph + 8, 8, be) : rd (ph + 4, 4, be);
    in->size = is64 ? rd (ph + 32, 8, be) : rd (ph + 16, 4, be);
    return 0;
  }
  return -1;
}

static bool
is_origin (const char *s)
{
  return s[0] == '$' && s[1] == 'O' && s[2] == 'R' && s[3] == 'I'
         && s[4] == 'G' && s[5] == 'I' && s[6] == 'N' && s[7] == '/';
}

SEC ("struct_ops.s/match")
bool
BPF_PROG (nsb_origin_match, struct linux_binprm *bprm)
{
  char prefix[NSB_ORIGIN_PREFIX_LEN];
  struct bpf_dynptr dp;
  struct interp in;
  bool ours = false;

  if (!native_elf (bprm))
    return false;
  if (bpf_dynptr_from_file (bprm->file, 0, &dp) == 0
      && find_interp (&dp, &in) == 0 && in.size > NSB_ORIGIN_PREFIX_LEN
      && bpf_dynptr_read (prefix, sizeof (prefix), &dp, in.off, 0) == 0)
    ours = is_origin (prefix);
  bpf_dynptr_file_discard (&dp);
  return ours;
}

/* "$ORIGIN/rest" -> "<dir of the binary>/rest", in sc->path. */
static int
resolve (struct linux_binprm *bprm, struct bpf_dynptr *dp, struct scratch *sc)
{
  struct interp in;
  __u32 size, rest;
  int len, slash;

  if (find_interp (dp, &in) < 0 || in.size <= NSB_ORIGIN_PREFIX_LEN
      || in.size >= NSB_PATH_MAX)
    return -ENOEXEC;
  size = in.size & (NSB_PATH_MAX - 1);
  if (bpf_dynptr_read (sc->interp, size, dp, in.off, 0)
      || sc->interp[(size - 1) & (NSB_PATH_MAX - 1)] != '\0'
      || !is_origin (sc->interp))
    return -ENOEXEC;
  /* The binary as this task names it (beneath its root); one it cannot
   * reach (not beginning with '/') has no directory to resolve against. */
  len = bpf_path_d_path (&bprm->file->f_path, sc->path, NSB_PATH_MAX);
  if (len <= 0 || sc->path[0] != '/')
    return -ENOENT;
  slash = bpf_strrchr (sc->path, '/');
  if (slash < 0 || slash >= NSB_PATH_MAX)
    return -ENOENT;
  /* the '/' after $ORIGIN and everything to the NUL */
  rest = (size - (NSB_ORIGIN_PREFIX_LEN - 1)) & (NSB_PATH_MAX - 1);
  if (slash + rest > NSB_PATH_MAX)
    return -ENAMETOOLONG;
  if (bpf_probe_read_kernel (sc->path + (slash & (NSB_PATH_MAX - 1)), rest,
                             sc->interp + NSB_ORIGIN_PREFIX_LEN - 1))
    return -ENOEXEC;
  return 0;
}

SEC ("struct_ops.s/load")
int
BPF_PROG (nsb_origin_load, struct linux_binprm *bprm)
{
  unsigned short mode = bprm->file->f_inode->i_mode;
  __u64 id = bpf_get_current_pid_tgid ();
  struct bpf_dynptr dp;
  struct scratch *sc;
  int ret;

  if ((mode & S_ISUID) || ((mode & S_ISGID) && (mode & S_IXGRP)))
    return -EPERM;
  if (bpf_map_update_elem (&scratch, &id, &zero, BPF_ANY))
    return -ENOEXEC;
  sc = bpf_map_lookup_elem (&scratch, &id);
  if (sc == NULL)
    return -ENOEXEC;
  ret = bpf_dynptr_from_file (bprm->file, 0, &dp);
  if (ret == 0)
    ret = resolve (bprm, &dp, sc);
  bpf_dynptr_file_discard (&dp);
  if (ret == 0)
    ret = bpf_binprm_set_interp (bprm, sc->path, sizeof (sc->path));
  if (ret == 0)
    ret = bpf_binprm_set_flags (bprm, BPF_BINPRM_LOADER);
  bpf_map_delete_elem (&scratch, &id);
  return ret;
}

SEC (".struct_ops.link")
struct binfmt_misc_ops nsbinfmt_origin = {
  .match = (void *)nsb_origin_match,
  .load = (void *)nsb_origin_load,
  .name = NSB_ORIGIN_HANDLER,
};
