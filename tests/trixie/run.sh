#!/bin/bash
# run.sh - `make check-trixie`: podman.bats, docker.bats and runtime.bats
# against this build, inside a Debian 13 (trixie) root (podman 5.4, runc
# 1.1.15, crun 1.21, containerd 1.7, Docker 26.1, qemu-user-static 10.0) on
# the host's kernel.  tests/trixie/root.sh makes (and caches) the root,
# tests/trixie/enter.sh enters it; the source tree, the build tree and the
# fixtures are there at the same paths, so the test environment of `make
# check` (NSBINFMT, NSB_SRCDIR, ...; exported by make) holds as it is.
#
# Usage: run.sh --root-checks   TAP, inside the root: is it trixie, and do
#                               this build's binaries run there?
# Environment (make check-trixie sets the first three):
#   NSB_TRIXIE_SRCDIR, NSB_TRIXIE_BUILDDIR  absolute source and build trees
#   NSB_TRIXIE_TESTS    the suites (tests/bats/NAME.bats ...)
#   NSB_TRIXIE_RESULTS  results (default BUILDDIR/check-trixie)
#   NSB_TRIXIE_ROOT     the root (default /var/cache/nsbinfmt/trixie-root)
#   NSB_TRIXIE_TEST_TIMEOUT  cap on each suite, seconds (default 900)
#   NSB_FIXTURES        foreign binaries (default /var/cache/nsbinfmt/fixtures)
#
# Results: RESULTS/NAME.log and RESULTS/NAME.trs for the root checks
# (trixie-root) and every suite, through automake's TAP driver, so .ci/run
# counts them.  Exit status non-zero on any failed or missing result and,
# under CI=true, on any skip but the bpf selector's (it needs Linux 7.3,
# which make check-vm boots; this runs on the host's kernel).
set -euo pipefail
# shellcheck source=tests/tap-report.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tap-report.sh"

PROG=check-trixie
die() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit 1
}

# t DESCRIPTION CMD...: one TAP line (tap-report.sh).
n=0 bad=0

quiet() { "$@" >/dev/null; }

# Inside the root: what it is, and whether this build runs there.
root_checks() {
	: "${NSBINFMT:?}" "${NSBINFMT_HOOK:?}" "${NSB_RUNTIME_BIN:?}"
	local v b out
	t "the root is Debian 13 (trixie)" grep -qx 'VERSION_CODENAME=trixie' /etc/os-release
	for v in "podman --version" "runc --version" "crun --version" "dockerd --version" \
		"containerd --version" "qemu-aarch64-static --version" "bats --version"; do
		echo "# $($v 2>&1 | head -n 1)"
	done
	t "podman 5" grep -qE '^podman version 5\.' <<<"$(podman --version)"
	t "Docker 26" grep -qE '^Docker version 26\.' <<<"$(dockerd --version)"
	t "containerd 1.7" grep -qE ' (v|)1\.7\.' <<<"$(containerd --version)"
	t "qemu-user-static 10" grep -qE 'version 10\.' <<<"$(qemu-aarch64-static --version)"
	# (registered with F, an emulator must not need a loader or libraries)
	out=$(ldd /usr/bin/qemu-aarch64-static 2>&1 || true)
	printf '%s\n' "$out" | sed 's/^/# qemu-aarch64-static: /'
	t "qemu-aarch64-static is statically linked" grep -q 'statically linked' <<<"$out"
	# Every program of this build finds its libraries here.
	for b in "$NSBINFMT" "$NSBINFMT_HOOK" "$NSB_RUNTIME_BIN" "${NSB_FD_LIST:-}" \
		"${NSB_SPAWN_AT_PID:-}" "${NSB_SELECTOR_UNBOUND:-}"; do
		[[ -n $b && -x $b ]] || continue
		out=$(ldd "$b" 2>&1 || true)
		printf '%s\n' "$out" | sed "s|^|# ${b##*/}: |"
		t "${b##*/}: every library found" bash -c '! grep -q "not found" <<<"$1"' - "$out"
	done
	t "nsbinfmt --version runs" quiet "$NSBINFMT" --version
	# (no state on stdin: it must get as far as saying so)
	out=$("$NSBINFMT_HOOK" </dev/null 2>&1 || true)
	printf '%s\n' "$out" | sed 's/^/# /'
	t "nsbinfmt-hook runs (says the state is missing)" grep -q '^nsbinfmt-hook: ' <<<"$out"
	t "nsbinfmt-runtime --help runs" quiet "$NSB_RUNTIME_BIN" --help
	"$NSBINFMT" check-kernel 2>&1 | sed 's/^/# /' || true
	echo "1..$n"
	return "$bad"
}

if [[ ${1:-} == --root-checks ]]; then
	root_checks
	exit
fi

: "${NSB_TRIXIE_SRCDIR:?run through make check-trixie}" "${NSB_TRIXIE_BUILDDIR:?run through make check-trixie}"
: "${NSB_TRIXIE_TESTS:?run through make check-trixie}"
[[ $(id -u) -eq 0 ]] || die "must run as root"
SRCDIR=$(cd "$NSB_TRIXIE_SRCDIR" && pwd -P)
BUILDDIR=$(cd "$NSB_TRIXIE_BUILDDIR" && pwd -P)
RESULTS=${NSB_TRIXIE_RESULTS:-$BUILDDIR/check-trixie}
FIXTURES=${NSB_FIXTURES:-/var/cache/nsbinfmt/fixtures}
TIMEOUT=${NSB_TRIXIE_TEST_TIMEOUT:-900}
DRIVER=$SRCDIR/build-aux/tap-driver.sh
[[ -x $BUILDDIR/nsbinfmt ]] || die "$BUILDDIR/nsbinfmt not built"
[[ -d $FIXTURES ]] || die "no fixtures in $FIXTURES: run tests/fixtures/fetch-foreign.sh"

t0=$(date +%s)
ROOT=$("$SRCDIR/tests/trixie/root.sh") || die "could not make the trixie root"
t1=$(date +%s)
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd -P)

# The trees at the same paths: the sources read-only, then what is written
# (the build tree: results, and the tests' own files beneath it).
binds=(--ro "$SRCDIR")
[[ $BUILDDIR/ == "$SRCDIR"/* ]] || binds+=(--ro "$BUILDDIR")
binds+=(--ro "$FIXTURES" --rw "$RESULTS")
# podman 5 warns on every command on a host with cgroup v1 controllers
# (this one is hybrid), and some tests compare a command's whole output.
export PODMAN_IGNORE_CGROUPSV1_WARNING=1

# run_tap NAME CMD...: CMD in the root, through automake's TAP driver,
# bounded.
run_tap() {
	local name=$1 rc=0 s0
	shift
	mkdir -p "$RESULTS/$(dirname "$name")"
	s0=$(date +%s)
	set +e
	(cd "$BUILDDIR" && env AM_TAP_AWK=awk timeout -k 30 "$TIMEOUT" bash "$DRIVER" \
		--test-name "$name" --log-file "$RESULTS/$name.log" \
		--trs-file "$RESULTS/$name.trs" --color-tests no \
		--enable-hard-errors yes --expect-failure no -- \
		"$SRCDIR/tests/trixie/enter.sh" "$ROOT" "${binds[@]}" -- \
		bash -c 'cd "$1" && shift && exec "$@"' - "$BUILDDIR" "$@") |
		{ grep -v '^PASS: ' || true; }
	rc=${PIPESTATUS[0]}
	set -e
	if [[ $rc -eq 124 || $rc -eq 137 ]]; then
		printf ':test-result: ERROR\n:global-test-result: ERROR\n' >"$RESULTS/$name.trs"
		echo "$name: timed out after $TIMEOUT s" >>"$RESULTS/$name.log"
	fi
	printf '%-28s %5d s\n' "$name" "$(($(date +%s) - s0))" >>"$RESULTS/times"
}

echo "$PROG: root $ROOT ready in $((t1 - t0)) s; results in $RESULTS"
: >"$RESULTS/times"
run_tap trixie-root bash "$SRCDIR/tests/trixie/run.sh" --root-checks
for t in $NSB_TRIXIE_TESTS; do
	run_tap "$t" bats --tap "$SRCDIR/$t"
done

failed=()
echo
echo "=== $PROG: results (Debian 13 root, Linux $(uname -r))"
grep -h '^# ' "$RESULTS/trixie-root.log" | grep -E '^# (podman|runc|crun|Docker|containerd|qemu|Bats) ' | sed 's/^# /    /' || true
for name in trixie-root $NSB_TRIXIE_TESTS; do
	trs_report "$RESULTS" "$name"
done
# In CI a skip is a failure, but the selector's: no kernel here has it.
skips=$(grep -h '^SKIP: ' "$RESULTS"/*.log "$RESULTS"/tests/bats/*.log 2>/dev/null || true)
if [[ -n $skips ]]; then
	echo
	printf '%s\n' "$skips"
	if [[ ${CI:-} == true ]] && grep -qv 'needs Linux >= 7.3' <<<"$skips"; then
		failed+=("skips under CI=true that are not the selector's")
	fi
fi
echo
cat "$RESULTS/times"
echo "total $(($(date +%s) - t0)) s"
if [[ ${#failed[@]} -gt 0 ]]; then
	for f in "${failed[@]}"; do
		printf '%s: FAILED: %s\n' "$PROG" "$f" >&2
	done
	exit 1
fi
echo "$PROG: all passed"
