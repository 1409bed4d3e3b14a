/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel features are measured: a child makes a throwaway user namespace
 * with its own instance and registers one string per feature (a grammar the
 * kernel lacks is EINVAL; a B entry naming no handler is ENOENT where B
 * exists).  BPF support is read from the kernel's BTF.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "instance.h"
#include "kernel.h"
#include "sandbox.h"
#include "util.h"

const char *const nsb_kfunc_names[NSB_KFUNC_COUNT] = {
  "bpf_binprm_select_interp",
  "bpf_binprm_set_flags",
  "bpf_dynptr_from_file",
  "bpf_path_d_path",
};

static const struct
{
  unsigned feature;
  const char *rule;
  int present_errno; /* what the write gives when the feature exists */
} dialect_probes[] = {
  { NSB_KF_TRANSPARENT, ":nsb-t:M::\\x7fNSB::/nsbinfmt-none:T", 0 },
  { NSB_KF_LOADER, ":nsb-l:M::\\x7fNSB::/nsbinfmt-none:L", 0 },
  { NSB_KF_DISABLED, ":nsb-d:M::\\x7fNSB::/nsbinfmt-none:D", 0 },
  { NSB_KF_BPF, ":nsb-b:B::::nsbinfmt-none:", ENOENT },
  { NSB_KF_ABS_INTERP, ":nsb-a:M::\\x7fNSB::relative:C", EINVAL },
};

struct dialect_result
{
  int ok;
  unsigned kfeatures;
  char msg[256];
};

static void
dialect_child (int fd)
{
  struct dialect_result r = { 0 };
  cleanup_error nsb_error_t err = NULL;
  cleanup_close int mntfd = -1;

  if (nsb_sandbox_enter (false, &err) == 0)
    mntfd = nsb_instance_open_self (&err);
  if (mntfd >= 0)
    {
      cleanup_close int reg = openat (mntfd, "register", O_WRONLY | O_CLOEXEC);
      r.ok = reg >= 0;
      for (size_t i = 0; reg >= 0 && i < NSB_ARRAY_SIZE (dialect_probes); i++)
        {
          const char *s = dialect_probes[i].rule;
          int e = write (reg, s, strlen (s)) < 0 ? errno : 0;
          if (e == dialect_probes[i].present_errno)
            r.kfeatures |= dialect_probes[i].feature;
        }
    }
  if (err != NULL)
    snprintf (r.msg, sizeof (r.msg), "%s", err->msg);
  if (write (fd, &r, sizeof (r)) < 0)
    _exit (1);
  _exit (0);
}

static int
measure_dialect (struct dialect_result *r, nsb_error_t *err)
{
  int fd, status;
  pid_t pid = nsb_fork_piped (&fd, err);
  ssize_t n;

  if (pid < 0)
    return pid;
  if (pid == 0)
    dialect_child (fd);
  n = read (fd, r, sizeof (*r));
  close (fd);
  waitpid (pid, &status, 0);
  if (n != (ssize_t)sizeof (*r))
    return nsb_error_set (err, EIO, "kernel probe: the child died");
  return 0;
}

int
nsb_kernel_dialect (unsigned *kfeatures, nsb_error_t *err)
{
  int ret;
  struct dialect_result r;

  ret = measure_dialect (&r, err);
  if (ret < 0)
    return ret;
  if (!r.ok)
    return nsb_error_set (err, ENOTSUP,
                          "this kernel cannot give a user namespace its own "
                          "binfmt_misc instance (Linux >= 6.7 needed): %s",
                          r.msg);
  *kfeatures = r.kfeatures;
  return 0;
}

/* Is "\0NAME\0" in the kernel's BTF string section? */
static void
read_btf (struct nsb_kernel *k)
{
  cleanup_free char *btf = NULL;
  size_t len = 0;

  if (nsb_read_file_at (AT_FDCWD, "/sys/kernel/btf/vmlinux", 0, 64 << 20, &btf,
                        &len, NULL)
      < 0)
    return;
  for (int pass = 0; pass <= NSB_KFUNC_COUNT; pass++)
    {
      const char *name
          = pass == 0 ? "binfmt_misc_ops" : nsb_kfunc_names[pass - 1];
      char needle[64];
      int n = snprintf (needle, sizeof (needle), "%c%s%c", 0, name, 0);
      bool found = memmem (btf, len, needle, (size_t)n) != NULL;
      if (pass == 0)
        k->btf_binfmt_misc_ops = found;
      else
        k->kfunc[pass - 1] = found;
    }
}

int
nsb_kernel_probe (struct nsb_kernel *k, nsb_error_t *err)
{
  int ret;
  struct dialect_result r;
  struct utsname u;
  cleanup_free char *max = NULL;
  long long v;

  memset (k, 0, sizeof (*k));
  if (uname (&u) == 0)
    snprintf (k->release, sizeof (k->release), "%s", u.release);
  ret = measure_dialect (&r, err);
  if (ret < 0)
    return ret;
  k->private_instances = r.ok;
  k->kfeatures = r.kfeatures;
  snprintf (k->why_no_instances, sizeof (k->why_no_instances), "%s", r.msg);
  k->max_interpreters = -1;
  if (nsb_read_file_at (AT_FDCWD,
                        "/proc/sys/user/max_binfmt_misc_interpreters", 0, 64,
                        &max, NULL, NULL)
          == 0
      && (max[strcspn (max, "\n")] = '\0',
          nsb_parse_int (max, 0, 1LL << 40, &v)))
    k->max_interpreters = (long)v;
  read_btf (k);
  return 0;
}

bool
nsb_kernel_may_have_handlers (void)
{
  struct utsname u;
  int major = 0, minor = 0;

  return uname (&u) == 0 && sscanf (u.release, "%d.%d", &major, &minor) == 2
         && (major > 7 || (major == 7 && minor >= 3));
}
