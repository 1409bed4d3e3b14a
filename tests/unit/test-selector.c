/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which rules the bpf selector serves, the --handler names, and what
 * nsb_selector_prepare() decides on the running kernel: nothing below Linux
 * 7.3, the selector (as root) on a kernel that has it.  What it does with
 * binaries is tested through real execs in tests/bats/selector.bats.
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "selector.h"
#include "tap.h"
#include "util.h"

static struct nsb_rule rule;

static bool
selectable (const char *s)
{
  nsb_error_t why = NULL;
  bool ok = nsb_rule_parse (s, strlen (s), NSB_KF_LINUX_7_3, &rule, NULL) == 0
            && nsb_rule_selectable (&rule, &why) == 0;
  if (!ok && why != NULL)
    tap_diag ("%s: %s", s, why->msg);
  nsb_error_release (&why);
  return ok;
}

static void
test_selectable (void)
{
  const struct nsb_arch *a = nsb_catalog_lookup ("arm64");
  size_t n = 0;

  for (size_t i = 0; i < nsb_catalog_size (); i++)
    n += nsb_arch_rule (nsb_catalog_at (i), "/usr/bin/qemu", NSB_QEMU_FLAGS,
                        &rule, NULL)
             == 0
         && nsb_rule_selectable (&rule, NULL) == 0;
  tap_ok (n == nsb_catalog_size (),
          "every catalog architecture's rule is selectable (%zu of %zu)", n,
          nsb_catalog_size ());
  tap_ok (a && nsb_arch_rule (a, "/q", NSB_QEMU_FLAGS, &rule, NULL) == 0
              && nsb_rule_selectable (&rule, NULL) == 0,
          "arm64 (POF)");
  tap_ok (selectable (":c:M::\\x7fELF::/bin/q:CF"), "C and F");
  tap_ok (!selectable (":e:E::exe::/bin/q:F"), "not an extension rule");
  tap_ok (!selectable (":m:M::\\x7fELF::/bin/q:P"), "not without F");
  tap_ok (!selectable (":t:M::\\x7fELF::/bin/q:TF"), "not with T");
  tap_ok (!selectable (":l:M::\\x7fELF::/bin/q:LF"), "not with L");
  tap_ok (selectable (":o:M:124:abcd::/bin/q:F"), "magic ending at byte 128");
  tap_ok (!selectable (":o:M:125:abcd::/bin/q:F"), "not beyond byte 128");
  tap_ok (selectable (":a-name-of-32-characters-01234567:M::\\x7fELF::/q:F"),
          "a 32-character name");
  tap_ok (!selectable (":a-name-of-33-characters-012345678:M::\\x7fELF::/q:F"),
          "not a 33-character name");
}

static void
test_modes (void)
{
  enum nsb_handler_mode m = NSB_HANDLER_BPF;
  nsb_error_t err = NULL;

  tap_ok (nsb_handler_mode_parse ("auto", &m, NULL) == 0
              && m == NSB_HANDLER_AUTO,
          "auto");
  tap_ok (nsb_handler_mode_parse ("magic", &m, NULL) == 0
              && m == NSB_HANDLER_MAGIC,
          "magic");
  tap_ok (nsb_handler_mode_parse ("bpf", &m, NULL) == 0
              && m == NSB_HANDLER_BPF,
          "bpf");
  int r = nsb_handler_mode_parse ("BPF", &m, &err);
  tap_ok (r < 0 && err && strstr (err->msg, "expected auto, magic or bpf"),
          "a bad name: %s", err ? err->msg : "");
  nsb_error_release (&err);
}

/* The oracle: binfmt_misc_ops in the running kernel's BTF. */
static bool
kernel_has_selector (void)
{
  char *btf = NULL;
  size_t len = 0;
  bool has = nsb_read_file_at (AT_FDCWD, "/sys/kernel/btf/vmlinux", 0, 1 << 28,
                               &btf, &len, NULL)
                 == 0
             && memmem (btf, len, "binfmt_misc_ops", 15) != NULL;
  free (btf);
  return has;
}

static void
test_prepare (void)
{
  const struct nsb_arch *a = nsb_catalog_lookup ("s390x");
  struct nsb_selector *sel = (void *)1;
  nsb_error_t err = NULL;
  int r;

  nsb_arch_rule (a, "/usr/bin/qemu-s390x-static", NSB_QEMU_FLAGS, &rule, NULL);
  r = nsb_selector_prepare (&rule, 1, NSB_HANDLER_MAGIC, &sel, NULL);
  tap_ok (r == 0 && sel == NULL, "magic: no selector");
  r = nsb_selector_prepare (&rule, 1, NSB_HANDLER_AUTO, &sel, &err);
  if (!kernel_has_selector ())
    {
      tap_ok (r == 0 && sel == NULL && err == NULL,
              "auto without binfmt_misc_ops: magic entries, silently");
      r = nsb_selector_prepare (&rule, 1, NSB_HANDLER_BPF, &sel, &err);
      tap_ok (r < 0 && sel == NULL && err
                  && strstr (err->msg, "needs Linux >= 7.3"),
              "bpf without binfmt_misc_ops: %s", err ? err->msg : "no error");
    }
  else if (geteuid () == 0)
    tap_ok (r == 0 && sel != NULL && err == NULL,
            "auto with binfmt_misc_ops, as root: the selector loads (%s)",
            err ? err->msg : "");
  else
    tap_ok (r == -NSB_DECLINED && sel == NULL && err
                && strstr (err->msg, "CAP_BPF"),
            "auto with binfmt_misc_ops, unprivileged: magic, and why: %s",
            err ? err->msg : "no error");
  nsb_selector_free (sel);
  nsb_error_release (&err);
}

int
main (void)
{
  test_selectable ();
  test_modes ();
  test_prepare ();
  return tap_done ();
}
