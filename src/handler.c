/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libbpf glue for nsbinfmt's binfmt_misc_ops handlers (see handler.h). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bpf/origin.h"
#include "bpf/selector.h"
#include "handler.h"

#if NSB_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#endif

const char *
nsb_handler_describe (const char *name)
{
  static const char *const names[][2] = {
    { NSB_SEL_HANDLER, "the bpf selector, loaded by the installer" },
    { NSB_SEL_HANDLER_PINNED, "the bpf selector, pinned by root (nsbinfmt "
                              "pin)" },
    { NSB_ORIGIN_HANDLER, "the $ORIGIN loader, loaded by the installer" },
    { NSB_ORIGIN_HANDLER_PINNED, "the $ORIGIN loader, pinned by root "
                                 "(nsbinfmt pin)" },
  };

  for (size_t i = 0; i < sizeof (names) / sizeof (names[0]); i++)
    if (strcmp (name, names[i][0]) == 0)
      return names[i][1];
  return "not nsbinfmt's";
}

unsigned long long
nsb_handler_build_id (const void *object, size_t size)
{
  const unsigned char *p = object;
  uint64_t h = 0xcbf29ce484222325ULL;

  for (size_t i = 0; i < size; i++)
    h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

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

#if NSB_BPF
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

struct nsb_handler_link
{
  struct bpf_link *link; /* a skeleton's */
  int fd;                /* a pin's */
};

/* The struct_ops value as the BPF object lays it out (kernel-types.h). */
struct ops_image
{
  uint64_t match, load;
  char name[16];
};

int
nsb_handler_set_name (void *map, const char *name, nsb_error_t *err)
{
  size_t size = 0;
  struct ops_image *v = bpf_map__initial_value (map, &size);

  if (v == NULL || size < sizeof (*v) || strlen (name) >= sizeof (v->name))
    return nsb_error_set (err, EINVAL, "name the handler `%s`", name);
  memset (v->name, 0, sizeof (v->name));
  memcpy (v->name, name, strlen (name));
  return 0;
}

/* A pin: another install in this user namespace may hold the name for the
 * moment it takes to register its entry (EEXIST); wait up to 2 s. */
static int
attach_pin (int pin_fd)
{
  const struct timespec tick = { 0, 10 * 1000 * 1000 };

  for (int i = 0;; i++)
    {
      int fd = bpf_link_create (pin_fd, 0, BPF_STRUCT_OPS, NULL);
      if (fd >= 0 || fd != -EEXIST || i == 200)
        return fd;
      nanosleep (&tick, NULL);
    }
}

struct nsb_handler_link *
nsb_handler_attach (const struct nsb_handler *h, nsb_error_t *err)
{
  struct nsb_handler_link *l = calloc (1, sizeof (*l));

  if (l == NULL)
    return nsb_error_errno (err, "attach %s", h->what), NULL;
  l->fd = -1;
  if (h->pin_fd >= 0)
    {
      l->fd = attach_pin (h->pin_fd);
      if (l->fd < 0)
        errno = -l->fd;
    }
  else
    l->link = bpf_map__attach_struct_ops (h->map);
  if (l->link == NULL && l->fd < 0)
    {
      nsb_error_errno (err, "attach %s in the target's user namespace",
                       h->what);
      return free (l), NULL;
    }
  return l;
}

void
nsb_handler_detach (struct nsb_handler_link *l)
{
  if (l == NULL)
    return;
  if (l->fd >= 0)
    close (l->fd);
  bpf_link__destroy (l->link);
  free (l);
}
#else
/* Without libbpf no handler is ever loaded, so none is attached. */
void
nsb_handler_libbpf_quiet (void)
{
}

struct nsb_handler_link *
nsb_handler_attach (const struct nsb_handler *h, nsb_error_t *err)
{
  nsb_error_set (err, ENOTSUP, "attach %s: built without libbpf", h->what);
  return NULL;
}

void
nsb_handler_detach (struct nsb_handler_link *link)
{
  (void)link;
}

int
nsb_handler_set_name (void *map, const char *name, nsb_error_t *err)
{
  (void)map;
  return nsb_error_set (err, ENOTSUP,
                        "name the handler `%s`: built without "
                        "libbpf",
                        name);
}
#endif
