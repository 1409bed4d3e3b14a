/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsbinfmt-hook: an OCI prestart/createRuntime hook.  It reads the state on
 * stdin and the bundle's config.json, decides which emulators the container
 * needs (annotations, else the ELF header of its entrypoint), and gives the
 * container's user namespace its own binfmt_misc instance with them, at
 * <rootfs>/proc/sys/fs/binfmt_misc, read-only.  A thin shell over
 * libnsbinfmt; every failure is one line on stderr.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "instance.h"
#include "oci.h"
#include "refs.h"
#include "sources.h"
#include "util.h"

struct hook
{
  struct nsb_oci_state st;
  struct nsb_oci_config cfg;
  struct nsb_oci_policy pol;
  struct nsb_ruleset set;
  bool warn_only; /* on-failure=warn was read: failures do not stop it */
  char why[PATH_MAX + 128];
};

/* The rules the container needs; none for a native one. */
static int
decide (struct hook *h, nsb_error_t *err)
{
  const struct nsb_arch *arch = NULL;
  cleanup_close int rootfd = -1;

  switch (h->pol.mode)
    {
    case NSB_OCI_NONE:
      return 0;
    case NSB_OCI_ALL:
      snprintf (h->why, sizeof (h->why), "annotation emulate=all");
      return nsb_ruleset_add_all_arches (&h->set, err);
    case NSB_OCI_LIST:
      snprintf (h->why, sizeof (h->why), "annotation emulate=%s",
                h->cfg.emulate);
      for (size_t i = 0; i < h->pol.n_arches; i++)
        if (!nsb_arch_is_native (h->pol.arches[i])
            && nsb_ruleset_add_arch (&h->set, h->pol.arches[i], NULL, err) < 0)
          return -1;
      return 0;
    case NSB_OCI_AUTO:
      break;
    }
  rootfd = open (h->cfg.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return nsb_error_errno (err, "rootfs %s", h->cfg.root);
  if (nsb_oci_entrypoint_arch (rootfd, &h->cfg, &arch, h->why, sizeof (h->why),
                               err)
      < 0)
    return -1;
  if (arch == NULL || nsb_arch_is_native (arch))
    return 0;
  return nsb_ruleset_add_arch (&h->set, arch, NULL, err);
}

/* Is the target in this process's user namespace (rootless podman's one
 * namespace for all its containers), whose instance others share? */
static bool
shares_our_userns (const struct nsb_target *t)
{
  cleanup_close int self = open ("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
  return self >= 0 && nsb_same_file (self, t->userns_fd);
}

static int
install (struct hook *h, nsb_error_t *err)
{
  struct nsb_install_opts io
      = { .mountpoint = NSB_DEFAULT_MOUNTPOINT, .verify = h->pol.verify };
  struct nsb_report rep = { 0 };
  struct nsb_target t;
  char refs[PATH_MAX], note[512];
  int ret = 0;

  if (nsb_target_open_pid (h->st.pid, &t, err) < 0)
    return -1;
  t.root_path = h->cfg.root;
  /* In a shared instance, record the references before registering: a
   * poststop of another container must not remove what this one needs.
   * Those count magic entries: a shared instance gets no selector (the
   * hook of a rootless engine could not load one anyway). */
  if (shares_our_userns (&t))
    {
      h->pol.handler = NSB_HANDLER_MAGIC;
      if (nsb_refs_dir (refs, sizeof (refs), err) < 0
          || nsb_refs_take (refs, h->st.id, &h->set, err) < 0)
        ret = -1;
    }
  if (ret == 0 && h->pol.origin)
    ret = nsb_origin_prepare (&io.origin, err);
  if (ret == 0 && h->set.n > 0)
    ret = nsb_selector_prepare (h->set.rules, h->set.n, h->pol.handler,
                                &io.selector, note, sizeof (note), err);
  if (ret == 0 && h->set.n > 0 && note[0] != '\0')
    fprintf (stderr,
             "nsbinfmt-hook: magic entries, not the bpf selector: %s\n", note);
  if (ret == 0)
    ret = nsb_install (&t, h->set.rules, h->set.n, &io, &rep, err);
  nsb_selector_free (io.selector);
  nsb_origin_free (io.origin);
  nsb_report_free (&rep);
  nsb_target_close (&t);
  return ret;
}

/* poststop: the container is gone; drop its references to entries of a
 * shared instance, removing those no container uses any more. */
static int
poststop (struct hook *h, nsb_error_t *err)
{
  char refs[PATH_MAX];

  if (nsb_refs_dir (refs, sizeof (refs), err) < 0)
    return -1;
  return nsb_refs_drop (refs, h->st.id, err);
}

static int
hook_main (struct hook *h, nsb_error_t *err)
{
  cleanup_free char *input = NULL;
  char names[256] = "";
  size_t len;

  if (nsb_read_fd (STDIN_FILENO, NSB_OCI_JSON_MAX, &input, &len, err) < 0)
    return nsb_error_prefix (err, "the OCI state on stdin");
  if (nsb_oci_state_parse (input, len, &h->st, err) < 0)
    return -1;
  if (strcmp (h->st.status, "stopped") == 0)
    return poststop (h, err);
  if (nsb_oci_config_load (h->st.bundle, &h->cfg, err) < 0
      || nsb_oci_policy (&h->cfg, &h->pol, err) < 0)
    return -1;
  h->warn_only = !h->pol.fail;
  if (decide (h, err) < 0)
    return -1;
  if (h->set.n == 0 && !h->pol.origin)
    return 0;
  if (install (h, err) == 0)
    return 0;
  if (h->set.n == 0)
    return nsb_error_prefix (err, "needs the $ORIGIN loader (annotation "
                                  "origin=true)");
  for (size_t i = 0; i < h->set.n; i++)
    snprintf (names + strlen (names), sizeof (names) - strlen (names), "%s%s",
              i ? "," : "", h->set.rules[i].name + 5);
  return nsb_error_prefix (err, "needs %s emulation (%s)", names, h->why);
}

int
main (int argc, char **argv)
{
  struct hook h;
  nsb_error_t err = NULL;
  int ret;

  if (argc > 1 && (!strcmp (argv[1], "--help") || !strcmp (argv[1], "-h")))
    {
      puts ("Usage: nsbinfmt-hook [prestart|createRuntime|poststop]  (OCI "
            "state on "
            "stdin)\nSee nsbinfmt-hook(8).");
      return 0;
    }
  memset (&h, 0, sizeof (h));
  ret = hook_main (&h, &err);
  if (ret < 0)
    fprintf (stderr, "nsbinfmt-hook: container %.12s: %s%s\n",
             h.st.id[0] ? h.st.id : "?", err->msg,
             h.warn_only ? " (on-failure=warn: starting it anyway)" : "");
  nsb_ruleset_free (&h.set);
  nsb_oci_config_free (&h.cfg);
  nsb_error_release (&err);
  return ret < 0 && !h.warn_only ? 1 : 0;
}
