#!/bin/bash
# What the BPF handlers cost, on the Linux 7.3 test kernel (boots the VM
# itself, like make check-vm; hours under TCG by default, about half an
# hour with NSB_BENCH_EXECS=1000).  Every number is a ratio against a
# baseline measured in the same run.
#  1. the selector on every exec: a native /bin/true exec'd N times in a
#     sandbox with the selector (all non-native architectures bound to one
#     B entry), with no private instance, and with a magic entry per
#     architecture; then the selector's own time per call (bpf_stats).
#  2. setup: nsbinfmt run with a magic entry vs the selector.
#  3. the $ORIGIN loader: a relocated binary vs the same binary with an
#     absolute PT_INTERP, N execs each.
#  4. setup as an unprivileged user: a magic entry vs the pinned handlers.
#  5. setup as root with the handlers pinned: a load vs the pin, and the
#     selector's time per call for each.
#  6. the same through the hook: crun run of an arm64 container, the hook
#     with a magic entry vs the selector loaded vs the pinned selector.
# Usage: bench/vm.sh BUILDDIR   (NSB_BENCH_EXECS=N, default 10000;
#   NSB_KERNEL=BZIMAGE boots that instead of tests/vm/kernel/build.sh's)
set -euo pipefail
N=${NSB_BENCH_EXECS:-10000}
RUNS=${NSB_BENCH_RUNS:-5}
K=$((N / RUNS)) # execs per round
STATS=${NSB_BENCH_STATS_EXECS:-1000}
# Every comparison runs in rounds, one of each command per round in
# rotating order (bench/rounds.sh): under TCG the time per exec drifts
# (seen: 43 ms, later 117 ms), which hyperfine's one command after the
# other would put on whichever ran last.  The N execs of each exec loop
# are split into NSB_BENCH_RUNS rounds (5) of N/RUNS execs, without
# warm-up, so that the order turns every few minutes, not every hour;
# the setups run NSB_BENCH_SETUP_RUNS rounds (20).  The programs' own time
# per call (bpf_stats) is read over NSB_BENCH_STATS_EXECS execs (1000).

selector() {
	local n_arches
	n_arches=$("$nsb" catalog --json | jq '[.[] | select(.state != "native")] | length')
	echo "== 1. $((K * RUNS)) execs of /bin/true in a sandbox, $RUNS rounds of $K; $n_arches emulated architectures"
	NSB_ROUNDS_WARMUP=0 "$rounds" "$RUNS" "no private instance=unshare -Urm -- $loop $K /bin/true" \
		"the selector=$nsb run --handler bpf -e all -- $loop $K /bin/true" \
		"a magic entry each=$nsb run --handler magic -e all -- $loop $K /bin/true"
	echo "-- the selector's programs (kernel.bpf_stats_enabled=1), $STATS execs"
	prog_stats '^nsb_(match|load)$' "$nsb" run --handler bpf -e all -- \
		sh -c "$loop $STATS /bin/true && touch $out/done && sleep 60"
}

# prog_stats REGEX CMD...: run CMD (a sandbox that touches $out/done when
# its work is done) in the background with bpf_stats on, then print the
# run count and time per call of our programs whose names match REGEX,
# read from the kernel while the sandbox (and so its handlers) still lives.
prog_stats() {
	local re=$1 pid
	shift
	rm -f "$out/done"
	sysctl -q kernel.bpf_stats_enabled=1
	"$@" &
	pid=$!
	while [ ! -e "$out/done" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	bpftool prog show --json | jq -r --arg re "$re" '.[] | select(.name | test($re)) |
		"\(.name): \(.run_cnt // 0) calls, \(if (.run_cnt // 0) > 0 then (.run_time_ns / .run_cnt | round) else 0 end) ns per call"'
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	sysctl -q kernel.bpf_stats_enabled=0
}

setup() {
	echo "== 2. setup: nsbinfmt run -- /bin/true, magic entry vs selector (load, attach, bind)"
	"$rounds" "${NSB_BENCH_SETUP_RUNS:-20}" \
		"a magic entry=$nsb run --handler magic -e aarch64 -- /bin/true" \
		"the selector, aarch64=$nsb run --handler bpf -e aarch64 -- /bin/true" \
		"the selector, all=$nsb run --handler bpf -e all -- /bin/true" \
		"the \$ORIGIN loader=$nsb run --origin -- /bin/true"
}

origin() {
	local t="$out/tree"
	mkdir -p "$t/bin" "$t/lib"
	gcc -O2 -o "$t/bin/abs" -xc - -Wl,--dynamic-linker=/nonexistent/placeholder/for/the/loader/ld.so <<<'int main (void) { return 0; }'
	cp -L /lib64/ld-linux-x86-64.so.2 "$t/lib/ld.so"
	cp -L "$(gcc -print-file-name=libc.so.6)" "$t/lib/libc.so.6"
	cp "$t/bin/abs" "$t/bin/origin"
	"$nsb" relocate "$t/bin/abs" --interp "$t/lib/ld.so"
	"$nsb" relocate "$t/bin/origin" --interp '$ORIGIN/../lib/ld.so'
	echo "== 3. $((K * RUNS)) execs, $RUNS rounds of $K: a relocated binary (\$ORIGIN loader) vs the same with an absolute PT_INTERP"
	NSB_ROUNDS_WARMUP=0 "$rounds" "$RUNS" "absolute, no private instance=unshare -Urm -- $loop $K $t/bin/abs" \
		"absolute, the loader's entry beside it=$nsb run --origin -- $loop $K $t/bin/abs" \
		"relocated, through the loader=$nsb run --origin -- $loop $K $t/bin/origin"
	echo "-- the loader's programs (kernel.bpf_stats_enabled=1), $STATS execs of each"
	prog_stats '^nsb_origin_' "$nsb" run --origin -- sh -c \
		"$loop $STATS $t/bin/abs && $loop $STATS $t/bin/origin && touch $out/done && sleep 60"
}

# As a user who cannot load BPF: what the pinned handlers (nsbinfmt pin)
# cost to set up, against a magic entry.
pinned() {
	local u="setpriv --reuid=nobody --regid=nogroup --clear-groups" n="$out/nsbinfmt"
	chmod 755 "$out"
	install -m 755 "$nsb" "$n"
	"$n" pin >/dev/null
	echo "== 4. setup as nobody: nsbinfmt run -- /bin/true, magic entry vs the pinned handlers"
	"$rounds" "${NSB_BENCH_SETUP_RUNS:-20}" \
		"a magic entry=$u $n run --handler magic -e aarch64 -- /bin/true" \
		"the pinned selector, aarch64=$u $n run --handler bpf -e aarch64 -- /bin/true" \
		"the pinned selector, all=$u $n run --handler bpf -e all -- /bin/true" \
		"the pinned \$ORIGIN loader=$u $n run --origin -- /bin/true"
	"$n" unpin >/dev/null
}

# As root, with the handlers pinned (nsbinfmt pin): root takes the pinned
# selector where it serves the rules, instead of loading one per
# container; against a load (the test point skips the pin) and a magic
# entry.  Then the selector's time per call for one architecture, the
# pinned table (every architecture) against a loaded one (aarch64 only).
pinroot() {
	local load="env NSBINFMT_TEST_FAIL_AT=use-pin"
	"$nsb" pin >/dev/null
	echo "== 5. setup as root with the handlers pinned: nsbinfmt run -- /bin/true"
	"$rounds" "${NSB_BENCH_SETUP_RUNS:-20}" \
		"a magic entry=$nsb run --handler magic -e aarch64 -- /bin/true" \
		"the selector loaded, aarch64=$load $nsb run --handler bpf -e aarch64 -- /bin/true" \
		"the pinned selector, aarch64=$nsb run --handler bpf -e aarch64 -- /bin/true" \
		"a magic entry each, all=$nsb run --handler magic -e all -- /bin/true" \
		"the selector loaded, all=$load $nsb run --handler bpf -e all -- /bin/true" \
		"the pinned selector, all=$nsb run --handler bpf -e all -- /bin/true"
	echo "-- nsb_match per call, $STATS execs of /bin/true: a loaded selector for aarch64"
	prog_stats '^nsb_match$' $load "$nsb" run --handler bpf -e aarch64 -- \
		sh -c "$loop $STATS /bin/true && touch $out/done && sleep 60"
	echo "-- the same with the pinned selector (every architecture's rule)"
	prog_stats '^nsb_match$' "$nsb" run --handler bpf -e aarch64 -- \
		sh -c "$loop $STATS /bin/true && touch $out/done && sleep 60"
	"$nsb" unpin >/dev/null
}

# Part 5 through the hook, as a container engine runs it: crun run of an
# arm64 busybox container whose prestart hook is nsbinfmt-hook, handler
# chosen by annotation.
hookroot() {
	local h="$out/nsbinfmt-hook" arm=${NSB_FIXTURES:-/var/cache/nsbinfmt/fixtures}/arm64/busybox
	local crun="crun --cgroup-manager=disabled" bpf='.annotations["io.nsbinfmt.handler"]="bpf"'
	chmod 755 "$out"
	install -m 755 "$hook" "$h"
	bench_bundle "$out/magic" "$arm" "$h" '.annotations["io.nsbinfmt.handler"]="magic"'
	bench_bundle "$out/loaded" "$arm" "$h" "$bpf | .hooks.prestart[0].env=[\"NSBINFMT_TEST_FAIL_AT=use-pin\"]"
	bench_bundle "$out/pinned" "$arm" "$h" "$bpf"
	"$nsb" pin >/dev/null
	echo "== 6. crun run of an arm64 busybox container with nsbinfmt-hook, as root, the handlers pinned"
	"$rounds" "${NSB_BENCH_SETUP_RUNS:-20}" \
		"a magic entry=$crun run -b $out/magic bench-m" \
		"the selector loaded=$crun run -b $out/loaded bench-l" \
		"the pinned selector=$crun run -b $out/pinned bench-p"
	"$nsb" unpin >/dev/null
}

if [[ ${1:-} == --guest ]]; then
	nsb=$2/nsbinfmt hook=$2/nsbinfmt-hook loop=$2/bench/exec-loop rounds=$(dirname "$0")/rounds.sh
	. "$(dirname "$0")/bundle.sh"
	out=$(mktemp -d)
	for part in ${NSB_BENCH_PARTS:-selector setup origin pinned pinroot hookroot}; do "$part"; done
	rm -rf "$out"
	exit
fi
build=$(cd "${1:?usage: bench/vm.sh BUILDDIR}" && pwd -P)
src=$(cd "$(dirname "$0")/.." && pwd -P)
make -s -C "$build" nsbinfmt nsbinfmt-hook bench/exec-loop >/dev/null
# The kernel: NSB_KERNEL, else the test kernel's recipe (cached, or built).
kernel=${NSB_KERNEL:-$("$src/tests/vm/kernel/build.sh")}
env_args=()
for v in NSB_BENCH_EXECS NSB_BENCH_RUNS NSB_BENCH_SETUP_RUNS NSB_BENCH_STATS_EXECS NSB_BENCH_PARTS; do
	[[ -n ${!v:-} ]] && env_args+=("$v=${!v}")
done
# The guest's /var/cache is a tmpfs: part 6 needs the fixtures shared.
fixtures=${NSB_FIXTURES:-/var/cache/nsbinfmt/fixtures}
env_args+=("NSB_FIXTURES=$fixtures")
timeout -k 30 14400 vng --run "$kernel" --disable-kvm --disable-microvm \
	--cpus "$(nproc)" --memory 2G --rodir "$fixtures=$fixtures" \
	--exec "$(printf '%q ' env "${env_args[@]}" bash "$src/bench/vm.sh" --guest "$build")" </dev/null 2>&1 |
	grep --line-buffered -v '^$'
