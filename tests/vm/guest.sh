#!/bin/bash
# guest.sh - the part of `make check-vm` that runs inside the Linux 7.3 VM
# (tests/vm/run.sh boots it).
#
# Usage: guest.sh RESULTS              run everything, as the VM's command
#        guest.sh --kernel-checks      TAP: is this the kernel we mean to test?
#
# RESULTS is the host directory shared read-write with the guest; run.sh
# wrote RESULTS/env (the test environment of `make check` and the list of
# tests).  For every test this leaves RESULTS/NAME.log and RESULTS/NAME.trs
# (automake's TAP driver), the time of each part in RESULTS/times and, last,
# the guest's exit status in RESULTS/status: the VM's exit status does not
# reach the host.
set -euo pipefail
# shellcheck source=tests/tap-report.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tap-report.sh"

# (a) + (b): the rig must never pass on the wrong kernel.
kernel_checks() {
	local n=0 bad=0 release cfg out rc want
	release=$(uname -r)
	t "kernel release is 7.3 ($release)" grep -qE '^7\.3([.-]|$)' <<<"$release"
	cfg=$(zcat /proc/config.gz 2>/dev/null || true)
	t "CONFIG_BINFMT_MISC=y in /proc/config.gz" grep -qx 'CONFIG_BINFMT_MISC=y' <<<"$cfg"
	t "CONFIG_BINFMT_MISC_BPF=y in /proc/config.gz" grep -qx 'CONFIG_BINFMT_MISC_BPF=y' <<<"$cfg"
	t "binfmt_misc_ops in /sys/kernel/btf/vmlinux" grep -qa 'binfmt_misc_ops' /sys/kernel/btf/vmlinux
	out=$("$NSBINFMT" check-kernel 2>&1) && rc=0 || rc=$?
	printf '%s\n' "$out" | sed 's/^/# /'
	t "nsbinfmt check-kernel exits 0" test "$rc" -eq 0
	for want in \
		"private binfmt_misc instances per user namespace" \
		"B entries (bpf handlers, binfmt_misc_ops in kernel BTF)" \
		"flag T (transparent)" \
		"flag L (loader substitution)" \
		"flag D and bound interpreters (+name path)" \
		"sysctl user.max_binfmt_misc_interpreters" \
		"kfunc bpf_binprm_select_interp" \
		"kfunc bpf_binprm_set_flags" \
		"kfunc bpf_dynptr_from_file" \
		"kfunc bpf_path_d_path"; do
		t "check-kernel: yes  $want" grep -qxF "yes  $want" <<<"$out"
	done
	t "check-kernel reports max_binfmt_misc_interpreters > 0" \
		grep -qE '^ +max_binfmt_misc_interpreters = [1-9][0-9]*$' <<<"$out"
	echo "1..$n"
	return "$bad"
}

# The same for an old kernel (make check-oldkernel): older than 6.7, and
# check-kernel says so.
old_kernel_checks() {
	local release out rc major minor
	release=$(uname -r)
	IFS=. read -r major minor _ <<<"$release"
	out=$("$NSBINFMT" check-kernel 2>&1) && rc=0 || rc=$?
	printf '%s\n' "$out" | sed 's/^/# /'
	echo 1..2
	if [[ $major -lt 6 || ($major -eq 6 && $minor -lt 7) ]]; then
		echo "ok 1 - kernel release is older than 6.7 ($release)"
	else
		echo "not ok 1 - kernel release is older than 6.7 ($release)"
	fi
	if [[ $rc -ne 0 ]] && grep -qF "no   private binfmt_misc instances per user namespace: needs Linux >= 6.7" <<<"$out"; then
		echo "ok 2 - check-kernel: no private instances, exit status $rc"
	else
		echo "not ok 2 - check-kernel: no private instances, exit status $rc"
		return 1
	fi
}

if [[ ${1:-} == --kernel-checks ]]; then
	: "${NSBINFMT:?}"
	if [[ ${NSB_VM_KERNEL_KIND:-7.3} == old ]]; then
		old_kernel_checks
	else
		kernel_checks
	fi
	exit
fi

RESULTS=${1:?usage: guest.sh RESULTS}
guest_status=1
# Whatever happens below, the host learns how it ended.
trap 'dmesg >"$RESULTS/dmesg.log" 2>&1; echo "$guest_status" >"$RESULTS/status"' EXIT

uptime_s() { cut -d' ' -f1 /proc/uptime; }
: >"$RESULTS/times"
echo "started $(uptime_s)" >"$RESULTS/started"

# shellcheck source=/dev/null
. "$RESULTS/env"
: "${NSB_VM_SRCDIR:?}" "${NSB_VM_BUILDDIR:?}" "${NSB_VM_TESTS:?}"
SELF=$NSB_VM_SRCDIR/tests/vm/guest.sh
DRIVER=$NSB_VM_SRCDIR/build-aux/tap-driver.sh
PER_TEST_TIMEOUT=${NSB_VM_TEST_TIMEOUT:-900}

# The guest's /var/cache is a fresh tmpfs; run.sh shares the host's
# fixtures with --rodir at the same path, so nothing else is needed here.
# Tests expect what a Debian host has: nobody, a writable /tmp.
getent passwd nobody >/dev/null || { echo "guest: no user nobody" >&2; exit 1; }
# ... and a bpffs on /sys/fs/bpf from boot on, as systemd mounts it: a
# mount made later (nsbinfmt pin makes one where there is none) is not
# seen by mount namespaces made before it, such as rootless podman's.
mountpoint -q /sys/fs/bpf || mount -t bpf -o mode=0700 bpf /sys/fs/bpf

# run_tap NAME CMD...: one test through automake's TAP driver, bounded.
run_tap() {
	local name=$1 t0 t1 rc=0
	shift
	mkdir -p "$RESULTS/$(dirname "$name")"
	t0=$(uptime_s)
	# On the console: what is not a plain PASS (the .log has everything).
	set +e
	env AM_TAP_AWK=awk timeout -k 10 "$PER_TEST_TIMEOUT" bash "$DRIVER" \
		--test-name "$name" --log-file "$RESULTS/$name.log" \
		--trs-file "$RESULTS/$name.trs" --color-tests no \
		--enable-hard-errors yes --expect-failure no -- "$@" |
		{ grep -v '^PASS: ' || true; }
	rc=${PIPESTATUS[0]}
	set -e
	t1=$(uptime_s)
	awk -v n="$name" -v a="$t0" -v b="$t1" 'BEGIN { printf "%-28s %7.1f s\n", n, b - a }' >>"$RESULTS/times"
	if [[ $rc -eq 124 || $rc -eq 137 ]]; then
		# the driver was killed: say so in its results
		printf ':test-result: ERROR\n:global-test-result: ERROR\n' >"$RESULTS/$name.trs"
		echo "$name: timed out after $PER_TEST_TIMEOUT s" >>"$RESULTS/$name.log"
	fi
	awk '/^:test-result:/ { print FILENAME ": " $2 }' "$RESULTS/$name.trs" | sort | uniq -c |
		sed "s|$RESULTS/||"
}

cd "$NSB_VM_BUILDDIR"
run_tap vm-kernel "$SELF" --kernel-checks
for t in $NSB_VM_TESTS; do
	if [[ -e $t ]]; then
		path=$t
	else
		path=$NSB_VM_SRCDIR/$t
	fi
	case $t in
	*.bats) run_tap "$t" bats --tap "$path" ;;
	*.py) run_tap "$t" python3 "$path" ;;
	*) run_tap "$t" "$path" ;;
	esac
done
guest_status=0
