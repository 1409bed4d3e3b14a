/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Verification, in the target's namespaces: the entry is enabled, its
 * interpreter was pre-opened (F) and is a static ELF, or its loader exists
 * in the target's root; then a probe of the entry's architecture (src/probe.c:
 * a few dozen bytes that only exit with a known status) is executed from a
 * memfd inside the target's root, through the entry, and must exit with it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "catalog.h"
#include "elfinfo.h"
#include "entry.h"
#include "handler.h"
#include "probe.h"
#include "util.h"
#include "verify.h"

#define PROBE_STATUS 42

void
nsb_report_free (struct nsb_report *rep)
{
  free (rep->checks);
  rep->checks = NULL;
  rep->n = 0;
}

bool
nsb_report_ok (const struct nsb_report *rep)
{
  for (size_t i = 0; i < rep->n; i++)
    if (rep->checks[i].status == NSB_CHECK_FAILED)
      return false;
  return true;
}

int
nsb_report_add (struct nsb_report *rep, const struct nsb_check *c,
                nsb_error_t *err)
{
  struct nsb_check *n = realloc (rep->checks, (rep->n + 1) * sizeof (*n));

  if (n == NULL)
    return nsb_error_errno (err, "report");
  rep->checks = n;
  rep->checks[rep->n++] = *c;
  return 0;
}

static void set (struct nsb_check *c, int status, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

static void
set (struct nsb_check *c, int status, const char *fmt, ...)
{
  va_list ap;
  c->status = status;
  va_start (ap, fmt);
  vsnprintf (c->detail, sizeof (c->detail), fmt, ap);
  va_end (ap);
}

/* The interpreter itself: static, or its loader present in the root.
 * FIXED: pre-opened (F, or bound to a B entry), so resolved on the host. */
static void
check_interpreter (const char *path, bool fixed, int root_fd, int host_root_fd,
                   struct nsb_check *c)
{
  cleanup_error nsb_error_t err = NULL;
  cleanup_close int fd = nsb_open_regular (fixed ? host_root_fd : root_fd,
                                           path, NSB_RESOLVE_HOSTILE, &err);
  struct nsb_elf_info info;

  if (fd < 0)
    return set (c, NSB_CHECK_FAILED, "%s", err->msg);
  if (nsb_elf_inspect_fd (fd, &info, NULL) < 0)
    return set (c, NSB_CHECK_OK, "interpreter is not an ELF file");
  if (!info.has_interp)
    return set (c, NSB_CHECK_OK, "static interpreter%s",
                fixed ? ", pre-opened" : "");
  nsb_closep (&fd);
  fd = nsb_open_in_root (root_fd, info.interp, O_PATH, 0, NULL);
  if (fd < 0)
    return set (c, NSB_CHECK_FAILED,
                "interpreter is dynamically linked and its loader %s is not "
                "in the target's root: use a static emulator "
                "(qemu-user-static)",
                info.interp);
  set (c, NSB_CHECK_OK,
       "interpreter is dynamically linked (loader %s present in the target "
       "root; its libraries must be too)",
       info.interp);
}

/* A probe whose bytes the entry's magic and mask accept. */
static int
find_probe (const struct nsb_rule *r, uint8_t *img, size_t *len)
{
  for (const char *const *a = nsb_probe_arches (); *a; a++)
    if (nsb_probe_build (*a, PROBE_STATUS, img, NSB_PROBE_MAX, len, NULL) == 0
        && nsb_rule_matches (r, img, *len))
      return 0;
  return -1;
}

/* Run IMG through the entry (or natively) inside the target's root. */
static void
run_probe (const uint8_t *img, size_t len, int root_fd, struct nsb_check *c)
{
  cleanup_close int here = open ("/", O_PATH | O_CLOEXEC);
  bool need_chroot = !nsb_same_file (root_fd, here);
  cleanup_error nsb_error_t err = NULL;
  int status, timed_out;

  timed_out = nsb_probe_run (img, len, root_fd, &status, &err);
  if (timed_out < 0)
    return set (c, NSB_CHECK_FAILED, "%s", err->msg);
  if (timed_out)
    return set (c, NSB_CHECK_FAILED, "probe hung; killed after %d s",
                NSB_PROBE_TIMEOUT_MS / 1000);
  if (WIFEXITED (status) && WEXITSTATUS (status) == PROBE_STATUS)
    {
      size_t n = strlen (c->detail);
      snprintf (c->detail + n, sizeof (c->detail) - n, "; probe ran (%s)",
                need_chroot ? "in the target's root" : "here");
      return;
    }
  if (WIFSIGNALED (status))
    return set (c, NSB_CHECK_FAILED, "probe killed by signal %d",
                WTERMSIG (status));
  set (c, NSB_CHECK_FAILED, "probe exited with %d, expected %d%s",
       WEXITSTATUS (status), PROBE_STATUS,
       WEXITSTATUS (status) == NSB_PROBE_ENOEXEC
           ? " (exec format error: the entry did not take it)"
       : WEXITSTATUS (status) == NSB_PROBE_NOEXEC
           ? " (the interpreter could not be run)"
           : "");
}

/* The probe check, after the interpreter's: R's magic picks the probe. */
static void
check_probe (const struct nsb_rule *r, int root_fd, struct nsb_check *c)
{
  uint8_t img[NSB_PROBE_MAX];
  size_t len;

  if (c->status != NSB_CHECK_OK)
    return;
  if (r == NULL || find_probe (r, img, &len) < 0)
    return set (c, NSB_CHECK_UNVERIFIED,
                "no probe matches this entry's magic");
  run_probe (img, len, root_fd, c);
}

/* A B entry: a check per bound interpreter.  Its architecture is the one
 * nsbinfmt bound it for (qemu-ARCH, catalog.c); the probe runs through the
 * entry's handler, which must pick that interpreter. */
static int
verify_bound (const struct nsb_entry *e, int root_fd, int host_root_fd,
              enum nsb_verify_level level, struct nsb_report *rep,
              nsb_error_t *err)
{
  int ret;
  cleanup_free struct nsb_rule *r = malloc (sizeof (*r));
  struct nsb_check c = { .status = NSB_CHECK_UNVERIFIED };

  if (r == NULL)
    return nsb_error_errno (err, "verify");
  snprintf (c.name, sizeof (c.name), "%.*s", NSB_ENTRY_NAME_MAX, e->rule.name);
  snprintf (c.interpreter, sizeof (c.interpreter), "%s", e->rule.interpreter);
  snprintf (c.detail, sizeof (c.detail),
            "B entry (handler %.64s) binds no interpreter: its handler "
            "names one at each exec",
            e->rule.interpreter);
  if (e->n_bound == 0)
    return nsb_report_add (rep, &c, err);
  for (size_t i = 0; i < e->n_bound; i++)
    {
      const char *n = e->bound[i].name;
      const struct nsb_arch *a
          = strncmp (n, "qemu-", 5) == 0 ? nsb_catalog_lookup (n + 5) : NULL;
      bool known
          = a != NULL && nsb_arch_rule (a, "/", NSB_QEMU_FLAGS, r, NULL) == 0;

      c.status = NSB_CHECK_OK;
      snprintf (c.name, sizeof (c.name), "%.*s/%s",
                NSB_ENTRY_NAME_MAX - NSB_BOUND_NAME_MAX - 1, e->rule.name, n);
      snprintf (c.interpreter, sizeof (c.interpreter), "%s", e->bound[i].path);
      check_interpreter (e->bound[i].path, true, root_fd, host_root_fd, &c);
      if (level == NSB_VERIFY_PROBE)
        check_probe (known ? r : NULL, root_fd, &c);
      if (c.status == NSB_CHECK_OK)
        {
          size_t used = strlen (c.detail);
          snprintf (c.detail + used, sizeof (c.detail) - used, "%s%s",
                    used ? "; through " : "through ",
                    nsb_handler_describe (e->rule.interpreter));
        }
      ret = nsb_report_add (rep, &c, err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

int
nsb_verify_entry (int mntfd, const char *name, int root_fd, int host_root_fd,
                  enum nsb_verify_level level, struct nsb_report *rep,
                  nsb_error_t *err)
{
  struct nsb_check c = { .status = NSB_CHECK_OK };
  struct nsb_entry *e = calloc (1, sizeof (*e));
  int ret;

  if (e == NULL)
    return nsb_error_errno (err, "verify");
  snprintf (c.name, sizeof (c.name), "%s", name);
  ret = nsb_entry_read_at (mntfd, name, e, err);
  if (ret == 0)
    {
      snprintf (c.interpreter, sizeof (c.interpreter), "%s",
                e->rule.interpreter);
      if (!e->enabled)
        set (&c, NSB_CHECK_FAILED, "entry is disabled");
      else if (e->rule.type == NSB_TYPE_BPF)
        ret = verify_bound (e, root_fd, host_root_fd, level, rep, err);
      else
        {
          check_interpreter (e->rule.interpreter, e->rule.flags & NSB_FLAG_F,
                             root_fd, host_root_fd, &c);
          if (level == NSB_VERIFY_PROBE)
            check_probe (&e->rule, root_fd, &c);
        }
      if (ret == 0 && !(e->enabled && e->rule.type == NSB_TYPE_BPF))
        ret = nsb_report_add (rep, &c, err);
      nsb_entry_free (e);
    }
  free (e);
  return ret;
}
