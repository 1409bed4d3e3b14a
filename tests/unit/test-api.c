/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The public API (nsbinfmt.h) through the shared library, as a caller sees
 * it: the refusals, each with its errno and one line, then, in a sandbox
 * (unshare -Urm, the library's own target), install, list, verify, remove.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nsbinfmt.h"
#include "tap.h"

extern char **environ;

/* An architecture this host emulates: aarch64, or on aarch64 x86_64. */
static const char *
foreign (void)
{
  struct utsname u;
  return uname (&u) == 0 && !strcmp (u.machine, "aarch64") ? "x86_64"
                                                           : "aarch64";
}

/* Did the call fail with -STATUS, its error saying errno STATUS and naming
 * WORD?  Frees the error. */
static bool
failed (int ret, nsbinfmt_error **err, int status, const char *word)
{
  bool ok = ret == -status && *err != NULL
            && nsbinfmt_error_errno (*err) == status
            && strstr (nsbinfmt_error_message (*err), word) != NULL;

  if (*err != NULL)
    tap_diag ("%s", nsbinfmt_error_message (*err));
  nsbinfmt_error_free (*err);
  *err = NULL;
  return ok;
}

static void
test_rules (void)
{
  nsbinfmt_rules *rules = NULL;
  nsbinfmt_error *err = NULL;
  struct utsname u;

  tap_ok (nsbinfmt_rules_new (&rules, &err) == 0 && rules != NULL,
          "an empty rule set");
  tap_ok (failed (nsbinfmt_rules_add_arch (rules, "vax", NULL, &err), &err,
                  EINVAL, "vax"),
          "an unknown architecture: EINVAL");
  tap_ok (
      uname (&u) == 0
          && failed (nsbinfmt_rules_add_arch (rules, u.machine, NULL, &err),
                     &err, EINVAL, "natively"),
      "the host's own architecture (%s): EINVAL", u.machine);
  tap_ok (failed (nsbinfmt_rules_add_arch (rules, "aarch64", "bin/qemu", &err),
                  &err, EINVAL, "absolute"),
          "a relative emulator path: EINVAL");
  setenv ("NSBINFMT_EMULATORS_DIR", "/nonexistent", 1);
  tap_ok (failed (nsbinfmt_rules_add_arch (rules, "aarch64", "qemu-9", &err),
                  &err, ENOENT,
                  "no emulator `qemu-9` for aarch64 in the registry"),
          "a name the registry does not have: ENOENT");
  unsetenv ("NSBINFMT_EMULATORS_DIR");
  tap_ok (
      failed (nsbinfmt_rules_add_arch (rules, "all", "/usr/bin/qemu", &err),
              &err, EINVAL, "all"),
      "`all` with one emulator: EINVAL");
  tap_ok (failed (nsbinfmt_rules_add_register (rules,
                                               ":bad:X::x::/bin/true:", &err),
                  &err, EINVAL, "bad"),
          "a malformed register string: EINVAL");
  tap_ok (nsbinfmt_rules_add_register (rules, "vax", NULL) == -EINVAL,
          "a failure without ERR only returns");
  tap_ok (nsbinfmt_rules_add_register (rules, ":demo:E::nsbdemo::/bin/true:\n",
                                       &err)
              == 0,
          "a register string, with systemd-binfmt's newline");
  nsbinfmt_rules_free (rules);
  nsbinfmt_rules_free (NULL);
  nsbinfmt_error_free (NULL);
  nsbinfmt_names_free (NULL);
  nsbinfmt_target_free (NULL);
}

static bool
in_initial_userns (void)
{
  struct stat st;
  return stat ("/proc/self/ns/user", &st) == 0 && st.st_ino == 0xEFFFFFFDU;
}

static void
test_targets (void)
{
  nsbinfmt_target *t = NULL;
  nsbinfmt_error *err = NULL;

  tap_ok (failed (nsbinfmt_target_open_pid (-1, NULL, &t, &err), &err, EINVAL,
                  "pid")
              && t == NULL,
          "a bad pid: EINVAL");
  if (!in_initial_userns ())
    {
      tap_skip ("this process is not in the initial user namespace");
      return;
    }
  tap_ok (failed (nsbinfmt_target_open_pid (getpid (), NULL, &t, &err), &err,
                  EPERM, "initial user namespace")
              && t == NULL,
          "a process in the initial user namespace: EPERM");
}

/* `unshare -Urm sleep 600`, once it is in its user namespace; or -1. */
static pid_t
sandbox (void)
{
  char *argv[] = { "unshare", "-Urm", "sleep", "600", NULL };
  struct stat self, st;
  char path[64];
  pid_t pid;

  if (stat ("/proc/self/ns/user", &self) < 0
      || posix_spawnp (&pid, "unshare", NULL, NULL, argv, environ) != 0)
    return -1;
  snprintf (path, sizeof (path), "/proc/%d/ns/user", (int)pid);
  for (int i = 0; i < 400; i++)
    {
      if (stat (path, &st) == 0 && st.st_ino != self.st_ino)
        return pid;
      nanosleep (&(struct timespec){ .tv_nsec = 50000000 }, NULL);
    }
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  return -1;
}

/* Is LIST exactly the names given (in any order)? Frees it. */
static bool
names_are (char **list, const char *a, const char *b)
{
  size_t n = 0;
  bool ok = list != NULL;

  for (; ok && list[n] != NULL; n++)
    ok = !strcmp (list[n], a) || (b != NULL && !strcmp (list[n], b));
  nsbinfmt_names_free (list);
  return ok && n == (size_t)(a != NULL) + (b != NULL);
}

static void
test_refusals (nsbinfmt_target *t, nsbinfmt_rules *rules)
{
  nsbinfmt_rules *none = NULL;
  nsbinfmt_error *err = NULL;
  char **names = NULL;

  tap_ok (failed (nsbinfmt_install (t, rules, NULL, NSBINFMT_VERIFY_NONE, 0x2,
                                    &err),
                  &err, EINVAL, "flags"),
          "an unknown install flag: EINVAL");
  tap_ok (failed (nsbinfmt_install (t, rules, NULL,
                                    (enum nsbinfmt_verify_level)42, 0, &err),
                  &err, EINVAL, "level"),
          "an unknown verify level: EINVAL");
  tap_ok (nsbinfmt_rules_new (&none, NULL) == 0
              && failed (nsbinfmt_install (t, none, NULL, NSBINFMT_VERIFY_NONE,
                                           0, &err),
                         &err, EINVAL, "nothing to install"),
          "an empty rule set: EINVAL");
  nsbinfmt_rules_free (none);
  tap_ok (failed (nsbinfmt_list (t, "/tmp", &names, &err), &err, ENOENT,
                  "no binfmt_misc"),
          "no instance at the mount point: ENOENT");
}

/* ENTRY names an interpreter that is nowhere: the static check fails it. */
static void
test_lifecycle (nsbinfmt_target *t, nsbinfmt_rules *rules, const char *entry)
{
  nsbinfmt_error *err = NULL;
  char **names = NULL;
  char qemu[32];

  snprintf (qemu, sizeof (qemu), "qemu-%s", foreign ());

  tap_ok (
      nsbinfmt_install (t, rules, NULL, NSBINFMT_VERIFY_NONE, 0, &err) == 0,
      "install%s%s", err ? ": " : "", err ? nsbinfmt_error_message (err) : "");
  tap_ok (nsbinfmt_list (t, NULL, &names, &err) == 0
              && names_are (names, qemu, entry),
          "list: both entries");
  tap_ok (failed (nsbinfmt_verify (t, NULL, NSBINFMT_VERIFY_STATIC, &err),
                  &err, ENOEXEC, entry),
          "verify: an entry without its interpreter fails, ENOEXEC");
  tap_ok (nsbinfmt_remove (t, NULL, entry, &err) == 0
              && nsbinfmt_verify (t, NULL, NSBINFMT_VERIFY_STATIC, &err) == 0,
          "remove it: the rest verifies");
  tap_ok (nsbinfmt_remove (t, NULL, NULL, &err) == 0
              && nsbinfmt_list (t, NULL, &names, &err) == 0
              && names_are (names, NULL, NULL),
          "remove all: the read-only instance is empty");
  if (err != NULL)
    tap_diag ("%s", nsbinfmt_error_message (err));
  nsbinfmt_error_free (err);
}

static void
test_sandbox (void)
{
  nsbinfmt_target *t = NULL;
  nsbinfmt_rules *rules = NULL;
  nsbinfmt_error *err = NULL;
  pid_t pid = sandbox ();

  if (pid < 0)
    {
      tap_skip ("no sandbox: unshare -Urm failed");
      return;
    }
  if (nsbinfmt_rules_new (&rules, &err) < 0
      || nsbinfmt_rules_add_arch (rules, foreign (), NULL, &err) < 0
      || nsbinfmt_rules_add_register (
             rules, ":nsbtest:E::nsbtest::/nonexistent/nsbtest:", &err)
             < 0
      || nsbinfmt_target_open_pid (pid, NULL, &t, &err) < 0)
    {
      tap_diag ("%s", nsbinfmt_error_message (err));
      tap_skip (
          "no sandbox with the emulator (qemu-user-static, Linux >= 6.7)");
    }
  else
    {
      test_refusals (t, rules);
      test_lifecycle (t, rules, "nsbtest");
    }
  nsbinfmt_error_free (err);
  nsbinfmt_target_free (t);
  nsbinfmt_rules_free (rules);
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
}

int
main (void)
{
  test_rules ();
  test_targets ();
  test_sandbox ();
  return tap_done ();
}
