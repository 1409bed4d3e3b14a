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
#include "install.h"
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
  char refs[PATH_MAX];
  int ret = 0;

  ret = nsb_target_open_pid (h->st.pid, &t, err);
  if (ret < 0)
    return ret;
  t.root_path = h->cfg.root;
  /* In a shared instance, record the references (by rule: a selector's
   * entry binds its rules' emulators under their names) before
   * registering: a poststop of another container must not remove what
   * this one needs.  The hook of a rootless engine cannot load a handler;
   * it attaches a pinned one if root pinned it. */
  if (shares_our_userns (&t) && h->pol.mode == NSB_OCI_NONE)
    ret = nsb_error_set (err, EPERM,
                         "this container shares its user namespace, and so "
                         "its table, with the engine's other containers: "
                         "an empty table needs one of its own "
                         "(podman --userns=auto)");
  else if (shares_our_userns (&t)
           && (ret = nsb_refs_dir (refs, sizeof (refs), err)) == 0)
    ret = nsb_refs_take (refs, h->st.id, &h->set, err);
  if (ret == 0 && h->pol.origin)
    ret = nsb_origin_prepare (&io.origin, err);
  if (ret == 0 && h->set.n > 0)
    ret = nsb_selector_prepare (h->set.rules, h->set.n, h->pol.handler,
                                &io.selector, err);
  if (ret == -NSB_DECLINED)
    {
      fprintf (stderr,
               "nsbinfmt-hook: magic entries, not the bpf selector: %s\n",
               (*err)->msg);
      nsb_error_release (err);
      ret = 0;
    }
  if (ret == 0)
    ret = nsb_install (&t, h->set.rules, h->set.n, &io, &rep, err);
  if (ret == 0 && rep.note[0] != '\0')
    fprintf (stderr, "nsbinfmt-hook: %s\n", rep.note);
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
  int ret;
  char refs[PATH_MAX];

  ret = nsb_refs_dir (refs, sizeof (refs), err);
  if (ret < 0)
    return ret;
  return nsb_refs_drop (refs, h->st.id, err);
}

static int
hook_main (struct hook *h, nsb_error_t *err)
{
  int ret;
  cleanup_free char *input = NULL;
  char needs[sizeof (h->why) + 300];
  size_t len;

  if (nsb_read_fd (STDIN_FILENO, NSB_OCI_JSON_MAX, &input, &len, err) < 0)
    return nsb_error_prefix (err, "the OCI state on stdin");
  ret = nsb_oci_state_parse (input, len, &h->st, err);
  if (ret < 0)
    return ret;
  if (strcmp (h->st.status, "stopped") == 0)
    return poststop (h, err);
  if ((ret = nsb_oci_config_load (h->st.bundle, &h->cfg, err)) < 0
      || (ret = nsb_oci_policy (&h->cfg, &h->pol, err)) < 0)
    return ret;
  h->warn_only = !h->pol.fail;
  ret = nsb_oci_decide (&h->cfg, &h->pol, &h->set, h->why, sizeof (h->why),
                        err);
  if (ret < 0)
    return ret;
  if (!nsb_oci_wants_instance (&h->pol, &h->set))
    return 0;
  if (install (h, err) == 0)
    return 0;
  nsb_oci_needs (&h->pol, &h->set, h->why, needs, sizeof (needs));
  return nsb_error_prefix (err, "%s", needs);
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
  nsb_oci_policy_free (&h.pol);
  nsb_oci_config_free (&h.cfg);
  nsb_error_release (&err);
  return ret < 0 && !h.warn_only ? 1 : 0;
}
