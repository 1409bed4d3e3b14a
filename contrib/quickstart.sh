#!/bin/bash
# The main job on a fresh Debian 12 machine, as root, from a checkout:
# install the dependencies, build and install nsbinfmt with its OCI hook
# where podman finds it, make an arm64 image from Debian's own busybox-static
# (no registry needed), and run it with podman: it prints "aarch64".
# Nothing is registered in the host's binfmt_misc table.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
fixtures=${NSB_FIXTURES:-/var/cache/nsbinfmt/fixtures}

.ci/deps.sh
./autogen.sh
mkdir -p build/quickstart
(cd build/quickstart && "$top/configure" --prefix=/usr --sysconfdir=/etc \
	--libexecdir=/usr/libexec && make -j"$(nproc)" && make install)

# What the host's own table gives every process, container or not: on a
# systemd machine, systemd-binfmt registers qemu-user-static's binfmt.d
# files host-wide at boot (`nsbinfmt host-table mask` stops that).
nsbinfmt host-table | head -n 2 >&2

# An arm64 image: Debian's arm64 busybox-static and its applet links.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs/bin" "$work/rootfs/proc" "$work/rootfs/sys" "$work/rootfs/dev" \
	"$work/rootfs/tmp" "$work/rootfs/run"
install -m 755 "$fixtures/arm64/busybox" "$work/rootfs/bin/busybox"
for applet in sh uname ls cat echo; do ln -s busybox "$work/rootfs/bin/$applet"; done
tar --owner=0 --group=0 -C "$work/rootfs" -cf "$work/rootfs.tar" .
podman import --arch arm64 --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]' \
	"$work/rootfs.tar" localhost/nsbinfmt-demo:arm64 >/dev/null

# The container needs a user namespace of its own (--uidmap or
# --userns=auto): the host's table is never written.  runc, because crun
# refuses a hybrid cgroup layout ("cgroups in hybrid mode not supported").
podman run --rm --runtime runc --network none \
	--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
	--uidmap 0:100000:65536 --gidmap 0:100000:65536 \
	localhost/nsbinfmt-demo:arm64 uname -m
