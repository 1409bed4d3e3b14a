/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer: the ELF reader (entrypoints, emulators and loaders come from
 * hostile root file systems) and the PT_INTERP rewriter of `relocate`,
 * from a memfd.  What it reads must stay inside the file. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "elfinfo.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static struct nsb_elf_info info;
  int fd = memfd_create ("fuzz-elf", MFD_CLOEXEC);

  if (fd < 0)
    abort ();
  if (write (fd, data, size) != (ssize_t)size)
    abort ();
  if (nsb_elf_inspect_fd (fd, &info, NULL) == 0)
    {
      if (info.head_len > sizeof (info.head)
          || (info.has_interp
              && (info.interp_off > size
                  || info.interp_size > size - info.interp_off
                  || memchr (info.interp, '\0', sizeof (info.interp))
                         == NULL)))
        abort ();
      nsb_elf_set_interp (fd, "$ORIGIN/../lib/ld.so", NULL);
    }
  close (fd);
  return 0;
}
