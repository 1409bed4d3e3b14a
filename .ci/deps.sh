#!/bin/bash
# Installs everything the build and the tests need, from Debian's archive.
# --no-install-recommends matters: qemu-user(-static) recommend packages
# (binfmt-support, qemu-user-binfmt) whose scripts register emulators in
# the HOST's binfmt_misc table, which this project never touches.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

PACKAGES=(
	autoconf automake libtool pkg-config make gcc clang clang-format
	libclang-rt-14-dev libyajl-dev
	qemu-user-static qemu-user busybox-static
	bats jq hyperfine util-linux file binutils
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Nothing above may have mounted or written the host's table.
if grep -qs ' /proc/sys/fs/binfmt_misc binfmt_misc ' /proc/self/mountinfo; then
	echo "deps: the host's binfmt_misc is mounted; something registered host-wide" >&2
	exit 1
fi

# Real foreign-architecture binaries, from Debian's own packages.
"$(dirname "$0")/../tests/fixtures/fetch-foreign.sh"
