/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Differential test: thousands of generated and edge-case register strings,
 * the library's verdict against what the running kernel accepts, in a
 * throwaway private instance of a throwaway user namespace.  They must
 * agree, and where the kernel accepts, what it reads back in the entry file
 * must be what the library parsed.  The grammar the kernel speaks (6.x or
 * 7.3) is measured first.  The mutants' seed changes every run and is
 * printed; NSB_DIFF_SEED=N repeats a run.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "../unit/tap.h"
#include "entry.h"
#include "instance.h"
#include "kernel.h"
#include "rule.h"
#include "sandbox.h"

#define N_MUTANTS 200000

static const char *const seeds[] = {
  ":s:M::\\x7fELF\\x02\\x01::/bin/true:F",
  ":s:M:4:AB:\\xff\\xfe:/bin/true:POF",
  ":s:E::exe::/bin/true:",
  ":s:M::\\\\x41\\x4::/bin/true:C",
  ":s:B::::h:D",
  ":s:M::AB::/bin/true:TLD",
  ",s,M,,x:y,,/bin/true,P\n",
};

static int reg_fd, mnt_fd, disagree, compared, accepted, readback, misread,
    refused_newline;

static const char *
show (const uint8_t *s, size_t n)
{
  static char buf[4 * 2048];
  size_t o = 0;
  for (size_t i = 0; i < n && o + 5 < sizeof (buf); i++)
    o += (size_t)(s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\'
                      ? snprintf (buf + o, 5, "%c", s[i])
                      : snprintf (buf + o, 5, "\\x%02x", s[i]));
  buf[o] = '\0';
  return buf;
}

/* Does the entry the kernel made of S say what the library parsed (P)?
 * The kernel stores the magic masked, so the masked bytes are compared. */
static void
compare_entry (const uint8_t *s, size_t n, const struct nsb_rule *p)
{
  struct nsb_entry e = { 0 };
  nsb_error_t err = NULL;
  const struct nsb_rule *k = &e.rule;
  bool same;

  /* A newline in the interpreter or the extension makes lines the reader
   * cannot tell from the kernel's own: it must refuse those. */
  bool newline = strchr (p->interpreter, '\n') != NULL
                 || (p->type == 'E' && strchr ((const char *)p->magic, '\n'));

  snprintf (e.rule.name, sizeof (e.rule.name), "%s", p->name);
  readback++;
  if (nsb_entry_read_at (mnt_fd, p->name, &e, &err) < 0)
    {
      if (!newline && misread++ < 20)
        tap_diag ("entry of `%s` unreadable: %s", show (s, n), err->msg);
      refused_newline += newline;
      nsb_error_release (&err);
      return;
    }
  if (newline && misread++ < 20)
    tap_diag ("entry of `%s`, with a newline, was read", show (s, n));
  /* D is consumed: the entry starts disabled, and its flags omit it. */
  same = k->type == p->type && k->flags == (p->flags & ~NSB_FLAG_D)
         && e.enabled == !(p->flags & NSB_FLAG_D)
         && strcmp (k->interpreter, p->interpreter) == 0
         && (p->type == 'B'
             || (k->offset == p->offset && k->magic_len == p->magic_len
                 && k->has_mask == p->has_mask));
  for (size_t i = 0; same && p->type != 'B' && i < p->magic_len; i++)
    {
      uint8_t m = p->has_mask ? p->mask[i] : 0xff;
      same = (k->magic[i] & m) == (p->magic[i] & m)
             && (!p->has_mask || k->mask[i] == p->mask[i]);
    }
  if (!newline && !same && misread++ < 20)
    tap_diag ("the kernel's entry of `%s` is not what the library parsed "
              "(type %c/%c, flags %#x/%#x, offset %d/%d, length %zu/%zu, "
              "interpreter `%s`/`%s`)",
              show (s, n), k->type, p->type, k->flags, p->flags, k->offset,
              p->offset, k->magic_len, p->magic_len, k->interpreter,
              p->interpreter);
  nsb_entry_free (&e);
}

/* The kernel's verdict: accepted (and then removed again), or not. */
static bool
kernel_accepts (const uint8_t *s, size_t n, const struct nsb_rule *parsed)
{
  ssize_t w = write (reg_fd, s, n);
  int e = errno;

  if (w == (ssize_t)n)
    {
      int fd;
      if (parsed != NULL)
        compare_entry (s, n, parsed);
      fd = openat (mnt_fd, parsed ? parsed->name : "", O_WRONLY | O_CLOEXEC);
      if (fd < 0 || write (fd, "-1", 2) != 2)
        tap_diag ("could not remove the entry of %s", show (s, n));
      if (fd >= 0)
        close (fd);
      return true;
    }
  /* Opening an F interpreter, or a B handler that is not there, comes
   * after the grammar: the string itself was taken. */
  return e == ENOENT || e == EACCES || e == ENOTDIR || e == ELOOP;
}

static void
compare (const uint8_t *s, size_t n, unsigned kf)
{
  struct nsb_rule *r = malloc (sizeof (*r));
  nsb_error_t err = NULL;
  bool lib = nsb_rule_parse ((const char *)s, n, kf, r, &err) == 0;
  bool ker = kernel_accepts (s, n, lib ? r : NULL);

  compared++;
  accepted += ker;
  if (lib != ker && disagree++ < 20)
    tap_diag ("disagree on `%s`: library %s, kernel %s%s", show (s, n),
              lib ? "accepts" : "rejects", ker ? "accepts" : "rejects",
              err ? err->msg : "");
  nsb_error_release (&err);
  free (r);
}

static uint32_t rng;
static uint32_t
rnd (void)
{
  rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
  return rng;
}

/* From NSB_DIFF_SEED, else new for every run. */
static uint32_t
seed (void)
{
  const char *env = getenv ("NSB_DIFF_SEED");
  uint32_t r = 0;

  if (env != NULL)
    r = (uint32_t)strtoul (env, NULL, 10);
  else if (getrandom (&r, sizeof (r), 0) != (ssize_t)sizeof (r))
    r = (uint32_t)getpid ();
  return r ? r : 0x5eed1234;
}

static size_t
mutate (const char *seed, uint8_t *out, size_t cap)
{
  static const char alphabet[]
      = ":,\\x0123456789abcdefABF\nPOCFTLDMEBX/.-+ \0";
  size_t n = strlen (seed);
  int steps = 1 + (int)(rnd () % 4);

  memcpy (out, seed, n);
  while (steps-- > 0)
    {
      size_t pos = n ? rnd () % (n + 1) : 0;
      uint8_t c
          = (uint8_t)(rnd () % 4 == 0
                          ? (uint8_t)(rnd () % 256)
                          : (uint8_t)
                              alphabet[rnd () % (sizeof (alphabet) - 1)]);
      switch (rnd () % 3)
        {
        case 0: /* insert */
          if (n + 1 < cap)
            memmove (out + pos + 1, out + pos, n - pos), out[pos] = c, n++;
          break;
        case 1: /* replace */
          if (pos < n)
            out[pos] = c;
          break;
        default: /* delete */
          if (pos < n)
            memmove (out + pos, out + pos + 1, n - pos - 1), n--;
        }
    }
  return n;
}

static void
systematic (unsigned kf)
{
  uint8_t buf[NSB_REGISTER_MAX + 16];
  const char *flags = "POCFTLDX\n";

  for (int d = 1; d < 256; d++) /* every delimiter */
    {
      int n = snprintf ((char *)buf, sizeof (buf),
                        "%cd%cM%c%cAB%c%c/bin/true%c", d, d, d, d, d, d, d);
      compare (buf, (size_t)n, kf);
    }
  for (size_t a = 0; a < strlen (flags); a++) /* flag pairs and triples */
    for (size_t b = 0; b < strlen (flags); b++)
      for (size_t c = 0; c < strlen (flags); c++)
        {
          int n = snprintf ((char *)buf, sizeof (buf),
                            ":f:M::AB::/bin/true:%c%c%c", flags[a], flags[b],
                            flags[c]);
          compare (buf, (size_t)n, kf);
        }
  for (int off = 0; off <= 260; off += 1) /* offset + magic at the edge */
    for (int len = 1; len <= 3; len++)
      {
        int n = snprintf ((char *)buf, sizeof (buf),
                          ":o:M:%d:%.*s::/bin/true:", off, len, "ABC");
        compare (buf, (size_t)n, kf);
      }
  for (size_t len = 8; len <= sizeof (buf) - 16; len += 37) /* lengths */
    {
      int n = snprintf ((char *)buf, sizeof (buf), ":l:E::e::/");
      memset (buf + n, 'i', len);
      buf[n + len] = ':';
      compare (buf, (size_t)n + len + 1, kf);
    }
}

int
main (void)
{
  uint8_t buf[NSB_REGISTER_MAX + 64];
  nsb_error_t err = NULL;
  unsigned kf = 0;

  if (nsb_kernel_dialect (&kf, &err) < 0 || nsb_sandbox_enter (false, &err) < 0
      || (mnt_fd = nsb_instance_open_self (&err)) < 0)
    {
      tap_ok (0, "a private instance to compare against: %s", err->msg);
      return tap_done ();
    }
  reg_fd = openat (mnt_fd, "register", O_WRONLY | O_CLOEXEC);
  tap_ok (reg_fd >= 0, "opened the private instance's register file");
  tap_diag ("kernel grammar: B=%d T=%d L=%d D=%d absolute-interp=%d",
            !!(kf & NSB_KF_BPF), !!(kf & NSB_KF_TRANSPARENT),
            !!(kf & NSB_KF_LOADER), !!(kf & NSB_KF_DISABLED),
            !!(kf & NSB_KF_ABS_INTERP));
  rng = seed ();
  tap_diag ("mutants from seed %u (NSB_DIFF_SEED=%u repeats them)", rng, rng);
  systematic (kf);
  tap_ok (disagree == 0, "systematic cases: %d compared, %d disagreements",
          compared, disagree);
  for (size_t i = 0; i < N_MUTANTS; i++)
    {
      size_t n = mutate (seeds[i % (sizeof (seeds) / sizeof (seeds[0]))], buf,
                         sizeof (buf));
      compare (buf, n, kf);
    }
  tap_ok (disagree == 0, "%d strings compared in all, %d disagreements",
          compared, disagree);
  tap_ok (misread == 0 && readback > 0,
          "the kernel's %d entries read back as the library parsed them, "
          "%d with a newline refused (%d differ)",
          readback, refused_newline, misread);
  /* Both verdicts must occur often, or the comparison says little. */
  tap_ok (accepted > compared / 10 && accepted < compared - compared / 10,
          "the kernel accepted %d and refused %d", accepted,
          compared - accepted);
  return tap_done ();
}
