/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The public API (nsbinfmt.h): thin wrappers over the internal functions,
 * which the library does not export.  Each public function runs one
 * internal step with an internal error and hands that error over as the
 * caller's *err; its return value is the step's, a negative errno value.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "choice.h"
#include "entry.h"
#include "install.h"
#include "nsbinfmt.h"
#include "rule.h"
#include "ruleset.h"
#include "util.h"
#include "verify.h"

/* The public error is the internal one (error.h): nsbinfmt_error is never
 * defined, its pointers only converted to and from. */
static const struct nsb_error_s *
error_of (const nsbinfmt_error *e)
{
  return (const struct nsb_error_s *)e;
}

/* RET, with the internal error *E given to the caller or freed. */
static int
done (int ret, nsb_error_t *e, nsbinfmt_error **err)
{
  if (err != NULL && *e != NULL)
    *err = (nsbinfmt_error *)*e;
  else
    nsb_error_release (e);
  return ret;
}

const char *
nsbinfmt_error_message (const nsbinfmt_error *e)
{
  return error_of (e)->msg;
}

int
nsbinfmt_error_errno (const nsbinfmt_error *e)
{
  return error_of (e)->status;
}

void
nsbinfmt_error_free (nsbinfmt_error *e)
{
  nsb_error_t internal = (nsb_error_t)e;
  nsb_error_release (&internal);
}

struct nsbinfmt_target
{
  struct nsb_target t;
  char *root; /* t.root_path */
};

static int
target_open (pid_t pid, const char *root, nsbinfmt_target **target,
             nsb_error_t *e)
{
  nsbinfmt_target *tg = calloc (1, sizeof (*tg));
  int ret;

  *target = NULL;
  if (tg == NULL)
    return nsb_error_errno (e, "open the target");
  ret = nsb_target_open_pid (pid, &tg->t, e);
  if (ret == 0 && root != NULL && (tg->root = strdup (root)) == NULL)
    ret = nsb_error_errno (e, "open the target");
  tg->t.root_path = tg->root;
  if (ret < 0)
    {
      nsbinfmt_target_free (tg);
      return ret;
    }
  *target = tg;
  return 0;
}

int
nsbinfmt_target_open_pid (pid_t pid, const char *root,
                          nsbinfmt_target **target, nsbinfmt_error **err)
{
  nsb_error_t e = NULL;
  return done (target_open (pid, root, target, &e), &e, err);
}

void
nsbinfmt_target_free (nsbinfmt_target *target)
{
  if (target == NULL)
    return;
  nsb_target_close (&target->t);
  free (target->root);
  free (target);
}

struct nsbinfmt_rules
{
  struct nsb_ruleset set;
};

int
nsbinfmt_rules_new (nsbinfmt_rules **rules, nsbinfmt_error **err)
{
  nsb_error_t e = NULL;

  *rules = calloc (1, sizeof (**rules));
  if (*rules == NULL)
    return done (nsb_error_errno (&e, "rules"), &e, err);
  return 0;
}

void
nsbinfmt_rules_free (nsbinfmt_rules *rules)
{
  if (rules == NULL)
    return;
  nsb_ruleset_free (&rules->set);
  free (rules);
}

static int
add_arch (struct nsb_ruleset *set, const char *arch, const char *emulator,
          nsb_error_t *e)
{
  struct nsb_choice c = { .paths = true };
  cleanup_free char *spec = NULL;
  const struct nsb_arch *a;
  int ret;

  if (strcmp (arch, "all") == 0)
    {
      if (emulator)
        return nsb_error_set (e, EINVAL, "`all` takes no emulator");
      ret = nsb_ruleset_add_all_arches (set, &c, e);
      nsb_choice_free (&c);
      return ret;
    }
  a = nsb_catalog_lookup (arch);
  if (a == NULL)
    return nsb_error_set (
        e, EINVAL, "unknown architecture `%s` (see nsbinfmt catalog)", arch);
  if (emulator != NULL && asprintf (&spec, "%s=%s", a->name, emulator) < 0)
    return nsb_error_errno (e, "rules");
  ret = spec ? nsb_choice_add (&c, spec, "emulator", e) : 0;
  if (ret == 0)
    ret = nsb_ruleset_add_arch (set, a, &c, e);
  nsb_choice_free (&c);
  return ret;
}

int
nsbinfmt_rules_add_arch (nsbinfmt_rules *rules, const char *arch,
                         const char *emulator, nsbinfmt_error **err)
{
  nsb_error_t e = NULL;
  return done (add_arch (&rules->set, arch, emulator, &e), &e, err);
}

static int
add_register (struct nsb_ruleset *set, const char *line, nsb_error_t *e)
{
  cleanup_free struct nsb_rule *rule = malloc (sizeof (*rule));
  int ret;

  if (rule == NULL)
    return nsb_error_errno (e, "rules");
  ret = nsb_rule_parse (line, strlen (line), NSB_KF_LINUX_7_3, rule, e);
  if (ret < 0)
    return ret;
  return nsb_ruleset_add_rule (set, rule, "register string", e);
}

int
nsbinfmt_rules_add_register (nsbinfmt_rules *rules, const char *line,
                             nsbinfmt_error **err)
{
  nsb_error_t e = NULL;
  return done (add_register (&rules->set, line, &e), &e, err);
}

/* The internal level of a public one (an int to the ABI: any value). */
static int
level_of (enum nsbinfmt_verify_level level, enum nsb_verify_level *out,
          nsb_error_t *e)
{
  switch (level)
    {
    case NSBINFMT_VERIFY_NONE:
      *out = NSB_VERIFY_NONE;
      return 0;
    case NSBINFMT_VERIFY_STATIC:
      *out = NSB_VERIFY_STATIC;
      return 0;
    case NSBINFMT_VERIFY_PROBE:
      *out = NSB_VERIFY_PROBE;
      return 0;
    }
  return nsb_error_set (e, EINVAL, "unknown verify level %d", (int)level);
}

static int
install (nsbinfmt_target *target, const nsbinfmt_rules *rules,
         struct nsb_install_opts *o, enum nsbinfmt_verify_level verify,
         unsigned flags, nsb_error_t *e)
{
  struct nsb_report rep = { 0 };
  int ret;

  if (flags & ~NSBINFMT_INSTALL_WRITABLE)
    return nsb_error_set (e, EINVAL, "unknown install flags %#x", flags);
  if (rules->set.n == 0)
    return nsb_error_set (e, EINVAL, "nothing to install: no rules");
  ret = level_of (verify, &o->verify, e);
  if (ret < 0)
    return ret;
  o->writable = flags & NSBINFMT_INSTALL_WRITABLE;
  ret = nsb_install (&target->t, rules->set.rules, rules->set.n, o, &rep, e);
  nsb_report_free (&rep);
  return ret;
}

int
nsbinfmt_install (nsbinfmt_target *target, const nsbinfmt_rules *rules,
                  const char *mountpoint, enum nsbinfmt_verify_level verify,
                  unsigned flags, nsbinfmt_error **err)
{
  struct nsb_install_opts o = { .mountpoint = mountpoint };
  nsb_error_t e = NULL;
  return done (install (target, rules, &o, verify, flags, &e), &e, err);
}

static int
list (nsbinfmt_target *target, const char *mountpoint, char ***names,
      nsb_error_t *e)
{
  struct nsb_entry *entries = NULL;
  size_t n = 0;
  int ret;

  *names = NULL;
  ret = nsb_list (&target->t, mountpoint, &entries, &n, e);
  if (ret < 0)
    return ret;
  *names = calloc (n + 1, sizeof (**names));
  for (size_t i = 0; *names != NULL && i < n; i++)
    if (((*names)[i] = strdup (entries[i].rule.name)) == NULL)
      {
        nsbinfmt_names_free (*names);
        *names = NULL;
      }
  nsb_entries_free (entries, n);
  if (*names == NULL)
    return nsb_error_errno (e, "list");
  return 0;
}

int
nsbinfmt_list (nsbinfmt_target *target, const char *mountpoint, char ***names,
               nsbinfmt_error **err)
{
  nsb_error_t e = NULL;
  return done (list (target, mountpoint, names, &e), &e, err);
}

void
nsbinfmt_names_free (char **names)
{
  for (size_t i = 0; names != NULL && names[i] != NULL; i++)
    free (names[i]);
  free (names);
}

int
nsbinfmt_remove (nsbinfmt_target *target, const char *mountpoint,
                 const char *name, nsbinfmt_error **err)
{
  nsb_error_t e = NULL;
  return done (nsb_remove (&target->t, mountpoint, name, &e), &e, err);
}

static int
verify (nsbinfmt_target *target, const char *mountpoint,
        enum nsbinfmt_verify_level level, nsb_error_t *e)
{
  struct nsb_report rep = { 0 };
  enum nsb_verify_level l = NSB_VERIFY_NONE;
  int ret = level_of (level, &l, e);

  if (ret == 0)
    ret = nsb_verify (&target->t, mountpoint, l, &rep, e);
  for (size_t i = 0; ret == 0 && i < rep.n; i++)
    if (rep.checks[i].status == NSB_CHECK_FAILED)
      ret = nsb_error_set (e, ENOEXEC, "verify `%s`: %s", rep.checks[i].name,
                           rep.checks[i].detail);
  nsb_report_free (&rep);
  return ret;
}

int
nsbinfmt_verify (nsbinfmt_target *target, const char *mountpoint,
                 enum nsbinfmt_verify_level level, nsbinfmt_error **err)
{
  nsb_error_t e = NULL;
  return done (verify (target, mountpoint, level, &e), &e, err);
}
