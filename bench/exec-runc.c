/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * exec-runc: a runtime that only executes /usr/sbin/runc with its own
 * arguments, without a C library (x86_64): what any program between an
 * engine and runc costs at the least, the floor bench/docker.sh measures
 * nsbinfmt-runtime against (NSB_BENCH_EXECS).  Build: cc -nostdlib -static.
 */
__asm__(".globl _start\n"
        "_start:\n"
        "  mov (%rsp), %rdi\n"
        "  lea 8(%rsp), %rsi\n"
        "  lea 8(%rsi,%rdi,8), %rdx\n"
        "  lea runc(%rip), %rdi\n"
        "  mov $59, %eax\n" /* execve (runc, argv, envp) */
        "  syscall\n"
        "  mov $127, %edi\n"
        "  mov $60, %eax\n" /* exit (127) */
        "  syscall\n"
        ".section .rodata\n"
        "runc: .asciz \"/usr/sbin/runc\"\n");
