/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnsbinfmt: private binfmt_misc instances for sandboxes and containers. */
#ifndef NSBINFMT_H
#define NSBINFMT_H

#include "bundle.h"
#include "catalog.h"
#include "elfinfo.h"
#include "error.h"
#include "instance.h"
#include "kernel.h"
#include "nix.h"
#include "probe.h"
#include "refs.h"
#include "rule.h"
#include "selector.h"
#include "sources.h"
#include "verify.h"

#endif
