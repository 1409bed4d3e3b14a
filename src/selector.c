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
#include "origin.h"
#include "pin.h"
#include "selector.h"
#include "util.h"

#if NSB_BPF
#include <bpf/libbpf.h>

#include "bpf/selector.skel.h"
#endif

struct nsb_selector
{
  size_t n;
  struct nsb_bound *bound; /* rule name -> interpreter, in rule order */
  struct nsb_sel_rule *table;
  struct nsb_handler h; /* what nsb_selector_install attaches */
  struct nsb_pinned pin;
  bool required; /* NSB_HANDLER_BPF: no magic entries instead */
#if NSB_BPF
  struct nsb_selector_bpf *skel;
#endif
};

int
nsb_handler_mode_parse (const char *s, enum nsb_handler_mode *mode,
                        nsb_error_t *err)
{
  static const char *const names[] = { "auto", "magic", "bpf" };

  for (size_t i = 0; i < sizeof (names) / sizeof (names[0]); i++)
    if (strcmp (s, names[i]) == 0)
      {
        *mode = (enum nsb_handler_mode)i;
        return 0;
      }
  return nsb_error_set (err, EINVAL,
                        "handler `%s`: expected auto, magic or bpf", s);
}

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

bool
nsb_rule_selectable (const struct nsb_rule *r, const char **why)
{
  const unsigned ok_flags
      = NSB_FLAG_P | NSB_FLAG_O | NSB_FLAG_C | NSB_FLAG_F | NSB_FLAG_D;
  size_t looked_at = 0;

  if (r->type != NSB_TYPE_MAGIC)
    return *why = "not a magic rule", false;
  if (!(r->flags & NSB_FLAG_F))
    return *why = "its interpreter is not pre-opened (no F)", false;
  if (r->flags & ~ok_flags)
    return *why = "flags T and L are not the selector's", false;
  if ((size_t)r->offset + r->magic_len > NSB_SEL_WINDOW)
    return *why = "its magic lies beyond the bytes the selector reads", false;
  for (size_t k = 0; k < r->magic_len; k++)
    looked_at += mask_at (r, k) != 0;
  if (looked_at > NSB_SEL_BYTES_MAX)
    return *why = "its mask looks at too many bytes", false;
  if (!is_bound_name (r->name))
    return *why = "its name is not a bound interpreter name (one word, "
                  "at most 32 characters)",
           false;
  return true;
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
  nsb_pinned_close (&sel->pin);
#if NSB_BPF
  nsb_selector_bpf__destroy (sel->skel);
#endif
  free (sel);
}

/* The table for RULES, or a note saying which rule it cannot serve. */
static int
selector_compile (const struct nsb_rule *rules, size_t n,
                  struct nsb_selector **out, char *note, size_t note_size,
                  nsb_error_t *err)
{
  struct nsb_selector *sel;
  unsigned div[NSB_SEL_WINDOW];
  const char *why;

  *out = NULL;
  if (n == 0 || n > NSB_SEL_RULES_MAX)
    return snprintf (note, note_size, "%zu rules: the selector serves 1 to %d",
                     n, NSB_SEL_RULES_MAX),
           0;
  for (size_t i = 0; i < n; i++)
    if (!nsb_rule_selectable (&rules[i], &why))
      return snprintf (note, note_size,
                       "rule `%s` is not for the selector: %s", rules[i].name,
                       why),
             0;
  sel = calloc (1, sizeof (*sel));
  if (sel != NULL)
    sel->pin.ops_fd = sel->h.pin_fd = -1;
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

#if NSB_BPF
/* Open the skeleton with SEL's table, to be loaded. */
static int
selector_open (struct nsb_selector *sel, nsb_error_t *err)
{
  nsb_handler_libbpf_quiet ();
  sel->skel = nsb_selector_bpf__open ();
  if (sel->skel == NULL)
    return nsb_handler_load_error (-errno, "the bpf selector", err);
  memcpy ((void *)sel->skel->rodata->rules, sel->table,
          sel->n * sizeof (*sel->table));
  sel->skel->rodata->n_rules = (unsigned)sel->n;
  return 0;
}

static int
selector_load (struct nsb_selector *sel, nsb_error_t *err)
{
  int ret;

  if (selector_open (sel, err) < 0)
    return -1;
  ret = nsb_selector_bpf__load (sel->skel);
  if (ret < 0)
    return nsb_handler_load_error (ret, "the bpf selector", err);
  sel->h = (struct nsb_handler){ sel->skel->maps.nsbinfmt, -1, NSB_SEL_HANDLER,
                                 "the bpf selector" };
  return 0;
}

static void
selector_pin_spec (struct nsb_pin_spec *spec)
{
  size_t size;
  const void *elf = nsb_selector_bpf__elf_bytes (&size);

  *spec = (struct nsb_pin_spec){
    .dir = "selector",
    .what = "the pinned bpf selector",
    .map = "nsbinfmt",
    .handler = NSB_SEL_HANDLER_PINNED,
    .progs = { "nsb_match", "nsb_load" },
    .rodata_size = sizeof (struct nsb_selector_bpf__rodata),
    .build_id_offset
    = offsetof (struct nsb_selector_bpf__rodata, nsb_build_id),
    .build_id = nsb_handler_build_id (elf, size),
  };
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
      if (nsb_arch_rule (a, path, &rules[*n], err) < 0)
        return free (rules), -1;
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
  struct nsb_pin_spec spec;
  char note[256] = "";
  size_t n;
  int ret = -1;

  if (catalog_rules (&rules, &n, err) < 0
      || selector_compile (rules, n, &sel, note, sizeof (note), err) < 0)
    return -1;
  if (sel == NULL)
    return nsb_error_set (err, EINVAL, "pin the bpf selector: %s", note);
  selector_pin_spec (&spec);
  if (selector_open (sel, err) == 0)
    {
      struct nsb_selector_bpf *k = sel->skel;
      /* pin.bats pins "another build" (NSBINFMT_TEST_FAIL_AT). */
      k->rodata->nsb_build_id
          = nsb_test_point ("pin-build-id") ? ~spec.build_id : spec.build_id;
      if (nsb_handler_set_name (k->maps.nsbinfmt, spec.handler, err) == 0)
        ret = nsb_selector_bpf__load (k);
      if (ret < 0 && err != NULL && *err == NULL)
        nsb_handler_load_error (ret, "the bpf selector", err);
    }
  if (ret == 0)
    {
      struct nsb_selector_bpf *k = sel->skel;
      struct nsb_pin_fds fds = { bpf_map__fd (k->maps.nsbinfmt),
                                 bpf_program__fd (k->progs.nsb_match),
                                 bpf_program__fd (k->progs.nsb_load),
                                 bpf_map__fd (k->maps.rodata) };
      ret = nsb_pin_handler (&spec, &fds, k->maps.nsbinfmt, changed, err);
    }
  nsb_selector_free (sel);
  return ret;
}

static const struct nsb_sel_rule *
pinned_rule (const struct nsb_selector *sel, const char *name)
{
  const struct nsb_selector_bpf__rodata *r = sel->pin.rodata;

  for (unsigned i = 0; i < r->n_rules && i < NSB_SEL_RULES_MAX; i++)
    if (strncmp ((const char *)r->rules[i].name, name, NSB_SEL_NAME_MAX) == 0)
      return (const struct nsb_sel_rule *)&r->rules[i];
  return NULL;
}
#else
static int
selector_load (struct nsb_selector *sel, nsb_error_t *err)
{
  (void)sel;
  return nsb_error_set (err, ENOTSUP,
                        "load the bpf selector: nsbinfmt was built without "
                        "libbpf");
}

static void
selector_pin_spec (struct nsb_pin_spec *spec)
{
  *spec = (struct nsb_pin_spec){ .dir = "selector",
                                 .what = "the pinned bpf selector" };
}

int
nsb_selector_pin (bool *changed, nsb_error_t *err)
{
  *changed = false;
  return nsb_error_set (err, ENOTSUP,
                        "pin the bpf selector: nsbinfmt was built without "
                        "libbpf");
}

static const struct nsb_sel_rule *
pinned_rule (const struct nsb_selector *sel, const char *name)
{
  (void)sel;
  (void)name;
  return NULL;
}
#endif

/* Does the table rule P compare what T does (in any order)? */
static bool
same_compiled (const struct nsb_sel_rule *p, const struct nsb_sel_rule *t)
{
  if (p->n_bytes != t->n_bytes || p->flags != t->flags
      || p->n_bytes > NSB_SEL_BYTES_MAX)
    return false;
  for (unsigned i = 0; i < t->n_bytes; i++)
    {
      bool found = false;
      for (unsigned j = 0; j < p->n_bytes && !found; j++)
        found = memcmp (&p->bytes[j], &t->bytes[i], sizeof (t->bytes[i])) == 0;
      if (!found)
        return false;
    }
  return true;
}

/* Use the pinned selector: its table (every architecture of the catalog)
 * must have each of SEL's rules as it is. */
static int
selector_use_pin (struct nsb_selector *sel, nsb_error_t *err)
{
  struct nsb_pin_spec spec;

  selector_pin_spec (&spec);
  if (nsb_pinned_open (&spec, &sel->pin, err) < 0)
    return -1;
  for (size_t i = 0; i < sel->n; i++)
    {
      const struct nsb_sel_rule *p = pinned_rule (sel, sel->table[i].name);
      if (p == NULL || !same_compiled (p, &sel->table[i]))
        return nsb_error_set (err, ENOTSUP,
                              "%s does not serve rule `%s` as given",
                              spec.what, sel->table[i].name);
    }
  sel->h = (struct nsb_handler){ NULL, sel->pin.ops_fd, NSB_SEL_HANDLER_PINNED,
                                 spec.what };
  return 0;
}

/* Load it (root), else use the pin (anyone), else say why in NOTE. */
static void
selector_get (struct nsb_selector **sel, char *note, size_t note_size)
{
  cleanup_error nsb_error_t load_err = NULL;
  cleanup_error nsb_error_t pin_err = NULL;

  if (selector_load (*sel, &load_err) == 0
      || selector_use_pin (*sel, &pin_err) == 0)
    return;
  snprintf (note, note_size, "%s; no pinned selector: %s", load_err->msg,
            pin_err->msg);
  nsb_selector_free (*sel);
  *sel = NULL;
}

int
nsb_selector_prepare (const struct nsb_rule *rules, size_t n,
                      enum nsb_handler_mode mode, struct nsb_selector **sel,
                      char *note, size_t note_size, nsb_error_t *err)
{
  *sel = NULL;
  note[0] = '\0';
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
  if (selector_compile (rules, n, sel, note, note_size, err) < 0)
    return -1;
  if (*sel != NULL)
    selector_get (sel, note, note_size);
  if (*sel != NULL)
    (*sel)->required = mode == NSB_HANDLER_BPF;
  if (*sel == NULL && mode == NSB_HANDLER_BPF)
    return nsb_error_set (err, ENOTSUP, "bpf selector: %s", note);
  return 0;
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
 * not is an error, since it matches every architecture first (-1). */
static int
selector_entry_serves (struct nsb_selector *sel, int mntfd, const char *name,
                       nsb_error_t *err)
{
  struct nsb_entry e;
  int ret = 0;

  if (nsb_entry_read_at (mntfd, name, &e, NULL) < 0)
    return 0;
  if (e.enabled && e.rule.type == NSB_TYPE_BPF
      && strcmp (e.rule.interpreter, NSB_SEL_HANDLER_PINNED) == 0)
    ret = binds (&e, sel, false)
              ? 1
              : nsb_error_set (err, EEXIST,
                               "entry `%s` (the pinned selector) comes first "
                               "and serves every architecture, but binds "
                               "other emulators: install them all at once, "
                               "or remove it first",
                               name);
  else if (e.enabled && e.rule.type == NSB_TYPE_BPF
           && strcmp (e.rule.interpreter, sel->h.name) == 0)
    ret = binds (&e, sel, true);
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
  struct nsb_rule *b = calloc (1, sizeof (*b));

  if (b == NULL)
    return nsb_error_errno (err, "selector");
  b->type = NSB_TYPE_BPF;
  snprintf (b->interpreter, sizeof (b->interpreter), "%s", sel->h.name);
  b->flags = NSB_FLAG_D;
  for (int k = 0; k < NSB_SELECTOR_ENTRIES_MAX; k++)
    {
      if (k == 0)
        snprintf (name, NSB_SELECTOR_NAME_SIZE, "%s", NSB_SELECTOR_ENTRY);
      else
        snprintf (name, NSB_SELECTOR_NAME_SIZE, "%s.%d", NSB_SELECTOR_ENTRY,
                  k);
      snprintf (b->name, sizeof (b->name), "%s", name);
      if (nsb_instance_register (mntfd, b, err) == 0)
        return free (b), *added = true, 0;
      if ((*err)->status != EEXIST)
        return free (b), -1;
      nsb_error_release (err);
      int serves = selector_entry_serves (sel, mntfd, name, err);
      if (serves != 0)
        return free (b), serves < 0 ? -1 : 0;
    }
  free (b);
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
  if (nsb_instance_entry_names (mntfd, &names, &n, err) < 0)
    return -1;
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

int
nsb_selector_install (struct nsb_selector *sel, int mntfd,
                      char name[NSB_SELECTOR_NAME_SIZE], bool *added,
                      char *note, size_t note_size, nsb_error_t *err)
{
  struct nsb_handler_link *link;
  bool reuse = false;
  int ret = -1;

  *added = false;
  if (sel->h.pin_fd >= 0 && pinned_fits (sel, mntfd, name, &reuse, err) < 0)
    {
      if (sel->required)
        return -1;
      snprintf (note, note_size, "magic entries, not the pinned selector: %s",
                (*err)->msg);
      nsb_error_release (err);
      return 1;
    }
  if (reuse)
    return 0;
  /* The handler is registered under its name in the user namespace this
   * process is in: the target's. */
  link = nsb_handler_attach (&sel->h, err);
  if (link != NULL)
    ret = register_entry (sel, mntfd, name, added, err);
  if (ret == 0 && *added && bind_all (sel, mntfd, name, err) < 0)
    {
      nsb_write_file_at (mntfd, name, "-1", 2, NULL);
      *added = false;
      ret = -1;
    }
  /* The entry holds the handler now: the link only kept its name. */
  if (link != NULL)
    nsb_handler_detach (link);
  return ret;
}
