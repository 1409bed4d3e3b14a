/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "choice.h"
#include "util.h"

static struct nsb_pick *
pick_of (const struct nsb_choice *c, const struct nsb_arch *arch)
{
  for (size_t i = 0; c && i < c->n; i++)
    if (c->picks[i].arch == arch)
      return &c->picks[i];
  return NULL;
}

int
nsb_choice_add (struct nsb_choice *c, const char *spec, const char *what,
                nsb_error_t *err)
{
  const char *eq = strchr (spec, '=');
  cleanup_free char *name = strndup (spec, eq ? (size_t)(eq - spec) : 0);
  const struct nsb_arch *arch = name ? nsb_catalog_lookup (name) : NULL;
  const char *v = eq ? eq + 1 : "";
  struct nsb_pick *p;

  if (eq == NULL || name == NULL || *v == '\0')
    return nsb_error_set (err, EINVAL, "%s takes ARCH=%s, not `%s`", what,
                          c->paths ? "NAME or ARCH=/PATH" : "NAME", spec);
  if (arch == NULL)
    return nsb_error_set (err, EINVAL, "%s: unknown architecture `%s`", what,
                          name);
  if (strchr (v, '/') != NULL && !c->paths)
    return nsb_error_set (err, EPERM,
                          "%s: `%s` is a path: a container names an "
                          "emulator of the registry, never a path",
                          what, v);
  if (strchr (v, '/') != NULL ? v[0] != '/' : !nsb_emulator_name_valid (v))
    return nsb_error_set (err, EINVAL,
                          "%s: `%s` is neither an emulator's name nor an "
                          "absolute path",
                          what, v);
  p = pick_of (c, arch);
  if (p == NULL && c->n == NSB_PICKS_MAX)
    return nsb_error_set (err, E2BIG, "%s: too many emulators", what);
  if (p == NULL)
    {
      p = realloc (c->picks, (c->n + 1) * sizeof (*p));
      if (p == NULL)
        return nsb_error_errno (err, "%s", what);
      c->picks = p;
      p = &c->picks[c->n++];
      p->emulator = NULL;
    }
  free (p->emulator);
  p->arch = arch;
  p->emulator = strdup (v);
  return p->emulator ? 0 : nsb_error_errno (err, "%s", what);
}

int
nsb_choice_add_list (struct nsb_choice *c, const char *list, const char *what,
                     nsb_error_t *err)
{
  cleanup_free char *copy = strdup (list);
  char *save = NULL;
  int ret;

  if (copy == NULL)
    return nsb_error_errno (err, "%s", what);
  for (char *w = strtok_r (copy, ", ", &save); w;
       w = strtok_r (NULL, ", ", &save))
    if ((ret = nsb_choice_add (c, w, what, err)) < 0)
      return ret;
  if (c->n == 0)
    return nsb_error_set (err, EINVAL, "%s is empty", what);
  return 0;
}

int
nsb_choice_emulator (struct nsb_choice *c, const struct nsb_arch *arch,
                     struct nsb_emulator *emu, unsigned *flags,
                     nsb_error_t *err)
{
  const struct nsb_pick *p = pick_of (c, arch);
  int ret;

  if (p != NULL && p->emulator[0] == '/')
    ret = nsb_emulator_inspect (p->emulator, emu, err);
  else if (c == NULL)
    ret = nsb_emulator_find (arch, emu, err);
  else
    {
      if (!c->loaded && (ret = nsb_registry_load (&c->reg, err)) < 0)
        return ret;
      c->loaded = true;
      ret = nsb_registry_emulator (
          &c->reg, p ? p->emulator : NSB_REGISTRY_DEFAULT, arch, emu, err);
    }
  if (ret < 0)
    return ret;
  *flags = NSB_FLAG_F | emu->flags;
  if (c && c->credentials > 0)
    *flags |= NSB_FLAG_C | NSB_FLAG_O;
  if (c && c->credentials < 0)
    *flags &= ~(unsigned)NSB_FLAG_C;
  return 0;
}

void
nsb_choice_free (struct nsb_choice *c)
{
  for (size_t i = 0; i < c->n; i++)
    free (c->picks[i].emulator);
  free (c->picks);
  nsb_registry_free (&c->reg);
  memset (c, 0, sizeof (*c));
}

int
nsb_ruleset_add_arch (struct nsb_ruleset *set, const struct nsb_arch *arch,
                      struct nsb_choice *c, nsb_error_t *err)
{
  cleanup_free struct nsb_rule *rule = malloc (sizeof (*rule));
  cleanup_free struct nsb_emulator *emu = malloc (sizeof (*emu));
  char origin[64];
  unsigned flags;
  int ret;

  if (rule == NULL || emu == NULL)
    return nsb_error_errno (err, "rules");
  if (nsb_arch_is_native (arch))
    return nsb_error_set (err, EINVAL,
                          "%s runs natively on this host: nothing to emulate",
                          arch->name);
  ret = nsb_choice_emulator (c, arch, emu, &flags, err);
  if (ret == 0)
    ret = nsb_arch_rule (arch, emu->path, flags, rule, err);
  if (ret < 0)
    return ret;
  snprintf (origin, sizeof (origin), "emulate %s", arch->name);
  return nsb_ruleset_add_rule (set, rule, origin, err);
}

int
nsb_ruleset_add_all_arches (struct nsb_ruleset *set, struct nsb_choice *c,
                            nsb_error_t *err)
{
  for (size_t i = 0; i < nsb_catalog_size (); i++)
    {
      const struct nsb_arch *a = nsb_catalog_at (i);
      cleanup_error nsb_error_t missing = NULL;
      int ret;
      if (nsb_arch_is_native (a))
        continue;
      /* An architecture without an emulator here is left out; one the
       * choice names must have the one it names. */
      ret = nsb_ruleset_add_arch (set, a, c, pick_of (c, a) ? err : &missing);
      if (ret < 0 && (pick_of (c, a) || ret != -ENOENT))
        return missing ? nsb_error_set (err, -ret, "%s", missing->msg) : ret;
    }
  return 0;
}

int
nsb_ruleset_add_picked (struct nsb_ruleset *set, struct nsb_choice *c,
                        nsb_error_t *err)
{
  int ret;

  for (size_t i = 0; c && i < c->n; i++)
    if ((ret = nsb_ruleset_add_arch (set, c->picks[i].arch, c, err)) < 0)
      return ret;
  return 0;
}
