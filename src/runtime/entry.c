/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsbinfmt-runtime's entry point, before the C library starts.  An engine
 * runs the shim for every runtime command of every container, and every
 * command but create and run goes straight to the real runtime; yet a
 * static glibc's start-up alone (CPU and cache detection: some fifty
 * CPUID instructions, each a trap to the hypervisor in a virtual machine,
 * and the pages it touches) cost more than all the rest of such a call.
 * So those commands are executed from here, the runtime found as main()
 * finds it (nsbinfmt-runtime.c), with the same arguments, the shim's own
 * taken out, and the same environment.  create, run, --help and a failed
 * execve go on to the C library's _start and main(), which act and report
 * as they always have.
 *
 * Nothing here may call the C library or need what its start-up sets up:
 * thread-local storage (the stack protector's canary: NSB_PRE_LIBC),
 * IRELATIVE relocations (string functions, even those a compiler emits on
 * its own), relocated pointers in static data.  tests/runtime-entry.sh
 * checks that this needs no symbol but _start.
 */
#include "config.h"

#if NSB_RUNTIME_ENTRY

#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/args.h"

/* More than any engine gives: main() takes the rest. */
#define ARGS_MAX 256

#if defined __x86_64__ && !defined __ILP32__
/* The kernel's initial stack at %rsp (argc, argv, envp, auxv), and in
 * %rdx what _start hands to atexit (0 for a static program).  Both as they
 * were for _start when nsb_runtime_pass returns. */
__asm__(".text\n"
        ".globl nsb_runtime_start\n"
        ".type nsb_runtime_start, @function\n"
        "nsb_runtime_start:\n"
        "  xor %ebp, %ebp\n"
        "  mov %rsp, %r12\n"
        "  mov %rdx, %r13\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call nsb_runtime_pass\n"
        "  mov %r12, %rsp\n"
        "  mov %r13, %rdx\n"
        "  jmp _start\n"
        ".size nsb_runtime_start, .-nsb_runtime_start\n");

NSB_PRE_LIBC static long
sys4 (long n, long a, long b, long c, long d)
{
  register long r10 __asm__("r10") = d;
  long ret;

  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
                   : "rcx", "r11", "memory");
  return ret;
}
#else
#error "no entry point for this architecture (configure decides)"
#endif

/* The kernel's struct stat for newfstatat is glibc's here. */
_Static_assert(sizeof (struct stat) == 144, "struct stat");

NSB_PRE_LIBC static int
stat_at (const char *path, struct stat *st)
{
  return sys4 (SYS_newfstatat, AT_FDCWD, (long)path, (long)st, 0) < 0 ? -1 : 0;
}

/* getenv (NAME), over the environment the kernel passed. */
NSB_PRE_LIBC static const char *
env_get (char **envp, const char *name)
{
  for (; *envp != NULL; envp++)
    {
      const char *e = *envp, *n = name;
      while (*n != '\0' && *e == *n)
        e++, n++;
      if (*n == '\0' && *e == '=')
        return e + 1;
    }
  return NULL;
}

/* snprintf (BUF, SIZE, "%s/%s", DIR (of LEN bytes), NAME). */
NSB_PRE_LIBC static void
join (char *buf, size_t size, const char *dir, size_t len, const char *name)
{
  size_t n = 0;

  for (size_t i = 0; i < len && n + 1 < size; i++)
    buf[n++] = dir[i];
  if (n + 1 < size)
    buf[n++] = '/';
  for (; *name != '\0' && n + 1 < size; name++)
    buf[n++] = *name;
  buf[n] = '\0';
}

/* find_runtime of nsbinfmt-runtime.c: NAME along $PATH (its non-empty
 * entries), skipping this program itself. */
NSB_PRE_LIBC static const char *
find_runtime (char **envp, const char *name, char *buf, size_t size)
{
  const char *path = env_get (envp, "PATH"), *d;
  struct stat self, st;

  for (const char *c = name; *c != '\0'; c++)
    if (*c == '/')
      return name;
  if (stat_at ("/proc/self/exe", &self) < 0)
    return name;
  if (path == NULL || *path == '\0')
    path = "/usr/local/bin:/usr/bin:/bin";
  for (d = path; *d != '\0';)
    {
      size_t len = 0;
      while (d[len] != '\0' && d[len] != ':')
        len++;
      if (len == 0)
        {
          d++;
          continue;
        }
      join (buf, size, d, len, name);
      d += len;
      if (sys4 (SYS_faccessat, AT_FDCWD, (long)buf, X_OK, 0) == 0
          && stat_at (buf, &st) == 0
          && (st.st_dev != self.st_dev || st.st_ino != self.st_ino))
        return buf;
    }
  return name;
}

/* The command on the initial stack SP, executed here unless main() has
 * something to do for it; returns when it has. */
NSB_PRE_LIBC void nsb_runtime_pass (long *sp);

NSB_PRE_LIBC void
nsb_runtime_pass (long *sp)
{
  int argc = (int)sp[0], cmd, n = 1;
  char **argv = (char **)(sp + 1), **envp = argv + argc + 1;
  const char *runtime = env_get (envp, "NSBINFMT_RUNTIME");
  char *args[ARGS_MAX + 1], path[PATH_MAX];

  if (argc < 1 || argc > ARGS_MAX)
    return;
  if (argc == 2
      && (nsb_streq (argv[1], "--help") || nsb_streq (argv[1], "-h")))
    return;
  cmd = nsb_runtime_command (argc, argv);
  if (cmd > 0
      && (nsb_streq (argv[cmd], "create") || nsb_streq (argv[cmd], "run")))
    return;
  for (int i = 1; i < argc; i++)
    if (nsb_starts_with (argv[i], NSB_RUNTIME_OPT_RUNTIME))
      runtime = argv[i] + sizeof (NSB_RUNTIME_OPT_RUNTIME) - 1;
    else if (!nsb_runtime_own_option (argv[i]))
      args[n++] = argv[i];
  if (runtime == NULL || runtime[0] == '\0')
    runtime = "runc";
  args[0] = (char *)runtime;
  args[n] = NULL;
  sys4 (SYS_execve, (long)find_runtime (envp, runtime, path, sizeof (path)),
        (long)args, (long)envp, 0);
}

#else
/* Without it (configure: not a static build, or another architecture),
 * main() does everything. */
typedef int nsb_runtime_entry_unused;
#endif
