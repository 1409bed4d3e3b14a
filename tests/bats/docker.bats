#!/usr/bin/env bats
# nsbinfmt-runtime under the engines that read no hooks.d: Debian's dockerd
# (20.10) and containerd (1.6) with ctr, each a private daemon with its own
# root, state and socket, stopped by its pid at the end.  Images are made
# of Debian's busybox for each architecture (tests/fixtures/docker-image.sh)
# and loaded; no registry.  The host table is checked after every test.

load helpers

# Debian's docker.io client, whatever else is on PATH.
DOCKER=/usr/bin/docker

# start_dockerd NAME DAEMON_JSON [DOCKERD ARGS...]: a private dockerd whose
# runtime "nsbinfmt" is the shim under test (in $BIN); dk NAME talks to it.
start_dockerd() {
	local name=$1 json=$2 dir
	shift 2
	dir=$(mktemp -d /tmp/nsb-dk.XXXXXX) # short: containerd's socket is in it
	chmod 711 "$dir" # userns-remap: the remapped root must reach its root
	echo "$dir" >"$BATS_FILE_TMPDIR/dir-$name"
	# The runtime by path alone, as contrib/docker/daemon.json has it (with
	# runtimeArgs, dockerd 20.10 runs it through a /bin/sh script it writes);
	# the hook's path, not the installed one, in the environment.
	jq --arg s "$BIN/nsbinfmt-runtime" '.runtimes.nsbinfmt = {path: $s}' <<<"$json" \
		>"$dir/daemon.json"
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin NSBINFMT_RUNTIME_HOOK="$BIN/nsbinfmt-hook" \
		dockerd --config-file "$dir/daemon.json" \
		--data-root "$dir/root" --exec-root "$dir/exec" --pidfile "$dir/pid" \
		-H "unix://$dir/sock" --iptables=false --ip6tables=false --bridge=none \
		--storage-driver vfs "$@" >"$dir/log" 2>&1 3>&- &
	wait_dockerd "$name" $!
}

# wait_up WHAT PID LOG CMD...: until CMD succeeds (180 s: TCG is slow), or
# PID, which runs the daemon, is gone; then LOG's tail says why.
wait_up() {
	local what=$1 pid=$2 log=$3 i
	shift 3
	for i in $(seq 900); do
		"$@" >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	echo "$what did not start:" >&2
	tail -n 20 "$log" >&2
	return 1
}

# wait_dockerd NAME PID: until dockerd NAME answers.
wait_dockerd() {
	wait_up "dockerd $1" "$2" "$(cat "$BATS_FILE_TMPDIR/dir-$1")/log" dk "$1" info
}

dk() {
	local name=$1
	shift
	$DOCKER -H "unix://$(cat "$BATS_FILE_TMPDIR/dir-$name")/sock" "$@"
}

# hooked NAME CONTAINER: does the bundle's config.json of the running
# CONTAINER have our hook (true/false)?
hooked() {
	local id cfg
	id=$(dk "$1" inspect -f '{{.Id}}' "$2") &&
		cfg=$(find "$(cat "$BATS_FILE_TMPDIR/dir-$1")/exec" -path "*/$id/config.json") &&
		[ -n "$cfg" ] &&
		jq --arg h "$BIN/nsbinfmt-hook" '[.hooks.prestart[]?.path] | index($h) != null' "$cfg"
}

# stop_daemon DIR: by its pid file; wait until it is gone.
stop_daemon() {
	local pid i
	pid=$(cat "$1/pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || return 0
	for i in $(seq 150); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.2
	done
	kill -9 "$pid" 2>/dev/null || true
}

# The entry an emulated architecture gets when the hook runs as root: the
# bpf selector's where the kernel has B entries, else a magic one.
entry_for() {
	if has_selector; then echo nsbinfmt; else echo "qemu-$1"; fi
}

load_images() {
	local name=$1 a
	for a in arm64:linux/arm64/v8 s390x:linux/s390x; do
		"$NSB_SRCDIR/tests/fixtures/docker-image.sh" "$BATS_FILE_TMPDIR/img.tar" \
			"$FIXTURES/${a%%:*}/busybox" "${a#*:}" "nsb-${a%%:*}:latest"
		dk "$name" load -i "$BATS_FILE_TMPDIR/img.tar" >/dev/null
	done
	"$NSB_SRCDIR/tests/fixtures/docker-image.sh" "$BATS_FILE_TMPDIR/img.tar" \
		/bin/busybox linux/amd64 nsb-amd64:latest
	dk "$name" load -i "$BATS_FILE_TMPDIR/img.tar" >/dev/null
}

setup_file() {
	command -v dockerd >/dev/null && [ -x "$DOCKER" ] || return 0
	BIN="$BATS_FILE_TMPDIR/bin"
	mkdir -p "$BIN"
	install -m 755 "$NSB_RUNTIME_BIN" "$BIN/nsbinfmt-runtime"
	install -m 755 "$NSBINFMT_HOOK" "$BIN/nsbinfmt-hook"
	export BIN
	# The daemon.json we ship: the shim as the default runtime, and
	# userns-remap: every container in a user namespace of its own.
	start_dockerd remap "$(cat "$NSB_SRCDIR/contrib/docker/daemon.json")"
	load_images remap
}

teardown_file() {
	local f
	for f in "$BATS_FILE_TMPDIR"/dir-*; do
		[ -e "$f" ] || continue
		stop_daemon "$(cat "$f")"
		rm -rf "$(cat "$f")"
	done
}

setup() {
	common_setup
	require dockerd
	require "$DOCKER"
}

teardown() {
	dk remap rm -f nsb-arm nsb-nat >/dev/null 2>&1 || true
	dk rootless rm -f nsb-rl >/dev/null 2>&1 || true
	common_teardown
}

@test "docker run --runtime nsbinfmt: arm64 and s390x print their uname -m; a native image gets no instance" {
	run dk remap run --rm --runtime nsbinfmt --platform linux/arm64 nsb-arm64 sh -c 'uname -m; ls /proc/sys/fs/binfmt_misc'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'aarch64\n%s\nregister\nstatus' "$(entry_for aarch64)")" ]
	run dk remap run --rm --runtime nsbinfmt --platform linux/s390x nsb-s390x uname -m
	[ "$status" -eq 0 ]
	[ "$output" = s390x ]
	run dk remap run --rm --runtime nsbinfmt nsb-amd64 sh -c 'uname -m; ls -A /proc/sys/fs/binfmt_misc | wc -l'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'x86_64\n0')" ]
	# Not even a hook to run: the shim left its config.json as dockerd wrote it.
	dk remap run -d --name nsb-nat --runtime nsbinfmt nsb-amd64 sleep 3600 >/dev/null
	run hooked remap nsb-nat
	[ "$status" -eq 0 ]
	[ "$output" = false ]
	dk remap rm -f nsb-nat >/dev/null
	# The same image through plain runc: no emulation anywhere.
	run dk remap run --rm --runtime runc --platform linux/arm64 nsb-arm64 uname -m
	[ "$status" -ne 0 ] && [[ "$output" == *"exec format error"* ]]
}

@test "default-runtime nsbinfmt: docker run --platform linux/arm64 with no --runtime" {
	run dk remap info --format '{{.DefaultRuntime}}'
	[ "$output" = nsbinfmt ]
	run dk remap run --rm --platform linux/arm64 nsb-arm64 uname -m
	[ "$status" -eq 0 ] && [ "$output" = aarch64 ]
}

@test "docker: two containers of different architectures at once, each with only its own emulator" {
	dk remap run -d --name nsb-arm --platform linux/arm64 nsb-arm64 sleep 3600 >/dev/null
	run hooked remap nsb-arm
	[ "$status" -eq 0 ]
	[ "$output" = true ]
	# Each sees one entry, which knows only its own emulator.
	local show='uname -m; ls /proc/sys/fs/binfmt_misc; grep -ho "qemu-[a-z0-9]*-static" /proc/sys/fs/binfmt_misc/* 2>/dev/null'
	run dk remap run --rm --platform linux/s390x nsb-s390x sh -c "$show"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 's390x\n%s\nregister\nstatus\nqemu-s390x-static' "$(entry_for s390x)")" ] ||
		{ echo "$output" >&2; return 1; }
	run dk remap exec nsb-arm sh -c "$show"
	[ "$output" = "$(printf 'aarch64\n%s\nregister\nstatus\nqemu-aarch64-static' "$(entry_for aarch64)")" ] ||
		{ echo "$output" >&2; return 1; }
}

@test "docker without userns-remap: native images start, foreign ones fail as documented, nothing is registered" {
	start_dockerd plain "$(jq 'del(."userns-remap")' "$NSB_SRCDIR/contrib/docker/daemon.json")"
	load_images plain
	run dk plain run --rm nsb-amd64 uname -m
	[ "$status" -eq 0 ] && [ "$output" = x86_64 ] || { echo "$output" >&2; return 1; }
	# The shim says why, and docker shows it with the runtime's error.
	run dk plain run --rm --platform linux/arm64 nsb-arm64 uname -m
	[ "$status" -ne 0 ]
	[[ "$output" == *"exec format error"* ]]
	[[ "$output" == *"nsbinfmt-runtime: bundle "*": the container needs aarch64 emulation (/bin/uname is aarch64), but would run in the host's user namespace"*"userns-remap"* ]] ||
		{ echo "$output" >&2; return 1; }
}

@test "rootless Docker: containers share rootlesskit's instance; poststop removes what none needs" {
	require rootlesskit
	local user=${NSB_ROOTLESS_USER:-nsbtest} uid dir
	id "$user" >/dev/null 2>&1 || { echo "no user $user: .ci/deps.sh makes it" >&2; return 1; }
	uid=$(id -u "$user")
	dir=$(mktemp -d /tmp/nsb-dk.XXXXXX)
	echo "$dir" >"$BATS_FILE_TMPDIR/dir-rootless"
	chown "$user" "$dir"
	chmod 711 "$dir"
	mkdir -p "/run/user/$uid"
	chown "$user" "/run/user/$uid"
	chmod 700 "/run/user/$uid"
	# The user's daemon runs what the user can reach.
	install -m 755 "$BIN/nsbinfmt-runtime" "$BIN/nsbinfmt-hook" "$dir/"
	jq --arg s "$dir/nsbinfmt-runtime" '.runtimes.nsbinfmt = {path: $s} | del(."userns-remap")' \
		"$NSB_SRCDIR/contrib/docker/daemon.json" >"$dir/daemon.json"
	chmod 644 "$dir/daemon.json"
	# The 7.3 test kernel has no TUN device, which slirp4netns needs: there
	# rootlesskit keeps the host's network (the containers have none anyway).
	local net=(DOCKERD_ROOTLESS_ROOTLESSKIT_NET=host DOCKERD_ROOTLESS_ROOTLESSKIT_PORT_DRIVER=none)
	if [ -c /dev/net/tun ]; then
		require slirp4netns
		net=()
	fi
	# Docker's own rootless script: rootlesskit, then dockerd in its user
	# namespace, as the user.
	(cd / && exec runuser -u "$user" -- env -i HOME="$dir" XDG_RUNTIME_DIR="/run/user/$uid" \
		PATH=/usr/share/docker.io/contrib:/usr/sbin:/usr/bin:/sbin:/bin "${net[@]}" \
		NSBINFMT_RUNTIME_HOOK="$dir/nsbinfmt-hook" \
		DOCKERD_ROOTLESS_ROOTLESSKIT_STATE_DIR="$dir/rk" dockerd-rootless.sh \
		--config-file "$dir/daemon.json" --data-root "$dir/root" --exec-root "$dir/exec" \
		--pidfile "$dir/pid" -H "unix://$dir/sock" --iptables=false --ip6tables=false \
		--ip-forward=false --bridge=none --storage-driver vfs >"$dir/log" 2>&1 3>&-) &
	wait_dockerd rootless $!
	dk rootless info --format '{{.SecurityOptions}}' | grep -q rootless ||
		{ echo "dockerd rootless runs, but not rootless" >&2; return 1; }
	load_images rootless
	dk rootless run -d --name nsb-rl --network none --platform linux/arm64 nsb-arm64 sleep 3600 >/dev/null
	run dk rootless run --rm --network none --platform linux/s390x nsb-s390x sh -c 'uname -m; ls /proc/sys/fs/binfmt_misc'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 's390x\nqemu-aarch64\nqemu-s390x\nregister\nstatus')" ] || { echo "$output" >&2; return 1; }
	run dk rootless exec nsb-rl sh -c 'uname -m; ls /proc/sys/fs/binfmt_misc'
	[ "$output" = "$(printf 'aarch64\nqemu-aarch64\nregister\nstatus')" ] || { echo "$output" >&2; return 1; }
}

# A private containerd ($CTD), the shim installed as `runc` first on its
# PATH (what containerd's runc shim runs when given no BinaryName).
start_containerd() {
	CTD=$(mktemp -d /tmp/nsb-ctd.XXXXXX)
	chmod 711 "$CTD" # the remapped root mounts its rootfs below it
	echo "$CTD" >"$BATS_FILE_TMPDIR/dir-containerd"
	mkdir -p "$CTD/path"
	ln -s "$BIN/nsbinfmt-runtime" "$CTD/path/runc"
	cat >"$CTD/config.toml" <<-EOF
		version = 2
		root = "$CTD/root"
		state = "$CTD/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$CTD/sock"
		[ttrpc]
		  address = "$CTD/sock.ttrpc"
	EOF
	env -i PATH="$CTD/path:/usr/sbin:/usr/bin:/sbin:/bin" NSBINFMT_RUNTIME_HOOK="$BIN/nsbinfmt-hook" \
		containerd --config "$CTD/config.toml" >"$CTD/log" 2>&1 3>&- &
	echo $! >"$CTD/pid"
	wait_up containerd $! "$CTD/log" ctr -a "$CTD/sock" version
	"$NSB_SRCDIR/tests/fixtures/docker-image.sh" "$BATS_FILE_TMPDIR/img.tar" \
		"$FIXTURES/arm64/busybox" linux/arm64/v8 nsb-arm64:latest
	ctr -a "$CTD/sock" image import --all-platforms "$BATS_FILE_TMPDIR/img.tar" >/dev/null
}

@test "containerd: ctr run of a container with a user namespace through the shim; without one, the shim's line" {
	require ctr
	require containerd
	start_containerd
	local img=docker.io/library/nsb-arm64:latest
	run ctr -a "$CTD/sock" run --rm --snapshotter native --platform linux/arm64 \
		--uidmap 0:100000:65536 --gidmap 0:100000:65536 "$img" c1 sh -c 'uname -m; ls /proc/sys/fs/binfmt_misc'
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ "$output" = "$(printf 'aarch64\n%s\nregister\nstatus' "$(entry_for aarch64)")" ]
	# BinaryName (a runtime entry's option; here ctr's --runc-binary) with
	# no user namespace: the shim runs, says why there is no hook, and the
	# foreign binary fails as it would without nsbinfmt.
	run ctr -a "$CTD/sock" run --rm --snapshotter native --platform linux/arm64 \
		--runc-binary "$BIN/nsbinfmt-runtime" "$img" c2 uname -m
	[ "$status" -ne 0 ]
	[[ "${lines[0]}" == "nsbinfmt-runtime: bundle "*"/c2: the container needs aarch64 emulation"*"would run in the host's user namespace"* ]] ||
		{ echo "$output" >&2; return 1; }
	[[ "$output" == *"exec format error"* ]]
}

@test "containerd takes the runtime entry we ship for Kubernetes" {
	require containerd
	run containerd --config "$NSB_SRCDIR/contrib/kubernetes/containerd-nsbinfmt.toml" config dump
	[ "$status" -eq 0 ]
	local entry
	# The nsbinfmt entry and its options table, up to the next other table.
	entry=$(awk '/^ *\[/ { on = index($0, "containerd.runtimes.nsbinfmt") > 0 } on' <<<"$output")
	[[ "$entry" == *'runtime_type = "io.containerd.runc.v2"'* ]]
	[[ "$entry" == *'BinaryName = "/usr/sbin/nsbinfmt-runtime"'* ]]
	grep -qx 'handler: nsbinfmt' "$NSB_SRCDIR/contrib/kubernetes/runtimeclass.yaml"
}
