/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Parse + validate of 100,000 register strings: the library's per-rule cost,
 * against the same strings registered in (and removed from) a private
 * instance by the kernel, in the same run.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "instance.h"
#include "rule.h"

#define N 100000

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main (void)
{
  static char strs[64][NSB_REGISTER_MAX + 1];
  static size_t lens[64];
  struct nsb_rule *r = malloc (sizeof (*r));
  nsb_error_t err = NULL;
  size_t n = 0, ok = 0;
  double t0, lib, ker;
  int mnt, reg;

  for (size_t i = 0; i < nsb_catalog_size () && n < 64; i++, n++)
    {
      nsb_arch_rule (nsb_catalog_at (i), "/bin/true", NSB_QEMU_FLAGS, r, NULL);
      lens[n] = (size_t)nsb_rule_format (r, strs[n], sizeof (strs[n]), NULL);
    }
  t0 = now ();
  for (size_t i = 0; i < N; i++)
    ok += nsb_rule_parse (strs[i % n], lens[i % n], NSB_KF_LINUX_7_3, r, NULL)
              == 0
          && nsb_rule_validate (r, NSB_KF_LINUX_7_3, NULL) == 0;
  lib = (now () - t0) / N;
  if (ok != N || nsb_sandbox_enter (false, &err) < 0
      || (mnt = nsb_instance_open_self (&err)) < 0)
    {
      fprintf (stderr, "rule-parse: %s\n", err ? err->msg : "a rule failed");
      return 1;
    }
  reg = openat (mnt, "register", O_WRONLY | O_CLOEXEC);
  t0 = now ();
  for (size_t i = 0; i < N; i++)
    {
      const char *s = strs[i % n];
      char name[64];
      int fd;
      if (write (reg, s, lens[i % n]) < 0)
        return perror ("register"), 1;
      snprintf (name, sizeof (name), "%.*s", (int)strcspn (s + 1, ":"), s + 1);
      fd = openat (mnt, name, O_WRONLY | O_CLOEXEC);
      if (fd < 0 || write (fd, "-1", 2) != 2)
        return perror ("remove"), 1;
      close (fd);
    }
  ker = (now () - t0) / N;
  printf ("parse+validate: %d rules, %.0f ns/rule\n", N, lib * 1e9);
  printf ("kernel register+remove (baseline): %.0f ns/rule\n", ker * 1e9);
  printf ("ratio library/kernel: %.3f\n", lib / ker);
  return 0;
}
