/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The verbs: each a thin shell over libnsbinfmt.  Every failure is one line
 * on stderr; `run` exits 125 for its own errors and with CMD's status
 * otherwise.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "choice.h"
#include "elfinfo.h"
#include "entry.h"
#include "handler.h"
#include "hosttable.h"
#include "inherit.h"
#include "install.h"
#include "kernel.h"
#include "nix.h"
#include "pin.h"
#include "report.h"
#include "sandbox.h"
#include "sources.h"
#include "util.h"
#include "verbs.h"

#define EXIT_RUN_FAILED 125

/* ERR's line on stderr; returns STATUS. */
static int
fail (nsb_error_t err, int status)
{
  fprintf (stderr, "nsbinfmt: %s\n", err ? err->msg : "failed");
  return status;
}

/* The architecture NAME, with the emulator C picks for it. */
static int
add_arch (struct nsb_choice *c, const char *name, struct nsb_ruleset *set,
          nsb_error_t *err)
{
  const struct nsb_arch *a = nsb_catalog_lookup (name);

  if (a == NULL)
    return nsb_error_set (
        err, EINVAL, "unknown architecture `%s` (see nsbinfmt catalog)", name);
  return nsb_ruleset_add_arch (set, a, c, err);
}

/* --emulate, --emulator and --credentials. */
static int
add_emulated (const struct options *o, struct nsb_choice *c,
              struct nsb_ruleset *set, nsb_error_t *err)
{
  int r;

  c->paths = true;
  c->credentials = o->credentials;
  for (size_t i = 0; i < o->n_emulators; i++)
    if ((r = nsb_choice_add (c, o->emulators[i], "--emulator", err)) < 0)
      return r;
  /* `all` first: a named architecture (and its --emulator) replaces it. */
  if (o->emulate_all && (r = nsb_ruleset_add_all_arches (set, c, err)) < 0)
    return r;
  for (size_t i = 0; i < o->n_emulate; i++)
    if ((r = add_arch (c, o->emulate[i], set, err)) < 0)
      return r;
  return nsb_ruleset_add_picked (set, c, err);
}

static int
build_rules (const struct options *o, struct nsb_ruleset *set,
             nsb_error_t *err)
{
  struct nsb_choice c = { 0 };
  unsigned kf = NSB_KF_LINUX_7_3;
  bool others = o->emulate_all || o->n_emulate || o->n_emulators
                || o->n_rules_files || o->n_inherit;
  int r;

  if (o->emulate_none && others)
    return nsb_error_set (err, EINVAL,
                          "--emulate none takes no other --emulate, "
                          "--emulator, --rules or --inherit");
  r = add_emulated (o, &c, set, err);
  nsb_choice_free (&c);
  if (r < 0 || (r = nsb_inherit (o->inherit, o->n_inherit, set, err)) < 0)
    return r;
  if (o->n_rules_files && (r = nsb_kernel_dialect (&kf, err)) < 0)
    return r;
  for (size_t i = 0; i < o->n_rules_files; i++)
    if ((r = nsb_ruleset_add_file (set, o->rules_files[i], kf, err)) < 0)
      return r;
  if (set->n == 0 && !o->origin && !o->emulate_none)
    return nsb_error_set (err, EINVAL,
                          "nothing to install: give --emulate, --emulator, "
                          "--inherit, --rules or --origin");
  return 0;
}

/* What run and install share: the rules, how they are served, the target,
 * and what installing them there reports. */
struct install
{
  struct nsb_ruleset set;
  struct nsb_install_opts io;
  struct nsb_target t;
  struct nsb_report rep;
};

static struct nsb_install_opts
install_opts (const struct options *o, int default_level)
{
  struct nsb_install_opts io = {
    .mountpoint = o->mountpoint,
    .writable = o->writable,
    .verify
    = (enum nsb_verify_level) (o->level >= 0 ? o->level : default_level),
  };
  return io;
}

/* The bpf selector or magic entries (--handler); before any namespace is
 * entered, since loading it takes the host's BPF rights.  Why the selector
 * is not used, where it could have been, is said on stderr. */
static int
prepare_handler (const struct options *o, const struct nsb_ruleset *set,
                 struct nsb_install_opts *io, nsb_error_t *err)
{
  int r;

  if (o->origin && (r = nsb_origin_prepare (&io->origin, err)) < 0)
    return r;
  if (set->n == 0)
    return 0;
  r = nsb_selector_prepare (set->rules, set->n, o->handler, &io->selector,
                            err);
  if (r == -NSB_DECLINED)
    {
      fprintf (stderr, "nsbinfmt: magic entries, not the bpf selector: %s\n",
               (*err)->msg);
      nsb_error_release (err);
      r = 0;
    }
  return r;
}

static void
release_handlers (struct nsb_install_opts *io)
{
  nsb_selector_free (io->selector);
  nsb_origin_free (io->origin);
}

/* execvp() without its fallback of running a file that is not executable
 * (ENOEXEC) as a shell script: a foreign binary without its entry must fail
 * with "Exec format error", as it would under crun or podman. */
static void
exec_command (char **argv)
{
  const char *path = getenv ("PATH");
  int first_error = 0;

  if (strchr (argv[0], '/'))
    {
      execv (argv[0], argv);
      return;
    }
  if (path == NULL || *path == '\0')
    path = "/usr/local/bin:/usr/bin:/bin";
  for (const char *p = path; *p;)
    {
      size_t len = strcspn (p, ":");
      cleanup_free char *file = NULL;
      if (asprintf (&file, "%.*s/%s", (int)len, len ? p : ".", argv[0]) < 0)
        return;
      execv (file, argv);
      if (errno != ENOENT && errno != ENOTDIR && first_error == 0)
        first_error = errno;
      if (errno == ENOEXEC)
        break;
      p += len + (p[len] == ':');
    }
  errno = first_error ? first_error : ENOENT;
}

/* Install the rules into the target opened; the library's note, if it
 * has one, on stderr. */
static int
install_rules (struct install *in, nsb_error_t *err)
{
  int r
      = nsb_install (&in->t, in->set.rules, in->set.n, &in->io, &in->rep, err);

  if (r >= 0 && in->rep.note[0] != '\0')
    fprintf (stderr, "nsbinfmt: %s\n", in->rep.note);
  return r;
}

static void
install_release (struct install *in)
{
  nsb_target_close (&in->t);
  nsb_report_free (&in->rep);
  nsb_ruleset_free (&in->set);
  release_handlers (&in->io);
}

int
verb_run (struct options *o)
{
  struct install in = { .io = install_opts (o, NSB_VERIFY_STATIC) };
  cleanup_error nsb_error_t err = NULL;
  int exec_errno;

  if (o->pid)
    return usage_error ("run makes its own namespaces; --pid is for install");
  if (build_rules (o, &in.set, &err) < 0
      || prepare_handler (o, &in.set, &in.io, &err) < 0
      || nsb_sandbox_enter (o->keep_ids, &err) < 0
      || nsb_target_open_self (&in.t, &err) < 0
      || install_rules (&in, &err) < 0)
    return fail (err, EXIT_RUN_FAILED);
  install_release (&in);
  if (!o->writable && nsb_sandbox_lock (&err) < 0)
    return fail (err, EXIT_RUN_FAILED);
  exec_command (o->args);
  exec_errno = errno;
  fprintf (stderr, "nsbinfmt: exec %s: %s\n", o->args[0],
           strerror (exec_errno));
  return exec_errno == ENOENT ? 127 : 126;
}

static int
open_target (const struct options *o, struct nsb_target *t, nsb_error_t *err)
{
  return o->pid ? nsb_target_open_pid (o->pid, t, err)
                : nsb_target_open_self (t, err);
}

int
verb_install (struct options *o)
{
  struct install in = { .io = install_opts (o, NSB_VERIFY_PROBE) };
  cleanup_error nsb_error_t err = NULL;

  if (!o->pid)
    return usage_error ("install needs --pid PID");
  if (build_rules (o, &in.set, &err) < 0
      || nsb_target_open_pid (o->pid, &in.t, &err) < 0
      || prepare_handler (o, &in.set, &in.io, &err) < 0
      || install_rules (&in, &err) < 0)
    return fail (err, EXIT_FAILURE);
  print_report (&in.rep, o->json);
  install_release (&in);
  return 0;
}

int
verb_status (struct options *o)
{
  struct nsb_entry *entries = NULL;
  struct nsb_target t;
  cleanup_error nsb_error_t err = NULL;
  size_t n = 0;

  if (open_target (o, &t, &err) < 0
      || nsb_list (&t, o->mountpoint, &entries, &n, &err) < 0)
    return fail (err, EXIT_FAILURE);
  print_entries (entries, n,
                 o->mountpoint ? o->mountpoint : NSB_DEFAULT_MOUNTPOINT,
                 o->json);
  nsb_entries_free (entries, n);
  nsb_target_close (&t);
  return 0;
}

int
verb_verify (struct options *o)
{
  struct nsb_report rep = { 0 };
  struct nsb_target t;
  cleanup_error nsb_error_t err = NULL;
  int ok;

  if (open_target (o, &t, &err) < 0
      || nsb_verify (&t, o->mountpoint,
                     o->level >= 0 ? (enum nsb_verify_level)o->level
                                   : NSB_VERIFY_PROBE,
                     &rep, &err)
             < 0)
    return fail (err, EXIT_FAILURE);
  print_report (&rep, o->json);
  ok = nsb_report_ok (&rep);
  if (!ok)
    fprintf (stderr, "nsbinfmt: verification failed\n");
  nsb_report_free (&rep);
  nsb_target_close (&t);
  return ok ? 0 : EXIT_FAILURE;
}

int
verb_remove (struct options *o)
{
  const char *name = o->n_args ? o->args[0] : NULL;
  struct nsb_target t;
  cleanup_error nsb_error_t err = NULL;

  if ((name == NULL) == !o->all_entries)
    return usage_error ("remove takes one entry NAME, or --all");
  if (open_target (o, &t, &err) < 0
      || nsb_remove (&t, o->mountpoint, name, &err) < 0)
    return fail (err, EXIT_FAILURE);
  nsb_target_close (&t);
  return 0;
}

int
verb_catalog (struct options *o)
{
  struct nsb_registry reg;
  cleanup_error nsb_error_t err = NULL;

  if (nsb_registry_load (&reg, &err) < 0)
    return fail (err, EXIT_FAILURE);
  print_catalog (&reg, o->json);
  nsb_registry_free (&reg);
  return 0;
}

int
verb_check_kernel (struct options *o)
{
  struct nsb_kernel k;
  struct nsb_host_table ht;
  cleanup_error nsb_error_t err = NULL;
  cleanup_close int rootfd = -1;
  bool have_ht;
  int status;

  if (nsb_kernel_probe (&k, &err) < 0)
    return fail (err, EXIT_FAILURE);
  rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  have_ht = rootfd >= 0 && nsb_host_table_read (rootfd, true, &ht, NULL) == 0;
  status = print_kernel (&k, have_ht ? &ht : NULL, o->json);
  if (have_ht)
    nsb_host_table_free (&ht);
  return status;
}

/* What the host's own table holds of emulators, and masks for the vendor
 * files that fill it at boot.  Nothing here writes to the table. */
int
verb_host_table (struct options *o)
{
  const char *action = o->n_args > 0 ? o->args[0] : "show";
  bool show = strcmp (action, "show") == 0, mask = !strcmp (action, "mask");
  cleanup_error nsb_error_t err = NULL;
  cleanup_close int rootfd = -1;
  struct nsb_host_table ht;
  size_t changed = 0;

  if (!show && !mask && strcmp (action, "unmask") != 0)
    return usage_error ("host-table takes show, mask or unmask: %s", action);
  rootfd = open (o->root ? o->root : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    nsb_error_errno (&err, "--root %s", o->root);
  if (rootfd < 0
      || nsb_host_table_read (rootfd, o->root == NULL, &ht, &err) < 0)
    return fail (err, EXIT_FAILURE);
  if (!show && nsb_host_table_mask (rootfd, mask, &ht, &changed, &err) < 0)
    {
      nsb_host_table_free (&ht);
      return fail (err, EXIT_FAILURE);
    }
  if (!show)
    fprintf (stderr, "nsbinfmt: %s %zu file%s in /etc/binfmt.d\n",
             mask ? "wrote masks for" : "removed the masks of", changed,
             changed == 1 ? "" : "s");
  print_host_table (&ht, o->root == NULL, o->json);
  nsb_host_table_free (&ht);
  return 0;
}

/* Pin both handlers; one line each saying what happened. */
int
verb_pin (struct options *o)
{
  static const struct
  {
    const char *what, *dir;
    int (*pin) (bool *, nsb_error_t *);
  } handlers[] = { { "the bpf selector", "selector", nsb_selector_pin },
                   { "the $ORIGIN loader", "origin", nsb_origin_pin } };
  cleanup_error nsb_error_t err = NULL;

  (void)o;
  if (!nsb_kernel_may_have_handlers ())
    {
      nsb_error_set (
          &err, ENOTSUP,
          "pin: the handlers need Linux >= 7.3 with CONFIG_BINFMT_MISC_BPF");
      return fail (err, EXIT_FAILURE);
    }
  for (size_t i = 0; i < NSB_ARRAY_SIZE (handlers); i++)
    {
      bool changed;
      if (handlers[i].pin (&changed, &err) < 0)
        return fail (err, EXIT_FAILURE);
      printf ("%s: %s %s/%s\n", handlers[i].what,
              changed ? "pinned at" : "this build's pin is in place at",
              nsb_pin_dir (), handlers[i].dir);
    }
  return 0;
}

int
verb_unpin (struct options *o)
{
  cleanup_error nsb_error_t err = NULL;
  int removed;

  (void)o;
  if (nsb_unpin (&removed, &err) < 0)
    return fail (err, EXIT_FAILURE);
  printf ("%d handler pin%s removed from %s\n", removed,
          removed == 1 ? "" : "s", nsb_pin_dir ());
  return 0;
}

int
verb_relocate (struct options *o)
{
  const char *binary = o->args[0];
  cleanup_error nsb_error_t err = NULL;
  cleanup_close int fd = -1;

  if (o->interp == NULL)
    return usage_error ("relocate takes BINARY --interp PATH");
  fd = open (binary, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    {
      nsb_error_errno (&err, "open %s", binary);
      return fail (err, EXIT_FAILURE);
    }
  if (nsb_elf_set_interp (fd, o->interp, &err) < 0)
    {
      nsb_error_prefix (&err, "%s", binary);
      return fail (err, EXIT_FAILURE);
    }
  return 0;
}

/* Each rule's register string on a line of OUT, or nothing: an emulator
 * that is not a static ELF is refused (a sandbox has none of its
 * libraries). */
static int
print_register_strings (const struct nsb_ruleset *set, FILE *out,
                        nsb_error_t *err)
{
  char line[NSB_REGISTER_MAX + 1];
  struct nsb_emulator emu;
  int ret;

  for (size_t i = 0; i < set->n; i++)
    {
      ret = nsb_emulator_inspect (set->rules[i].interpreter, &emu, err);
      if (ret < 0)
        return nsb_error_prefix (err, "%s", set->origins[i]);
      if (!emu.is_static)
        return nsb_error_set (err, ENOEXEC,
                              "%s: the emulator %s is dynamically linked and "
                              "would not run in a sandbox: install "
                              "qemu-user-static",
                              set->origins[i], emu.path);
    }
  for (size_t i = 0; i < set->n; i++)
    {
      ret = nsb_rule_format (&set->rules[i], line, sizeof (line), err);
      if (ret < 0)
        return ret;
      fprintf (out, "%s\n", line);
    }
  return fflush (out) == 0 ? 0 : nsb_error_errno (err, "write");
}

/* What run and install would register, as binfmt.d lines: for Nix's
 * binfmt-misc setting (a fresh table per build) or systemd-binfmt. */
int
verb_rules (struct options *o)
{
  struct nsb_ruleset set = { 0 };
  cleanup_error nsb_error_t err = NULL;
  int ret;

  if (!o->emulate_all && o->n_emulate + o->n_emulators + o->n_rules_files == 0)
    return usage_error ("rules takes -e ARCH, -E ARCH=PATH or -r FILE");
  ret = build_rules (o, &set, &err);
  if (ret == 0)
    ret = print_register_strings (&set, stdout, &err);
  nsb_ruleset_free (&set);
  return ret < 0 ? fail (err, EXIT_FAILURE) : 0;
}

/* Nix's pre-build-hook protocol: DRV [CHROOT] as arguments; the answer on
 * stdout (nothing, or extra-sandbox-paths) */
int
verb_nix_pre_build_hook (struct options *o)
{
  cleanup_error nsb_error_t err = NULL;

  if (nsb_nix_pre_build_hook (o->args[0], stdout, &err) < 0)
    return fail (err, EXIT_FAILURE);
  return 0;
}
