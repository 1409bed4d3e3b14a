#!/bin/bash
# What nsbinfmt-runtime costs per runtime command, alone: N runs (exec-loop)
# of the runtime by itself, against N runs of it through the shim, for a
# command the shim passes straight through (state; start, kill and delete
# take the same path) and for create of a native bundle (docker-config.json:
# dockerd 20.10's config.json of `docker run --rm IMAGE true` under
# userns-remap, 17.5 kB, its seccomp profile included), in rotating order
# (bench/rounds.sh).  The runtime is /bin/true found as `runc` along PATH,
# as dockerd has the shim find runc.  Prints each one's median and the
# shim's cost per call.  NSB_BENCH_BASELINE=PATH: another nsbinfmt-runtime
# (an older build) measured beside it in the same rounds.
# Usage: bench/shim.sh BUILDDIR   (after make; RUNS=N rounds, CALLS=N a run)
set -euo pipefail
build=$(cd "${1:?usage: bench/shim.sh BUILDDIR}" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/nsb-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
make -s -C "$build" nsbinfmt-runtime bench/exec-loop >/dev/null
mkdir -p "$work/bin" "$work/b/rootfs/bin"
ln -s /bin/true "$work/bin/runc"
install -m 755 /bin/busybox "$work/b/rootfs/bin/busybox"
for l in sh true; do ln -s busybox "$work/b/rootfs/bin/$l"; done
cp "$src/bench/docker-config.json" "$work/b/config.json"
calls=${CALLS:-100}
loop="$build/bench/exec-loop $calls"
shim="$build/nsbinfmt-runtime --nsbinfmt-hook=/usr/libexec/nsbinfmt-hook"
g="--root $work/state --log $work/b/log.json --log-format json"
export PATH="$work/bin:$PATH"
unset NSBINFMT_RUNTIME NSBINFMT_RUNTIME_HOOK
contenders=("shim state=$loop $shim $g state c1"
	"shim create, native=$loop $shim $g create --bundle $work/b c1")
if [ -n "${NSB_BENCH_BASELINE:-}" ]; then
	base="$NSB_BENCH_BASELINE --nsbinfmt-hook=/usr/libexec/nsbinfmt-hook"
	contenders+=("baseline state=$loop $base $g state c1"
		"baseline create, native=$loop $base $g create --bundle $work/b c1")
fi
echo "== nsbinfmt-runtime alone, $calls calls a run, ${RUNS:-30} rounds"
"$src/bench/rounds.sh" "${RUNS:-30}" "runc (/bin/true)=$loop $work/bin/runc $g state c1" \
	"${contenders[@]}" |
	awk -v n="$calls" '{ print } / paired / { p = $NF == "ms" ? $(NF - 1) : 0
		printf "    %+.0f us a call (paired)\n", p * 1000 / n }'
# Nothing written: a native container gets no hook.
cmp -s "$src/bench/docker-config.json" "$work/b/config.json"
