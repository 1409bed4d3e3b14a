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
#include "handler.h"
#include "instance.h"
#include "selector.h"
#include "util.h"

#if HAVE_LIBBPF
#include <bpf/libbpf.h>

#include "bpf/selector.skel.h"
#endif

struct nsb_selector
{
  size_t n;
  struct nsb_bound *bound; /* rule name -> interpreter, in rule order */
  struct nsb_sel_rule *table;
#if HAVE_LIBBPF
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
#if HAVE_LIBBPF
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

#if HAVE_LIBBPF
static int
selector_load (struct nsb_selector *sel, nsb_error_t *err)
{
  int ret;

  nsb_handler_libbpf_quiet ();
  sel->skel = nsb_selector_bpf__open ();
  if (sel->skel == NULL)
    return nsb_handler_load_error (-errno, "the bpf selector", err);
  memcpy ((void *)sel->skel->rodata->rules, sel->table,
          sel->n * sizeof (*sel->table));
  sel->skel->rodata->n_rules = (unsigned)sel->n;
  ret = nsb_selector_bpf__load (sel->skel);
  if (ret < 0)
    return nsb_handler_load_error (ret, "the bpf selector", err);
  return 0;
}

static void *
selector_map (struct nsb_selector *sel)
{
  return sel->skel->maps.nsbinfmt;
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

static void *
selector_map (struct nsb_selector *sel)
{
  (void)sel;
  return NULL;
}
#endif

int
nsb_selector_prepare (const struct nsb_rule *rules, size_t n,
                      enum nsb_handler_mode mode, struct nsb_selector **sel,
                      char *note, size_t note_size, nsb_error_t *err)
{
  cleanup_error nsb_error_t load_err = NULL;

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
  if (*sel != NULL && selector_load (*sel, &load_err) < 0)
    {
      nsb_selector_free (*sel);
      *sel = NULL;
      snprintf (note, note_size, "%s", load_err->msg);
    }
  if (*sel == NULL && mode == NSB_HANDLER_BPF)
    return nsb_error_set (err, ENOTSUP, "bpf selector: %s", note);
  return 0;
}

/* After EEXIST: is entry NAME this selector, same bindings? */
static bool
selector_entry_is (struct nsb_selector *sel, int mntfd, const char *name)
{
  struct nsb_entry e = { 0 };
  cleanup_free char *text = NULL;
  size_t len;
  bool same;

  snprintf (e.rule.name, sizeof (e.rule.name), "%s", name);
  if (nsb_read_file_at (mntfd, name, 65536, &text, &len, NULL) < 0
      || nsb_entry_parse (text, len, &e, NULL) < 0)
    return false;
  same = e.enabled && e.rule.type == NSB_TYPE_BPF
         && strcmp (e.rule.interpreter, NSB_SEL_HANDLER) == 0
         && e.n_bound == sel->n;
  for (size_t i = 0; same && i < sel->n; i++)
    same = strcmp (e.bound[i].name, sel->bound[i].name) == 0
           && strcmp (e.bound[i].path, sel->bound[i].path) == 0;
  nsb_entry_free (&e);
  return same;
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
  snprintf (b->interpreter, sizeof (b->interpreter), "%s", NSB_SEL_HANDLER);
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
      if (selector_entry_is (sel, mntfd, name))
        return free (b), 0;
    }
  free (b);
  return nsb_error_set (err, EEXIST,
                        "the instance has %d selector entries already",
                        NSB_SELECTOR_ENTRIES_MAX);
}

int
nsb_selector_install (struct nsb_selector *sel, int mntfd,
                      char name[NSB_SELECTOR_NAME_SIZE], bool *added,
                      nsb_error_t *err)
{
  /* The handler is registered under its name in the user namespace this
   * process is in: the target's. */
  void *link
      = nsb_handler_attach (selector_map (sel), "the bpf selector", err);
  int ret = -1;

  *added = false;
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
