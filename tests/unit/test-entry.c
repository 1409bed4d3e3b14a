/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Entry files, as bm_entry_show() prints them, read back into the model. */
#include "config.h"

#include <string.h>

#include "entry.h"
#include "rule.h"
#include "tap.h"

static int
parse (const char *text, struct nsb_entry *e)
{
  strcpy (e->rule.name, "x");
  return nsb_entry_parse (text, strlen (text), e, NULL);
}

int
main (void)
{
  struct nsb_entry *e = calloc (1, sizeof (*e));
  struct nsb_rule *r = calloc (1, sizeof (*r));
  const char *reg = ":x:M:2:\\x7fELF:\\xff\\xfe\\xff\\xff:/usr/bin/"
                    "qemu-aarch64-static:POF";

  tap_ok (parse ("enabled\ninterpreter /usr/bin/qemu-aarch64-static\n"
                 "flags: POF\noffset 2\nmagic 7f454c46\nmask fffeffff\n",
                 e)
                  == 0
              && e->enabled && e->rule.type == 'M' && e->rule.offset == 2
              && e->rule.magic_len == 4 && e->rule.has_mask
              && e->rule.mask[1] == 0xfe
              && e->rule.flags == (NSB_FLAG_P | NSB_FLAG_O | NSB_FLAG_F),
          "a magic entry");
  nsb_rule_parse (reg, strlen (reg), NSB_KF_LINUX_7_3, r, NULL);
  tap_ok (memcmp (r, &e->rule, sizeof (*r)) == 0,
          "reads back into the same model as its register string");
  nsb_entry_free (e);
  tap_ok (parse ("disabled\ninterpreter /usr/bin/wine\nflags: \n"
                 "extension .exe\n",
                 e)
                  == 0
              && !e->enabled && e->rule.type == 'E'
              && !strcmp ((char *)e->rule.magic, "exe"),
          "a disabled extension entry");
  nsb_entry_free (e);
  tap_ok (parse ("enabled\nbpf sel\nbpf-interpreter aarch64 /usr/bin/qemu-a\n"
                 "bpf-interpreter arm /usr/bin/qemu arm\nflags: \n",
                 e)
                  == 0
              && e->rule.type == 'B' && !strcmp (e->rule.interpreter, "sel")
              && e->n_bound == 2 && !strcmp (e->bound[1].name, "arm")
              && !strcmp (e->bound[1].path, "/usr/bin/qemu arm"),
          "a B entry with bound interpreters (paths may hold spaces)");
  nsb_entry_free (e);
  tap_ok (parse ("enabled\ninterpreter /i\nflags: Q\n", e) < 0,
          "an unknown flag is an error");
  tap_ok (parse ("interpreter /i\n", e) < 0, "enabled/disabled comes first");
  tap_ok (parse ("enabled\ninterpreter /i\nflags: F\nmagic 7f4\n", e) < 0,
          "odd-length hex is an error");
  tap_ok (parse ("enabled\ninterpreter /i\nflags: F\n", e) < 0,
          "an M entry without magic is incomplete");
  tap_ok (parse ("enabled\nbpf s\nbpf-interpreter nospace\nflags: \n", e) < 0,
          "a bound interpreter needs a name and a path");
  /* What a path or an extension with a newline in it prints (the kernel
   * takes both): lines out of their place, or twice. */
  static const char *const injected[] = {
    "enabled\ninterpreter /x\nflags: F\nflags: \noffset 0\nmagic 41\n",
    "enabled\ninterpreter /x\noffset 0\nflags: \noffset 0\nmagic 41\n",
    "enabled\ninterpreter /x\nflags: \nextension .e\nmagic 41\n",
    "enabled\ninterpreter /x\nenabled\nflags: \nextension .e\n",
    "enabled\ninterpreter /x\n\nflags: \nextension .e\n",
    "enabled\ninterpreter /x\ninterpreter /y\nflags: \nextension .e\n",
    "enabled\nbpf s\nflags: \nbpf-interpreter a /b\n",
    "enabled\nbpf s\nflags: \noffset 0\nmagic 41\n",
    "enabled\ninterpreter /x\nflags: \nextension .e",
  };
  for (size_t i = 0; i < sizeof (injected) / sizeof (injected[0]); i++)
    tap_ok (parse (injected[i], e) < 0, "refused: a line out of place (%zu)",
            i);
  free (e);
  free (r);
  return tap_done ();
}
