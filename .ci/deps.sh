#!/bin/bash
# Installs everything the build and the tests need, from Debian's archive.
# --no-install-recommends matters: qemu-user(-static) recommend packages
# (binfmt-support, qemu-user-binfmt) whose scripts register emulators in
# the HOST's binfmt_misc table, which this project never touches.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

PACKAGES=(
	autoconf automake libtool pkg-config make gcc gcc-multilib clang clang-format
	libclang-rt-14-dev libyajl-dev
	qemu-user-static qemu-user busybox-static
	bats jq hyperfine util-linux file binutils
	crun runc podman conmon uidmap golang-github-containers-common
	nix-bin
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The BPF selector: libbpf >= 1.3 (sleepable struct_ops) and a bpftool
# that knows struct_ops, from the release's backports (bookworm: libbpf
# 1.4.6, bpftool 7.5), through a private source list.
if ! pkg-config --atleast-version=1.3 libbpf 2>/dev/null ||
	! command -v bpftool >/dev/null; then
	# shellcheck source=tests/fixtures/apt-private.sh
	. "$(dirname "$0")/../tests/fixtures/apt-private.sh"
	codename=$(. /etc/os-release && printf '%s' "$VERSION_CODENAME")
	apt_private_install_from /var/cache/nsbinfmt/apt-backports \
		"$codename-backports" libbpf-dev bpftool
fi

# Nothing above may have mounted or written the host's table.
if grep -qs ' /proc/sys/fs/binfmt_misc binfmt_misc ' /proc/self/mountinfo; then
	echo "deps: the host's binfmt_misc is mounted; something registered host-wide" >&2
	exit 1
fi

# A user with a subordinate id range, for the rootless podman tests.
rootless=${NSB_ROOTLESS_USER:-nsbtest}
id "$rootless" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh "$rootless"
grep -q "^$rootless:" /etc/subuid || echo "$rootless:200000:65536" >> /etc/subuid
grep -q "^$rootless:" /etc/subgid || echo "$rootless:200000:65536" >> /etc/subgid
# podman --userns=auto takes ranges from the "containers" entry.
grep -q '^containers:' /etc/subuid || echo "containers:1000000:1000000" >> /etc/subuid
grep -q '^containers:' /etc/subgid || echo "containers:1000000:1000000" >> /etc/subgid

# Nix's build users (the tests use a private NIX_CONF_DIR).
getent group nixbld >/dev/null || groupadd --system nixbld
for i in 1 2 3 4; do
	id "nixbld$i" >/dev/null 2>&1 || useradd --system --no-create-home \
		--no-user-group --gid nixbld --groups nixbld --home-dir /var/empty \
		--shell /usr/sbin/nologin "nixbld$i"
done

# Real foreign-architecture binaries, from Debian's own packages.
"$(dirname "$0")/../tests/fixtures/fetch-foreign.sh"

# virtme-ng and udev, to boot the Linux 7.3 test kernel (make check-vm).
"$(dirname "$0")/../tests/vm/setup.sh"
