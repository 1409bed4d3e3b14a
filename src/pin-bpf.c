/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pinned handlers: pinning, checking and opening them, with libbpf (see
 * pin.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pin.h"
#include "util.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

static const char *const pin_names[] = { "ops", "match", "load", "rodata" };
#define N_PINS (sizeof (pin_names) / sizeof (pin_names[0]))

/* Is UID, as this process's user namespace shows it, the host's root?  In
 * a user namespace that does not map the host's root (a sandbox of
 * `nsbinfmt run`), its files show the overflow uid. */
static bool
is_host_root (uid_t uid)
{
  cleanup_free char *map = NULL, *overflow = NULL;
  size_t len;
  unsigned long inside, outside, count;
  const char *p;

  if (uid == 0
      || nsb_read_file_at (AT_FDCWD, "/proc/sys/kernel/overflowuid", 0, 64,
                           &overflow, &len, NULL)
             < 0)
    return uid == 0;
  if ((uid_t)strtoul (overflow, NULL, 10) != uid
      || nsb_read_file_at (AT_FDCWD, "/proc/self/uid_map", 0, 65536, &map,
                           &len, NULL)
             < 0)
    return false;
  for (p = map; sscanf (p, "%lu %lu %lu", &inside, &outside, &count) == 3;)
    {
      if (outside == 0 && count > 0)
        return false; /* the host's root is mapped: it would show as such */
      p = strchr (p, '\n');
      if (p == NULL)
        break;
      p++;
    }
  return true;
}

/* A directory of the pins: on a bpffs, root's, writable by root alone, so
 * that only root can have put what is in it there. */
static int
check_pin_dir (int fd, const char *path, nsb_error_t *err)
{
  struct statfs sfs;
  struct stat st;

  if (fstatfs (fd, &sfs) < 0 || fstat (fd, &st) < 0)
    return nsb_error_errno (err, "%s", path);
  if (sfs.f_type != BPF_FS_MAGIC)
    return nsb_error_set (err, EINVAL, "%s is not on a bpffs", path);
  if (!is_host_root (st.st_uid) || (st.st_mode & (S_IWGRP | S_IWOTH)))
    return nsb_error_set (err, EPERM,
                          "%s is not root's alone (owner %u, mode %03o): "
                          "its pins are not trusted",
                          path, (unsigned)st.st_uid, st.st_mode & 07777);
  return 0;
}

/* DIR/SUB, checked; SUB NULL: DIR itself. */
static int
open_pin_dir (const char *sub, char *path, size_t size, nsb_error_t *err)
{
  int ret;
  cleanup_close int top = -1;
  int fd;

  snprintf (path, size, "%s", nsb_pin_dir ());
  top = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (top < 0)
    return nsb_error_errno (err, "%s", path);
  ret = check_pin_dir (top, path, err);
  if (ret < 0)
    return ret;
  if (sub == NULL)
    {
      fd = top;
      top = -1;
      return fd;
    }
  snprintf (path, size, "%s/%s", nsb_pin_dir (), sub);
  fd = openat (top, sub, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return nsb_error_errno (err, "%s", path);
  ret = check_pin_dir (fd, path, err);
  if (ret < 0)
    {
      close (fd);
      return ret;
    }
  return fd;
}

static int
obj_get (int dirfd, const char *name, nsb_error_t *err)
{
  LIBBPF_OPTS (bpf_obj_get_opts, o, .file_flags = BPF_F_RDONLY | BPF_F_PATH_FD,
               .path_fd = dirfd);
  int fd = bpf_obj_get_opts (name, &o);

  if (fd < 0)
    nsb_error_set (err, -fd, "%s: %s", name, strerror (-fd));
  return fd;
}

int
nsb_pin_layout (struct nsb_pin_stamp *stamp, nsb_error_t *err)
{
  static const char *const names[NSB_STAMP_MEMBERS]
      = { "match", "load", "name" };
  struct btf *btf = btf__load_vmlinux_btf ();
  const struct btf_type *t = NULL;
  unsigned found = 0;
  int id;

  if (btf == NULL)
    return nsb_error_errno (err, "the kernel's BTF");
  id = btf__find_by_name_kind (btf, "bpf_struct_ops_binfmt_misc_ops",
                               BTF_KIND_STRUCT);
  if (id > 0)
    t = btf__type_by_id (btf, (__u32)id);
  /* bpf_struct_ops_binfmt_misc_ops { common; struct binfmt_misc_ops data } */
  for (unsigned i = 0; t != NULL && i < btf_vlen (t); i++)
    {
      const struct btf_member *m = btf_members (t) + i;
      const struct btf_type *d = btf__type_by_id (btf, m->type);
      if (strcmp (btf__name_by_offset (btf, m->name_off), "data") != 0
          || d == NULL)
        continue;
      for (unsigned k = 0; k < btf_vlen (d); k++)
        for (unsigned j = 0; j < NSB_STAMP_MEMBERS; j++)
          if (strcmp (btf__name_by_offset (btf, btf_members (d)[k].name_off),
                      names[j])
              == 0)
            {
              stamp->ops_off[j] = (btf_member_bit_offset (t, i)
                                   + btf_member_bit_offset (d, k))
                                  / 8;
              found |= 1u << j;
            }
    }
  btf__free (btf);
  if (found != (1u << NSB_STAMP_MEMBERS) - 1)
    return nsb_error_set (err, ENOTSUP,
                          "the kernel's BTF has no binfmt_misc_ops with "
                          "match, load and name");
  stamp->ops_type_id = (unsigned)id;
  return 0;
}

/* The struct_ops map OPS: SPEC's name and handler, with programs IDS, at
 * the offsets STAMP (from the programs' .rodata) gives. */
static int
check_ops (int ops, const struct nsb_pin_spec *spec,
           const struct nsb_pin_stamp *stamp, const __u32 ids[2],
           nsb_error_t *err)
{
  struct bpf_map_info info = { 0 };
  __u32 len = sizeof (info), zero = 0;
  cleanup_free unsigned char *value = NULL;
  const unsigned *off = stamp->ops_off;

  if (bpf_map_get_info_by_fd (ops, &info, &len) < 0)
    return nsb_error_errno (err, "ops");
  if (info.type != BPF_MAP_TYPE_STRUCT_OPS)
    return nsb_error_set (err, EINVAL, "ops is not a struct_ops map");
  if (strcmp (info.name, spec->map) != 0)
    return nsb_error_set (err, EINVAL, "ops is `%s`, not `%s`", info.name,
                          spec->map);
  if (info.btf_vmlinux_value_type_id != stamp->ops_type_id)
    return nsb_error_set (err, EINVAL, "ops is not a binfmt_misc_ops");
  value = calloc (1, info.value_size + 1);
  if (value == NULL || bpf_map_lookup_elem (ops, &zero, value) < 0)
    return nsb_error_errno (err, "read ops");
  /* The kernel reports the programs of a registered value by id. */
  for (size_t i = 0; i < 2; i++)
    {
      __u64 id;
      if ((size_t)off[i] + sizeof (id) > info.value_size)
        return nsb_error_set (err, EINVAL, "ops is too small");
      memcpy (&id, value + off[i], sizeof (id));
      if (id != ids[i])
        return nsb_error_set (err, EINVAL,
                              "ops runs other programs than %s and %s",
                              spec->progs[0], spec->progs[1]);
    }
  if ((size_t)off[NSB_STAMP_NAME] + 16 > info.value_size
      || strncmp ((char *)value + off[NSB_STAMP_NAME], spec->handler, 16) != 0)
    return nsb_error_set (err, EINVAL, "ops is not the handler `%s`",
                          spec->handler);
  return 0;
}

/* Program FD: SPEC's struct_ops program NAME, using the map RODATA_ID. */
static int
check_prog (int fd, const char *name, __u32 rodata_id, __u32 *id,
            nsb_error_t *err)
{
  struct bpf_prog_info info = { 0 };
  __u32 len = sizeof (info), map_ids[8];
  bool uses = false;

  info.nr_map_ids = 8;
  info.map_ids = (__u64)(unsigned long)map_ids;
  if (bpf_prog_get_info_by_fd (fd, &info, &len) < 0)
    return nsb_error_errno (err, "%s", name);
  if (info.type != BPF_PROG_TYPE_STRUCT_OPS
      || strncmp (info.name, name, sizeof (info.name) - 1) != 0)
    return nsb_error_set (err, EINVAL, "program `%s` is not %s", info.name,
                          name);
  for (__u32 i = 0; i < info.nr_map_ids && i < 8; i++)
    uses |= map_ids[i] == rodata_id;
  if (!uses)
    return nsb_error_set (err, EINVAL,
                          "%s does not use the rodata pinned "
                          "beside it",
                          name);
  *id = info.id;
  return 0;
}

/* The programs' .rodata (INFO): SPEC's size and build id; a copy in
 * *OUT. */
static int
check_rodata (int fd, const struct bpf_map_info *info,
              const struct nsb_pin_spec *spec, void **out, nsb_error_t *err)
{
  struct nsb_pin_stamp stamp;
  __u32 zero = 0;
  unsigned char *v;

  /* The object's .rodata holds more than its variables (the skeleton's
   * view): the build id tells whether the rest is this build's. */
  if (info->type != BPF_MAP_TYPE_ARRAY || info->value_size < spec->rodata_size)
    return nsb_error_set (err, EINVAL,
                          "rodata is not this build's (%u bytes, at least %zu "
                          "expected)",
                          info->value_size, spec->rodata_size);
  v = malloc (info->value_size);
  if (v == NULL || bpf_map_lookup_elem (fd, &zero, v) < 0)
    return free (v), nsb_error_errno (err, "read rodata");
  memcpy (&stamp, v + spec->stamp_offset, sizeof (stamp));
  if (stamp.build_id != spec->build_id)
    {
      free (v);
      return nsb_error_set (err, EINVAL,
                            "pinned by another build of nsbinfmt (build id "
                            "%016llx, this one %016llx): `nsbinfmt pin` "
                            "replaces it",
                            stamp.build_id, spec->build_id);
    }
  *out = v;
  return 0;
}

/* Open and check every pin under DIRFD; FDS get them. */
static int
open_checked (int dirfd, const struct nsb_pin_spec *spec,
              struct nsb_pin_fds *fds, void **rodata, nsb_error_t *err)
{
  int ret;
  int *f[N_PINS] = { &fds->ops, &fds->match, &fds->load, &fds->rodata };
  struct bpf_map_info rinfo = { 0 };
  __u32 len = sizeof (rinfo), ids[2] = { 0, 0 };
  struct nsb_pin_stamp stamp;

  for (size_t i = 0; i < N_PINS; i++)
    if ((*f[i] = obj_get (dirfd, pin_names[i], err)) < 0)
      return *f[i];
  if (bpf_map_get_info_by_fd (fds->rodata, &rinfo, &len) < 0)
    return nsb_error_errno (err, "rodata");
  /* The programs say which handler this is; then which build. */
  if ((ret = check_prog (fds->match, spec->progs[0], rinfo.id, &ids[0], err))
          < 0
      || (ret = check_prog (fds->load, spec->progs[1], rinfo.id, &ids[1], err))
             < 0
      || (ret = check_rodata (fds->rodata, &rinfo, spec, rodata, err)) < 0)
    return ret;
  memcpy (&stamp, (char *)*rodata + spec->stamp_offset, sizeof (stamp));
  return check_ops (fds->ops, spec, &stamp, ids, err);
}

static void
close_fds (struct nsb_pin_fds *fds)
{
  int *f[N_PINS] = { &fds->ops, &fds->match, &fds->load, &fds->rodata };

  for (size_t i = 0; i < N_PINS; i++)
    if (*f[i] >= 0)
      close (*f[i]), *f[i] = -1;
}

int
nsb_pinned_open (const struct nsb_pin_spec *spec, struct nsb_pinned *p,
                 nsb_error_t *err)
{
  struct nsb_pin_fds fds = { -1, -1, -1, -1 };
  char path[PATH_MAX];
  cleanup_close int dirfd = open_pin_dir (spec->dir, path, sizeof (path), err);
  int ret;

  p->ops_fd = -1;
  p->rodata = NULL;
  if (dirfd < 0)
    return dirfd;
  ret = open_checked (dirfd, spec, &fds, &p->rodata, err);
  if (ret < 0)
    nsb_error_prefix (err, "%s", path);
  else
    p->ops_fd = fds.ops, fds.ops = -1;
  close_fds (&fds);
  return ret;
}

/* Make the struct_ops value of MAP ready to link, as libbpf does on the
 * first attach, without registering the handler anywhere that matters: in
 * a child, in a user namespace of its own that dies with it. */
static int
register_once (void *map, const char *what, nsb_error_t *err)
{
  int status;
  pid_t pid = fork ();

  if (pid < 0)
    return nsb_error_errno (err, "fork");
  if (pid == 0)
    {
      struct bpf_link *l;
      if (unshare (CLONE_NEWUSER) < 0)
        _exit (errno);
      l = bpf_map__attach_struct_ops (map);
      if (l == NULL)
        _exit (errno ? errno : EINVAL);
      bpf_link__destroy (l);
      _exit (0);
    }
  if (waitpid (pid, &status, 0) < 0)
    return nsb_error_errno (err, "wait");
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      errno = WIFEXITED (status) ? WEXITSTATUS (status) : EINTR;
      return nsb_error_errno (err, "register %s once", what);
    }
  return 0;
}

/* The tags of the programs of the pins under DIRFD (if they are this
 * build's) equal those of FDS: the same programs, pinned already. */
static bool
same_as_pinned (int dirfd, const struct nsb_pin_spec *spec,
                const struct nsb_pin_fds *fds)
{
  struct nsb_pin_fds old = { -1, -1, -1, -1 };
  cleanup_free void *rodata = NULL;
  int pf[2][2] = { { fds->match, fds->load }, { -1, -1 } };
  bool same;

  if (open_checked (dirfd, spec, &old, &rodata, NULL) < 0)
    {
      close_fds (&old);
      return false;
    }
  pf[1][0] = old.match;
  pf[1][1] = old.load;
  same = true;
  for (int i = 0; i < 2; i++)
    {
      struct bpf_prog_info a = { 0 }, b = { 0 };
      __u32 la = sizeof (a), lb = sizeof (b);
      same = same && bpf_prog_get_info_by_fd (pf[0][i], &a, &la) == 0
             && bpf_prog_get_info_by_fd (pf[1][i], &b, &lb) == 0
             && memcmp (a.tag, b.tag, sizeof (a.tag)) == 0;
    }
  close_fds (&old);
  return same;
}

/* The top directory, made (root's, 0755) if need be.  The default one's
 * parent becomes a bpffs if it is none, and every user may search it. */
static int
make_pin_root (char *path, size_t size, nsb_error_t *err)
{
  struct statfs sfs;
  struct stat st;

  if (strcmp (nsb_pin_dir (), NSB_PIN_DIR_DEFAULT) == 0)
    {
      if (statfs (NSB_PIN_BPFFS, &sfs) < 0)
        return nsb_error_errno (err, "%s", NSB_PIN_BPFFS);
      if (sfs.f_type != BPF_FS_MAGIC
          && mount ("bpf", NSB_PIN_BPFFS, "bpf",
                    MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0711")
                 < 0)
        return nsb_error_errno (err, "mount a bpffs on %s", NSB_PIN_BPFFS);
      if (stat (NSB_PIN_BPFFS, &st) < 0
          || (!(st.st_mode & S_IXOTH)
              && chmod (NSB_PIN_BPFFS, (st.st_mode & 07777) | S_IXOTH) < 0))
        return nsb_error_errno (err, "let users search %s", NSB_PIN_BPFFS);
    }
  if (mkdir (nsb_pin_dir (), 0755) < 0 && errno != EEXIST)
    return nsb_error_errno (err, "%s", nsb_pin_dir ());
  return open_pin_dir (NULL, path, size, err);
}

/* Pin FDS in a new directory NEW under TOP, read-only for all. */
static int
pin_into (int top, const char *new, const struct nsb_pin_fds *fds,
          nsb_error_t *err)
{
  const int f[N_PINS] = { fds->ops, fds->match, fds->load, fds->rodata };
  cleanup_close int d = -1;

  if (mkdirat (top, new, 0755) < 0)
    return nsb_error_errno (err, "%s/%s", nsb_pin_dir (), new);
  d = openat (top, new, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (d < 0)
    return nsb_error_errno (err, "%s/%s", nsb_pin_dir (), new);
  for (size_t i = 0; i < N_PINS; i++)
    {
      LIBBPF_OPTS (bpf_obj_pin_opts, o, .file_flags = BPF_F_PATH_FD,
                   .path_fd = d);
      int r = bpf_obj_pin_opts (f[i], pin_names[i], &o);
      if (r < 0)
        return errno = -r, nsb_error_errno (err, "pin %s/%s/%s",
                                            nsb_pin_dir (), new, pin_names[i]);
      /* bpffs makes pins 0600: BPF_OBJ_GET read-only needs read. */
      if (fchmodat (d, pin_names[i], 0444, 0) < 0)
        return nsb_error_errno (err, "chmod %s/%s/%s", nsb_pin_dir (), new,
                                pin_names[i]);
    }
  return 0;
}

/* Remove the pins in TOP/NAME and the directory; gone already is fine. */
static int
remove_pins (int top, const char *name)
{
  char path[PATH_MAX];
  int gone = 0;

  for (size_t i = 0; i < N_PINS; i++)
    {
      snprintf (path, sizeof (path), "%s/%s", name, pin_names[i]);
      gone += unlinkat (top, path, 0) == 0;
    }
  if (unlinkat (top, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return -1;
  return gone;
}

int
nsb_pin_handler (const struct nsb_pin_spec *spec,
                 const struct nsb_pin_fds *fds, void *map, bool *changed,
                 nsb_error_t *err)
{
  char path[PATH_MAX], new[64];
  cleanup_close int top = make_pin_root (path, sizeof (path), err);
  cleanup_close int lock = -1, cur = -1;
  int ret = -1;

  *changed = false;
  if (top < 0)
    return top;
  /* One pinner at a time (flock on the directory: bpffs has no files). */
  lock = open (nsb_pin_dir (), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock < 0 || flock (lock, LOCK_EX) < 0)
    return nsb_error_errno (err, "lock %s", nsb_pin_dir ());
  cur = openat (top, spec->dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (cur >= 0 && same_as_pinned (cur, spec, fds))
    return 0;
  ret = register_once (map, spec->what, err);
  if (ret < 0)
    return ret;
  /* bpffs refuses names with a dot */
  snprintf (new, sizeof (new), "%s-new", spec->dir);
  remove_pins (top, new);
  ret = pin_into (top, new, fds, err);
  if (ret < 0)
    goto out;
  /* Swap the whole directory: an attacher sees the old set or the new. */
  if (renameat2 (top, new, top, spec->dir,
                 cur >= 0 ? RENAME_EXCHANGE : RENAME_NOREPLACE)
      < 0)
    {
      ret = nsb_error_errno (err, "put %s/%s in place", nsb_pin_dir (),
                             spec->dir);
      goto out;
    }
  *changed = true;
out:
  remove_pins (top, new);
  return ret;
}

int
nsb_unpin (int *removed, nsb_error_t *err)
{
  static const char *const dirs[] = { "selector", "origin" };
  cleanup_close int top
      = open (nsb_pin_dir (), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  *removed = 0;
  if (top < 0)
    return errno == ENOENT ? 0 : nsb_error_errno (err, "%s", nsb_pin_dir ());
  if (flock (top, LOCK_EX) < 0)
    return nsb_error_errno (err, "lock %s", nsb_pin_dir ());
  for (size_t i = 0; i < sizeof (dirs) / sizeof (dirs[0]); i++)
    {
      int gone = remove_pins (top, dirs[i]);
      if (gone < 0)
        return nsb_error_errno (err, "remove %s/%s", nsb_pin_dir (), dirs[i]);
      *removed += gone > 0;
    }
  if (rmdir (nsb_pin_dir ()) < 0 && errno != ENOTEMPTY && errno != EEXIST)
    return nsb_error_errno (err, "remove %s", nsb_pin_dir ());
  return 0;
}
