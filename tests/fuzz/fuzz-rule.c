/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer: the register-string parser and the entry-file reader.  What
 * parses must format and parse back to the same rule. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "rule.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

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
  return 0;
}
