#!/bin/bash
# nsbinfmt-hook benchmarks (issue 3), ratios against a baseline in the same
# hyperfine run.  Usage: bench/hook.sh BUILDDIR   (after make)
#  1. crun run of a native container with the hook vs with /bin/true as hook
#  2. crun run of an arm64 container with the hook (verify=static, no probe)
#     vs the same container using an emulator registered in a parent user
#     namespace's instance (today's host-wide way, one level down, so the
#     host's own table is never touched)
set -euo pipefail
build=$(cd "${1:?usage: bench/hook.sh BUILDDIR}" && pwd)
fixtures=${NSB_FIXTURES:-/var/cache/nsbinfmt/fixtures}
work=$(mktemp -d /tmp/nsb-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
install -m 755 "$build/nsbinfmt-hook" "$work/nsbinfmt-hook"

. "$(dirname "$0")/bundle.sh"
bench_bundle "$work/native-hook" /bin/busybox "$work/nsbinfmt-hook"
bench_bundle "$work/native-true" /bin/busybox /bin/true
bench_bundle "$work/arm-hook" "$fixtures/arm64/busybox" "$work/nsbinfmt-hook"
bench_bundle "$work/arm-parent" "$fixtures/arm64/busybox" ""

cg='[ -e /sys/fs/cgroup/unified/cgroup.controllers ] && mount --bind /dev/null /sys/fs/cgroup/unified/cgroup.controllers;'
# cgroups off: reusing a container name right after it exits can race the
# removal of its cgroup directories under cgroupfs.
crun="crun --cgroup-manager=disabled"

echo "== 1. native container: the hook vs /bin/true as the hook (crun run)"
unshare -m sh -c "$cg exec hyperfine -N --warmup 10 --runs 150 --export-json $work/1.json \
	'$crun run -b $work/native-true bench-t' '$crun run -b $work/native-hook bench-h'" >/dev/null

echo "== 2. arm64 container: the hook vs an emulator in a parent instance (crun run)"
magic=$(sed -n 's/^:qemu-aarch64:M::\([^:]*\):\([^:]*\):.*/\1:\2/p' /usr/lib/binfmt.d/qemu-aarch64.conf)
# The parent: a user namespace mapping host ids 0-199999 to themselves.
unshare -U -m sleep 3600 </dev/null >/dev/null 2>&1 &
parent=$!
trap 'kill $parent 2>/dev/null; rm -rf "$work"' EXIT
sleep 0.2
echo "0 0 200000" > /proc/$parent/uid_map
echo "0 0 200000" > /proc/$parent/gid_map
nsenter -t $parent -U -m sh -c "$cg
	mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc &&
	printf ':qemu-aarch64:M::%s:/usr/bin/qemu-aarch64-static:POF' '$magic' > /proc/sys/fs/binfmt_misc/register &&
	exec hyperfine -N --warmup 10 --runs 150 --export-json $work/2.json \
	'$crun run -b $work/arm-parent bench-p' '$crun run -b $work/arm-hook bench-a'" >/dev/null

for n in 1 2; do
	jq -r '.results[0].mean as $b | .results[] |
		"  \(.command | split(" ")[4] | split("/")[-1]): \(.mean*1000*100|round/100) ms ± \(.stddev*1000*100|round/100), ratio \(.mean/$b*1000|round/1000)"' "$work/$n.json"
done
