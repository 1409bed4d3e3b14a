/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the $ORIGIN loader (origin.bpf.c) and the library. */
#ifndef NSB_BPF_ORIGIN_H
#define NSB_BPF_ORIGIN_H

#include "stamp.h"

#define NSB_ORIGIN_HANDLER "nsbinfmt_origin"       /* at most 15 characters */
#define NSB_ORIGIN_HANDLER_PINNED "nsb_origin.pin" /* src/pin.c */
#define NSB_ORIGIN_PREFIX "$ORIGIN/"
#define NSB_ORIGIN_PREFIX_LEN 8

#endif
