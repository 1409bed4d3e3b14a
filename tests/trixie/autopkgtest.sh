#!/bin/bash
# autopkgtest.sh - the Debian package's autopkgtests (debian/tests/control)
# in the Debian 13 root of tests/trixie/root.sh, against built .debs: a
# smaller autopkgtest, for a machine that has no testbed of its own.
#
# Usage: tests/trixie/autopkgtest.sh SRCDIR DEB... [-- TEST...]
#   SRCDIR  a source tree with debian/tests/ (copied; the copy is the cwd)
#   DEB     the binary packages to test, installed with apt in the root
#   TEST    the tests to run (default: all in debian/tests/control)
#
# Each test gets: the .debs and its Depends: installed (apt-get satisfy,
# from the root's own sources, so needs-internet is met), a fresh
# AUTOPKGTEST_TMP, real root (needs-root), and a throwaway root of its own
# (tests/trixie/enter.sh: isolation-machine as far as a root on the host's
# kernel goes).  Without allow-stderr, output on stderr fails the test, as
# in autopkgtest.  Prints PASS/FAIL/SKIP per test; exit status 1 if any
# failed.  NSB_TRIXIE_ROOT and NSB_FIXTURES as for make check-trixie.
set -euo pipefail

die() {
	printf 'autopkgtest.sh: %s\n' "$*" >&2
	exit 2
}

# control FILE: one line per test, "NAME<TAB>DEPENDS<TAB>RESTRICTIONS".
control() {
	awk '
		function flush() {
			n = split(tests, t, /[ ,]+/)
			for (i = 1; i <= n; i++) if (t[i] != "") printf "%s\t%s\t%s\n", t[i], deps, restr
			tests = deps = restr = ""; field = ""
		}
		/^#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[ \t]/ { sub(/^[ \t]+/, " "); if (field == "t") tests = tests $0; else if (field == "d") deps = deps $0; else if (field == "r") restr = restr $0; next }
		{ field = ""; v = $0; sub(/^[^:]*:[ \t]*/, "", v) }
		/^Tests:/ { field = "t"; tests = v }
		/^Depends:/ { field = "d"; deps = v }
		/^Restrictions:/ { field = "r"; restr = v }
		/^Test-Command:/ { print "Test-Command is not supported" > "/dev/stderr"; exit 1 }
		END { flush() }' "$1"
}

if [[ ${1:-} == --inside ]]; then
	# In the root: NAME DEPENDS RESTRICTIONS SRCDIR DEB...
	name=$2 deps=$3 restr=$4 src=$5
	shift 5
	export DEBIAN_FRONTEND=noninteractive
	log=/tmp/apt.log
	if ! { apt-get -q update && apt-get install -y -q --no-install-recommends "$@" &&
		{ [[ -z ${deps// /} ]] || apt-get satisfy -y -q --no-install-recommends "$deps"; }; } >"$log" 2>&1; then
		tail -n 20 "$log" >&2
		echo "FAIL $name (installing the packages and Depends: failed)"
		exit 1
	fi
	cp -a "$src" /tmp/src
	cd /tmp/src
	chmod +x "debian/tests/$name"
	export AUTOPKGTEST_TMP
	AUTOPKGTEST_TMP=$(mktemp -d)
	rc=0
	"debian/tests/$name" 2>/tmp/stderr || rc=$?
	if [[ $rc -eq 77 && $restr == *skippable* ]]; then
		echo "SKIP $name"
		exit 0
	fi
	if [[ $rc -ne 0 ]]; then
		cat /tmp/stderr >&2
		echo "FAIL $name (exit status $rc)"
		exit 1
	fi
	if [[ -s /tmp/stderr && $restr != *allow-stderr* ]]; then
		cat /tmp/stderr >&2
		echo "FAIL $name (output on stderr)"
		exit 1
	fi
	echo "PASS $name"
	exit 0
fi

[[ $# -ge 2 ]] || die "usage: autopkgtest.sh SRCDIR DEB... [-- TEST...]"
src=$(realpath "$1")
shift
[[ -f $src/debian/tests/control ]] || die "no $src/debian/tests/control"
debs=()
while [[ $# -gt 0 && $1 != -- ]]; do
	[[ $1 == *.deb && -f $1 ]] || die "$1: not a .deb"
	debs+=("$(realpath "$1")")
	shift
done
[[ ${#debs[@]} -gt 0 ]] || die "no .deb given"
[[ ${1:-} != -- ]] || shift
want=("$@")

here=$(cd "$(dirname "$0")" && pwd -P)
root=$("$here/root.sh")
fixtures=${NSB_FIXTURES:-/var/cache/nsbinfmt/fixtures}
binds=(--ro "$src" --ro "$here")
for d in "${debs[@]}"; do binds+=(--ro "$d"); done
[[ ! -d $fixtures ]] || binds+=(--ro "$fixtures")

failed=0 ran=0
while IFS=$'\t' read -r name deps restr; do
	if [[ ${#want[@]} -gt 0 ]] && ! printf '%s\n' "${want[@]}" | grep -qxF "$name"; then
		continue
	fi
	ran=$((ran + 1))
	"$here/enter.sh" "$root" "${binds[@]}" -- \
		bash "$here/autopkgtest.sh" --inside "$name" "$deps" "$restr" "$src" "${debs[@]}" ||
		failed=1
done < <(control "$src/debian/tests/control")
[[ $ran -gt 0 ]] || die "no test ran (${want[*]:-none in debian/tests/control})"
exit "$failed"
