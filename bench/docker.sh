#!/bin/bash
# docker run --rm IMAGE true of a native image through nsbinfmt-runtime vs
# plain runc, against one private dockerd (userns-remap, vfs, no network),
# in rotating order round by round (bench/rounds.sh).  Also the arm64
# image through the shim, for scale.  NSB_BENCH_BASELINE=PATH: another
# nsbinfmt-runtime (an older build) beside it, as the runtime nsbinfmt-base.
# NSB_BENCH_EXECS=N (x86_64, perf): then the shim's time in place, per
# runtime command, over N containers of each: from the kernel's exec of the
# shim to its exec of runc in the same process (sched:sched_process_exec),
# beside bench/exec-runc.c's, which only executes runc (that time is runc's
# own exec, which plain runc pays too).
# Usage: bench/docker.sh BUILDDIR   (as root, after make; RUNS=N)
set -euo pipefail
build=$(cd "${1:?usage: bench/docker.sh BUILDDIR}" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
fixtures=${NSB_FIXTURES:-/var/cache/nsbinfmt/fixtures}
work=$(mktemp -d /tmp/nsb-bench.XXXXXX)
chmod 711 "$work"
docker="/usr/bin/docker -H unix://$work/sock"
cleanup() {
	[ -f "$work/pid" ] && kill "$(cat "$work/pid")" 2>/dev/null
	for _ in $(seq 100); do [ -e "$work/pid" ] || break; sleep 0.2; done
	rm -rf "$work"
}
trap cleanup EXIT
install -m 755 "$build/nsbinfmt-runtime" "$build/nsbinfmt-hook" "$work/"
# As shipped: the runtime by path alone.  With runtimeArgs, dockerd 20.10
# runs the runtime through a /bin/sh script it writes, one more exec per
# runtime command; the hook's path goes in the environment instead.
baseline=()
if [ -n "${NSB_BENCH_BASELINE:-}" ]; then
	install -m 755 "$NSB_BENCH_BASELINE" "$work/nsbinfmt-base"
	baseline=("baseline=$docker run --rm --network none --runtime nsbinfmt-base nsb-amd64 true")
fi
execs=${NSB_BENCH_EXECS:-0}
[ "$execs" -gt 0 ] && ${CC:-cc} -nostdlib -static -o "$work/exec-runc" "$src/bench/exec-runc.c"
jq --arg s "$work/nsbinfmt-runtime" --arg b "${NSB_BENCH_BASELINE:+$work/nsbinfmt-base}" \
	--arg f "$([ "$execs" -gt 0 ] && echo "$work/exec-runc")" \
	'.runtimes.nsbinfmt = {path: $s} | del(."default-runtime")
	 | if $b != "" then .runtimes."nsbinfmt-base" = {path: $b} else . end
	 | if $f != "" then .runtimes."exec-runc" = {path: $f} else . end' \
	"$src/contrib/docker/daemon.json" >"$work/daemon.json"
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin NSBINFMT_RUNTIME_HOOK="$work/nsbinfmt-hook" \
	dockerd --config-file "$work/daemon.json" \
	--data-root "$work/root" --exec-root "$work/exec" --pidfile "$work/pid" -H "unix://$work/sock" \
	--iptables=false --ip6tables=false --bridge=none --storage-driver vfs >"$work/log" 2>&1 &
for _ in $(seq 150); do $docker info >/dev/null 2>&1 && break; sleep 0.2; done
for a in amd64=/bin/busybox arm64/v8=$fixtures/arm64/busybox; do
	p=${a%%=*}
	"$src/tests/fixtures/docker-image.sh" "$work/i.tar" "${a#*=}" "linux/$p" "nsb-${p%%/*}:latest"
	$docker load -i "$work/i.tar" >/dev/null
done
run="$docker run --rm --network none --runtime"
echo "== docker run --rm IMAGE true: runc vs nsbinfmt-runtime (dockerd $($docker version -f '{{.Server.Version}}'), userns-remap, ${RUNS:-50} rounds)"
"$src/bench/rounds.sh" "${RUNS:-50}" "runc=$run runc nsb-amd64 true" \
	"nsbinfmt-runtime=$run nsbinfmt nsb-amd64 true" \
	"nsbinfmt-runtime, arm64=$run nsbinfmt --platform linux/arm64 nsb-arm64 true" \
	${baseline[@]+"${baseline[@]}"}
[ "$execs" -gt 0 ] || exit 0

# In place: each runtime's exec events, then per command (create, start,
# delete, delete --force: dockerd 20.10's four) the median from the
# runtime's exec to runc's.
kinds=("nsbinfmt nsb-amd64" "exec-runc nsb-amd64" "nsbinfmt --platform linux/arm64 nsb-arm64")
[ -n "${NSB_BENCH_BASELINE:-}" ] && kinds+=("nsbinfmt-base nsb-amd64")
echo "== in place: from the runtime's exec to runc's, per command, median of $execs containers (us)"
perf record -q -e sched:sched_process_exec -a -o "$work/perf.data" -- bash -c '
	for _ in $(seq "$1"); do
		shift_args=("${@:3}")
		for k in "${shift_args[@]}"; do $2 $k true >/dev/null || exit 1; done
	done' _ "$execs" "$run" "${kinds[@]}" 2>/dev/null
perf script -i "$work/perf.data" -F pid,time,trace 2>/dev/null | awk -v kinds="$(IFS='|' && echo "${kinds[*]}")" -v w="$work/" '
	{ t = $2; sub(":", "", t); f = $3; sub("filename=", "", f) }
	f == w "nsbinfmt-runtime" || f == w "exec-runc" || f == w "nsbinfmt-base" {
		start[$1] = t; file[$1] = substr(f, length(w) + 1); next }
	$1 in start {
		n = file[$1]; c = seen[n]++
		# nsbinfmt-runtime runs native and arm64 containers in turn.
		k = n == "nsbinfmt-runtime" && int(c / 4) % 2 ? "nsbinfmt-runtime, arm64" : n
		print k "|" c % 4 "|" (t - start[$1]) * 1e6
		delete start[$1] }' | sort -t'|' -k1,1 -k2,2n -k3,3n | awk -F'|' '
	{ v[$1, $2, n[$1, $2]++] = $3; if (!($1 in seen)) { seen[$1]; order[m++] = $1 } }
	END {
		split("create start delete delete-f", cmd, " ")
		for (i = 0; i < m; i++) {
			k = order[i]; line = sprintf("  %-24s", k ":"); sum = 0
			for (c = 0; c < 4; c++) {
				x = n[k, c]; med = x % 2 ? v[k, c, (x - 1) / 2] : (v[k, c, x / 2 - 1] + v[k, c, x / 2]) / 2
				line = line sprintf(" %s %.0f", cmd[c + 1], med); sum += med
			}
			print line sprintf(", all four %.0f", sum)
		}
	}'
