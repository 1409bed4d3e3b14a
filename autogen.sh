#!/bin/sh
# Generate configure and Makefile.in (autoreconf from the source directory).
set -e
cd "$(dirname "$0")"
mkdir -p m4
autoreconf -fi
