/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libbpf glue for nsbinfmt's binfmt_misc_ops handlers (see handler.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>

#include "handler.h"

#if HAVE_LIBBPF
#include <bpf/libbpf.h>
#endif

bool
nsb_kernel_may_have_handlers (void)
{
  struct utsname u;
  int major = 0, minor = 0;

  return uname (&u) == 0 && sscanf (u.release, "%d.%d", &major, &minor) == 2
         && (major > 7 || (major == 7 && minor >= 3));
}

int
nsb_handler_load_error (int ret, const char *what, nsb_error_t *err)
{
  errno = ret < 0 ? -ret : EINVAL;
  if (errno == EPERM)
    return nsb_error_errno (err,
                            "load %s (it needs CAP_BPF, CAP_PERFMON and "
                            "CAP_SYS_ADMIN)",
                            what);
  return nsb_error_errno (err, "load %s", what);
}

#if HAVE_LIBBPF
static int
libbpf_quiet (enum libbpf_print_level level, const char *fmt, va_list ap)
{
  if (getenv ("NSBINFMT_DEBUG_BPF") == NULL)
    return 0;
  (void)level;
  return vfprintf (stderr, fmt, ap);
}

void
nsb_handler_libbpf_quiet (void)
{
  libbpf_set_print (libbpf_quiet);
}

void *
nsb_handler_attach (void *map, const char *what, nsb_error_t *err)
{
  struct bpf_link *link = bpf_map__attach_struct_ops (map);

  if (link == NULL)
    nsb_error_errno (err, "attach %s in the target's user namespace", what);
  return link;
}

void
nsb_handler_detach (void *link)
{
  bpf_link__destroy (link);
}
#else
/* Without libbpf no handler is ever loaded, so none is attached. */
void
nsb_handler_libbpf_quiet (void)
{
}

void *
nsb_handler_attach (void *map, const char *what, nsb_error_t *err)
{
  (void)map;
  nsb_error_set (err, ENOTSUP, "attach %s: built without libbpf", what);
  return NULL;
}

void
nsb_handler_detach (void *link)
{
  (void)link;
}
#endif
