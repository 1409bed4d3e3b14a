#!/bin/bash
# run.sh - run the test suite built on this host inside a VM booted with the
# Linux 7.3 test kernel (virtme-ng, the host's own root file system, read-only
# with throwaway overlays).  `make check-vm` calls it; tests/vm/setup.sh
# installs virtme-ng.
#
# Environment (make check-vm sets the first four, and the test environment
# of `make check`, NSBINFMT, NSB_SRCDIR, ...; every exported NSB* variable
# and CI reach the guest's tests):
#   NSB_VM_SRCDIR    absolute source directory
#   NSB_VM_BUILDDIR  absolute build directory (tests are built there)
#   NSB_VM_TESTS     the tests, as in automake's TESTS
#   NSB_VM_RESULTS   directory for the guest's results (default BUILDDIR/check-vm)
#   NSB_KERNEL       a prebuilt kernel to boot (default: the one
#                    tests/vm/kernel/build.sh builds into its cache, built
#                    first if the cache lacks it: see make test-kernel)
#   NSB_VM_TIMEOUT   cap on one VM run, seconds (default 3600: the whole suite
#                    took 2464 s under single-threaded TCG, CI machines differ)
#   NSB_VM_MEMORY    guest memory (default 2G)
#   NSB_VM_QEMU_OPTS  qemu options (default "-accel tcg,thread=single": see below)
#   NSB_VM_TEST_TIMEOUT  cap on each test in the guest, seconds (default 900)
#   NSB_FIXTURES     foreign binaries (default /var/cache/nsbinfmt/fixtures)
#   NSB_VM_RODIRS    more host directories the guest sees, read-only
#   NSB_VM_KERNEL_KIND  7.3 (default), or old: the kernel checks expect a
#                    kernel older than 6.7 (make check-oldkernel)
#
# Results: RESULTS/NAME.log and RESULTS/NAME.trs for every test plus the
# kernel checks (vm-kernel), as `make check` leaves them, so .ci/run counts
# them.  Exit status non-zero on any failed test, a missing result, a guest
# that did not finish (crash, panic) or a VM run that hit the time cap.
# The kernel is built here only through tests/vm/kernel/build.sh, once.
set -euo pipefail
# shellcheck source=tests/tap-report.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tap-report.sh"

PROG=check-vm
die() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit 1
}

: "${NSB_VM_SRCDIR:?run through make check-vm}" "${NSB_VM_BUILDDIR:?run through make check-vm}"
: "${NSB_VM_TESTS:?run through make check-vm}"
SRCDIR=$(cd "$NSB_VM_SRCDIR" && pwd -P)
BUILDDIR=$(cd "$NSB_VM_BUILDDIR" && pwd -P)
RESULTS=${NSB_VM_RESULTS:-$BUILDDIR/check-vm}
TIMEOUT=${NSB_VM_TIMEOUT:-3600}
FIXTURES=${NSB_FIXTURES:-/var/cache/nsbinfmt/fixtures}

# The kernel: NSB_KERNEL, else the recipe's, from its cache or built now
# (the script says so when it builds).
KERNEL=${NSB_KERNEL:-}
if [[ -z $KERNEL ]]; then
	KERNEL=$("$SRCDIR/tests/vm/kernel/build.sh") ||
		die "no test kernel: tests/vm/kernel/build.sh failed (or set NSB_KERNEL)"
fi
[[ -f $KERNEL ]] || die "kernel $KERNEL not found"
KERNEL=$(cd "$(dirname "$KERNEL")" && pwd -P)/$(basename "$KERNEL")
command -v vng >/dev/null || die "vng not found: run tests/vm/setup.sh (as root)"
[[ -x $BUILDDIR/nsbinfmt ]] || die "$BUILDDIR/nsbinfmt not built"

rm -rf "$RESULTS"
mkdir -p "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd -P)

# What the guest needs to know: the tests (TESTS...) and the test
# environment of make check.
write_env() {
	local NSB_VM_TESTS="$*"
	{
		declare -p NSB_VM_TESTS
		printf 'NSB_VM_SRCDIR=%q\nNSB_VM_BUILDDIR=%q\n' "$SRCDIR" "$BUILDDIR"
		for v in $(compgen -e); do
			case $v in
			NSB_VM_SRCDIR | NSB_VM_BUILDDIR | NSB_VM_TESTS) ;;
			NSB* | CI) printf 'export %s=%q\n' "$v" "${!v}" ;;
			esac
		done
	} >"$RESULTS/env"
}

# Single-threaded TCG: multi-threaded TCG lost the guest three times in
# the hook suite, with "Oops: int3" at a jump label as crun exited: the
# breakpoint the kernel plants while it patches its own text (a static key
# flipping), hit on the other vCPU, which MTTCG does not keep coherent
# with the patch.  One host thread runs both vCPUs in turn, so the guest
# still has two CPUs to race on, and text patching is coherent.
QEMU_OPTS=${NSB_VM_QEMU_OPTS-"-accel tcg,thread=single"}
vng_args=(--run "$KERNEL" --disable-kvm --disable-microvm
	--cpus "$(nproc)" --memory "${NSB_VM_MEMORY:-2G}" ${QEMU_OPTS:+"--qemu-opts=$QEMU_OPTS"})
# The guest sees the host's root, but virtme-ng covers these with a fresh
# tmpfs: what the tests need from below them is shared explicitly, at the
# same path (the fixtures live in /var/cache; a checkout or build may be in
# /var/tmp).  Read-only shares first, the results (read-write) last.
GUEST_TMPFS=(/run /var/tmp /var/cache /var/log /var/lib/private /var/lib/apt)
hidden_in_guest() {
	local m
	for m in "${GUEST_TMPFS[@]}"; do
		[[ $1/ == "$m"/* ]] && return 0
	done
	return 1
}
# share DIR: read-only, unless the results are beneath it: virtme-ng mounts
# every --rwdir before every --rodir, so a read-only share would cover them.
share() {
	if [[ $RESULTS/ == "$1"/* ]]; then
		vng_args+=(--rwdir "$1=$1")
	else
		vng_args+=(--rodir "$1=$1")
	fi
}
hidden_in_guest "$SRCDIR" && share "$SRCDIR"
if [[ $BUILDDIR/ != "$SRCDIR"/* ]] && hidden_in_guest "$BUILDDIR"; then
	share "$BUILDDIR"
fi
[[ -d $FIXTURES ]] && vng_args+=(--rodir "$FIXTURES=$FIXTURES")
# nixpkgs' lib for nix-expr.bats, wherever it is
if [[ -n ${NSB_NIXPKGS_LIB:-} ]] && hidden_in_guest "$NSB_NIXPKGS_LIB"; then
	share "$NSB_NIXPKGS_LIB"
fi
for d in ${NSB_VM_RODIRS:-}; do
	vng_args+=(--rodir "$d=$d")
done
# Writable in the guest, untouched on the host: the Nix store (the nix
# tests build into it) and root's home, which virtme-ng leaves read-only.
for d in /nix /root; do
	[[ -d $d ]] && vng_args+=(--overlay-rwdir "$d")
done
vng_args+=(--rwdir "$RESULTS=$RESULTS")

# boot_guest TESTS...: one VM running guest.sh for TESTS; vng's status in
# $rc.  Never let vng read our stdin.  The console, kernel messages too
# (--verbose), goes to RESULTS/console.log; the guest's own lines also to
# stdout.
boot_guest() {
	write_env "$@"
	rm -f "$RESULTS/status"
	set +e
	timeout -k 30 "$TIMEOUT" vng "${vng_args[@]}" --verbose \
		--exec "$(printf '%q ' bash "$SRCDIR/tests/vm/guest.sh" "$RESULTS")" </dev/null 2>&1 |
		tee -a "$RESULTS/console.log" | grep --line-buffered -vE '^\[ *[0-9]+\.[0-9]+\]'
	rc=${PIPESTATUS[0]}
	set -e
}

# The tests of NSB_VM_TESTS with no result yet.
missing_tests() {
	local t
	for t in $NSB_VM_TESTS; do
		[[ -s $RESULTS/$t.trs ]] || printf '%s ' "$t"
	done
}

echo "$PROG: booting $KERNEL under TCG, results in $RESULTS"
t0=$(date +%s.%N)
boot_guest $NSB_VM_TESTS
failed=()
# One run, one console: a lost guest or any kernel crash fails (below);
# nothing is run again.
crash='Kernel panic|BUG:|Oops|general protection fault|Call Trace:'
t1=$(date +%s.%N)

if [[ $rc -eq 124 || $rc -eq 137 ]]; then
	failed+=("the VM run hit the cap of $TIMEOUT s (NSB_VM_TIMEOUT)")
elif [[ $rc -ne 0 ]]; then
	failed+=("vng exited with status $rc")
fi
if grep -qE "$crash" "$RESULTS/console.log"; then
	failed+=("the kernel crashed: see $RESULTS/console.log")
	grep -E -A20 "$crash" "$RESULTS/console.log" | head -40 >&2
fi
# (timeout signals its whole process group: vng and its qemu.)

# Where the time went.
echo
echo "=== $PROG: time"
if [[ -f $RESULTS/started ]]; then
	boot=$(awk -v a="$t0" -v b="$(stat -c %.9Y "$RESULTS/started")" 'BEGIN { printf "%.1f", b - a }')
	printf '%-28s %7s s (vng start to the guest script, host clock)\n' boot "$boot"
	cat "$RESULTS/times"
	awk -v a="$t0" -v b="$t1" -v boot="$boot" '{ s += $2 }
		END { printf "%-28s %7.1f s\n%-28s %7.1f s\n", "shutdown and the rest", b - a - boot - s, "total", b - a }' \
		"$RESULTS/times"
else
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%-28s %7.1f s (the guest script never started)\n", "total", b - a }'
fi

# The guest's own verdict, then every result.
if [[ ! -f $RESULTS/status ]]; then
	failed+=("the guest script did not finish (kernel crash, or killed)")
elif [[ $(<"$RESULTS/status") != 0 ]]; then
	failed+=("the guest script exited with status $(<"$RESULTS/status")")
fi
echo
echo "=== $PROG: results on $(sed -n 's/^# kernel //p' "$RESULTS/vm-kernel.log" 2>/dev/null || echo '?')"
read -r -a tests <<<"$NSB_VM_TESTS"
for name in vm-kernel "${tests[@]}"; do
	trs_report "$RESULTS" "$name"
done
# Diagnostics worth seeing on every run: the kernel checks and the
# differential test's summary.
echo
grep -hE '^# ' "$RESULTS/vm-kernel.log" 2>/dev/null | sed 's/^# //' || true
grep -hE '^(ok|not ok) .*(compared|accepted)|^# kernel grammar' "$RESULTS/tests/diff/rule-diff.log" 2>/dev/null || true

echo
if [[ ${#failed[@]} -gt 0 ]]; then
	for f in "${failed[@]}"; do
		printf '%s: FAILED: %s\n' "$PROG" "$f" >&2
	done
	exit 1
fi
echo "$PROG: all passed on $(uname -s) $(sed -n 's/^# kernel //p' "$RESULTS/vm-kernel.log")"
