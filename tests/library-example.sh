#!/bin/bash
# The README's library example, as a user builds it: the C block after
# the line "<!-- libnsbinfmt-example" in README.md, compiled with
# `pkg-config --cflags --libs libnsbinfmt` against the built library and a
# directory holding nsbinfmt.h alone (the .pc file as it is installed,
# its includedir and libdir pointed here), so it sees no internal header.
# The header also compiles by itself as C99 -pedantic and as C++.  As
# root, the example then runs against a process in a user and mount
# namespace of its own (it installs and lists the entry) and against one
# in the initial user namespace (refused); the host's table is read
# before and after, as the bats suites do.  Run in the build directory.
: "${NSB_SRCDIR:?run through make check, which sets NSB_SRCDIR}"
: "${NSBINFMT:?run through make check, which sets NSBINFMT}"
CC=${NSB_CC:-cc}
PKG_CONFIG=${NSB_PKG_CONFIG:-pkg-config}
BUILDDIR=$PWD

n=0
ok() { # ok DESCRIPTION COMMAND...: one TAP result, the command's output as comments
	local rc
	n=$((n + 1))
	"${@:2}" >"$TMP/out" 2>&1
	rc=$?
	sed 's/^/# /' "$TMP/out"
	if [ $rc -eq 0 ]; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi
	return $rc
}
skip() { # skip DESCRIPTION WHY: a skip, which CI (CI=true) counts as a failure
	n=$((n + 1))
	if [ "${CI:-}" = true ]; then
		echo "not ok $n - $1: skipped in CI: $2"
	else
		echo "ok $n - $1 # SKIP $2"
	fi
}

TMP=$(mktemp -d) || exit 1
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
mkdir "$TMP/include"
cp "$NSB_SRCDIR/src/nsbinfmt.h" "$TMP/include/"

extract() {
	awk '/^<!-- libnsbinfmt-example/ { marked = 1; next }
	     marked && /^```c$/ { inside = 1; next }
	     inside && /^```$/ { exit }
	     inside { print }' "$NSB_SRCDIR/README.md" >"$TMP/example.c"
	grep -q 'nsbinfmt_install' "$TMP/example.c"
}

# The header alone, in the strictest C the library promises, and in C++.
header_c99() {
	printf '#include <nsbinfmt.h>\nint nsbinfmt_test_unit;\n' |
		$CC -std=c99 -Wall -Wextra -Werror -pedantic -I"$TMP/include" \
			-fsyntax-only -x c -
}
header_cxx() {
	printf '#include <nsbinfmt.h>\nint nsbinfmt_test_unit;\n' |
		"$1" -std=c++11 -Wall -Wextra -Werror -pedantic -I"$TMP/include" \
			-fsyntax-only -x c++ -
}

pc() {
	PKG_CONFIG_PATH="$BUILDDIR/src" $PKG_CONFIG \
		--define-variable=includedir="$TMP/include" \
		--define-variable=libdir="$BUILDDIR/.libs" "$@" libnsbinfmt
}
build() {
	local cflags libs
	cflags=$(pc --cflags) && libs=$(pc --libs) || return 1
	# (the build's own flags: a sanitizer build's library needs them)
	# shellcheck disable=SC2086
	$CC ${NSB_CFLAGS:-} -Wall -Wextra -Werror $cflags "$TMP/example.c" \
		$libs ${NSB_LDFLAGS:-} -o "$TMP/emulate"
}

# The emulator the example asks for: not the host's own architecture.
ARCH=aarch64
[ "$(uname -m)" != aarch64 ] || ARCH=x86_64
has_emulator() {
	local d
	for d in /usr/local/bin /usr/bin; do
		[ -x "$d/qemu-$ARCH-static" ] || [ -x "$d/qemu-$ARCH" ] && return 0
	done
	return 1
}

emulate() {
	LD_LIBRARY_PATH="$BUILDDIR/.libs" "$TMP/emulate" "$@"
}
# A process in the initial user namespace: the host's table.
refused() {
	local out
	sleep 600 </dev/null >/dev/null 2>&1 &
	PIDS+=($!)
	if out=$(emulate "$!" "$ARCH" 2>&1); then
		echo "installed into a process of the initial user namespace: $out"
		return 1
	fi
	echo "$out"
	[[ $out == *"initial user namespace"* ]]
}
# A sandbox: a user and a mount namespace of its own (unshare -m: the
# instance is mounted there, never in the host's mount namespace).
installs() {
	local pid i out
	unshare -Urm sleep 600 </dev/null >/dev/null 2>&1 &
	pid=$!
	PIDS+=("$pid")
	for i in $(seq 400); do
		[ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ] && break
		sleep 0.05
	done
	out=$(emulate "$pid" "$ARCH") || return 1
	echo "$out"
	[ "$out" = "qemu-$ARCH" ]
}
same_host_table() {
	[[ $before == *"== status"* ]] || return 1
	[ "$before" = "$after" ] && return 0
	printf 'before:\n%s\nafter:\n%s\n' "$before" "$after"
	return 1
}

echo 1..6
extract || {
	echo "Bail out! no C block after <!-- libnsbinfmt-example in README.md"
	exit 1
}
ok "nsbinfmt.h compiles alone: C99, -pedantic" header_c99
CXX=${CXX:-}
for c in g++ clang++ c++; do
	[ -n "$CXX" ] || ! command -v "$c" >/dev/null || CXX=$c
done
if [ -n "$CXX" ]; then
	ok "nsbinfmt.h compiles as C++ ($CXX)" header_cxx "$CXX"
else
	skip "nsbinfmt.h compiles as C++" "no C++ compiler"
fi
built=0
ok "the example builds with pkg-config --cflags --libs libnsbinfmt" build && built=1

WHY=
[ $built = 1 ] || WHY="the example did not build"
[ -n "$WHY" ] || [ "$(id -u)" = 0 ] || WHY="installing needs root"
[ -n "$WHY" ] || has_emulator || WHY="no qemu-$ARCH emulator (qemu-user-static)"
if [ -n "$WHY" ]; then
	for t in "refuses the initial user namespace" "installs into a sandbox" \
		"the host's table did not change"; do
		skip "$t" "$WHY"
	done
	exit 0
fi
# shellcheck source=bats/helpers.bash
. "$NSB_SRCDIR/tests/bats/helpers.bash"
before=$(host_binfmt_state)
ok "refuses the initial user namespace" refused
ok "installs into a sandbox" installs
after=$(host_binfmt_state)
ok "the host's table did not change" same_host_table
