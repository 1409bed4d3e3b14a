// SPDX-License-Identifier: GPL-2.0-only
/*
 * selector.bpf.c - nsbinfmt's binfmt_misc_ops handler (Linux 7.3,
 * CONFIG_BINFMT_MISC_BPF): one B entry that does what N magic entries do.
 *
 * `match` compares the first bytes of the binary (bprm->buf, which the
 * kernel has already read) with a table of rules the library filled in
 * before loading (.rodata, so the verifier sees it frozen); each rule lists
 * only the bytes its mask looks at, most telling first, so a native binary
 * is given up after a byte or two per rule.  `load` finds the same rule and
 * selects the interpreter the entry bound under its name, with the
 * invocation flags (P, O, C) the rule asked for.  Nothing is resolved by
 * path here: a bound interpreter is a file opened at registration.
 */
#include "kernel-types.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "selector.h"

char LICENSE[] SEC ("license") = "GPL";

const volatile __u32 n_rules = 0;
/* Which build of nsbinfmt pinned this, and its struct_ops layout. */
const volatile struct nsb_pin_stamp nsb_pin_stamp = {};
const volatile struct nsb_sel_rule rules[NSB_SEL_RULES_MAX] = {};
/* The rules that may match a binary whose byte at lut_pos is V: bit I of
 * lut[V] for rule I.  A binary no rule wants (a native one) costs a
 * lookup, however many rules the table holds. */
const volatile __u32 lut_pos = 0;
const volatile __u64 lut[256] = {};

/* Does HEAD have the bytes rule R looks at? */
static bool
rule_matches (const volatile struct nsb_sel_rule *r, const unsigned char *head)
{
  int j;

  bpf_for (j, 0, r->n_bytes)
  {
    const volatile struct nsb_sel_byte *b;

    if (j >= NSB_SEL_BYTES_MAX)
      return false;
    b = &r->bytes[j];
    if ((head[b->pos & (NSB_SEL_WINDOW - 1)] & b->mask) != b->value)
      return false;
  }
  return true;
}

/* The index of the first rule HEAD matches, or -1.  Open-coded iterators
 * (bpf_for) keep the verifier's work flat in the number of rules. */
static int
find_rule (const unsigned char *head)
{
  __u64 maybe = lut[head[lut_pos & (NSB_SEL_WINDOW - 1)]];
  int i;

  if (maybe == 0)
    return -1;
  bpf_for (i, 0, n_rules)
  {
    if (i >= NSB_SEL_RULES_MAX)
      break;
    if (((maybe >> i) & 1) && rule_matches (&rules[i], head))
      return i;
  }
  return -1;
}

static int
match_head (struct linux_binprm *bprm)
{
  unsigned char head[NSB_SEL_WINDOW];

  if (bpf_probe_read_kernel (head, sizeof (head), bprm->buf) < 0)
    return -1;
  return find_rule (head);
}

SEC ("struct_ops.s/match")
bool
BPF_PROG (nsb_match, struct linux_binprm *bprm)
{
  return match_head (bprm) >= 0;
}

SEC ("struct_ops.s/load")
int
BPF_PROG (nsb_load, struct linux_binprm *bprm)
{
  char name[NSB_SEL_NAME_MAX + 1];
  int i = match_head (bprm);
  int ret;

  /* match said yes a moment ago; the kernel committed to us */
  if (i < 0 || i >= NSB_SEL_RULES_MAX)
    return -8; /* -ENOEXEC: let the other binary formats have a go */
  if (bpf_probe_read_kernel (name, sizeof (name), (const void *)rules[i].name)
      < 0)
    return -8;
  name[NSB_SEL_NAME_MAX] = '\0';
  ret = bpf_binprm_set_flags (bprm, (enum bpf_binprm_flags)rules[i].flags);
  if (ret < 0)
    return ret;
  ret = bpf_binprm_select_interp (bprm, name, sizeof (name));
  /* A name this entry did not bind (a pinned handler's table serves every
   * architecture; an entry binds the few its user wants): this sandbox does
   * not emulate the binary, which is "Exec format error", as without us. */
  return ret == -2 /* -ENOENT */ ? -8 : ret;
}

SEC (".struct_ops.link")
struct binfmt_misc_ops nsbinfmt = {
  .match = (void *)nsb_match,
  .load = (void *)nsb_load,
  .name = NSB_SEL_HANDLER,
};
