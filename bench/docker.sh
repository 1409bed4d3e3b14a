#!/bin/bash
# docker run --rm IMAGE true of a native image through nsbinfmt-runtime vs
# plain runc, against one private dockerd (userns-remap, vfs, no network),
# in rotating order round by round (bench/rounds.sh).  Also the arm64
# image through the shim, for scale.  NSB_BENCH_BASELINE=PATH: another
# nsbinfmt-runtime (an older build) beside it, as the runtime nsbinfmt-base.
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
jq --arg s "$work/nsbinfmt-runtime" --arg b "${NSB_BENCH_BASELINE:+$work/nsbinfmt-base}" \
	'.runtimes.nsbinfmt = {path: $s} | del(."default-runtime")
	 | if $b != "" then .runtimes."nsbinfmt-base" = {path: $b} else . end' \
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
