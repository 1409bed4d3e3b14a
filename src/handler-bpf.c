/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The handlers' life cycle, the part that needs libbpf (handler.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "handler.h"
#include "util.h"

/* What every bpftool skeleton begins with. */
struct skeleton_head
{
  struct bpf_object_skeleton *skeleton;
  struct bpf_object *obj;
};

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

void
nsb_handler_destroy (void *skel)
{
  struct skeleton_head *k = skel;

  if (k == NULL)
    return;
  bpf_object__destroy_skeleton (k->skeleton);
  free (k);
}

/* The struct_ops value as the BPF object lays it out (kernel-types.h). */
struct ops_image
{
  uint64_t match, load;
  char name[16];
};

/* Before loading: the handler name the struct_ops MAP's value carries. */
static int
set_name (struct bpf_map *map, const char *name, nsb_error_t *err)
{
  size_t size = 0;
  struct ops_image *v = bpf_map__initial_value (map, &size);

  if (v == NULL || size < sizeof (*v) || strlen (name) >= sizeof (v->name))
    return nsb_error_set (err, EINVAL, "name the handler `%s`", name);
  memset (v->name, 0, sizeof (v->name));
  memcpy (v->name, name, strlen (name));
  return 0;
}

/* Open KIND's skeleton into H, find its struct_ops map, name it NAME. */
static int
open_named (const struct nsb_handler_kind *kind, const void *arg,
            const char *name, struct nsb_handler *h, nsb_error_t *err)
{
  struct skeleton_head *k;

  h->skel = k = kind->open (arg, err);
  if (k == NULL)
    return -EINVAL;
  h->map = bpf_object__find_map_by_name (k->obj, kind->pin.map);
  if (h->map == NULL)
    return nsb_error_set (err, ENOENT, "%s has no map `%s`", kind->what,
                          kind->pin.map);
  return set_name (h->map, name, err);
}

int
nsb_handler_load (const struct nsb_handler_kind *kind, const void *arg,
                  struct nsb_handler *h, nsb_error_t *err)
{
  int ret = open_named (kind, arg, kind->name, h, err);

  if (ret < 0)
    return ret;
  ret = bpf_object__load_skeleton (
      ((struct skeleton_head *)h->skel)->skeleton);
  if (ret < 0)
    return nsb_handler_load_error (ret, kind->what, err);
  h->name = kind->name;
  h->what = kind->what;
  return 0;
}

/* The object's .rodata (not its .rodata.str1.1 and the like). */
static struct bpf_map *
rodata_map (struct bpf_object *obj)
{
  struct bpf_map *m;

  bpf_object__for_each_map (m, obj)
  {
    const char *name = bpf_map__name (m);
    size_t len = strlen (name);
    if (bpf_map__is_internal (m) && len >= 7
        && strcmp (name + len - 7, ".rodata") == 0)
      return m;
  }
  return NULL;
}

/* Before loading: the stamp the pin will carry, its build id with MASK
 * applied. */
static int
set_stamp (struct bpf_object *obj, const struct nsb_pin_spec *spec,
           unsigned long long mask, nsb_error_t *err)
{
  struct bpf_map *rodata = rodata_map (obj);
  struct nsb_pin_stamp stamp = { .build_id = spec->build_id ^ mask };
  size_t size = 0;
  char *v = rodata ? bpf_map__initial_value (rodata, &size) : NULL;
  int ret;

  if (v == NULL || size < spec->stamp_offset + sizeof (stamp))
    return nsb_error_set (err, EINVAL, "%s has no stamp", spec->what);
  ret = nsb_pin_layout (&stamp, err);
  if (ret < 0)
    return ret;
  memcpy (v + spec->stamp_offset, &stamp, sizeof (stamp));
  return 0;
}

/* A loaded handler's parts, by the names in SPEC. */
static int
pin_fds (struct bpf_object *obj, const struct nsb_pin_spec *spec,
         struct bpf_map *map, struct nsb_pin_fds *fds, nsb_error_t *err)
{
  struct bpf_program *match
      = bpf_object__find_program_by_name (obj, spec->progs[0]);
  struct bpf_program *load
      = bpf_object__find_program_by_name (obj, spec->progs[1]);
  struct bpf_map *rodata = rodata_map (obj);

  if (match == NULL || load == NULL || rodata == NULL)
    return nsb_error_set (err, ENOENT,
                          "%s: programs `%s`, `%s` or .rodata "
                          "missing",
                          spec->what, spec->progs[0], spec->progs[1]);
  *fds = (struct nsb_pin_fds){ bpf_map__fd (map), bpf_program__fd (match),
                               bpf_program__fd (load), bpf_map__fd (rodata) };
  return 0;
}

int
nsb_handler_pin (const struct nsb_handler_kind *kind, const void *arg,
                 unsigned long long build_id_mask, bool *changed,
                 nsb_error_t *err)
{
  struct nsb_handler h = { .pin_fd = -1, .pin = { .ops_fd = -1 } };
  struct nsb_pin_spec spec = kind->pin;
  struct skeleton_head *k;
  struct nsb_pin_fds fds;
  int ret;

  *changed = false;
  kind->object (&spec);
  ret = open_named (kind, arg, spec.handler, &h, err);
  k = h.skel;
  if (ret == 0)
    ret = set_stamp (k->obj, &spec, build_id_mask, err);
  if (ret == 0 && (ret = bpf_object__load_skeleton (k->skeleton)) < 0)
    ret = nsb_handler_load_error (ret, kind->what, err);
  if (ret == 0)
    ret = pin_fds (k->obj, &spec, h.map, &fds, err);
  if (ret == 0)
    ret = nsb_pin_handler (&spec, &fds, h.map, changed, err);
  nsb_handler_destroy (h.skel);
  return ret;
}
struct nsb_handler_link
{
  struct bpf_link *link; /* a skeleton's */
  int fd;                /* a pin's */
};

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

int
nsb_handler_attach (const struct nsb_handler *h,
                    struct nsb_handler_link **link, nsb_error_t *err)
{
  struct nsb_handler_link *l = calloc (1, sizeof (*l));

  *link = NULL;
  if (l == NULL)
    return nsb_error_errno (err, "attach %s", h->what);
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
      int ret = nsb_error_errno (
          err, "attach %s in the target's user namespace", h->what);
      free (l);
      return ret;
    }
  *link = l;
  return 0;
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
