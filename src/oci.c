/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <yajl/yajl_tree.h>

#include "elfinfo.h"
#include "inherit.h"
#include "json.h"
#include "oci.h"
#include "util.h"

#define MAX_SCRIPT_DEPTH 4
#define DEFAULT_PATH                                                          \
  "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int
nsb_oci_state_parse (const char *json, size_t len, struct nsb_oci_state *st,
                     nsb_error_t *err)
{
  static const char *const pid_path[] = { "pid", NULL };
  static const char *const id_path[] = { "id", NULL };
  static const char *const status_path[] = { "status", NULL };
  static const char *const bundle_path[] = { "bundle", NULL };
  yajl_val tree, pid;
  const char *id, *bundle, *status;
  bool stopped;
  int ret = nsb_json_parse (json, len, "the OCI state on stdin", &tree, err);

  if (ret < 0)
    return ret;
  memset (st, 0, sizeof (*st));
  pid = nsb_json_get (tree, pid_path);
  id = nsb_json_get_string (tree, id_path);
  status = nsb_json_get_string (tree, status_path);
  bundle = nsb_json_get_string (tree, bundle_path);
  stopped = status && strcmp (status, "stopped") == 0;
  if (!stopped
      && (pid == NULL || !YAJL_IS_INTEGER (pid) || YAJL_GET_INTEGER (pid) <= 0
          || YAJL_GET_INTEGER (pid) > 0x7fffffff))
    ret = nsb_error_set (err, EINVAL, "the OCI state has no valid pid");
  else if (bundle == NULL || bundle[0] != '/')
    ret = nsb_error_set (err, EINVAL,
                         "the OCI state has no absolute bundle path");
  else
    {
      st->pid = stopped ? 0 : (pid_t)YAJL_GET_INTEGER (pid);
      snprintf (st->id, sizeof (st->id), "%s", id ? id : "");
      snprintf (st->status, sizeof (st->status), "%s", status ? status : "");
      snprintf (st->bundle, sizeof (st->bundle), "%s", bundle);
    }
  yajl_tree_free (tree);
  return ret;
}

/* process.args and PATH from process.env. */
static int
config_process (yajl_val tree, struct nsb_oci_config *cfg, nsb_error_t *err)
{
  static const char *const args_path[] = { "process", "args", NULL };
  static const char *const env_path[] = { "process", "env", NULL };
  static const char *const cwd_path[] = { "process", "cwd", NULL };
  yajl_val args = nsb_json_get (tree, args_path);
  yajl_val env = nsb_json_get (tree, env_path);
  const char *cwd = nsb_json_get_string (tree, cwd_path);
  size_t n = YAJL_IS_ARRAY (args) ? YAJL_GET_ARRAY (args)->len : 0;

  snprintf (cfg->cwd, sizeof (cfg->cwd), "%s", cwd ? cwd : "/");
  cfg->args = calloc (n + 1, sizeof (char *));
  if (cfg->args == NULL)
    return nsb_error_errno (err, "config.json");
  for (size_t i = 0; i < n; i++)
    {
      const char *a = YAJL_GET_STRING (YAJL_GET_ARRAY (args)->values[i]);
      if (a == NULL || (cfg->args[i] = strdup (a)) == NULL)
        return nsb_error_set (err, EINVAL,
                              "config.json: process.args[%zu] "
                              "is not a string",
                              i);
    }
  for (size_t i = 0; YAJL_IS_ARRAY (env) && i < YAJL_GET_ARRAY (env)->len; i++)
    {
      const char *e = YAJL_GET_STRING (YAJL_GET_ARRAY (env)->values[i]);
      if (e && strncmp (e, "PATH=", 5) == 0)
        {
          free (cfg->path_env);
          cfg->path_env = strdup (e + 5);
        }
    }
  return 0;
}

static char *
annotation (yajl_val tree, const char *key)
{
  const char *path[] = { "annotations", key, NULL };
  const char *v = nsb_json_get_string (tree, path);
  return v ? strdup (v) : NULL;
}

int
nsb_oci_config_from_tree (const char *bundle, yajl_val tree,
                          struct nsb_oci_config *cfg, nsb_error_t *err)
{
  static const char *const root_path[] = { "root", "path", NULL };
  const char *root = nsb_json_get_string (tree, root_path);
  int ret;

  memset (cfg, 0, sizeof (*cfg));
  if (root == NULL || root[0] == '\0')
    ret = nsb_error_set (err, EINVAL, "config.json has no root.path");
  else if (snprintf (cfg->root, sizeof (cfg->root), "%s%s%s",
                     root[0] == '/' ? "" : bundle, root[0] == '/' ? "" : "/",
                     root)
           >= (int)sizeof (cfg->root))
    ret = nsb_error_set (err, ENAMETOOLONG, "root.path is too long");
  else if ((ret = config_process (tree, cfg, err)) == 0)
    {
      cfg->emulate = annotation (tree, NSB_ANNOTATION_EMULATE);
      cfg->verify = annotation (tree, NSB_ANNOTATION_VERIFY);
      cfg->on_failure = annotation (tree, NSB_ANNOTATION_ON_FAILURE);
      cfg->handler = annotation (tree, NSB_ANNOTATION_HANDLER);
      cfg->origin = annotation (tree, NSB_ANNOTATION_ORIGIN);
      cfg->emulator = annotation (tree, NSB_ANNOTATION_EMULATOR);
      cfg->inherit = annotation (tree, NSB_ANNOTATION_INHERIT);
      cfg->credentials = annotation (tree, NSB_ANNOTATION_CREDENTIALS);
    }
  if (ret < 0)
    nsb_oci_config_free (cfg);
  return ret;
}

int
nsb_oci_config_load (const char *bundle, struct nsb_oci_config *cfg,
                     nsb_error_t *err)
{
  cleanup_close int dir = open (bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_free char *json = NULL;
  yajl_val tree = NULL;
  size_t len;
  int ret;

  memset (cfg, 0, sizeof (*cfg));
  if (dir < 0)
    return nsb_error_errno (err, "bundle %s", bundle);
  if (nsb_read_file_at (dir, "config.json", RESOLVE_NO_SYMLINKS,
                        NSB_OCI_JSON_MAX, &json, &len, err)
      < 0)
    return nsb_error_prefix (err, "bundle %s", bundle);
  ret = nsb_json_parse (json, len, "config.json", &tree, err);
  if (ret == 0)
    ret = nsb_oci_config_from_tree (bundle, tree, cfg, err);
  yajl_tree_free (tree);
  return ret < 0 ? nsb_error_prefix (err, "bundle %s", bundle) : 0;
}

void
nsb_oci_config_free (struct nsb_oci_config *cfg)
{
  for (size_t i = 0; cfg->args && cfg->args[i]; i++)
    free (cfg->args[i]);
  free (cfg->args);
  free (cfg->path_env);
  free (cfg->emulate);
  free (cfg->verify);
  free (cfg->on_failure);
  free (cfg->handler);
  free (cfg->origin);
  free (cfg->emulator);
  free (cfg->inherit);
  free (cfg->credentials);
  memset (cfg, 0, sizeof (*cfg));
}

static int
parse_list (const char *list, struct nsb_oci_policy *pol, nsb_error_t *err)
{
  cleanup_free char *copy = strdup (list);
  char *save = NULL;

  if (copy == NULL)
    return nsb_error_errno (err, "annotations");
  for (char *w = strtok_r (copy, ", ", &save); w;
       w = strtok_r (NULL, ", ", &save))
    {
      const struct nsb_arch *a = nsb_catalog_lookup (w);
      if (a == NULL)
        return nsb_error_set (err, EINVAL,
                              "annotation " NSB_ANNOTATION_EMULATE
                              ": unknown architecture `%s`",
                              w);
      if (pol->n_arches == NSB_ARRAY_SIZE (pol->arches))
        return nsb_error_set (err, E2BIG,
                              "annotation " NSB_ANNOTATION_EMULATE
                              ": too many architectures");
      pol->arches[pol->n_arches++] = a;
    }
  if (pol->n_arches == 0)
    return nsb_error_set (err, EINVAL,
                          "annotation " NSB_ANNOTATION_EMULATE " is empty");
  return 0;
}

/* Annotation NAME with value V (NULL: absent), either YES or NO: *OUT is
 * true for YES, left as it is when absent. */
static int
two_values (const char *name, const char *v, const char *yes, const char *no,
            bool *out, nsb_error_t *err)
{
  if (v == NULL)
    return 0;
  if (strcmp (v, yes) != 0 && strcmp (v, no) != 0)
    return nsb_error_set (err, EINVAL, "annotation %s: `%s` is not %s or %s",
                          name, v, yes, no);
  *out = strcmp (v, yes) == 0;
  return 0;
}

/* emulate=: auto, all, none, host, or a list of architectures. */
static int
parse_mode (const char *e, struct nsb_oci_policy *pol, nsb_error_t *err)
{
  static const char *const names[] = { "auto", "all", "none", "host" };
  static const enum nsb_oci_mode modes[]
      = { NSB_OCI_AUTO, NSB_OCI_ALL, NSB_OCI_NONE, NSB_OCI_HOST };

  pol->mode = NSB_OCI_AUTO;
  for (size_t i = 0; e && i < NSB_ARRAY_SIZE (names); i++)
    if (strcmp (e, names[i]) == 0)
      {
        pol->mode = modes[i];
        return 0;
      }
  if (e == NULL)
    return 0;
  pol->mode = NSB_OCI_LIST;
  return parse_list (e, pol, err);
}

/* inherit=NAME,...: entry names of the host's table (checked there). */
static int
parse_inherit (const char *v, struct nsb_oci_policy *pol, nsb_error_t *err)
{
  cleanup_free char *copy = strdup (v);
  char *save = NULL;

  if (copy == NULL)
    return nsb_error_errno (err, "annotations");
  for (char *w = strtok_r (copy, ", ", &save); w;
       w = strtok_r (NULL, ", ", &save))
    {
      char **nv;
      if (pol->n_inherit == NSB_PICKS_MAX)
        return nsb_error_set (err, E2BIG,
                              "annotation " NSB_ANNOTATION_INHERIT
                              ": too many entries");
      nv = realloc (pol->inherit, (pol->n_inherit + 1) * sizeof (*nv));
      if (nv == NULL || (nv[pol->n_inherit] = strdup (w)) == NULL)
        return nsb_error_errno (err, "annotations");
      pol->inherit = nv;
      pol->n_inherit++;
    }
  if (pol->n_inherit == 0)
    return nsb_error_set (err, EINVAL,
                          "annotation " NSB_ANNOTATION_INHERIT " is empty");
  return 0;
}

/* emulator=, credentials= and inherit=, and whether the mode takes them. */
static int
parse_emulators (const struct nsb_oci_config *cfg, struct nsb_oci_policy *pol,
                 nsb_error_t *err)
{
  bool credentials = false;
  int ret = 0;

  if ((cfg->emulator || cfg->inherit)
      && (pol->mode == NSB_OCI_NONE || pol->mode == NSB_OCI_HOST))
    return nsb_error_set (err, EINVAL,
                          "annotation " NSB_ANNOTATION_EMULATE "=%s takes no "
                          "emulator or inherit annotation",
                          cfg->emulate);
  if (cfg->emulator)
    ret = nsb_choice_add_list (&pol->choice, cfg->emulator,
                               "annotation " NSB_ANNOTATION_EMULATOR, err);
  if (ret == 0 && cfg->inherit)
    ret = parse_inherit (cfg->inherit, pol, err);
  if (ret == 0 && cfg->credentials)
    {
      ret = two_values (NSB_ANNOTATION_CREDENTIALS, cfg->credentials, "true",
                        "false", &credentials, err);
      pol->choice.credentials = credentials ? 1 : -1;
    }
  return ret;
}

static int
parse_verify (const char *v, struct nsb_oci_policy *pol, nsb_error_t *err)
{
  static const char *const levels[] = { "none", "static", "probe" };
  size_t i = 0;

  pol->verify = NSB_VERIFY_STATIC;
  if (v == NULL)
    return 0;
  while (i < NSB_ARRAY_SIZE (levels) && strcmp (v, levels[i]))
    i++;
  if (i == NSB_ARRAY_SIZE (levels))
    return nsb_error_set (err, EINVAL,
                          "annotation " NSB_ANNOTATION_VERIFY
                          ": `%s` is not none, static or probe",
                          v);
  pol->verify = (enum nsb_verify_level)i;
  return 0;
}

int
nsb_oci_policy (const struct nsb_oci_config *cfg, struct nsb_oci_policy *pol,
                nsb_error_t *err)
{
  int ret;

  memset (pol, 0, sizeof (*pol));
  pol->fail = true;
  if ((ret = parse_mode (cfg->emulate, pol, err)) < 0
      || (ret = parse_emulators (cfg, pol, err)) < 0
      || (ret = parse_verify (cfg->verify, pol, err)) < 0)
    return ret;
  ret = two_values (NSB_ANNOTATION_ON_FAILURE, cfg->on_failure, "fail", "warn",
                    &pol->fail, err);
  if (ret < 0)
    return ret;
  if (cfg->handler
      && (ret = nsb_handler_mode_parse (cfg->handler, &pol->handler, err)) < 0)
    {
      nsb_error_prefix (err, "annotation " NSB_ANNOTATION_HANDLER);
      return ret;
    }
  return two_values (NSB_ANNOTATION_ORIGIN, cfg->origin, "true", "false",
                     &pol->origin, err);
}

void
nsb_oci_policy_free (struct nsb_oci_policy *pol)
{
  nsb_choice_free (&pol->choice);
  for (size_t i = 0; i < pol->n_inherit; i++)
    free (pol->inherit[i]);
  free (pol->inherit);
  pol->inherit = NULL;
  pol->n_inherit = 0;
}

/* A regular file beneath the rootfs; nothing else is opened for I/O. */
static int
open_regular (int rootfd, const char *path)
{
  return nsb_open_regular (rootfd, path, NSB_RESOLVE_HOSTILE, NULL);
}

/* CMD as the runtime would find it: a path (relative to the cwd), or a
 * name along PATH. */
static int
open_command (int rootfd, const struct nsb_oci_config *cfg, const char *cmd,
              char *found, size_t size)
{
  const char *path = cfg->path_env ? cfg->path_env : DEFAULT_PATH;

  if (strchr (cmd, '/'))
    {
      int n = snprintf (found, size, "%s%s%s", cmd[0] == '/' ? "" : cfg->cwd,
                        cmd[0] == '/' ? "" : "/", cmd);
      return n < (int)size ? open_regular (rootfd, found) : -1;
    }
  for (const char *p = path; *p;)
    {
      size_t len = strcspn (p, ":");
      int fd;
      snprintf (found, size, "%.*s/%s", (int)len, p, cmd);
      if (len && (fd = open_regular (rootfd, found)) >= 0)
        return fd;
      p += len + (p[len] == ':');
    }
  return -1;
}

/* Follow #! lines from FD to an ELF file; its catalog architecture. */
static const struct nsb_arch *
classify (int rootfd, int fd, char *what, size_t size)
{
  struct nsb_elf_info info;

  for (int depth = 0; fd >= 0 && depth <= MAX_SCRIPT_DEPTH; depth++)
    {
      char head[256] = "", interp[256];
      ssize_t n = pread (fd, head, sizeof (head) - 1, 0);
      if (n >= 0 && nsb_elf_inspect_fd (fd, &info, NULL) == 0)
        {
          close (fd);
          return nsb_catalog_match (info.head, info.head_len);
        }
      close (fd);
      if (n < 2 || head[0] != '#' || head[1] != '!'
          || sscanf (head + 2, " %255s", interp) != 1)
        return NULL;
      snprintf (what, size, "%s", interp);
      fd = open_regular (rootfd, interp);
    }
  return NULL;
}

int
nsb_oci_entrypoint_arch (int rootfd, const struct nsb_oci_config *cfg,
                         const struct nsb_arch **arch, char *why,
                         size_t why_size, nsb_error_t *err)
{
  char found[PATH_MAX] = "";
  const char *cmd = cfg->args && cfg->args[0] ? cfg->args[0] : NULL;
  int fd = cmd ? open_command (rootfd, cfg, cmd, found, sizeof (found)) : -1;

  (void)err;
  *arch = fd >= 0 ? classify (rootfd, fd, found, sizeof (found)) : NULL;
  if (*arch == NULL)
    {
      /* A script whose interpreter is missing, or no entrypoint: the
       * image's shell tells what the image is built for. */
      snprintf (found, sizeof (found), "/bin/sh");
      *arch = classify (rootfd, open_regular (rootfd, found), found,
                        sizeof (found));
    }
  if (*arch)
    snprintf (why, why_size, "%s is %s", found, (*arch)->name);
  else
    snprintf (why, why_size,
              "neither the entrypoint `%s` nor /bin/sh is an "
              "ELF executable nsbinfmt knows",
              cmd ? cmd : "");
  return 0;
}

/* The architectures by POL's mode (AUTO: the entrypoint's). */
static int
decide_mode (const struct nsb_oci_config *cfg, struct nsb_oci_policy *pol,
             struct nsb_ruleset *set, char *why, size_t why_size,
             nsb_error_t *err)
{
  int ret;
  const struct nsb_arch *arch = NULL;
  cleanup_close int rootfd = -1;

  switch (pol->mode)
    {
    case NSB_OCI_NONE:
    case NSB_OCI_HOST:
      snprintf (why, why_size, "annotation emulate=%s", cfg->emulate);
      return 0;
    case NSB_OCI_ALL:
      snprintf (why, why_size, "annotation emulate=all");
      return nsb_ruleset_add_all_arches (set, &pol->choice, err);
    case NSB_OCI_LIST:
      snprintf (why, why_size, "annotation emulate=%s", cfg->emulate);
      for (size_t i = 0; i < pol->n_arches; i++)
        {
          if (nsb_arch_is_native (pol->arches[i]))
            continue;
          if (pol->yes_at_foreign)
            return 1;
          ret = nsb_ruleset_add_arch (set, pol->arches[i], &pol->choice, err);
          if (ret < 0)
            return ret;
        }
      return 0;
    case NSB_OCI_AUTO:
      break;
    }
  rootfd = open (cfg->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return nsb_error_errno (err, "rootfs %s", cfg->root);
  ret = nsb_oci_entrypoint_arch (rootfd, cfg, &arch, why, why_size, err);
  if (ret < 0)
    return ret;
  if (arch == NULL || nsb_arch_is_native (arch))
    return 0;
  if (pol->yes_at_foreign)
    return 1;
  return nsb_ruleset_add_arch (set, arch, &pol->choice, err);
}

int
nsb_oci_decide (const struct nsb_oci_config *cfg, struct nsb_oci_policy *pol,
                struct nsb_ruleset *set, char *why, size_t why_size,
                nsb_error_t *err)
{
  int ret = decide_mode (cfg, pol, set, why, why_size, err);

  /* Each emulator the annotation picks makes a rule or an error: a yes
   * either way. */
  if (ret == 0 && pol->yes_at_foreign && pol->choice.n > 0)
    return 1;
  if (ret == 0)
    ret = nsb_ruleset_add_picked (set, &pol->choice, err);
  if (ret == 0)
    ret = nsb_inherit (pol->inherit, pol->n_inherit, set, err);
  return ret;
}

bool
nsb_oci_wants_instance (const struct nsb_oci_policy *pol,
                        const struct nsb_ruleset *set)
{
  return set->n > 0 || pol->origin || pol->mode == NSB_OCI_NONE;
}

void
nsb_oci_needs (const struct nsb_oci_policy *pol, const struct nsb_ruleset *set,
               const char *why, char *out, size_t size)
{
  char names[256] = "";

  if (set->n == 0)
    {
      snprintf (out, size, "%s",
                pol->mode == NSB_OCI_NONE
                    ? "needs an empty table (annotation emulate=none)"
                    : "needs the $ORIGIN loader (annotation origin=true)");
      return;
    }
  for (size_t i = 0; i < set->n; i++)
    {
      const char *n = set->rules[i].name;
      if (strncmp (n, "qemu-", 5) == 0)
        n += 5;
      snprintf (names + strlen (names), sizeof (names) - strlen (names),
                "%s%.64s", i ? "," : "", n);
    }
  snprintf (out, size, "needs %s emulation (%s)", names, why);
}
