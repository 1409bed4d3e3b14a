#!/bin/bash
# The bpf selector's cost on every exec, on the Linux 7.3 test kernel: a
# native /bin/true exec'd 10,000 times in a sandbox with the selector (all
# non-native architectures bound to one B entry), with no private instance,
# and with one magic entry per architecture; ratios against the first, all
# in one run.  Then the selector's own time per call, from the kernel's
# bpf_stats.  Usage: bench/selector.sh BUILDDIR  (boots the VM itself, like
# make check-vm; about 4 minutes under TCG).
set -euo pipefail
N=${NSB_BENCH_EXECS:-10000}

# ratios FILE: hyperfine's results, each against the first.
ratios() {
	jq -r '.results[0].mean as $b | .results[] |
		"\(.command | sub(" -- .*"; "")): \(.mean*1000*10|round/10) ms ± \(.stddev*1000*10|round/10), ratio \(.mean/$b*1000|round/1000)"' "$1"
}

guest() {
	local build=$1 nsb=$1/nsbinfmt loop=$1/bench/exec-loop out
	out=$(mktemp -d)
	local n_arches
	n_arches=$("$nsb" catalog --json | jq '[.[] | select(.state != "native")] | length')
	echo "== $N execs of /bin/true in a sandbox, $n_arches emulated architectures"
	hyperfine -N --warmup 1 --runs "${NSB_BENCH_RUNS:-5}" --export-json "$out/r.json" \
		"unshare -Urm -- $loop $N /bin/true" \
		"$nsb run --handler bpf -e all -- $loop $N /bin/true" \
		"$nsb run --handler magic -e all -- $loop $N /bin/true" >/dev/null
	ratios "$out/r.json"

	echo "== setup: nsbinfmt run -e aarch64 -- /bin/true, magic entry vs selector (load, attach, bind)"
	hyperfine -N --warmup 3 --runs "${NSB_BENCH_SETUP_RUNS:-30}" --export-json "$out/s.json" \
		"$nsb run --handler magic -e aarch64 -- /bin/true" \
		"$nsb run --handler bpf -e aarch64 -- /bin/true" \
		"$nsb run --handler bpf -e all -- /bin/true" >/dev/null
	ratios "$out/s.json"

	echo "== the selector's programs, kernel.bpf_stats_enabled=1, $N execs"
	sysctl -q kernel.bpf_stats_enabled=1
	"$nsb" run --handler bpf -e all -- sh -c \
		"$loop $N /bin/true && touch $out/done && sleep 30" &
	local pid=$! i
	for i in $(seq 600); do [ -e "$out/done" ] && break; sleep 0.1; done
	bpftool prog show --json | jq -r '.[] | select(.name == "nsb_match" or .name == "nsb_load") |
		"\(.name): \(.run_cnt) calls, \(if .run_cnt > 0 then (.run_time_ns / .run_cnt | round) else 0 end) ns per call"'
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	sysctl -q kernel.bpf_stats_enabled=0
	rm -rf "$out"
}

if [[ ${1:-} == --guest ]]; then
	guest "$2"
	exit
fi
build=$(cd "${1:?usage: bench/selector.sh BUILDDIR}" && pwd -P)
src=$(cd "$(dirname "$0")/.." && pwd -P)
make -s -C "$build" nsbinfmt bench/exec-loop >/dev/null
kernel=${NSB_KERNEL:-$src/../shared/kernel/bzImage}
[[ -f $kernel ]] || kernel=/work/shared/kernel/bzImage
timeout -k 30 1200 vng --run "$kernel" --disable-kvm --disable-microvm \
	--cpus "$(nproc)" --memory 2G \
	--exec "$(printf '%q ' bash "$src/bench/selector.sh" --guest "$build")" </dev/null 2>&1 |
	grep -v '^$'
