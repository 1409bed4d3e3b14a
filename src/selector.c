/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The per-container BPF selector: compiling magic rules into the table
 * src/bpf/selector.bpf.c matches against, loading it, and the B entry that
 * activates it (see selector.h).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/selector.h"
#include "catalog.h"
#include "handler.h"
#include "instance.h"
#include "kernel.h"
#include "origin.h"
#include "selector.h"
#include "util.h"

struct nsb_selector
{
  size_t n;
  struct nsb_bound *bound; /* rule name -> interpreter, in rule order */
  struct nsb_sel_rule *table;
  struct nsb_handler h; /* what nsb_selector_install attaches */
  bool required;        /* NSB_HANDLER_BPF: no magic entries instead */
};

static const struct nsb_handler_kind selector_kind = {
  .what = "the bpf selector",
  .name = NSB_SEL_HANDLER,
  .none = "no pinned selector",
  .pin = { .dir = "selector",
           .what = "the pinned bpf selector",
           .map = "nsbinfmt",
           .handler = NSB_SEL_HANDLER_PINNED,
           .progs = { "nsb_match", "nsb_load" } },
  .open = nsb_selector_open,
  .object = nsb_selector_object,
  .pin_serves = nsb_selector_pin_serves,
};

static unsigned
mask_at (const struct nsb_rule *r, size_t k)
{
  return r->has_mask ? r->mask[k] : 0xff;
}

/* A bound name: one word of printable ASCII (fs/binfmt_misc.c). */
static bool
is_bound_name (const char *s)
{
  size_t len = strlen (s);

  if (len == 0 || len > NSB_SEL_NAME_MAX)
    return false;
  for (; *s; s++)
    if (!isgraph ((unsigned char)*s))
      return false;
  return true;
}

/* Why the selector cannot serve R, or NULL. */
static const char *
unselectable (const struct nsb_rule *r)
{
  const unsigned ok_flags
      = NSB_FLAG_P | NSB_FLAG_O | NSB_FLAG_C | NSB_FLAG_F | NSB_FLAG_D;
  size_t looked_at = 0;

  if (r->type != NSB_TYPE_MAGIC)
    return "not a magic rule";
  if (!(r->flags & NSB_FLAG_F))
    return "its interpreter is not pre-opened (no F)";
  if (r->flags & ~ok_flags)
    return "flags T and L are not the selector's";
  if ((size_t)r->offset + r->magic_len > NSB_SEL_WINDOW)
    return "its magic lies beyond the bytes the selector reads";
  for (size_t k = 0; k < r->magic_len; k++)
    looked_at += mask_at (r, k) != 0;
  if (looked_at > NSB_SEL_BYTES_MAX)
    return "its mask looks at too many bytes";
  if (!is_bound_name (r->name))
    return "its name is not a bound interpreter name (one word, at most 32 "
           "characters)";
  return NULL;
}

int
nsb_rule_selectable (const struct nsb_rule *r, nsb_error_t *err)
{
  const char *why = unselectable (r);

  if (why == NULL)
    return 0;
  return nsb_error_set (err, NSB_DECLINED,
                        "rule `%s` is not for the selector: %s", r->name, why);
}

/* How many different masked values the rules want at each position: the
 * most telling bytes are compared first, so a binary no rule wants (a
 * native one) is given up after a byte or two per rule. */
static void
diversity (const struct nsb_rule *rules, size_t n,
           unsigned out[NSB_SEL_WINDOW])
{
  for (size_t pos = 0; pos < NSB_SEL_WINDOW; pos++)
    {
      bool seen[256] = { false };
      out[pos] = 0;
      for (size_t i = 0; i < n; i++)
        {
          const struct nsb_rule *r = &rules[i];
          size_t k = pos - (size_t)r->offset;
          if (pos < (size_t)r->offset || k >= r->magic_len
              || mask_at (r, k) == 0)
            continue;
          unsigned v = r->magic[k] & mask_at (r, k);
          out[pos] += !seen[v];
          seen[v] = true;
        }
    }
}

static void
compile_rule (const struct nsb_rule *r, const unsigned div[NSB_SEL_WINDOW],
              struct nsb_sel_rule *t)
{
  memset (t, 0, sizeof (*t));
  snprintf (t->name, sizeof (t->name), "%s", r->name);
  t->flags = (r->flags & NSB_FLAG_P ? NSB_SEL_PRESERVE_ARGV0 : 0)
             | (r->flags & NSB_FLAG_O ? NSB_SEL_EXECFD : 0)
             | (r->flags & NSB_FLAG_C ? NSB_SEL_CREDENTIALS : 0);
  for (size_t k = 0; k < r->magic_len; k++)
    {
      unsigned m = mask_at (r, k), pos = (unsigned)r->offset + (unsigned)k;
      if (m == 0)
        continue;
      size_t j = t->n_bytes++;
      /* insertion: most telling first, then in file order */
      while (j > 0 && div[t->bytes[j - 1].pos] < div[pos])
        {
          t->bytes[j] = t->bytes[j - 1];
          j--;
        }
      t->bytes[j] = (struct nsb_sel_byte){ (unsigned char)pos,
                                           (unsigned char)(r->magic[k] & m),
                                           (unsigned char)m };
    }
}

void
nsb_selector_free (struct nsb_selector *sel)
{
  if (sel == NULL)
    return;
  for (size_t i = 0; i < sel->n; i++)
    free (sel->bound[i].path);
  free (sel->bound);
  free (sel->table);
  nsb_handler_release (&sel->h);
  free (sel);
}

/* The table for RULES; a decline says which rule it cannot serve. */
static int
selector_compile (const struct nsb_rule *rules, size_t n,
                  struct nsb_selector **out, nsb_error_t *err)
{
  struct nsb_selector *sel;
  unsigned div[NSB_SEL_WINDOW];
  int ret;

  *out = NULL;
  if (n == 0 || n > NSB_SEL_RULES_MAX)
    return nsb_error_set (err, NSB_DECLINED,
                          "%zu rules: the selector serves 1 to %d", n,
                          NSB_SEL_RULES_MAX);
  for (size_t i = 0; i < n; i++)
    if ((ret = nsb_rule_selectable (&rules[i], err)) < 0)
      return ret;
  sel = calloc (1, sizeof (*sel));
  if (sel != NULL)
    sel->h = (struct nsb_handler){ .pin_fd = -1, .pin = { .ops_fd = -1 } };
  if (sel == NULL || (sel->bound = calloc (n, sizeof (*sel->bound))) == NULL
      || (sel->table = calloc (n, sizeof (*sel->table))) == NULL)
    {
      nsb_selector_free (sel);
      return nsb_error_errno (err, "selector");
    }
  diversity (rules, n, div);
  for (size_t i = 0; i < n; i++, sel->n++)
    {
      compile_rule (&rules[i], div, &sel->table[i]);
      snprintf (sel->bound[i].name, sizeof (sel->bound[i].name), "%s",
                rules[i].name);
      sel->bound[i].path = strdup (rules[i].interpreter);
      if (sel->bound[i].path == NULL)
        {
          nsb_selector_free (sel);
          return nsb_error_errno (err, "selector");
        }
    }
  *out = sel;
  return 0;
}

static struct nsb_sel_table
table_of (const struct nsb_selector *sel)
{
  return (struct nsb_sel_table){ sel->table, sel->n };
}

/* Every architecture of the catalog this host does not run natively. */
static int
catalog_rules (struct nsb_rule **out, size_t *n, nsb_error_t *err)
{
  struct nsb_rule *rules = calloc (nsb_catalog_size (), sizeof (*rules));

  *n = 0;
  if (rules == NULL)
    return nsb_error_errno (err, "selector");
  for (size_t i = 0; i < nsb_catalog_size (); i++)
    {
      const struct nsb_arch *a = nsb_catalog_at (i);
      char path[PATH_MAX];
      if (nsb_arch_is_native (a))
        continue;
      /* The path is not in the table: an entry binds its own. */
      snprintf (path, sizeof (path), "/usr/bin/qemu-%s-static", a->name);
      int ret = nsb_arch_rule (a, path, NSB_QEMU_FLAGS, &rules[*n], err);
      if (ret < 0)
        {
          free (rules);
          return ret;
        }
      ++*n;
    }
  *out = rules;
  return 0;
}

int
nsb_selector_pin (bool *changed, nsb_error_t *err)
{
  cleanup_free struct nsb_rule *rules = NULL;
  struct nsb_selector *sel = NULL;
  struct nsb_sel_table t;
  size_t n;
  int ret;

  *changed = false;
  ret = catalog_rules (&rules, &n, err);
  if (ret == 0)
    ret = selector_compile (rules, n, &sel, err);
  if (ret < 0)
    return ret;
  t = table_of (sel);
  /* pin.bats pins "another build" (NSBINFMT_TEST_FAIL_AT). */
  ret = nsb_handler_pin (&selector_kind, &t,
                         nsb_test_point ("pin-build-id") ? ~0ULL : 0, changed,
                         err);
  nsb_selector_free (sel);
  return ret;
}

int
nsb_selector_prepare (const struct nsb_rule *rules, size_t n,
                      enum nsb_handler_mode mode, struct nsb_selector **sel,
                      nsb_error_t *err)
{
  cleanup_error nsb_error_t why = NULL;
  struct nsb_sel_table t;
  int ret;

  *sel = NULL;
  if (mode == NSB_HANDLER_MAGIC)
    return 0;
  if (!nsb_kernel_may_have_handlers ())
    {
      if (mode == NSB_HANDLER_BPF)
        return nsb_error_set (err, ENOTSUP,
                              "the bpf selector needs Linux >= 7.3 with "
                              "CONFIG_BINFMT_MISC_BPF");
      return 0;
    }
  ret = selector_compile (rules, n, sel, &why);
  if (ret == 0)
    {
      (*sel)->required = mode == NSB_HANDLER_BPF;
      t = table_of (*sel);
      ret = nsb_handler_get (&selector_kind, &t, &(*sel)->h, &why);
    }
  if (ret == 0)
    return 0;
  nsb_selector_free (*sel);
  *sel = NULL;
  if (mode == NSB_HANDLER_BPF || ret == -ENOMEM)
    return nsb_error_set (err, ret == -NSB_DECLINED ? ENOTSUP : -ret,
                          "bpf selector: %s", why->msg);
  return nsb_error_set (err, NSB_DECLINED, "%s", why->msg);
}

/* Does entry E bind each of SEL's interpreters (ALL: and no other)? */
static bool
binds (const struct nsb_entry *e, const struct nsb_selector *sel, bool all)
{
  if (all && e->n_bound != sel->n)
    return false;
  for (size_t i = 0; i < sel->n; i++)
    {
      bool found = false;
      for (size_t j = 0; j < e->n_bound && !found; j++)
        found = strcmp (e->bound[j].name, sel->bound[i].name) == 0
                && strcmp (e->bound[j].path, sel->bound[i].path) == 0;
      if (!found)
        return false;
    }
  return true;
}

/* After EEXIST: can entry NAME serve SEL's rules (1), or not (0)?  A
 * pinned selector's entry serves them if it bound them all; one that did
 * not is an error, since it matches every architecture first. */
static int
selector_entry_serves (struct nsb_selector *sel, int mntfd, const char *name,
                       nsb_error_t *err)
{
  struct nsb_entry e;
  int ret = 0;

  if (nsb_handler_entry_is (mntfd, name, NSB_SEL_HANDLER_PINNED, &e))
    ret = binds (&e, sel, false)
              ? 1
              : nsb_error_set (err, EEXIST,
                               "entry `%s` (the pinned selector) comes first "
                               "and serves every architecture, but binds "
                               "other emulators: install them all at once, "
                               "or remove it first",
                               name);
  else if (nsb_handler_entry_is (mntfd, name, sel->h.name, &e))
    ret = binds (&e, sel, true);
  else
    return 0;
  nsb_entry_free (&e);
  return ret;
}

/* Bind every interpreter to the disabled entry NAME, then enable it. */
static int
bind_all (struct nsb_selector *sel, int mntfd, const char *name,
          nsb_error_t *err)
{
  cleanup_close int fd = openat (mntfd, name, O_WRONLY | O_CLOEXEC);

  if (fd < 0)
    return nsb_error_errno (err, "open entry `%s`", name);
  for (size_t i = 0; i < sel->n; i++)
    {
      cleanup_free char *line = NULL;
      int len
          = asprintf (&line, "+%s %s", sel->bound[i].name, sel->bound[i].path);
      if (len < 0)
        return nsb_error_errno (err, "bind");
      if (write (fd, line, (size_t)len) == len)
        continue;
      if (errno == ENOSPC)
        return nsb_error_errno (err,
                                "bind `%s` to entry `%s`: max_binfmt_misc_"
                                "interpreters (or 100 per entry) reached",
                                sel->bound[i].name, name);
      return nsb_error_errno (err, "bind `%s` (%s) to entry `%s`",
                              sel->bound[i].name, sel->bound[i].path, name);
    }
  return nsb_write_once (fd, "1", 1, name, err);
}

/* Register the B entry (disabled: D) under the first free name, or find
 * this selector's entry already there. */
static int
register_entry (struct nsb_selector *sel, int mntfd, char *name, bool *added,
                nsb_error_t *err)
{
  for (int k = 0; k < NSB_SELECTOR_ENTRIES_MAX; k++)
    {
      int ret;
      if (k == 0)
        snprintf (name, NSB_SELECTOR_NAME_SIZE, "%s", NSB_SELECTOR_ENTRY);
      else
        snprintf (name, NSB_SELECTOR_NAME_SIZE, "%s.%d", NSB_SELECTOR_ENTRY,
                  k);
      ret = nsb_handler_register (&sel->h, mntfd, name, true, err);
      if (ret == 0)
        *added = true;
      if (ret != -EEXIST)
        return ret;
      nsb_error_release (err);
      ret = selector_entry_serves (sel, mntfd, name, err);
      if (ret != 0)
        return ret < 0 ? ret : 0;
    }
  return nsb_error_set (err, EEXIST,
                        "the instance has %d selector entries already",
                        NSB_SELECTOR_ENTRIES_MAX);
}

/* The pinned selector's entry matches every architecture of the catalog,
 * and the newest entry of an instance is tried first: registered after
 * other entries it would decline their architectures.  So it goes into an
 * instance with no entries but the $ORIGIN loader's, or is one already
 * there that binds what SEL needs (NAME, *REUSE). */
static int
pinned_fits (struct nsb_selector *sel, int mntfd, char *name, bool *reuse,
             nsb_error_t *err)
{
  char **names;
  size_t n;
  const char *other = NULL;
  int ret = 0;

  *reuse = false;
  ret = nsb_instance_entry_names (mntfd, &names, &n, err);
  if (ret < 0)
    return ret;
  for (size_t i = 0; i < n && !*reuse; i++)
    {
      cleanup_error nsb_error_t ignored = NULL;
      if (strcmp (names[i], NSB_ORIGIN_ENTRY) == 0)
        continue;
      if (selector_entry_serves (sel, mntfd, names[i], &ignored) == 1)
        {
          *reuse = true;
          snprintf (name, NSB_SELECTOR_NAME_SIZE, "%s", names[i]);
        }
      else if (other == NULL)
        other = names[i];
    }
  if (!*reuse && other != NULL)
    ret = nsb_error_set (err, EBUSY,
                         "the instance has entries already (`%s`): the "
                         "pinned selector's entry would be tried before "
                         "them and decline their architectures",
                         other);
  nsb_names_free (names, n);
  return ret;
}

/* The pinned selector, if it is SEL's handler: reuse an entry of it
 * (*REUSE), or go into an empty instance, or decline (magic entries) where
 * it is not required. */
static int
pinned_check (struct nsb_selector *sel, int mntfd, char *name, bool *reuse,
              nsb_error_t *err)
{
  cleanup_error nsb_error_t why = NULL;
  int ret;

  *reuse = false;
  if (sel->h.pin_fd < 0)
    return 0;
  ret = pinned_fits (sel, mntfd, name, reuse, &why);
  if (ret == 0)
    return 0;
  if (sel->required)
    return nsb_error_set (err, -ret, "%s", why->msg);
  return nsb_error_set (err, NSB_DECLINED,
                        "magic entries, not the pinned selector: %s",
                        why->msg);
}

int
nsb_selector_install (struct nsb_selector *sel, int mntfd,
                      char name[NSB_SELECTOR_NAME_SIZE], bool *added,
                      nsb_error_t *err)
{
  struct nsb_handler_link *link;
  bool reuse;
  int ret;

  *added = false;
  ret = pinned_check (sel, mntfd, name, &reuse, err);
  if (ret < 0 || reuse)
    return ret;
  /* The handler is registered under its name in the user namespace this
   * process is in: the target's. */
  ret = nsb_handler_attach (&sel->h, &link, err);
  if (ret < 0)
    return ret;
  ret = register_entry (sel, mntfd, name, added, err);
  if (ret == 0 && *added && (ret = bind_all (sel, mntfd, name, err)) < 0)
    {
      nsb_write_file_at (mntfd, name, "-1", 2, NULL);
      *added = false;
    }
  /* The entry holds the handler now: the link only kept its name. */
  nsb_handler_detach (link);
  return ret;
}
