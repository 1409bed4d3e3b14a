#!/usr/bin/env bats
# Multi-arch images end to end with podman and the hook (issue 11): a
# manifest list of Debian busybox images for five architectures, run with
# --platform rootful (--uidmap, --userns=auto) and rootless, and
# podman build --platform with RUN steps.  Podman 4.3 cannot pick an
# instance of a *local* manifest list for --platform (upstream #17503,
# #14773), so the list is pushed to an OCI layout and run from there, which
# selects the instance as a pull from a registry does.

load helpers

ARCHES="arm64:arm64: armhf:arm:v7 s390x:s390x: ppc64el:ppc64le: riscv64:riscv64:"
# Readable by the rootless user, and lower case: podman takes a path with
# capitals in it for an image name.
LAYOUT_DIR=/tmp/nsb-podman-layout

RUNFLAGS="--rm --runtime runc --network none"
ROOTFUL="--ulimit nofile=1024:1024 --ulimit nproc=1024:1024"

setup_file() {
	command -v podman >/dev/null || return 0
	local dir="$BATS_FILE_TMPDIR" a deb rest arch var store="$BATS_FILE_TMPDIR/store"
	chmod 755 "$dir"
	for a in $ARCHES; do
		deb=${a%%:*} rest=${a#*:} arch=${rest%%:*} var=${rest#*:}
		mkdir -p "$dir/$deb/bin" "$dir/$deb/proc" "$dir/$deb/sys" "$dir/$deb/dev" "$dir/$deb/tmp"
		install -m 755 "$FIXTURES/$deb/busybox" "$dir/$deb/bin/busybox"
		ln -s busybox "$dir/$deb/bin/sh"
		ln -s busybox "$dir/$deb/bin/uname"
		ln -s busybox "$dir/$deb/bin/sleep"
		tar --owner=0 --group=0 -C "$dir/$deb" -cf "$dir/$deb.tar" .
		chmod 644 "$dir/$deb.tar"
		podman $(podman_flags "$store") import --arch "$arch" ${var:+--variant "$var"} \
			--change 'ENV PATH=/bin' "$dir/$deb.tar" "localhost/nsb-$deb" >/dev/null
	done
	podman $(podman_flags "$store") manifest create localhost/nsb-multi >/dev/null
	for a in $ARCHES; do
		podman $(podman_flags "$store") manifest add localhost/nsb-multi \
			"containers-storage:localhost/nsb-${a%%:*}" >/dev/null
	done
	rm -rf "$LAYOUT_DIR"
	podman $(podman_flags "$store") manifest push --all localhost/nsb-multi "oci:$LAYOUT_DIR:multi" >/dev/null
	chmod -R a+rX "$LAYOUT_DIR"
	podman $(podman_flags "$store") rmi -a -f >/dev/null 2>&1 || true
	podman $(podman_flags "$store") manifest rm localhost/nsb-multi >/dev/null 2>&1 || true
}

teardown_file() { rm -rf "$LAYOUT_DIR"; }

setup() {
	common_setup
	require podman
	require runc
	install -m 755 "$NSBINFMT_HOOK" "$NSB_BIN_DIR/nsbinfmt-hook"
	HOOKS="$NSB_BIN_DIR/hooks.d"
	mkdir -p "$HOOKS"
	jq --arg h "$NSB_BIN_DIR/nsbinfmt-hook" '.hook.path=$h' \
		"$NSB_SRCDIR/oci/nsbinfmt-hook.json.in" > "$HOOKS/nsbinfmt-hook.json"
	chmod -R a+rX "$HOOKS"
	STORE="$NSB_BIN_DIR/store"
	LAYOUT="oci:$LAYOUT_DIR:multi"
}

teardown() {
	if has_selector; then "$NSBINFMT" unpin >/dev/null || return 1; fi
	podman $(podman_flags "$STORE") rm -a -f -t 0 >/dev/null 2>&1 || true
	podman $(podman_flags "$STORE") rmi -a -f >/dev/null 2>&1 || true
	common_teardown
}

rootful() { podman $(podman_flags "$STORE") --hooks-dir "$HOOKS" "$@"; }

# platform, expected uname -m
run_platform() {
	run rootful run $RUNFLAGS $ROOTFUL --uidmap 0:100000:65536 --gidmap 0:100000:65536 \
		--platform "$1" "$LAYOUT" uname -m
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ "${lines[-1]}" = "$2" ]
}

@test "podman run --platform linux/arm64 (rootful, --uidmap)" { run_platform linux/arm64 aarch64; }
@test "podman run --platform linux/arm/v7" { run_platform linux/arm/v7 armv7l; }
@test "podman run --platform linux/s390x" { run_platform linux/s390x s390x; }
@test "podman run --platform linux/ppc64le" { run_platform linux/ppc64le ppc64le; }
@test "podman run --platform linux/riscv64" { run_platform linux/riscv64 riscv64; }

@test "rootful --userns=auto" {
	grep -q '^containers:' /etc/subuid || {
		[ "${CI:-}" != true ] || { echo "no containers: range in /etc/subuid (.ci/deps.sh)" >&2; return 1; }
		skip "no containers: range in /etc/subuid"
	}
	run rootful run $RUNFLAGS $ROOTFUL --userns=auto --platform linux/arm64 "$LAYOUT" uname -m
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ "${lines[-1]}" = aarch64 ]
}

# The rootless user of .ci/deps.sh, running podman with its own store.
rootless_setup() {
	RL_USER=${NSB_ROOTLESS_USER:-nsbtest}
	if ! grep -q "^$RL_USER:" /etc/subuid; then
		[ "${CI:-}" != true ] || { echo "no rootless user $RL_USER (.ci/deps.sh)" >&2; return 1; }
		skip "no user $RL_USER with a subuid range"
	fi
	RL_UID=$(id -u "$RL_USER")
	RL_STORE=$(runuser -u "$RL_USER" -- mktemp -d /tmp/nsb-podman.XXXXXX)
	mkdir -p "/run/user/$RL_UID" && chown "$RL_USER" "/run/user/$RL_UID" && chmod 700 "/run/user/$RL_UID"
}
rl() {
	(cd / && runuser -u "$RL_USER" -- env XDG_RUNTIME_DIR="/run/user/$RL_UID" HOME="$RL_STORE" \
		podman $(podman_flags "$RL_STORE") --hooks-dir "$HOOKS" "$@")
}
rootless_teardown() {
	rl rm -a -f -t 0 >/dev/null 2>&1 || true
	(cd / && runuser -u "$RL_USER" -- env XDG_RUNTIME_DIR="/run/user/$RL_UID" HOME="$RL_STORE" \
		podman $(podman_flags "$RL_STORE") unshare rm -rf "$RL_STORE") >/dev/null 2>&1 || true
	# What podman's own lock files kept there: root removes the rest.
	rm -rf "$RL_STORE"
}

@test "rootless podman run --platform, two architectures at once" {
	rootless_setup
	run rl run $RUNFLAGS --platform linux/riscv64 "$LAYOUT" uname -m
	[ "$status" -eq 0 ] && [ "${lines[-1]}" = riscv64 ] || { echo "$output" >&2; rootless_teardown; return 1; }
	# arm64 keeps running while an s390x container comes and goes.  They
	# share podman's user namespace and so its instance: s390x's entry
	# must go when it stops, aarch64's must stay, and nothing may be left
	# once both are gone (poststop).
	rl run -d --name nsb-arm --runtime runc --network none --platform linux/arm64 "$LAYOUT" sleep 3600 >/dev/null
	run rl run $RUNFLAGS --platform linux/s390x "$LAYOUT" sh -c 'uname -m; ls /proc/sys/fs/binfmt_misc'
	local s390x=$output
	run rl exec nsb-arm sh -c 'uname -m; ls /proc/sys/fs/binfmt_misc'
	local arm=$output
	rl rm -f -t 0 nsb-arm >/dev/null 2>&1
	# The poststop hook may still run after rm returns (distcheck saw it).
	local refs try
	for try in $(seq 600); do
		refs=$(find "/run/user/$RL_UID/nsbinfmt" -mindepth 2 2>/dev/null | wc -l)
		[ "$refs" -ne 0 ] || break
		sleep 0.1
	done
	rootless_teardown
	[[ "$s390x" == *s390x*qemu-aarch64*qemu-s390x* ]] || { echo "s390x: $s390x" >&2; return 1; }
	[ "$arm" = "$(printf 'aarch64\nqemu-aarch64\nregister\nstatus')" ] || { echo "arm: $arm" >&2; return 1; }
	[ "$refs" -eq 0 ]
}

# Rootless podman with no login session (a CI runner, a container, su):
# no /run/user/UID and no XDG_RUNTIME_DIR.  podman then keeps its files in
# /tmp/podman-run-UID, and so does the hook.
rl_nosession() {
	(cd / && runuser -u "$RL_USER" -- env -u XDG_RUNTIME_DIR HOME="$RL_STORE" \
		podman $(podman_flags "$RL_STORE") --hooks-dir "$HOOKS" "$@")
}
nosession_teardown() {
	rl_nosession rm -a -f -t 0 >/dev/null 2>&1 || true
	rm -rf "/tmp/podman-run-$RL_UID"
	rootless_teardown
}

@test "rootless podman without a login session: the hook keeps its books where podman does" {
	rootless_setup
	rm -rf "/run/user/$RL_UID" "/tmp/podman-run-$RL_UID"
	run rl_nosession run -d --name nsb-arm --runtime runc --network none --platform linux/arm64 "$LAYOUT" sleep 3600
	[ "$status" -eq 0 ] || { echo "$output" >&2; nosession_teardown; return 1; }
	run rl_nosession exec nsb-arm uname -m
	local arm=$output during after try
	during=$(find "/tmp/podman-run-$RL_UID/nsbinfmt" -mindepth 2 2>/dev/null | wc -l)
	rl_nosession rm -f -t 0 nsb-arm >/dev/null 2>&1
	for try in $(seq 600); do
		after=$(find "/tmp/podman-run-$RL_UID/nsbinfmt" -mindepth 2 2>/dev/null | wc -l)
		[ "$after" -ne 0 ] || break
		sleep 0.1
	done
	local made_run_user=no
	[ ! -e "/run/user/$RL_UID" ] || made_run_user=yes
	nosession_teardown
	[ "$arm" = aarch64 ] || { echo "arm: $arm" >&2; return 1; }
	[ "$during" -ge 1 ] || { echo "no reference in /tmp/podman-run-$RL_UID/nsbinfmt" >&2; return 1; }
	[ "$after" -eq 0 ] || { echo "$after references left" >&2; return 1; }
	[ "$made_run_user" = no ]
}

@test "rootless podman without a login session: a podman-run directory another user prepared is refused" {
	rootless_setup
	rm -rf "/run/user/$RL_UID" "/tmp/podman-run-$RL_UID"
	# root's, and writable by all: podman would pass it by too.  podman
	# itself is given a runtime directory of its own (a hook sees no
	# XDG_RUNTIME_DIR), so that only the hook meets this one.
	mkdir -m 1777 "/tmp/podman-run-$RL_UID"
	runuser -u "$RL_USER" -- mkdir -m 700 "$RL_STORE/xdg"
	run env XDG="$RL_STORE/xdg" bash -c "cd / && runuser -u '$RL_USER' -- env XDG_RUNTIME_DIR=\"\$XDG\" HOME='$RL_STORE' \
		podman $(podman_flags "$RL_STORE") --hooks-dir '$HOOKS' run $RUNFLAGS --platform linux/arm64 '$LAYOUT' uname -m"
	local left
	left=$(find "/tmp/podman-run-$RL_UID" -mindepth 1 | wc -l)
	nosession_teardown
	[ "$status" -ne 0 ] || { echo "ran: $output" >&2; return 1; }
	[[ "$output" == *"nsbinfmt-hook: "*"podman-run-$RL_UID is a directory of this user's that no other user may write"* ]] ||
		{ echo "$output" >&2; return 1; }
	[ "$left" -eq 0 ]
}

@test "podman build --platform linux/arm64 runs RUN steps through the hook" {
	rootless_setup
	local ctx="$NSB_BIN_DIR/ctx"
	mkdir -p "$ctx"
	printf 'FROM %s\nRUN uname -m > /built-on\nCMD ["sh", "-c", "cat /built-on; uname -m"]\n' \
		"$LAYOUT" > "$ctx/Containerfile"
	chmod -R a+rX "$ctx"
	run rl build --hooks-dir "$HOOKS" --no-cache --runtime runc --network none \
		--platform linux/arm64 -t localhost/nsb-built "$ctx"
	[ "$status" -eq 0 ] || { echo "$output" >&2; rootless_teardown; return 1; }
	run rl run $RUNFLAGS localhost/nsb-built
	rootless_teardown
	[ "${lines[-2]}" = aarch64 ] && [ "${lines[-1]}" = aarch64 ]
}

@test "podman build --platform linux/s390x,linux/arm64 --manifest" {
	rootless_setup
	local ctx="$NSB_BIN_DIR/ctx"
	mkdir -p "$ctx"
	printf 'FROM %s\nRUN uname -m > /built-on\n' "$LAYOUT" > "$ctx/Containerfile"
	chmod -R a+rX "$ctx"
	run rl build --hooks-dir "$HOOKS" --no-cache --runtime runc --network none \
		--platform linux/s390x,linux/arm64 --manifest localhost/nsb-list "$ctx"
	[ "$status" -eq 0 ] || { echo "$output" >&2; rootless_teardown; return 1; }
	run rl manifest inspect localhost/nsb-list
	local platforms
	platforms=$(echo "$output" | jq -r '[.manifests[].platform.architecture] | sort | join(",")')
	rootless_teardown
	[ "$platforms" = arm64,s390x ]
}

@test "rootless podman with pinned handlers: the selector, magic entries beside it, unpin, nothing left" {
	require_selector
	rootless_setup
	"$NSBINFMT" pin >/dev/null
	# The hook runs as the rootless user: it cannot load BPF, so it
	# attaches root's pinned selector in podman's user namespace.
	rl run -d --name nsb-arm --runtime runc --network none --platform linux/arm64 "$LAYOUT" sleep 3600 >/dev/null
	# A second architecture in the same (shared) instance: the pinned
	# entry is there and binds only qemu-aarch64, so a magic entry, tried
	# first, serves s390x beside it.
	rl run -d --name nsb-s390x --runtime runc --network none --platform linux/s390x "$LAYOUT" sleep 3600 >/dev/null
	run rl exec nsb-arm sh -c 'uname -m; cat /proc/sys/fs/binfmt_misc/nsbinfmt'
	local arm=$output
	run rl exec nsb-s390x sh -c 'uname -m; ls /proc/sys/fs/binfmt_misc'
	local s390x=$output
	# Unpinned while they run: the running containers keep their emulators.
	"$NSBINFMT" unpin >/dev/null
	run rl exec nsb-arm uname -m
	local after=$output
	# The arm64 container's poststop removes the selector's entry, which
	# binds nothing a running container needs; s390x's stays.
	rl rm -f -t 0 nsb-arm >/dev/null 2>&1
	run rl exec nsb-s390x sh -c 'uname -m; ls /proc/sys/fs/binfmt_misc'
	local left=$output
	rl rm -f -t 0 nsb-s390x >/dev/null 2>&1
	local refs
	refs=$(find "/run/user/$RL_UID/nsbinfmt" -mindepth 2 2>/dev/null | wc -l)
	# Without pins a new container falls back to magic entries.
	run rl run $RUNFLAGS --platform linux/arm64 "$LAYOUT" sh -c 'uname -m; ls /proc/sys/fs/binfmt_misc'
	local fallback=$output
	rootless_teardown
	[[ "$arm" == "aarch64"*"bpf nsbinfmt.pin"*"bpf-interpreter qemu-aarch64 /usr/bin/qemu-aarch64-static"* ]] ||
		{ echo "arm: $arm" >&2; return 1; }
	[ "$s390x" = "$(printf 's390x\nnsbinfmt\nqemu-s390x\nregister\nstatus')" ] || { echo "s390x: $s390x" >&2; return 1; }
	[ "$after" = aarch64 ] || { echo "after unpin: $after" >&2; return 1; }
	[ "$left" = "$(printf 's390x\nqemu-s390x\nregister\nstatus')" ] || { echo "left: $left" >&2; return 1; }
	[ "$refs" -eq 0 ]
	[[ "$fallback" == *"$(printf 'aarch64\nqemu-aarch64\nregister\nstatus')" ]] || { echo "fallback: $fallback" >&2; return 1; }
}
