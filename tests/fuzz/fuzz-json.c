/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer: the JSON reader every OCI input goes through, and the OCI
 * state on top of it.  What is accepted must hold no NUL in any string or
 * member name and nest no deeper than the bound. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yajl/yajl_tree.h>

#include "json.h"
#include "oci.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (yajl_val v, int depth)
{
  if (depth > NSB_JSON_DEPTH_MAX)
    abort ();
  if (YAJL_IS_STRING (v) && v->u.string == NULL)
    abort ();
  for (size_t i = 0; YAJL_IS_ARRAY (v) && i < v->u.array.len; i++)
    check (v->u.array.values[i], depth + 1);
  for (size_t i = 0; YAJL_IS_OBJECT (v) && i < v->u.object.len; i++)
    {
      for (size_t j = 0; j < i; j++)
        if (strcasecmp (v->u.object.keys[i], v->u.object.keys[j]) == 0)
          abort ();
      check (v->u.object.values[i], depth + 1);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct nsb_oci_state st;
  yajl_val v;

  if (nsb_json_parse ((const char *)data, size, "fuzz", &v, NULL) == 0)
    check (v, 1);
  yajl_tree_free (v);
  nsb_oci_state_parse ((const char *)data, size, &st, NULL);
  return 0;
}
