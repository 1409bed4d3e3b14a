/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The system of a derivation, from .drv text. */
#include "config.h"

#include <string.h>

#include "nix.h"
#include "tap.h"

int
main (void)
{
  static const struct
  {
    const char *drv, *system; /* NULL: malformed */
  } cases[] = {
    { "Derive([(\"out\",\"/nix/store/x-a\",\"\",\"\")],[],[\"/nix/store/"
      "b-src\"],\"aarch64-linux\",\"/nix/store/c/busybox\",[\"sh\"],"
      "[(\"out\",\"/nix/store/x-a\")])",
      "aarch64-linux" },
    { "Derive([(\"out\",\"/o\",\"\",\"\")],[(\"/nix/store/d.drv\",[\"out\","
      "\"dev\"])],[],\"x86_64-linux\",\"/b\",[],[(\"x\",\"a\\\"]),[(\")])",
      "x86_64-linux" },
    { "Derive([],[],[],\"riscv64-linux\",\"/b\",[],[])", "riscv64-linux" },
    { "Derive([],[],[],\"with\\\\ escape\\\"\",\"/b\",[],[])",
      "with\\ escape\"" },
    { "Derive([],[],\"x86_64-linux\",\"/b\",[],[])", NULL },
    { "Derive([],[],[],x86_64-linux,\"/b\")", NULL },
    { "Derive([],[],[(],\"x\",\"/b\")", NULL },
    { "Derive([],[],[],\"unterminated", NULL },
    { "{\"json\": \"no\"}", NULL },
    { "", NULL },
  };
  char sys[64];

  for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++)
    {
      nsb_error_t err = NULL;
      int r = nsb_nix_drv_system (cases[i].drv, strlen (cases[i].drv), sys,
                                  sizeof (sys), &err);
      if (cases[i].system)
        tap_ok (r == 0 && !strcmp (sys, cases[i].system), "drv %zu: %s", i,
                r == 0 ? sys : err->msg);
      else
        tap_ok (r < 0 && err && err->msg[0], "drv %zu is malformed: %s", i,
                err ? err->msg : "accepted");
      nsb_error_release (&err);
    }
  const char *longsys = "Derive([],[],[],\"0123456789\",\"/b\",[],[])";
  tap_ok (nsb_nix_drv_system (longsys, strlen (longsys), sys, 5, NULL) < 0,
          "a system longer than the buffer is refused");
  return tap_done ();
}
