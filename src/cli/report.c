/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "catalog.h"
#include "emulator.h"
#include "entry.h"
#include "handler.h"
#include "report.h"

static const char *const status_words[] = { "ok", "FAILED", "unverified" };

static yajl_gen
json_begin (void)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  yajl_gen_config (g, yajl_gen_beautify, 1);
  return g;
}

static void
json_end (yajl_gen g)
{
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf (g, &buf, &len);
  fwrite (buf, 1, len, stdout);
  yajl_gen_free (g);
}

static void
js (yajl_gen g, const char *key, const char *val)
{
  yajl_gen_string (g, (const unsigned char *)key, strlen (key));
  yajl_gen_string (g, (const unsigned char *)val, strlen (val));
}

static void
jb (yajl_gen g, const char *key, bool val)
{
  yajl_gen_string (g, (const unsigned char *)key, strlen (key));
  yajl_gen_bool (g, val);
}

static void
jkey (yajl_gen g, const char *key)
{
  yajl_gen_string (g, (const unsigned char *)key, strlen (key));
}

void
print_report (const struct nsb_report *rep, bool json)
{
  yajl_gen g;

  if (!json)
    {
      for (size_t i = 0; i < rep->n; i++)
        printf ("%-20s %-10s %s: %s\n", rep->checks[i].name,
                status_words[rep->checks[i].status],
                rep->checks[i].interpreter, rep->checks[i].detail);
      return;
    }
  g = json_begin ();
  yajl_gen_array_open (g);
  for (size_t i = 0; i < rep->n; i++)
    {
      yajl_gen_map_open (g);
      js (g, "name", rep->checks[i].name);
      js (g, "interpreter", rep->checks[i].interpreter);
      js (g, "status",
          rep->checks[i].status == NSB_CHECK_FAILED
              ? "failed"
              : status_words[rep->checks[i].status]);
      js (g, "detail", rep->checks[i].detail);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  json_end (g);
}

static void
entry_json (yajl_gen g, const struct nsb_entry *e)
{
  char flags[8], type[2] = { e->rule.type, 0 };

  nsb_flags_to_string (e->rule.flags, flags);
  yajl_gen_map_open (g);
  js (g, "name", e->rule.name);
  jb (g, "enabled", e->enabled);
  js (g, "type", type);
  js (g, e->rule.type == 'B' ? "handler" : "interpreter", e->rule.interpreter);
  if (e->rule.type == 'B')
    js (g, "handler_is", nsb_handler_describe (e->rule.interpreter));
  js (g, "flags", flags);
  if (e->n_bound)
    {
      jkey (g, "bound");
      yajl_gen_map_open (g);
      for (size_t i = 0; i < e->n_bound; i++)
        js (g, e->bound[i].name, e->bound[i].path);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
}

void
print_entries (const struct nsb_entry *e, size_t n, const char *where,
               bool json)
{
  yajl_gen g;

  if (!json)
    {
      printf ("instance at %s: %zu entr%s\n", where, n, n == 1 ? "y" : "ies");
      for (size_t i = 0; i < n; i++)
        {
          char flags[8];
          nsb_flags_to_string (e[i].rule.flags, flags);
          printf ("  %-20s %-8s %c %-4s %s\n", e[i].rule.name,
                  e[i].enabled ? "enabled" : "disabled", e[i].rule.type, flags,
                  e[i].rule.interpreter);
          if (e[i].rule.type == 'B')
            printf ("    handler: %s\n",
                    nsb_handler_describe (e[i].rule.interpreter));
          for (size_t b = 0; b < e[i].n_bound; b++)
            printf ("    bound %s %s\n", e[i].bound[b].name,
                    e[i].bound[b].path);
        }
      return;
    }
  g = json_begin ();
  yajl_gen_map_open (g);
  js (g, "mountpoint", where);
  jkey (g, "entries");
  yajl_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    entry_json (g, &e[i]);
  yajl_gen_array_close (g);
  yajl_gen_map_close (g);
  json_end (g);
}

/* An emulator's state: native, missing, static or dynamic. */
static const char *
emulator_state (bool native, bool found, const struct nsb_emulator *emu)
{
  return native           ? "native"
         : !found         ? "missing"
         : emu->is_static ? "static"
                          : "dynamic";
}

/* The registry's emulators of A: in JSON, an array; else a line each. */
static void
print_registry_of (const struct nsb_registry *reg, const struct nsb_arch *a,
                   yajl_gen g)
{
  if (g)
    {
      jkey (g, "emulators");
      yajl_gen_array_open (g);
    }
  for (size_t i = 0; i < reg->n; i++)
    {
      const struct nsb_registry_entry *e = &reg->v[i];
      cleanup_error nsb_error_t err = NULL;
      struct nsb_emulator emu = { 0 };
      char flags[8] = "";
      if (e->arch != a)
        continue;
      bool ok = nsb_registry_emulator (reg, e->name, a, &emu, &err) == 0;
      nsb_flags_to_string (emu.flags, flags);
      if (!g)
        {
          printf ("  %-14s %-8s %-4s %-10.*s %s%s%s\n", e->name,
                  ok ? emulator_state (false, true, &emu) : "refused",
                  ok && flags[0] ? flags : "-",
                  (int)strcspn (emu.version[0] ? emu.version : "-", " "),
                  emu.version[0] ? emu.version : "-", e->path, ok ? "" : ": ",
                  ok ? "" : err->msg);
          continue;
        }
      yajl_gen_map_open (g);
      js (g, "name", e->name);
      js (g, "path", e->path);
      js (g, "where", e->where);
      js (g, "state", ok ? emulator_state (false, true, &emu) : "refused");
      js (g, "flags", ok ? flags : "");
      js (g, "version", emu.version);
      js (g, "error", ok ? "" : err->msg);
      yajl_gen_map_close (g);
    }
  if (g)
    yajl_gen_array_close (g);
}

static void
print_arch (const struct nsb_arch *a, const struct nsb_registry *reg,
            yajl_gen g)
{
  cleanup_error nsb_error_t err = NULL;
  struct nsb_emulator emu = { 0 };
  bool native = nsb_arch_is_native (a),
       found
       = !native
         && nsb_registry_emulator (reg, NSB_REGISTRY_DEFAULT, a, &emu, &err)
                == 0;
  const char *state = emulator_state (native, found, &emu);

  if (!g)
    {
      printf ("%-12s %-8s %-34s %-8.*s %s\n", a->name, state,
              found ? emu.path : "-",
              (int)strcspn (emu.version[0] ? emu.version : "-", " "),
              emu.version[0] ? emu.version : "-", a->aliases);
      print_registry_of (reg, a, g);
      return;
    }
  yajl_gen_map_open (g);
  js (g, "arch", a->name);
  js (g, "aliases", a->aliases);
  js (g, "emulator", found ? emu.path : "");
  js (g, "state", state);
  js (g, "version", emu.version);
  print_registry_of (reg, a, g);
  yajl_gen_map_close (g);
}

void
print_catalog (const struct nsb_registry *reg, bool json)
{
  yajl_gen g = json ? json_begin () : NULL;

  if (g)
    yajl_gen_array_open (g);
  for (size_t i = 0; i < nsb_catalog_size (); i++)
    print_arch (nsb_catalog_at (i), reg, g);
  if (g)
    {
      yajl_gen_array_close (g);
      json_end (g);
    }
}

struct feature_line
{
  const char *key;
  bool present;
  const char *what;
  const char *missing;
};

/* The emulators of the host's own table: a line, or -1 in JSON when it is
 * not mounted here (nothing registered through it) or was not read. */
static void
print_host_emulators (yajl_gen g, const struct nsb_host_table *ht)
{
  bool known = ht != NULL && ht->mounted;

  if (g)
    {
      jkey (g, "host_emulators");
      yajl_gen_integer (g, known ? (long long)ht->n_live : -1);
    }
  else if (known && ht->n_live > 0)
    printf ("host table: %zu qemu emulators registered for every process "
            "(nsbinfmt host-table)\n",
            ht->n_live);
  else if (known)
    printf ("host table: no qemu emulator registered host-wide\n");
}

int
print_kernel (const struct nsb_kernel *k, const struct nsb_host_table *ht,
              bool json)
{
  static const char bpf_why[]
      = "needs Linux >= 7.3 with CONFIG_BINFMT_MISC_BPF";
  const struct feature_line lines[] = {
    { "private-instances", k->private_instances,
      "private binfmt_misc instances per user namespace",
      "needs Linux >= 6.7; nothing can be emulated privately" },
    { "B", (k->kfeatures & NSB_KF_BPF) && k->btf_binfmt_misc_ops,
      "B entries (bpf handlers, binfmt_misc_ops in kernel BTF)", bpf_why },
    { "T", k->kfeatures & NSB_KF_TRANSPARENT, "flag T (transparent)",
      "needs Linux >= 7.3" },
    { "L", k->kfeatures & NSB_KF_LOADER, "flag L (loader substitution)",
      "needs Linux >= 7.3" },
    { "D", k->kfeatures & NSB_KF_DISABLED,
      "flag D and bound interpreters (+name path)", bpf_why },
    { "max_binfmt_misc_interpreters", k->max_interpreters >= 0,
      "sysctl user.max_binfmt_misc_interpreters", "needs Linux >= 7.3" },
    { nsb_kfunc_names[0], k->kfunc[0], "kfunc bpf_binprm_select_interp",
      bpf_why },
    { nsb_kfunc_names[1], k->kfunc[1], "kfunc bpf_binprm_set_flags", bpf_why },
    { nsb_kfunc_names[2], k->kfunc[2], "kfunc bpf_dynptr_from_file",
      "needs CONFIG_BPF_LSM and a kernel with the file dynptr" },
    { nsb_kfunc_names[3], k->kfunc[3], "kfunc bpf_path_d_path",
      "needs CONFIG_BPF_LSM" },
  };
  yajl_gen g = json ? json_begin () : NULL;

  if (g)
    {
      yajl_gen_map_open (g);
      js (g, "release", k->release);
      jkey (g, "max_binfmt_misc_interpreters");
      yajl_gen_integer (g, k->max_interpreters);
    }
  else
    printf ("kernel %s\n", k->release);
  for (size_t i = 0; i < sizeof (lines) / sizeof (lines[0]); i++)
    {
      if (g)
        jb (g, lines[i].key, lines[i].present);
      else if (lines[i].present)
        printf ("yes  %s\n", lines[i].what);
      else
        printf ("no   %s: %s\n", lines[i].what, lines[i].missing);
    }
  if (!g && k->max_interpreters >= 0)
    printf ("     max_binfmt_misc_interpreters = %ld\n", k->max_interpreters);
  print_host_emulators (g, ht);
  if (g)
    {
      yajl_gen_map_close (g);
      json_end (g);
    }
  return k->private_instances ? 0 : 1;
}

static const char *const host_states[]
    = { "registered", "masked", "overridden" };

static void
host_table_json (const struct nsb_host_table *ht, bool live)
{
  yajl_gen g = json_begin ();

  yajl_gen_map_open (g);
  if (live)
    {
      jb (g, "mounted", ht->mounted);
      jkey (g, "registered");
      yajl_gen_array_open (g);
      for (size_t i = 0; i < ht->n_live; i++)
        yajl_gen_string (g, (const unsigned char *)ht->live[i],
                         strlen (ht->live[i]));
      yajl_gen_array_close (g);
    }
  jkey (g, "boot");
  yajl_gen_array_open (g);
  for (size_t i = 0; i < ht->n_files; i++)
    {
      yajl_gen_map_open (g);
      js (g, "file", ht->files[i].name);
      js (g, "state", host_states[ht->files[i].state]);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  yajl_gen_map_close (g);
  json_end (g);
}

void
print_host_table (const struct nsb_host_table *ht, bool live, bool json)
{
  size_t at_boot = 0;

  if (json)
    return host_table_json (ht, live);
  if (live && !ht->mounted)
    printf ("host table: not mounted here: nothing registered through it\n");
  else if (live)
    {
      printf ("host table: %zu emulator%s registered for every process on "
              "this host%s",
              ht->n_live, ht->n_live == 1 ? "" : "s", ht->n_live ? ":" : "");
      for (size_t i = 0; i < ht->n_live; i++)
        printf (" %s", ht->live[i]);
      putchar ('\n');
    }
  for (size_t i = 0; i < ht->n_files; i++)
    at_boot += ht->files[i].state == NSB_HOST_REGISTERED;
  printf ("at boot: systemd-binfmt registers %zu of %zu emulator files "
          "host-wide\n",
          at_boot, ht->n_files);
  for (size_t i = 0; i < ht->n_files; i++)
    printf ("%-10s  %s\n", host_states[ht->files[i].state], ht->files[i].name);
}
