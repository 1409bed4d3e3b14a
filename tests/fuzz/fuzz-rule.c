/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer: the register-string parser and the entry-file reader (what
 * parses must format and parse back to the same rule), and the other
 * line parsers: the emulator registry's files, a qemu's version string,
 * a container's emulator picks. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "choice.h"
#include "emulator.h"
#include "entry.h"
#include "registry.h"
#include "rule.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
fuzz_lines (const char *data, size_t size)
{
  static struct nsb_emulator emu;
  struct nsb_registry reg = { 0 };
  struct nsb_choice c = { 0 };
  char *text = strndup (data, size);

  nsb_registry_parse (&reg, data, size, "fuzz.conf", NULL);
  nsb_registry_free (&reg);
  memset (&emu, 0, sizeof (emu));
  nsb_emulator_scan (data, size, &emu);
  if (strlen (emu.version) >= sizeof (emu.version))
    abort ();
  c.paths = size && data[0] & 1;
  if (text != NULL)
    nsb_choice_add_list (&c, text, "fuzz", NULL);
  nsb_choice_free (&c);
  free (text);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static struct nsb_rule a, b;
  static struct nsb_entry e;
  static char out[NSB_REGISTER_MAX + 1];
  unsigned kf = size ? data[0] & 0x1f : 0;

  if (size > 1
      && nsb_rule_parse ((const char *)data + 1, size - 1, kf, &a, NULL) == 0)
    {
      int n = nsb_rule_format (&a, out, sizeof (out), NULL);
      if (n >= 0
          && (nsb_rule_parse (out, (size_t)n, kf, &b, NULL) < 0
              || memcmp (&a, &b, sizeof (a)) != 0))
        abort ();
    }
  memset (&e, 0, sizeof (e));
  strcpy (e.rule.name, "fuzz");
  if (nsb_entry_parse ((const char *)data, size, &e, NULL) == 0)
    nsb_entry_free (&e);
  fuzz_lines ((const char *)data, size);
  return 0;
}
