/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libnsbinfmt: private binfmt_misc instances for sandboxes and containers.
 *
 * Since Linux 6.7 every user namespace can have a binfmt_misc table of its
 * own.  This library gives one to a process (a container, a build sandbox):
 * it mounts the instance of the process's user namespace in its mount
 * namespace, registers emulators there (the host's static qemu emulators,
 * opened on the host at registration: flag F), checks them and leaves the
 * mount read-only.  The initial user namespace's table is the host's; the
 * library refuses every process in that namespace and never writes to it.
 *
 * Conventions.  A function returns 0 on success or a negative errno value
 * (-EPERM, -ENOENT ...) that says why it failed; it then also sets *ERR,
 * when ERR is not NULL, to an error object that the caller frees with
 * nsbinfmt_error_free().  On success *ERR is left alone.  Every _free
 * function takes NULL.  A MOUNTPOINT of NULL is
 * NSBINFMT_DEFAULT_MOUNTPOINT, the path as the target sees it (its root
 * being the target's root).  Functions that act in the target's namespaces
 * (install, list, remove, verify) fork a helper process that enters them;
 * while it runs, SIGINT, SIGTERM, SIGHUP and SIGQUIT are passed on to it
 * (an interrupted install leaves nothing behind).  Installing and entering
 * another user's namespaces take the rights setns(2) asks for: root, or
 * the owner of the target's user namespace.  Everything this header names
 * starts with nsbinfmt_ or NSBINFMT_; the library exports nothing else.
 * See libnsbinfmt(3).
 */
#ifndef NSBINFMT_H
#define NSBINFMT_H

#include <stddef.h>
#include <sys/types.h>

#if defined(__GNUC__) && __GNUC__ >= 4
#define NSBINFMT_API __attribute__ ((visibility ("default")))
#else
#define NSBINFMT_API
#endif

#ifdef __cplusplus
extern "C"
{
#endif

#define NSBINFMT_DEFAULT_MOUNTPOINT "/proc/sys/fs/binfmt_misc"

  /* What failed and why: one line, no trailing newline, and the errno
   * value (never 0: a failure without one is EIO); the function that
   * failed returned its negative. */
  typedef struct nsbinfmt_error nsbinfmt_error;

  NSBINFMT_API const char *nsbinfmt_error_message (const nsbinfmt_error *e);
  NSBINFMT_API int nsbinfmt_error_errno (const nsbinfmt_error *e);
  NSBINFMT_API void nsbinfmt_error_free (nsbinfmt_error *e);

  /* A process whose user and mount namespaces get the instance.  Opened
   * through a pidfd and /proc/PID before anything is done, so a pid reused
   * later cannot redirect it.  A process in the initial user namespace is
   * refused (-EPERM). */
  typedef struct nsbinfmt_target nsbinfmt_target;

  /* ROOT: NULL, or the target's root directory as its mount namespace
   * sees it, when that is not yet its root (an OCI bundle's rootfs before
   * pivot_root, from a createRuntime or prestart hook). */
  NSBINFMT_API int nsbinfmt_target_open_pid (pid_t pid, const char *root,
                                             nsbinfmt_target **target,
                                             nsbinfmt_error **err);
  NSBINFMT_API void nsbinfmt_target_free (nsbinfmt_target *target);

  /* The entries to register, in order.  A rule added under a name the set
   * holds already replaces it. */
  typedef struct nsbinfmt_rules nsbinfmt_rules;

  NSBINFMT_API int nsbinfmt_rules_new (nsbinfmt_rules **rules,
                                       nsbinfmt_error **err);
  NSBINFMT_API void nsbinfmt_rules_free (nsbinfmt_rules *rules);

  /* The entry "qemu-NAME" (flags F, O, and P where the emulator honours
   * it) for ARCH: qemu's name or any alias nsbinfmt catalog lists
   * ("aarch64", "arm64", "linux/arm64" ...), or "all": every architecture
   * this host does not run natively and has an emulator for.  EMULATOR:
   * NULL for the registry's `qemu` (the host's qemu-NAME-static, else
   * qemu-NAME, in $NSBINFMT_EMULATOR_PATH or /usr/local/bin:/usr/bin), a
   * name of the emulator registry (nsbinfmt(7)), or an absolute path (not
   * with "all").  The host's own architecture is refused (-EINVAL), as is
   * an unknown one, and an unknown name (-ENOENT). */
  NSBINFMT_API int nsbinfmt_rules_add_arch (nsbinfmt_rules *rules,
                                            const char *arch,
                                            const char *emulator,
                                            nsbinfmt_error **err);

  /* A binfmt_misc register string, ":name:type:offset:magic:mask:
   * interpreter:flags" (one line of a binfmt.d(5) file), checked against
   * the grammar of Linux 7.3; the interpreter is a path on the host.  A
   * field the running kernel does not know fails at install. */
  NSBINFMT_API int nsbinfmt_rules_add_register (nsbinfmt_rules *rules,
                                                const char *line,
                                                nsbinfmt_error **err);

  /* How far install and verify check that an entry runs its interpreter. */
  enum nsbinfmt_verify_level
  {
    NSBINFMT_VERIFY_NONE,   /* trust the kernel's acceptance */
    NSBINFMT_VERIFY_STATIC, /* enabled, pre-opened, the interpreter static
                               (or its loader present in the target) */
    NSBINFMT_VERIFY_PROBE,  /* and run a probe binary of the entry's
                               architecture in the target */
  };

  /* Flags of nsbinfmt_install. */
#define NSBINFMT_INSTALL_WRITABLE 0x1u /* leave the instance read-write */

  /* Mount the target's instance at MOUNTPOINT (or reuse the one there),
   * register RULES (one magic entry each; an identical entry already there
   * is kept), check them at VERIFY, and remount it read-only unless FLAGS
   * has NSBINFMT_INSTALL_WRITABLE.  On any failure nothing of this call is
   * left behind; a failed check is -ENOEXEC.  An unknown flag is -EINVAL. */
  NSBINFMT_API int nsbinfmt_install (nsbinfmt_target *target,
                                     const nsbinfmt_rules *rules,
                                     const char *mountpoint,
                                     enum nsbinfmt_verify_level verify,
                                     unsigned flags, nsbinfmt_error **err);

  /* The names of the entries of the instance at MOUNTPOINT: *NAMES is a
   * NULL-terminated array, freed with nsbinfmt_names_free().  No instance
   * there is -ENOENT. */
  NSBINFMT_API int nsbinfmt_list (nsbinfmt_target *target,
                                  const char *mountpoint, char ***names,
                                  nsbinfmt_error **err);
  NSBINFMT_API void nsbinfmt_names_free (char **names);

  /* Remove the entry NAME, or every entry when NAME is NULL: from outside
   * the target, so also from the read-only instance install leaves. */
  NSBINFMT_API int nsbinfmt_remove (nsbinfmt_target *target,
                                    const char *mountpoint, const char *name,
                                    nsbinfmt_error **err);

  /* Check every entry at MOUNTPOINT at LEVEL (as install does); the first
   * that fails is -ENOEXEC, with the entry and why in *ERR. */
  NSBINFMT_API int nsbinfmt_verify (nsbinfmt_target *target,
                                    const char *mountpoint,
                                    enum nsbinfmt_verify_level level,
                                    nsbinfmt_error **err);

#ifdef __cplusplus
}
#endif

#endif
