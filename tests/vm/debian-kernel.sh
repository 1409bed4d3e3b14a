#!/bin/bash
# debian-kernel.sh [SUITE] - fetch Debian SUITE's own amd64 kernel (default
# bookworm: Linux 6.1, older than the 6.7 that private binfmt_misc instances
# need) and print the path of its vmlinuz.  `make check-oldkernel` boots it
# under virtme-ng; its modules (binfmt_misc.ko) lie beside it, in
# ROOT/lib/modules.  The package comes from this machine's own archive
# through a private apt state (tests/fixtures/apt-private.sh); nothing of
# the system's apt is changed, and nothing is installed.
#
# Environment: NSB_KERNEL_CACHE (default /var/cache/nsbinfmt/kernel-SUITE).
set -euo pipefail
suite=${1:-bookworm}
dir=${NSB_KERNEL_CACHE:-/var/cache/nsbinfmt/kernel-$suite}
die() {
	echo "debian-kernel: $*" >&2
	exit 1
}
# shellcheck source=tests/fixtures/apt-private.sh
. "$(dirname "$0")/../fixtures/apt-private.sh"

found() {
	local k
	k=$(find "$dir/root/boot" -name 'vmlinuz-*' 2>/dev/null | sort | tail -n 1)
	[[ -n $k ]] && printf '%s\n' "$k"
}
found && exit 0

mirror=$(apt_private_mirror) || die "no Debian archive URI in this machine's apt sources"
s=$dir/apt
apt_private_dirs "$s" || die "cannot make $s"
apt_private_source amd64 "$suite" "$mirror" >"$s/sources.list"
apt_private_conf "$s" amd64 >"$s/apt.conf"
apt-get -c "$s/apt.conf" -qq update || die "apt-get update ($suite) failed"
# linux-image-amd64 depends on the release's current image package.
pkg=$(apt-cache -c "$s/apt.conf" depends linux-image-amd64 |
	awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
[[ -n $pkg ]] || die "no kernel image package in $suite"
(cd "$s" && apt-get -c "$s/apt.conf" -qq download "$pkg") || die "download $pkg failed"
rm -rf "$dir/root"
dpkg -x "$s/${pkg}"_*.deb "$dir/root" || die "unpack $pkg failed"
rm -f "$s/${pkg}"_*.deb
found || die "$pkg has no /boot/vmlinuz"
