/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bpf selector's object (src/bpf/selector.bpf.c): its table filled in,
 * its pin's build id, and whether a pin serves a table (selector.h). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "bpf/selector.h"
#include "bpf/selector.skel.h"
#include "handler.h"
#include "selector.h"

/* The position most rules compare first (their most telling byte). */
static unsigned
lut_position (const struct nsb_sel_table *t)
{
  unsigned votes[NSB_SEL_WINDOW] = { 0 }, best = 0;

  for (size_t i = 0; i < t->n; i++)
    if (t->rules[i].n_bytes > 0)
      votes[t->rules[i].bytes[0].pos & (NSB_SEL_WINDOW - 1)]++;
  for (unsigned p = 1; p < NSB_SEL_WINDOW; p++)
    if (votes[p] > votes[best])
      best = p;
  return best;
}

/* LUT[V]: bit I for each rule I that a binary with V at POS may match. */
static void
fill_lut (const struct nsb_sel_table *t, unsigned pos,
          volatile unsigned long long lut[256])
{
  for (unsigned v = 0; v < 256; v++)
    {
      unsigned long long bits = 0;
      for (size_t i = 0; i < t->n; i++)
        {
          const struct nsb_sel_rule *r = &t->rules[i];
          bool may = true;
          for (unsigned j = 0; j < r->n_bytes && j < NSB_SEL_BYTES_MAX; j++)
            if (r->bytes[j].pos == pos)
              may = may && (v & r->bytes[j].mask) == r->bytes[j].value;
          bits |= may ? 1ULL << i : 0;
        }
      lut[v] = bits;
    }
}

void
nsb_selector_fill (void *rodata, const struct nsb_sel_table *t)
{
  struct nsb_selector_bpf__rodata *r = rodata;

  memcpy ((void *)r->rules, t->rules, t->n * sizeof (*t->rules));
  r->n_rules = (unsigned)t->n;
  r->lut_pos = lut_position (t);
  fill_lut (t, r->lut_pos, (volatile unsigned long long *)r->lut);
}

void *
nsb_selector_open (const void *arg, nsb_error_t *err)
{
  const struct nsb_sel_table *t = arg;
  struct nsb_selector_bpf *k;

  nsb_handler_libbpf_quiet ();
  k = nsb_selector_bpf__open ();
  if (k == NULL)
    {
      nsb_handler_load_error (-errno, "the bpf selector", err);
      return NULL;
    }
  nsb_selector_fill (k->rodata, t);
  return k;
}

void
nsb_selector_object (struct nsb_pin_spec *spec)
{
  size_t size;
  const void *elf = nsb_selector_bpf__elf_bytes (&size);

  spec->rodata_size = sizeof (struct nsb_selector_bpf__rodata);
  spec->stamp_offset
      = offsetof (struct nsb_selector_bpf__rodata, nsb_pin_stamp);
  spec->build_id = nsb_handler_build_id (elf, size);
}

static const struct nsb_sel_rule *
pinned_rule (const struct nsb_selector_bpf__rodata *r, const char *name)
{
  for (unsigned i = 0; i < r->n_rules && i < NSB_SEL_RULES_MAX; i++)
    if (strncmp ((const char *)r->rules[i].name, name, NSB_SEL_NAME_MAX) == 0)
      return (const struct nsb_sel_rule *)&r->rules[i];
  return NULL;
}

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

int
nsb_selector_pin_serves (const void *arg, const void *rodata, nsb_error_t *err)
{
  const struct nsb_sel_table *t = arg;

  for (size_t i = 0; i < t->n; i++)
    {
      const struct nsb_sel_rule *p = pinned_rule (rodata, t->rules[i].name);
      if (p == NULL || !same_compiled (p, &t->rules[i]))
        return nsb_error_set (err, ENOTSUP,
                              "the pinned bpf selector does not serve rule "
                              "`%s` as given",
                              t->rules[i].name);
    }
  return 0;
}
