#!/bin/bash
# setup.sh - install what `make check-vm` needs to boot the Linux 7.3 test
# kernel: udev (virtme-ng's init needs udevd), qemu-system-x86 and
# virtme-ng.
#
# virtme-ng is not in bookworm.  Debian trixie's package is Architecture:
# all and its dependencies are in bookworm, so it is downloaded from trixie
# through a private apt configuration (tests/fixtures/apt-private.sh: the
# archive this machine's apt already uses, never the system sources) and
# installed with the system's apt, which resolves the dependencies from
# bookworm.  Idempotent: returns at once when both are installed.
#
# Usage: tests/vm/setup.sh          (as root)
#   NSB_VM_CACHE  private apt state (default /var/cache/nsbinfmt/vm)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

PROG=vm-setup
SUITE=trixie

die() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit 1
}

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

HOST_PACKAGES=(udev qemu-system-x86)

missing=()
for p in "${HOST_PACKAGES[@]}"; do
	installed "$p" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]] && installed virtme-ng && command -v vng >/dev/null; then
	exit 0
fi
[[ $EUID -eq 0 ]] || die "must run as root to install udev and virtme-ng"

# shellcheck source=tests/fixtures/apt-private.sh
. "$(dirname "$0")/../fixtures/apt-private.sh"

updated=
if [[ ${#missing[@]} -gt 0 ]]; then
	apt-get update -q
	updated=1
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! installed virtme-ng || ! command -v vng >/dev/null; then
	mirror=$(apt_private_mirror) || die "no Debian archive URI in this machine's apt sources"
	arch=$(dpkg --print-architecture)
	S=${NSB_VM_CACHE:-/var/cache/nsbinfmt/vm}/apt-$SUITE-$arch
	apt_private_dirs "$S" || die "cannot create $S"
	apt_private_source "$arch" "$SUITE" "$mirror" >"$S/sources.list"
	apt_private_conf "$S" "$arch" >"$S/apt.conf"
	apt-get -c "$S/apt.conf" -qq --error-on=any update ||
		die "apt-get update of $SUITE from $mirror failed"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	# let apt's sandbox user write the download
	id _apt >/dev/null 2>&1 && chown _apt "$tmp"
	(cd "$tmp" && apt-get -c "$S/apt.conf" -qq download virtme-ng) ||
		die "apt-get download virtme-ng ($SUITE) failed"
	debs=("$tmp"/virtme-ng_*.deb)
	[[ -f ${debs[0]} ]] || die "apt-get download left no virtme-ng_*.deb"
	[[ -n $updated ]] || apt-get update -q
	# the system's apt (bookworm) resolves the dependencies
	apt-get install -y -q --no-install-recommends "${debs[0]}"
fi

command -v vng >/dev/null || die "virtme-ng installed but no vng on PATH"
# Nothing above may have mounted or written the host's table.
if grep -qs ' /proc/sys/fs/binfmt_misc binfmt_misc ' /proc/self/mountinfo; then
	die "the host's binfmt_misc is mounted; something registered host-wide"
fi
