/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the running kernel's binfmt_misc can do, measured, not assumed. */
#ifndef NSB_KERNEL_H
#define NSB_KERNEL_H

#include <stdbool.h>

#include "error.h"

enum
{
  NSB_KFUNC_SELECT_INTERP,
  NSB_KFUNC_SET_FLAGS,
  NSB_KFUNC_DYNPTR_FROM_FILE,
  NSB_KFUNC_PATH_D_PATH,
  NSB_KFUNC_COUNT
};

struct nsb_kernel
{
  char release[65];
  bool private_instances; /* binfmt_misc mounts in a user ns (>= 6.7) */
  unsigned kfeatures;     /* NSB_KF_*: what a scratch instance accepted */
  bool btf_binfmt_misc_ops;
  bool kfunc[NSB_KFUNC_COUNT];
  long max_interpreters; /* /proc/sys/user/max_binfmt_misc_interpreters, -1 */
  char why_no_instances[256];
};

extern const char *const nsb_kfunc_names[NSB_KFUNC_COUNT];

/* Measure: registers test strings in a throwaway instance in a throwaway
 * user namespace (a child process), reads kernel BTF and sysctls. */
int nsb_kernel_probe (struct nsb_kernel *k, nsb_error_t *err);

/* Only the register grammar (kfeatures), for validating rule files. */
int nsb_kernel_dialect (unsigned *kfeatures, nsb_error_t *err);

/* Linux >= 7.3, where binfmt_misc_ops first appeared: below it, looking
 * for it in the kernel's BTF (megabytes) would cost every container. */
bool nsb_kernel_may_have_handlers (void);

#endif
