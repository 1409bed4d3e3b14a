/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JSON that every reader of the same text takes the same way.  nsbinfmt
 * reads what engines and runtimes read (the OCI state, config.json) and
 * the runtime shim writes config.json back for runc, crun or youki, so a
 * text that another JSON reader could understand differently is refused
 * rather than guessed at: nesting deeper than NSB_JSON_DEPTH_MAX (and so
 * no recursion on hostile depth), a NUL in a string or member name,
 * invalid UTF-8 (raw or escaped: lone surrogates), and two members of one
 * object whose names Go's encoding/json (runc) folds to the same name.
 * Member names that Go folds to ASCII from outside it (U+017F, U+0130,
 * U+0131, U+212A) are refused too; names are then looked up the way runc
 * does, ignoring ASCII case.
 */
#ifndef NSB_JSON_H
#define NSB_JSON_H

#include <stddef.h>

#include "error.h"

#define NSB_JSON_DEPTH_MAX 64 /* OCI documents nest about 8 deep */

struct yajl_val_s;

/* JSON text of LEN bytes (WHAT, for messages) as a yajl tree in *OUT,
 * which must be an object; free it with yajl_tree_free. */
int nsb_json_parse (const char *json, size_t len, const char *what,
                    struct yajl_val_s **out, nsb_error_t *err);

/* The member of OBJ named NAME, as runc finds it (ASCII case ignored), or
 * NULL when OBJ is no object or has none. */
struct yajl_val_s *nsb_json_member (struct yajl_val_s *obj, const char *name);

/* The value at PATH (member names, NULL-terminated) below TREE, or NULL. */
struct yajl_val_s *nsb_json_get (struct yajl_val_s *tree,
                                 const char *const *path);

/* The string at PATH below TREE, or NULL when there is none. */
const char *nsb_json_get_string (struct yajl_val_s *tree,
                                 const char *const *path);

#endif
