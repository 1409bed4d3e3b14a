/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Probe executables, written at run time.  A probe is an ELF header, one
 * PT_LOAD program header mapping the whole file, and two or three
 * instructions: put the status in the first argument register, the exit
 * syscall's number in the syscall register, trap.  Each was checked under
 * Debian 12's qemu-user-static 7.2 (tests/unit/test-probe.c runs them all).
 *
 * The machine code is kept as a list of units (bytes, halfwords or words)
 * that are stored in the target's byte order, so the two endiannesses of an
 * instruction set share their code.  The status is ORed into one unit at a
 * known bit position; every immediate used here takes 0..255 unsplit.  Some
 * take it sign-extended (sh4, m68k: 255 becomes -1), which the kernel's
 * "status & 0xff" turns back into 255.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"
#include "util.h"

#ifndef EF_MIPS_ABI_O32
#define EF_MIPS_ABI_O32 0x00001000
#endif
#define EM_MICROBLAZE_OLD 0xbaab /* what Debian's binfmt entry matches */
#define EF_HEXAGON_V67 0x67      /* qemu 7.2 knows no CPU for e_flags 0 */
#define EF_PPC64_ELFV2 2         /* entry is code, not a descriptor */

#define PROBE_CODE_MAX 12

struct probe_arch
{
  const char *name;
  uint16_t machine;
  uint8_t elfclass;  /* ELFCLASS32 / ELFCLASS64 */
  uint8_t data;      /* ELFDATA2LSB / ELFDATA2MSB */
  uint32_t flags;    /* e_flags */
  uint64_t vaddr;    /* where the file is loaded; a multiple of align */
  uint32_t align;    /* p_align: the arch's (largest) page size */
  uint8_t unit;      /* bytes a code[] element takes: 1, 2 or 4 */
  uint8_t imm_at;    /* the element that takes the status... */
  uint8_t imm_shift; /* ...shifted left this many bits */
  uint8_t n;         /* elements used in code[] */
  uint32_t code[PROBE_CODE_MAX];
};

#define LSB ELFDATA2LSB
#define MSB ELFDATA2MSB
#define C32 ELFCLASS32
#define C64 ELFCLASS64

/* Each row: name, e_machine, class, data, e_flags, vaddr, align, unit,
 * imm_at, imm_shift, n, code (the comment above it gives the assembly).
 * Rows stay one arch each, so clang-format keeps off them. */
/* clang-format off */
static const struct probe_arch probe_table[] = {
  /* mov x0, #status; mov x8, #93 (exit); svc #0 */
  { "aarch64", EM_AARCH64, C64, LSB, 0, 0x400000, 0x10000, 4, 0, 5, 3,
    { 0xd2800000, 0xd2800ba8, 0xd4000001 } },
  /* lda a0, status(zero); lda v0, 1(zero) (exit); callsys */
  { "alpha", EM_ALPHA, C64, LSB, 0, 0x120000000, 0x10000, 4, 0, 0, 3,
    { 0x221f0000, 0x201f0001, 0x00000083 } },
  /* mov r0, #status; mov r7, #1 (exit); svc #0 */
  { "arm", EM_ARM, C32, LSB, EF_ARM_EABI_VER5, 0x10000, 0x10000, 4, 0, 0, 3,
    { 0xe3a00000, 0xe3a07001, 0xef000000 } },
  /* The same, big-endian code (BE32: no EF_ARM_BE8). */
  { "armeb", EM_ARM, C32, MSB, EF_ARM_EABI_VER5, 0x10000, 0x10000, 4, 0, 0,
    3, { 0xe3a00000, 0xe3a07001, 0xef000000 } },
  /* move.d status, r10 (that is [pc+]); moveq 1, r9 (exit); break 13 */
  { "cris", EM_CRIS, C32, LSB, 0, 0x10000, 0x2000, 2, 1, 0, 5,
    { 0xae6f, 0x0000, 0x0000, 0x9241, 0xe93d } },
  /* { r0 = #status }; { r6 = #93 } (exit); { trap0(#1) } */
  { "hexagon", EM_QDSP6, C32, LSB, EF_HEXAGON_V67, 0x10000, 0x10000, 4, 0,
    5, 3, { 0x7800c000, 0x7800cba6, 0x5400c004 } },
  /* ldi status, r26; be,l 0x100(sr2, r0) (the gateway page);
   * ldi 1, r20 (exit; in the delay slot).  im14 has its sign in bit 0. */
  { "hppa", EM_PARISC, C32, MSB, EFA_PARISC_1_1, 0x10000, 0x1000, 4, 0, 1,
    3, { 0x341a0000, 0xe4008200, 0x34140002 } },
  /* ori a0, zero, status; ori a7, zero, 93 (exit); syscall 0 */
  { "loongarch64", EM_LOONGARCH, C64, LSB,
    EF_LARCH_OBJABI_V1 | EF_LARCH_ABI_DOUBLE_FLOAT, 0x120000000, 0x10000, 4,
    0, 10, 3, { 0x03800004, 0x0381740b, 0x002b0000 } },
  /* moveq #1, d0 (exit); moveq #status, d1; trap #0 */
  { "m68k", EM_68K, C32, MSB, 0, 0x10000, 0x2000, 2, 1, 0, 3,
    { 0x7001, 0x7200, 0x4e40 } },
  /* addik r5, r0, status; addik r12, r0, 1 (exit); brki r14, 8 */
  { "microblaze", EM_MICROBLAZE_OLD, C32, MSB, 0, 0x10000, 0x10000, 4, 0, 0,
    3, { 0x30a00000, 0x31800001, 0xb9cc0008 } },
  /* addiu a0, zero, status; addiu v0, zero, 4001 (o32 exit); syscall */
  { "mips", EM_MIPS, C32, MSB,
    EF_MIPS_ARCH_32R2 | EF_MIPS_ABI_O32 | EF_MIPS_NOREORDER, 0x400000,
    0x10000, 4, 0, 0, 3, { 0x24040000, 0x24020fa1, 0x0000000c } },
  { "mipsel", EM_MIPS, C32, LSB,
    EF_MIPS_ARCH_32R2 | EF_MIPS_ABI_O32 | EF_MIPS_NOREORDER, 0x400000,
    0x10000, 4, 0, 0, 3, { 0x24040000, 0x24020fa1, 0x0000000c } },
  /* The same with 5058 (n64 exit). */
  { "mips64", EM_MIPS, C64, MSB, EF_MIPS_ARCH_64R2 | EF_MIPS_NOREORDER,
    0x120000000, 0x10000, 4, 0, 0, 3,
    { 0x24040000, 0x240213c2, 0x0000000c } },
  { "mips64el", EM_MIPS, C64, LSB, EF_MIPS_ARCH_64R2 | EF_MIPS_NOREORDER,
    0x120000000, 0x10000, 4, 0, 0, 3,
    { 0x24040000, 0x240213c2, 0x0000000c } },
  /* The same with 6058 (n32 exit); EF_MIPS_ABI2 tells n32 from o32. */
  { "mipsn32", EM_MIPS, C32, MSB,
    EF_MIPS_ARCH_64R2 | EF_MIPS_ABI2 | EF_MIPS_NOREORDER, 0x10000000,
    0x10000, 4, 0, 0, 3, { 0x24040000, 0x240217aa, 0x0000000c } },
  { "mipsn32el", EM_MIPS, C32, LSB,
    EF_MIPS_ARCH_64R2 | EF_MIPS_ABI2 | EF_MIPS_NOREORDER, 0x10000000,
    0x10000, 4, 0, 0, 3, { 0x24040000, 0x240217aa, 0x0000000c } },
  /* li r3, status; li r0, 1 (exit); sc */
  { "ppc", EM_PPC, C32, MSB, 0, 0x10000000, 0x10000, 4, 0, 0, 3,
    { 0x38600000, 0x38000001, 0x44000002 } },
  { "ppc64", EM_PPC64, C64, MSB, EF_PPC64_ELFV2, 0x10000000, 0x10000, 4, 0,
    0, 3, { 0x38600000, 0x38000001, 0x44000002 } },
  { "ppc64le", EM_PPC64, C64, LSB, EF_PPC64_ELFV2, 0x10000000, 0x10000, 4,
    0, 0, 3, { 0x38600000, 0x38000001, 0x44000002 } },
  /* li a0, status; li a7, 93 (exit); ecall */
  { "riscv32", EM_RISCV, C32, LSB, 0, 0x10000, 0x1000, 4, 0, 20, 3,
    { 0x00000513, 0x05d00893, 0x00000073 } },
  { "riscv64", EM_RISCV, C64, LSB, 0, 0x10000, 0x1000, 4, 0, 20, 3,
    { 0x00000513, 0x05d00893, 0x00000073 } },
  /* lghi r2, status; svc 1 (exit) */
  { "s390x", EM_S390, C64, MSB, 0, 0x1000000, 0x1000, 2, 1, 0, 3,
    { 0xa729, 0x0000, 0x0a01 } },
  /* mov #status, r4; mov #1, r3 (exit); trapa #0x11 */
  { "sh4", EM_SH, C32, LSB, EF_SH4, 0x400000, 0x10000, 2, 0, 0, 3,
    { 0xe400, 0xe301, 0xc311 } },
  { "sh4eb", EM_SH, C32, MSB, EF_SH4, 0x400000, 0x10000, 2, 0, 0, 3,
    { 0xe400, 0xe301, 0xc311 } },
  /* mov status, o0; mov 1, g1 (exit); ta 0x10 */
  { "sparc", EM_SPARC, C32, MSB, 0, 0x10000, 0x10000, 4, 0, 0, 3,
    { 0x90102000, 0x82102001, 0x91d02010 } },
  { "sparc32plus", EM_SPARC32PLUS, C32, MSB, EF_SPARC_32PLUS, 0x10000,
    0x10000, 4, 0, 0, 3, { 0x90102000, 0x82102001, 0x91d02010 } },
  /* The same with ta 0x6d, the 64-bit syscall trap. */
  { "sparc64", EM_SPARCV9, C64, MSB, 0, 0x100000, 0x100000, 4, 0, 0, 3,
    { 0x90102000, 0x82102001, 0x91d0206d } },
  /* movi a6, status; movi a2, 118 (exit); syscall.  The two byte orders
   * lay the instruction fields out differently, not swapped. */
  { "xtensa", EM_XTENSA, C32, LSB, 0, 0x10000, 0x1000, 1, 2, 0, 9,
    { 0x62, 0xa0, 0x00, 0x22, 0xa0, 0x76, 0x00, 0x50, 0x00 } },
  { "xtensaeb", EM_XTENSA, C32, MSB, 0, 0x10000, 0x1000, 1, 2, 0, 9,
    { 0x26, 0x0a, 0x00, 0x22, 0x0a, 0x76, 0x00, 0x05, 0x00 } },
  /* mov ebx, status; mov eax, 1 (exit); int 0x80 */
  { "i386", EM_386, C32, LSB, 0, 0x8048000, 0x1000, 1, 1, 0, 12,
    { 0xbb, 0, 0, 0, 0, 0xb8, 0x01, 0, 0, 0, 0xcd, 0x80 } },
  /* mov edi, status; mov eax, 60 (exit); syscall */
  { "x86_64", EM_X86_64, C64, LSB, 0, 0x400000, 0x1000, 1, 1, 0, 12,
    { 0xbf, 0, 0, 0, 0, 0xb8, 0x3c, 0, 0, 0, 0x0f, 0x05 } },
};
/* clang-format on */

static const char *probe_names[NSB_ARRAY_SIZE (probe_table) + 1];
static pthread_once_t probe_names_once = PTHREAD_ONCE_INIT;

static void
probe_names_fill (void)
{
  for (size_t i = 0; i < NSB_ARRAY_SIZE (probe_table); i++)
    probe_names[i] = probe_table[i].name;
}

/* Where the next field goes, and in which byte order. */
struct probe_out
{
  uint8_t *p;
  uint8_t data; /* ELFDATA2LSB / ELFDATA2MSB */
};

/* Store the low WIDTH bytes of V and move on. */
static void
emit (struct probe_out *o, unsigned width, uint64_t v)
{
  for (unsigned i = 0; i < width; i++)
    {
      unsigned shift = o->data == ELFDATA2MSB ? 8 * (width - 1 - i) : 8 * i;
      o->p[i] = (uint8_t)(v >> shift);
    }
  o->p += width;
}

static const struct probe_arch *
probe_lookup (const char *name)
{
  for (size_t i = 0; i < NSB_ARRAY_SIZE (probe_table); i++)
    if (strcmp (probe_table[i].name, name) == 0)
      return &probe_table[i];
  return NULL;
}

/* The headers' sizes; the code starts 8-aligned after them. */
static size_t
probe_code_offset (const struct probe_arch *a)
{
  size_t hdrs = a->elfclass == ELFCLASS64
                    ? sizeof (Elf64_Ehdr) + sizeof (Elf64_Phdr)
                    : sizeof (Elf32_Ehdr) + sizeof (Elf32_Phdr);
  return (hdrs + 7) & ~(size_t)7;
}

_Static_assert(sizeof (Elf64_Ehdr) + sizeof (Elf64_Phdr) + 7
                       + PROBE_CODE_MAX * sizeof (uint32_t)
                   <= NSB_PROBE_MAX,
               "NSB_PROBE_MAX is too small for the largest probe");

/* The ELF header, for either class: only e_entry, e_phoff and e_shoff
 * change width (W). */
static void
write_ehdr (const struct probe_arch *a, struct probe_out *o, uint64_t entry)
{
  bool is64 = a->elfclass == ELFCLASS64;
  unsigned w = is64 ? 8 : 4;
  size_t ehsize = is64 ? sizeof (Elf64_Ehdr) : sizeof (Elf32_Ehdr);
  size_t phsize = is64 ? sizeof (Elf64_Phdr) : sizeof (Elf32_Phdr);
  size_t shsize = is64 ? sizeof (Elf64_Shdr) : sizeof (Elf32_Shdr);

  memcpy (o->p, ELFMAG, SELFMAG);
  o->p[EI_CLASS] = a->elfclass;
  o->p[EI_DATA] = a->data;
  o->p[EI_VERSION] = EV_CURRENT;
  o->p[EI_OSABI] = ELFOSABI_SYSV; /* the rest of e_ident stays zero */
  o->p += EI_NIDENT;
  emit (o, 2, ET_EXEC);    /* e_type */
  emit (o, 2, a->machine); /* e_machine */
  emit (o, 4, EV_CURRENT); /* e_version */
  emit (o, w, entry);      /* e_entry */
  emit (o, w, ehsize);     /* e_phoff: right after this header */
  emit (o, w, 0);          /* e_shoff: no sections */
  emit (o, 4, a->flags);   /* e_flags */
  emit (o, 2, ehsize);     /* e_ehsize */
  emit (o, 2, phsize);     /* e_phentsize */
  emit (o, 2, 1);          /* e_phnum */
  emit (o, 2, shsize);     /* e_shentsize */
  emit (o, 2, 0);          /* e_shnum */
  emit (o, 2, SHN_UNDEF);  /* e_shstrndx */
}

/* The one PT_LOAD: the whole file, read and execute, at a->vaddr.  Elf64
 * moves p_flags up to second place; the other fields keep their order. */
static void
write_phdr (const struct probe_arch *a, struct probe_out *o, uint64_t filesz)
{
  bool is64 = a->elfclass == ELFCLASS64;
  unsigned w = is64 ? 8 : 4;

  emit (o, 4, PT_LOAD); /* p_type */
  if (is64)
    emit (o, 4, PF_R | PF_X); /* p_flags */
  emit (o, w, 0);             /* p_offset */
  emit (o, w, a->vaddr);      /* p_vaddr */
  emit (o, w, a->vaddr);      /* p_paddr */
  emit (o, w, filesz);        /* p_filesz */
  emit (o, w, filesz);        /* p_memsz */
  if (!is64)
    emit (o, 4, PF_R | PF_X); /* p_flags */
  emit (o, w, a->align);      /* p_align */
}

/* The machine code, with the status in place. */
static void
write_code (const struct probe_arch *a, struct probe_out *o, uint8_t code)
{
  for (unsigned i = 0; i < a->n; i++)
    {
      uint32_t v = a->code[i];
      if (i == a->imm_at)
        v |= (uint32_t)code << a->imm_shift;
      emit (o, a->unit, v);
    }
}

int
nsb_probe_build (const char *arch, uint8_t code, uint8_t *buf, size_t size,
                 size_t *len, nsb_error_t *err)
{
  const struct probe_arch *a;
  struct probe_out o = { buf, 0 };
  size_t off, total;

  if (arch == NULL || buf == NULL || len == NULL)
    return nsb_error_set (err, EINVAL, "probe: missing argument");
  a = probe_lookup (arch);
  if (a == NULL)
    return nsb_error_set (err, EINVAL, "probe: no probe for architecture '%s'",
                          arch);
  off = probe_code_offset (a);
  total = off + (size_t)a->n * a->unit;
  if (size < total)
    return nsb_error_set (err, ENOBUFS,
                          "probe: %s needs %zu bytes, the buffer has %zu",
                          arch, total, size);
  memset (buf, 0, total);
  o.data = a->data;
  write_ehdr (a, &o, a->vaddr + off);
  write_phdr (a, &o, total);
  o.p = buf + off; /* past the padding */
  write_code (a, &o, code);
  *len = total;
  return 0;
}

const char *const *
nsb_probe_arches (void)
{
  pthread_once (&probe_names_once, probe_names_fill);
  return probe_names;
}

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

static int
wait_probe (pid_t pid, int *status)
{
  int pidfd = (int)syscall (SYS_pidfd_open, pid, 0);
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  int timed_out = pidfd >= 0 && poll (&p, 1, NSB_PROBE_TIMEOUT_MS) == 0;

  if (timed_out)
    kill (pid, SIGKILL);
  nsb_closep (&pidfd);
  while (waitpid (pid, status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return timed_out ? 1 : 0;
}

/* From a memfd that is not close-on-exec: binfmt_misc refuses binaries
 * whose path the interpreter could not open. */
int
nsb_probe_run (const uint8_t *img, size_t len, int root_fd, int *status,
               nsb_error_t *err)
{
  cleanup_close int mfd = memfd_create ("nsbinfmt-probe", MFD_EXEC);
  char *const argv[] = { (char *)"nsbinfmt-probe", NULL };
  char *const envp[] = { NULL };
  cleanup_close int here = open ("/", O_PATH | O_CLOEXEC);
  bool need_chroot = root_fd >= 0 && !nsb_same_file (root_fd, here);
  int timed_out;
  pid_t pid;

  if (mfd < 0 && errno == EINVAL)
    mfd = memfd_create ("nsbinfmt-probe", 0);
  if (mfd < 0 || write (mfd, img, len) != (ssize_t)len)
    return nsb_error_errno (err, "probe memfd");
  pid = fork ();
  if (pid < 0)
    return nsb_error_errno (err, "fork");
  if (pid == 0)
    {
      if (need_chroot && nsb_chroot_fd (root_fd, NULL) < 0)
        _exit (NSB_PROBE_NOROOT);
      syscall (SYS_execveat, mfd, "", argv, envp, AT_EMPTY_PATH);
      _exit (errno == ENOEXEC ? NSB_PROBE_ENOEXEC : NSB_PROBE_NOEXEC);
    }
  timed_out = wait_probe (pid, status);
  if (timed_out < 0)
    return nsb_error_errno (err, "wait for the probe");
  return timed_out;
}
