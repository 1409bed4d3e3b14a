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
	bats jq hyperfine util-linux file binutils python3
	crun runc podman conmon uidmap golang-github-containers-common
	docker.io containerd rootlesskit slirp4netns
	nix-bin
	# the Linux 7.3 test kernel (tests/vm/kernel/build.sh, make test-kernel)
	bc bison flex cpio libelf-dev libssl-dev dwarves xz-utils
	# the Debian package (tests/deb.sh, make check-deb)
	dpkg-dev debhelper lintian
	# the Debian 13 root of make check-trixie (tests/trixie/root.sh)
	debootstrap
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	apt-get update -q
	# The tests run private dockerd and containerd daemons: installing the
	# packages must not start the system's (policy-rc.d, Debian's way).
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi
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

# subids NAME START:COUNT: NAME's subordinate uid and gid range, unless it has one.
subids() {
	local f
	for f in /etc/subuid /etc/subgid; do
		grep -q "^$1:" "$f" || echo "$1:$2" >>"$f"
	done
}

# A user with a subordinate id range, for the rootless podman tests.
rootless=${NSB_ROOTLESS_USER:-nsbtest}
id "$rootless" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh "$rootless"
subids "$rootless" 200000:65536
# podman --userns=auto takes ranges from the "containers" entry.
subids containers 1000000:1000000

# dockerd --userns-remap=default maps containers to "dockremap", which it
# would create on first start: made here, since in the test VM /etc is
# read-only (tests/vm) and a suite run only there must find it.
id dockremap >/dev/null 2>&1 || useradd --system --no-create-home --user-group \
	--home-dir /nonexistent --shell /bin/false dockremap
subids dockremap 300000:65536

# Nix's build users (the tests use a private NIX_CONF_DIR).
getent group nixbld >/dev/null || groupadd --system nixbld
for i in 1 2 3 4; do
	id "nixbld$i" >/dev/null 2>&1 || useradd --system --no-create-home \
		--no-user-group --gid nixbld --groups nixbld --home-dir /var/empty \
		--shell /usr/sbin/nologin "nixbld$i"
done

# Real foreign-architecture binaries, from Debian's own packages.
"$(dirname "$0")/../tests/fixtures/fetch-foreign.sh"
# A second qemu release (backports), for emulators chosen per container.
"$(dirname "$0")/../tests/fixtures/fetch-qemu.sh"

# virtme-ng and udev, to boot the Linux 7.3 test kernel (make check-vm).
"$(dirname "$0")/../tests/vm/setup.sh"
