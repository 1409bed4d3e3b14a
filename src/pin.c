/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where pins live, and closing one opened; the rest needs libbpf
 * (pin-bpf.c). */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "pin.h"

const char *
nsb_pin_dir (void)
{
  const char *d = getenv ("NSBINFMT_PIN_DIR");

  return d != NULL && d[0] == '/' ? d : NSB_PIN_DIR_DEFAULT;
}

void
nsb_pinned_close (struct nsb_pinned *p)
{
  if (p->ops_fd >= 0)
    close (p->ops_fd);
  p->ops_fd = -1;
  free (p->rodata);
  p->rodata = NULL;
}
