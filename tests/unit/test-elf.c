/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ELF inspection on real files of this machine and on broken ones. */
#include "config.h"

#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "elfinfo.h"
#include "tap.h"

static int
inspect_path (const char *path, struct nsb_elf_info *info)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC), ret;
  nsb_error_t err = NULL;

  if (fd < 0)
    return -2;
  ret = nsb_elf_inspect_fd (fd, info, &err);
  if (ret < 0)
    tap_diag ("%s: %s", path, err->msg);
  nsb_error_release (&err);
  close (fd);
  return ret;
}

static int
inspect_bytes (const void *b, size_t n, struct nsb_elf_info *info)
{
  char path[] = "/tmp/nsb-elf-XXXXXX";
  int fd = mkstemp (path), ret;

  if (fd < 0 || write (fd, b, n) != (ssize_t)n)
    return -2;
  ret = nsb_elf_inspect_fd (fd, info, NULL);
  close (fd);
  unlink (path);
  return ret;
}

int
main (void)
{
  struct nsb_elf_info *info = malloc (sizeof (*info));
  Elf64_Ehdr eh
      = { .e_ident = { 0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, 1 },
          .e_type = ET_EXEC,
          .e_machine = EM_X86_64,
          .e_phoff = 64,
          .e_phentsize = 56,
          .e_phnum = 1000 };
  static const char script[] = "#!/bin/sh\necho this is not ELF, "
                               "padded to a full ELF header\n";
  int r;

  r = inspect_path ("/bin/true", info);
  tap_ok (r == 0 && info->has_interp && strstr (info->interp, "ld-linux")
              && info->e_machine == EM_X86_64,
          "/bin/true is dynamic, loader %s", r == 0 ? info->interp : "?");
  r = inspect_path ("/usr/bin/qemu-aarch64-static", info);
  if (r == -2)
    tap_skip ("qemu-user-static is not installed");
  else
    tap_ok (r == 0 && !info->has_interp, "qemu-aarch64-static is static");
  tap_ok (inspect_bytes (script, sizeof (script) - 1, info) < 0,
          "a script is not ELF");
  tap_ok (inspect_bytes (&eh, 20, info) < 0, "a truncated header is refused");
  tap_ok (inspect_bytes (&eh, sizeof (eh), info) < 0,
          "1000 program headers are refused (bounded reads)");
  eh.e_phnum = 1;
  tap_ok (inspect_bytes (&eh, sizeof (eh), info) < 0,
          "program headers past the end of the file are refused");
  free (info);
  return tap_done ();
}
