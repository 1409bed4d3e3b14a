#!/bin/bash
# build.sh - build the Linux 7.3 test kernel that `make check-vm` and
# bench/vm.sh boot, and print the path of its bzImage.
#
# The recipe: Debian's linux-source-7.3 (suite experimental, from the
# archive this machine's apt already uses, through a private apt state:
# tests/fixtures/apt-private.sh), x86_64_defconfig with fragment.config
# (beside this script) merged by the kernel's own
# scripts/kconfig/merge_config.sh, then olddefconfig.  Every line of the
# fragment must hold in the final configuration, or the build fails.
#
# Idempotent: the cache keeps the bzImage, its .config and a stamp of the
# recipe (the fragment's hash); when the stamp matches, nothing is done
# and nothing is fetched (a newer upload of the package is taken only when
# the recipe changes or the cache is removed).  Otherwise it builds: about
# 20 minutes on 2 cores (31 on a busy shared machine), 7 GB of disk while
# it runs, at nice 19.  The source tree is removed afterwards.  Concurrent
# calls wait for each other (flock).
#
# Usage: tests/vm/kernel/build.sh        (as root, or an owner of CACHE)
#   NSB_TEST_KERNEL_CACHE  the cache (default /var/cache/nsbinfmt/kernel-7.3)
#   NSB_KERNEL_JOBS        make's jobs (default: the number of CPUs)
# Packages (.ci/deps.sh installs them): gcc make bc bison flex cpio
# libelf-dev libssl-dev dwarves xz-utils python3.
set -euo pipefail

SERIES=7.3
PKG=linux-source-$SERIES
SUITE=experimental
# Bump when the steps below change what they produce.
REVISION=1
PROG=test-kernel

here=$(cd "$(dirname "$0")" && pwd -P)
fragment=$here/fragment.config
cache=${NSB_TEST_KERNEL_CACHE:-/var/cache/nsbinfmt/kernel-$SERIES}
jobs=${NSB_KERNEL_JOBS:-$(nproc)}

die() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit 1
}
say() { printf '%s: %s\n' "$PROG" "$*" >&2; }

recipe="$PKG revision $REVISION fragment $(sha256sum <"$fragment" | cut -d' ' -f1)"
fresh() {
	[[ -s $cache/bzImage && -f $cache/stamp ]] &&
		[[ $(head -n 1 "$cache/stamp") == "$recipe" ]]
}

mkdir -p "$cache" || die "cannot create $cache"
cache=$(cd "$cache" && pwd -P)
exec 9>"$cache/lock"
flock 9
if fresh; then
	printf '%s\n' "$cache/bzImage"
	exit 0
fi
rm -f "$cache/stamp"
say "no Linux $SERIES test kernel of this recipe in $cache: building it from Debian's $PKG (about 20 min on 2 cores; log in $cache/build.log)"

# check_fragment CONFIG: every line of the fragment holds in CONFIG:
# CONFIG_X=V literally, "# CONFIG_X is not set" as X neither y nor m
# (or absent: not offered on x86_64).
check_fragment() {
	awk '
		FNR == NR {
			if ($0 ~ /^CONFIG_[A-Za-z0-9_]+=/) { want[substr($0, 1, index($0, "=") - 1)] = $0 }
			else if ($0 ~ /^# CONFIG_[A-Za-z0-9_]+ is not set$/) { want[$2] = "" }
			next
		}
		/^CONFIG_[A-Za-z0-9_]+=/ { have[substr($0, 1, index($0, "=") - 1)] = $0 }
		END {
			for (k in want) {
				got = (k in have) ? have[k] : ""
				if (want[k] == "" ? got != "" : got != want[k]) {
					printf "%s: fragment asks for %s, olddefconfig made it %s\n", "'"$PROG"'",
						want[k] == "" ? "# " k " is not set" : want[k],
						got != "" ? got : "unset (missing dependency, or no such option)"
					bad = 1
				}
			}
			exit bad
		}' "$fragment" "$1"
}

# shellcheck source=tests/fixtures/apt-private.sh
. "$here/../../fixtures/apt-private.sh"
s=$cache/apt
deb=$(apt_private_download "$s" "$SUITE" "$PKG") || die "download $PKG ($SUITE) through this machine's apt sources failed"
version=$(dpkg-deb -f "$deb" Version)

work=$cache/work
rm -rf "$work"
mkdir -p "$work"
say "unpacking $PKG $version"
dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$PKG.tar.xz" | tar -xJ -C "$work" ||
	die "unpacking $PKG failed"
tree=$work/$PKG
[[ -f $tree/scripts/kconfig/merge_config.sh ]] || die "$PKG has no scripts/kconfig/merge_config.sh"

log=$cache/build.log
kmake() {
	nice -n 19 make -C "$tree" "$@" >>"$log" 2>&1 || {
		tail -n 40 "$log" >&2
		die "make $* failed (whole log: $log)"
	}
}
: >"$log"
say "configuring: x86_64_defconfig + $(basename "$fragment"), olddefconfig"
kmake x86_64_defconfig
(cd "$tree" && scripts/kconfig/merge_config.sh -m .config "$fragment") >>"$log" 2>&1 ||
	die "merge_config.sh failed (log: $log)"
kmake olddefconfig
check_fragment "$tree/.config" || die "the configuration is not what $fragment asks for"
t0=$(date +%s)
say "building bzImage with $jobs jobs"
kmake -j"$jobs" bzImage
say "built in $((($(date +%s) - t0) / 60)) min"

cp "$tree/arch/x86/boot/bzImage" "$cache/bzImage.new"
cp "$tree/.config" "$cache/config"
mv -f "$cache/bzImage.new" "$cache/bzImage"
printf '%s\n%s %s\n' "$recipe" "$PKG" "$version" >"$cache/stamp"
rm -rf "$work" "$deb"
printf '%s\n' "$cache/bzImage"
