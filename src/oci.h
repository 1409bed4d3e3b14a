/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OCI runtime hooks: the state a hook reads on stdin, the bundle's
 * config.json, nsbinfmt's annotations, and which architecture a container
 * needs, read from the ELF header of its entrypoint inside the rootfs.
 */
#ifndef NSB_OCI_H
#define NSB_OCI_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "catalog.h"
#include "choice.h"
#include "error.h"
#include "selector.h"
#include "sources.h"
#include "verify.h"

#define NSB_OCI_JSON_MAX (4 << 20) /* a larger state or config is refused */

/* The annotations, all under one prefix. */
#define NSB_ANNOTATION_PREFIX "io.nsbinfmt."
#define NSB_ANNOTATION_EMULATE NSB_ANNOTATION_PREFIX "emulate"
#define NSB_ANNOTATION_VERIFY NSB_ANNOTATION_PREFIX "verify"
#define NSB_ANNOTATION_ON_FAILURE NSB_ANNOTATION_PREFIX "on-failure"
#define NSB_ANNOTATION_HANDLER NSB_ANNOTATION_PREFIX "handler"
#define NSB_ANNOTATION_ORIGIN NSB_ANNOTATION_PREFIX "origin"
#define NSB_ANNOTATION_EMULATOR NSB_ANNOTATION_PREFIX "emulator"
#define NSB_ANNOTATION_INHERIT NSB_ANNOTATION_PREFIX "inherit"
#define NSB_ANNOTATION_CREDENTIALS NSB_ANNOTATION_PREFIX "credentials"

struct nsb_oci_state
{
  char id[256];
  char status[32]; /* creating, created, running, stopped */
  pid_t pid;       /* 0 once stopped */
  char bundle[PATH_MAX];
};

struct nsb_oci_config
{
  char root[PATH_MAX]; /* absolute: root.path resolved against the bundle */
  char cwd[PATH_MAX];  /* process.cwd */
  char **args;         /* process.args, NULL-terminated */
  char *path_env;      /* PATH from process.env, or NULL */
  char *emulate;       /* nsbinfmt's annotations, or NULL */
  char *verify;
  char *on_failure;
  char *handler;
  char *origin;
  char *emulator;
  char *inherit;
  char *credentials;
};

enum nsb_oci_mode
{
  NSB_OCI_AUTO, /* from the entrypoint's ELF header */
  NSB_OCI_ALL,
  NSB_OCI_NONE, /* an empty table: nothing is emulated, not even by the
                   host's entries */
  NSB_OCI_HOST, /* nothing of nsbinfmt's: the host's table serves it */
  NSB_OCI_LIST,
};

struct nsb_oci_policy
{
  enum nsb_oci_mode mode;
  const struct nsb_arch *arches[64]; /* NSB_OCI_LIST */
  size_t n_arches;
  enum nsb_verify_level verify;
  bool fail; /* a failure stops the container (on-failure=fail) */
  enum nsb_handler_mode handler;
  bool origin;              /* the $ORIGIN loader too (origin=true) */
  struct nsb_choice choice; /* emulator=ARCH=NAME,..., credentials= */
  char **inherit;           /* inherit=NAME,... */
  size_t n_inherit;
  /* Set by the caller, for a yes or no alone: nsb_oci_decide stops at the
   * first foreign architecture the mode asks for (the list, or the
   * entrypoint's) and returns 1, without looking for its emulator. */
  bool yes_at_foreign;
};

/* The state a hook gets on stdin: id, pid, bundle. */
int nsb_oci_state_parse (const char *json, size_t len,
                         struct nsb_oci_state *st, nsb_error_t *err);

struct yajl_val_s;

/* CFG from TREE, BUNDLE's config.json as nsb_json_parse gave it (a
 * relative root.path is taken from BUNDLE); on failure CFG is left empty. */
int nsb_oci_config_from_tree (const char *bundle, struct yajl_val_s *tree,
                              struct nsb_oci_config *cfg, nsb_error_t *err);

/* Read BUNDLE/config.json (the engine's, trusted; the rootfs is not). */
int nsb_oci_config_load (const char *bundle, struct nsb_oci_config *cfg,
                         nsb_error_t *err);
void nsb_oci_config_free (struct nsb_oci_config *cfg);

/* The policy the annotations ask for; a bad value is an error. */
int nsb_oci_policy (const struct nsb_oci_config *cfg,
                    struct nsb_oci_policy *pol, nsb_error_t *err);
void nsb_oci_policy_free (struct nsb_oci_policy *pol);

/* Into SET, the rules the container needs by POL: the annotations' list,
 * or all, else the entrypoint's architecture (below), none for a native
 * one; the architectures the emulator annotation names, and the host's
 * entries inherit names.  WHY says what decided.  Whether an instance is
 * needed at all: nsb_oci_wants_instance.  1, SET unfinished, where
 * POL->yes_at_foreign stopped it (the answer would be yes, or an error). */
int nsb_oci_decide (const struct nsb_oci_config *cfg,
                    struct nsb_oci_policy *pol, struct nsb_ruleset *set,
                    char *why, size_t why_size, nsb_error_t *err);

/* Does the container get an instance of its own: entries in SET, the
 * $ORIGIN loader, or an empty table (emulate=none)? */
bool nsb_oci_wants_instance (const struct nsb_oci_policy *pol,
                             const struct nsb_ruleset *set);

/* What the container needs, for messages: "needs aarch64,s390x emulation
 * (WHY)", or an empty table, or the $ORIGIN loader. */
void nsb_oci_needs (const struct nsb_oci_policy *pol,
                    const struct nsb_ruleset *set, const char *why, char *out,
                    size_t size);

/* The architecture the entrypoint is built for, read beneath ROOTFD (the
 * rootfs, hostile): process.args[0] along PATH, through one or more #!
 * lines, else /bin/sh.  *ARCH is NULL and WHY says so if nothing tells. */
int nsb_oci_entrypoint_arch (int rootfd, const struct nsb_oci_config *cfg,
                             const struct nsb_arch **arch, char *why,
                             size_t why_size, nsb_error_t *err);

#endif
