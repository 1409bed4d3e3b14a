/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer: the runtime shim's rewrite of a hostile config.json (the
 * JSON reader, the config and annotation readers, the decision, the
 * writer).  Whatever it writes back must be JSON the reader takes, and
 * hold the hook. */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "bundle.h"
#include "json.h"
#include "util.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char dir[] = "/tmp/nsb-fuzz-bundle-XXXXXX";

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  enum nsb_bundle_result result;
  cleanup_free char *out = NULL;
  size_t len;
  int fd;

  if (dir[sizeof (dir) - 2] == 'X' && mkdtemp (dir) == NULL)
    abort ();
  fd = openat (AT_FDCWD, dir, O_PATH | O_DIRECTORY);
  unlinkat (fd, "config.json", 0);
  {
    int w = openat (fd, "config.json", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (w < 0 || write (w, data, size) != (ssize_t)size)
      abort ();
    close (w);
  }
  if (nsb_bundle_add_hook (dir, "/fuzz/hook", &result, NULL, 0, NULL) == 0
      && result == NSB_BUNDLE_HOOKED)
    {
      yajl_val v;
      if (nsb_read_file_at (fd, "config.json", 0, 64 << 20, &out, &len, NULL)
          < 0)
        abort ();
      if (nsb_json_parse (out, len, "rewritten", &v, NULL) < 0
          || strstr (out, "/fuzz/hook") == NULL)
        abort ();
      yajl_tree_free (v);
    }
  close (fd);
  return 0;
}
