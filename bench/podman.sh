#!/bin/bash
# podman run of an arm64 image with the hook vs the same container using an
# emulator pre-registered in a parent user namespace's instance (today's
# host-wide way, one level down: the host's own table is never touched).
# Both run in rotating order round by round (bench/rounds.sh) inside
# `nsbinfmt run --keep-ids`.
# Usage: bench/podman.sh BUILDDIR   (as root, after make)
set -euo pipefail
build=$(cd "${1:?usage: bench/podman.sh BUILDDIR}" && pwd)
fixtures=${NSB_FIXTURES:-/var/cache/nsbinfmt/fixtures}
work=$(mktemp -d /tmp/nsb-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
install -m 755 "$build/nsbinfmt-hook" "$work/nsbinfmt-hook"
mkdir -p "$work/hooks.d" "$work/rootfs/bin" "$work/rootfs/proc" "$work/rootfs/sys" "$work/rootfs/dev"
jq --arg h "$work/nsbinfmt-hook" '.hook.path=$h' "$(dirname "$0")/../oci/nsbinfmt-hook.json.in" \
	> "$work/hooks.d/nsbinfmt-hook.json"
install -m 755 "$fixtures/arm64/busybox" "$work/rootfs/bin/busybox"
tar --owner=0 --group=0 -C "$work/rootfs" -cf "$work/arm64.tar" .

podman="podman --storage-driver vfs --cgroup-manager cgroupfs --events-backend file --root $work/store --runroot $work/run"
$podman import --arch arm64 "$work/arm64.tar" localhost/nsb-bench-arm64 >/dev/null
# crun: runc refuses --cgroups=disabled, which root in a user namespace needs.
flags="--rm --runtime crun --network none --cgroups disabled --ulimit nofile=1024:1024 \
--ulimit nproc=1024:1024 --uidmap 0:100000:65536 --gidmap 0:100000:65536"
cg='[ -e /sys/fs/cgroup/unified/cgroup.controllers ] && mount --bind /dev/null /sys/fs/cgroup/unified/cgroup.controllers;'

echo "== podman run --platform linux/arm64 IMAGE true: the hook vs a parent instance, ${RUNS:-50} rounds"
"$build/nsbinfmt" run --keep-ids --writable -e aarch64 -- sh -c "$cg
	exec $(cd "$(dirname "$0")" && pwd)/rounds.sh ${RUNS:-50} \
	'parent instance=$podman run $flags --platform linux/arm64 localhost/nsb-bench-arm64 /bin/busybox true' \
	'the hook=$podman --hooks-dir $work/hooks.d run $flags --platform linux/arm64 localhost/nsb-bench-arm64 /bin/busybox true'"
$podman rmi -a -f >/dev/null 2>&1 || true
