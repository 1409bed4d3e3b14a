#!/bin/bash
# root.sh - a Debian 13 (trixie) root with podman 5, runc, Docker 26,
# containerd 1.7 and qemu-user-static 10, for `make check-trixie`; made once
# per machine and reused.  Prints the root's path.
#
# Usage: tests/trixie/root.sh [DIR]
#   DIR defaults to ${NSB_TRIXIE_ROOT:-/var/cache/nsbinfmt/trixie-root}
#
# debootstrap --variant=minbase, from the archive this machine's apt
# already uses (tests/fixtures/apt-private.sh; no host name is written
# here), then the users and subordinate ids .ci/deps.sh gives the host.
# DIR/.nsb-stamp holds a hash of the suite, the package list and
# configure_root below: when any of them changes the root is made again
# (about a minute), else nothing is downloaded.  NSB_TRIXIE_REBUILD=1 makes
# it again anyway (the root is not upgraded in place: a new point release
# reaches it only that way).  Enter it with tests/trixie/enter.sh, which
# never writes it.
set -euo pipefail

PROG=trixie-root
SUITE=trixie
# What podman.bats, docker.bats and runtime.bats use, and this build's
# libraries (libyajl2, libbpf1).  iproute2: rootlesskit sets up
# slirp4netns's tap device with ip(8) where /dev/net/tun exists.  qemu-user-static is, from trixie on, a
# package that depends on qemu-user (the static emulators, also named
# qemu-ARCH-static) and qemu-user-binfmt (systemd binfmt.d files: nothing
# is registered in a root without systemd, and the host's table is checked
# below).
PACKAGES=(
	podman runc crun conmon uidmap golang-github-containers-common
	docker.io docker-cli containerd rootlesskit slirp4netns
	qemu-user-static busybox-static
	bats jq util-linux iproute2
	libyajl2 libbpf1
)

# configure_root DIR: what the suites expect of the machine, as .ci/deps.sh
# does it for the host (same names and ranges).
configure_root() {
	local r=$1 f
	chroot "$r" useradd --create-home --shell /bin/sh nsbtest
	chroot "$r" useradd --system --no-create-home --user-group \
		--home-dir /nonexistent --shell /bin/false dockremap
	for f in subuid subgid; do
		printf '%s\n' nsbtest:200000:65536 containers:1000000:1000000 \
			dockremap:300000:65536 >"$r/etc/$f"
	done
	# The suites' /tmp and /run are tmpfs (enter.sh); nothing else is kept.
	rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/*_Packages
}

describe() {
	echo "suite $SUITE"
	printf 'package %s\n' "${PACKAGES[@]}"
	declare -f configure_root
}

die() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit 1
}

# The host's binfmt_misc table, read through a private mount (as
# tests/bats/helpers.bash does): making the root must not change it.
host_table() {
	unshare -m --propagation private sh -c '
		d=$(mktemp -d) || exit 1
		mount -t binfmt_misc binfmt_misc "$d" || exit 1
		ls -A "$d"; umount "$d"; rmdir "$d"'
}

# unmount_below DIR: whatever a failed debootstrap left mounted in DIR.
unmount_below() {
	local m
	awk -v d="$1/" 'index($5 "/", d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" || true; done
}

[[ $(id -u) -eq 0 ]] || die "must run as root"
ROOT=${1:-${NSB_TRIXIE_ROOT:-/var/cache/nsbinfmt/trixie-root}}
mkdir -p "$(dirname "$ROOT")"
ROOT=$(cd "$(dirname "$ROOT")" && pwd -P)/$(basename "$ROOT")
want=$(describe | sha256sum | cut -d' ' -f1)

# One maker at a time; enter.sh holds a shared lock on ROOT itself.
exec 8>"$ROOT.lock"
flock 8
if [[ ${NSB_TRIXIE_REBUILD:-} != 1 && -d $ROOT && $(cat "$ROOT/.nsb-stamp" 2>/dev/null) == "$want" ]]; then
	echo "$ROOT"
	exit 0
fi

command -v debootstrap >/dev/null || die "debootstrap is missing: .ci/deps.sh installs it"
# shellcheck source=tests/fixtures/apt-private.sh
. "$(dirname "$0")/../fixtures/apt-private.sh"
mirror=$(apt_private_mirror) || die "no archive URI in this machine's apt sources"

new=$ROOT.new
cleanup() {
	if [[ -d $new ]]; then
		unmount_below "$new"
		rm -rf --one-file-system "$new"
	fi
}
trap cleanup EXIT
cleanup
before=$(host_table)
echo "$PROG: debootstrap $SUITE into $new (about a minute)" >&2
t0=$(date +%s)
if ! nice -n 10 debootstrap --variant=minbase --include="$(IFS=,; echo "${PACKAGES[*]}")" \
	"$SUITE" "$new" "$mirror" >"$ROOT.log" 2>&1; then
	tail -n 30 "$ROOT.log" >&2
	die "debootstrap failed (all of it in $ROOT.log)"
fi
configure_root "$new"
[[ $(host_table) == "$before" ]] ||
	die "the host's binfmt_misc table changed while the root was made: $(host_table | tr '\n' ' ')"
echo "$want" >"$new/.nsb-stamp"
# Replace the old root once no enter.sh uses it.
if [[ -d $ROOT ]]; then
	exec 9<"$ROOT"
	flock 9
	unmount_below "$ROOT"
	rm -rf --one-file-system "$ROOT"
	exec 9<&-
fi
mv "$new" "$ROOT"
echo "$PROG: made in $(($(date +%s) - t0)) s" >&2
echo "$ROOT"
