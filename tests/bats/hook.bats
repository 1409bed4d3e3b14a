#!/usr/bin/env bats
# nsbinfmt-hook with real runtimes (runc, crun, podman rootful and
# rootless), a corpus of hostile root file systems, and bad input.  The host
# table is checked after every test (helpers.bash).

load helpers

setup() {
	common_setup
	require runc
	install -m 755 "$NSBINFMT_HOOK" "$NSB_BIN_DIR/nsbinfmt-hook"
	HOOK="$NSB_BIN_DIR/nsbinfmt-hook"
}
teardown() { common_teardown; }

@test "runc: arm64 (prestart) and s390x (createRuntime) print their uname -m" {
	local b="$NSB_BIN_DIR/b"
	make_bundle "$b" "$(fixture arm64)"
	set_process "$b" '["/bin/busybox","uname","-m"]'
	run runc run -b "$b" "nsb-a-$$"
	[ "$status" -eq 0 ]
	[ "$output" = aarch64 ]
	# The same hook as a createRuntime hook, the entrypoint found on PATH.
	make_bundle "$NSB_BIN_DIR/s" "$(fixture s390x)"
	set_process "$NSB_BIN_DIR/s" '["busybox","uname","-m"]'
	jq '.hooks={"createRuntime": .hooks.prestart}' "$NSB_BIN_DIR/s/config.json" > "$NSB_BIN_DIR/c"
	mv "$NSB_BIN_DIR/c" "$NSB_BIN_DIR/s/config.json"
	run runc run -b "$NSB_BIN_DIR/s" "nsb-s-$$"
	[ "$status" -eq 0 ] && [ "$output" = s390x ]
}

@test "crun: arm64 and riscv64 containers, a shell-script entrypoint, read-only table" {
	require crun
	local b="$NSB_BIN_DIR/b"
	make_bundle "$b" "$(fixture riscv64)"
	set_process "$b" '["/bin/busybox","uname","-m"]'
	run crun_run run -b "$b" "nsb-r-$$"
	[ "$status" -eq 0 ]
	[ "$output" = riscv64 ]
	make_bundle "$NSB_BIN_DIR/a" "$(fixture arm64)"
	set_process "$NSB_BIN_DIR/a" '["/bin/sh","-c","busybox uname -m; grep -h interpreter /proc/sys/fs/binfmt_misc/* 2>/dev/null; echo -1 > /proc/sys/fs/binfmt_misc/status"]'
	run crun_run run -b "$NSB_BIN_DIR/a" "nsb-a-$$"
	[ "${lines[0]}" = aarch64 ]
	# a magic entry, or the bpf selector's (Linux >= 7.3)
	[[ "${lines[1]}" == "interpreter /usr/bin/qemu-aarch64-static" ||
		"${lines[1]}" == "bpf-interpreter qemu-aarch64 /usr/bin/qemu-aarch64-static" ]]
	[[ "$output" == *"Read-only file system"* ]]
}

@test "crun: the bpf selector serves arm64, riscv64 and s390x containers" {
	require crun
	require_selector
	local arch want
	for arch in arm64:aarch64 riscv64:riscv64 s390x:s390x; do
		want=${arch#*:}
		arch=${arch%:*}
		make_bundle "$NSB_BIN_DIR/$arch" "$(fixture "$arch")"
		set_process "$NSB_BIN_DIR/$arch" \
			'["/bin/sh","-c","busybox uname -m; cat /proc/sys/fs/binfmt_misc/nsbinfmt"]' \
			'{"io.nsbinfmt.handler":"bpf","io.nsbinfmt.verify":"probe"}'
		run crun_run run -b "$NSB_BIN_DIR/$arch" "nsb-$arch-$$"
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "$want" ]
		[ "${lines[2]}" = "bpf nsbinfmt" ]
		[ "${lines[3]}" = "bpf-interpreter qemu-$want /usr/bin/qemu-$want-static" ]
	done
}

@test "annotation handler: magic entries when asked; a bad value stops the start" {
	local b="$NSB_BIN_DIR/b"
	make_bundle "$b" "$(fixture arm64)"
	set_process "$b" '["/bin/sh","-c","busybox uname -m; ls /proc/sys/fs/binfmt_misc"]' \
		'{"io.nsbinfmt.handler":"magic"}'
	run runc run -b "$b" "nsb-m-$$"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = aarch64 ]
	[[ "$output" == *qemu-aarch64* ]]
	set_process "$b" '["/bin/busybox","true"]' '{"io.nsbinfmt.handler":"ebpf"}'
	run runc run -b "$b" "nsb-hb-$$"
	[ "$status" -ne 0 ]
	[[ "$output" == *"annotation io.nsbinfmt.handler: handler \`ebpf\`: expected auto, magic or bpf"* ]]
}

@test "a native container gets no instance" {
	local b="$NSB_BIN_DIR/b"
	make_bundle "$b" /bin/busybox
	set_process "$b" '["/bin/sh","-c","grep -c binfmt_misc /proc/self/mountinfo || true"]'
	run runc run -b "$b" "nsb-n-$$"
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
}

@test "annotations: a list, and none" {
	local b="$NSB_BIN_DIR/b"
	make_bundle "$b" /bin/busybox
	set_process "$b" '["/bin/sh","-c","cat /proc/sys/fs/binfmt_misc/* 2>/dev/null | grep interpreter"]' \
		'{"io.nsbinfmt.emulate":"arm64,linux/s390x","io.nsbinfmt.verify":"probe"}'
	run runc run -b "$b" "nsb-l-$$"
	[ "$status" -eq 0 ]
	[[ "$output" == *qemu-aarch64-static*qemu-s390x-static* ]]
	make_bundle "$NSB_BIN_DIR/n" "$(fixture arm64)"
	set_process "$NSB_BIN_DIR/n" '["/bin/busybox","true"]' '{"io.nsbinfmt.emulate":"none"}'
	run runc run -b "$NSB_BIN_DIR/n" "nsb-none-$$"
	[ "$status" -ne 0 ]
	[[ "$output" == *"exec format error"* ]]
	[[ "$output" != *nsbinfmt-hook* ]]
}

@test "a bad annotation stops the start with one line" {
	local b="$NSB_BIN_DIR/b"
	make_bundle "$b" /bin/busybox
	set_process "$b" '["/bin/busybox","true"]' '{"io.nsbinfmt.emulate":"vax"}'
	run runc run -b "$b" "nsb-bad-$$"
	[ "$status" -ne 0 ]
	[[ "$output" == *"nsbinfmt-hook: container nsb-bad-"*"unknown architecture \`vax\`"* ]]
}

@test "a container without a user namespace: refused, never registered" {
	local b="$NSB_BIN_DIR/b"
	make_bundle "$b" "$(fixture arm64)" nouserns
	set_process "$b" '["/bin/busybox","uname","-m"]'
	run runc run -b "$b" "nsb-h-$$"
	[ "$status" -ne 0 ]
	[[ "$output" == *"needs aarch64 emulation"*"initial user namespace"*"--userns=auto"* ]]
	# on-failure=warn: the container starts (and fails at exec); runc drops
	# a successful hook's stderr, so the warning is checked on the hook.
	set_process "$b" '["/bin/busybox","uname","-m"]' '{"io.nsbinfmt.on-failure":"warn"}'
	run runc run -b "$b" "nsb-w-$$"
	[ "$status" -ne 0 ]
	[[ "$output" == *"exec format error"* ]]
	[[ "$output" != *nsbinfmt-hook* ]]
	sleep 600 </dev/null >/dev/null 2>&1 3>&- &
	PIDS+=("$!")
	run "$HOOK" prestart <<< "$(state "$!" "$b")"
	[ "$status" -eq 0 ]
	[[ "$output" == *"initial user namespace"*"on-failure=warn: starting it anyway"* ]]
}

@test "20 containers started in parallel each get their own table" {
	local i b
	for i in $(seq 20); do
		b="$NSB_BIN_DIR/p$i"
		make_bundle "$b" "$(fixture arm64)"
		# Odd ones also get s390x: each must see exactly its own emulators
		# (magic entries, or interpreters bound to the bpf selector's).
		if [ $((i % 2)) -eq 1 ]; then
			set_process "$b" '["/bin/sh","-c","busybox uname -m; cat /proc/sys/fs/binfmt_misc/* 2>/dev/null | grep -c interpreter"]' '{"io.nsbinfmt.emulate":"aarch64,s390x"}'
		else
			set_process "$b" '["/bin/sh","-c","busybox uname -m; cat /proc/sys/fs/binfmt_misc/* 2>/dev/null | grep -c interpreter"]'
		fi
	done
	for i in $(seq 20); do
		runc run -b "$NSB_BIN_DIR/p$i" "nsb-p$i-$$" > "$NSB_BIN_DIR/out$i" 2>&1 &
	done
	wait
	for i in $(seq 20); do
		local want=1
		if [ $((i % 2)) -eq 1 ]; then want=2; fi
		[ "$(cat "$NSB_BIN_DIR/out$i")" = "$(printf 'aarch64\n%s' $want)" ] ||
			{ echo "container $i: $(cat "$NSB_BIN_DIR/out$i")" >&2; return 1; }
	done
}


# An arm64 image from Debian's busybox, imported with its architecture.
import_image() {
	local tar="$NSB_BIN_DIR/arm64.tar"
	make_bundle "$NSB_BIN_DIR/img" "$(fixture arm64)"
	tar --owner=0 --group=0 -C "$NSB_BIN_DIR/img/rootfs" -cf "$tar" .
	chmod 644 "$tar"
	echo "$tar"
}

@test "podman rootful with --uidmap, and without a user namespace" {
	require podman
	local tar store="$NSB_BIN_DIR/podman" hooks="$NSB_BIN_DIR/hooks.d"
	tar=$(import_image)
	mkdir -p "$hooks"
	jq --arg h "$HOOK" '.hook.path=$h' "$NSB_SRCDIR/oci/nsbinfmt-hook.json.in" > "$hooks/nsbinfmt-hook.json"
	podman $(podman_flags "$store") import --arch arm64 "$tar" localhost/nsb-arm64 >/dev/null
	run podman $(podman_flags "$store") --hooks-dir "$hooks" run --rm --runtime runc \
		--network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
		--uidmap 0:100000:65536 --gidmap 0:100000:65536 localhost/nsb-arm64 /bin/busybox uname -m
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = aarch64 ]
	run podman $(podman_flags "$store") --hooks-dir "$hooks" run --rm --runtime runc \
		--network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 localhost/nsb-arm64 /bin/busybox uname -m
	[ "$status" -ne 0 ]
	[[ "$output" == *"nsbinfmt-hook: container"*"initial user namespace"* ]]
	podman $(podman_flags "$store") rmi -a -f >/dev/null 2>&1 || true
}

@test "podman rootless: the hook runs in podman's user namespace" {
	require podman
	local user=${NSB_ROOTLESS_USER:-nsbtest} tar hooks="$NSB_BIN_DIR/hooks.d"
	if ! grep -q "^$user:" /etc/subuid; then
		[ "${CI:-}" != true ] || { echo "no rootless user $user: .ci/deps.sh makes it" >&2; return 1; }
		skip "no user $user with a subuid range"
	fi
	tar=$(import_image)
	mkdir -p "$hooks"
	jq --arg h "$HOOK" '.hook.path=$h' "$NSB_SRCDIR/oci/nsbinfmt-hook.json.in" > "$hooks/nsbinfmt-hook.json"
	chmod -R a+rX "$hooks"
	local uid store
	uid=$(id -u "$user")
	store=$(runuser -u "$user" -- mktemp -d /tmp/nsb-podman.XXXXXX)
	mkdir -p "/run/user/$uid"
	chown "$user" "/run/user/$uid"
	chmod 700 "/run/user/$uid"
	rl() { (cd / && runuser -u "$user" -- env XDG_RUNTIME_DIR="/run/user/$uid" HOME="$store" podman $(podman_flags "$store") "$@"); }
	rl import --arch arm64 "$tar" localhost/nsb-arm64 >/dev/null 2>&1
	run rl --hooks-dir "$hooks" run --rm --runtime runc --network none localhost/nsb-arm64 /bin/busybox uname -m
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = aarch64 ]
	run rl --hooks-dir "$hooks" run --rm --runtime runc --network none --uidmap 0:1:1000 localhost/nsb-arm64 /bin/busybox uname -m
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = aarch64 ]
	# Containers in podman's one user namespace share its instance: a
	# second arm64 container reuses the entry while the first still runs.
	rl --hooks-dir "$hooks" run -d --name nsb-long --runtime runc --network none localhost/nsb-arm64 /bin/busybox sleep 3600 >/dev/null
	run rl --hooks-dir "$hooks" run --rm --runtime runc --network none localhost/nsb-arm64 /bin/busybox uname -m
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = aarch64 ]
	run rl exec nsb-long /bin/busybox uname -m
	[ "${lines[-1]}" = aarch64 ]
	rl rm -f -t 0 nsb-long >/dev/null 2>&1 || true
	rl rmi -a -f >/dev/null 2>&1 || true
	runuser -u "$user" -- env XDG_RUNTIME_DIR="/run/user/$uid" podman unshare rm -rf "$store" 2>/dev/null || rm -rf "$store"
}

# ---- the hook alone, with a synthetic state: bad input and hostile rootfs

state() {
	printf '{"ociVersion":"1.0.2","id":"corpus","status":"creating","pid":%s,"bundle":"%s"}' "$1" "$2"
}

@test "garbage, truncated and incomplete state on stdin: one line, exit 1" {
	local b="$NSB_BIN_DIR/b" s
	make_bundle "$b" "$(fixture arm64)"
	for s in '' '{' '[]' 'null' '{"pid":"x"}' '{"pid":1}' \
		'{"pid":12,"bundle":"relative"}' "$(state 1 "$b" | head -c 40)"; do
		run "$HOOK" prestart <<< "$s"
		assert_one_line_error "nsbinfmt-hook:" || { echo "input: $s" >&2; return 1; }
	done
	run "$HOOK" prestart <<< "$(state 1 "$NSB_BIN_DIR/nonexistent")"
	assert_one_line_error "bundle" "No such file"
	run sh -c "head -c 5000000 /dev/zero | tr '\\0' ' ' | '$HOOK' prestart"
	assert_one_line_error "the OCI state on stdin" "larger than"
}

@test "the container's pid is gone before the hook runs" {
	local b="$NSB_BIN_DIR/b"
	make_bundle "$b" "$(fixture arm64)"
	sleep 0 & local p=$!
	wait "$p"
	run "$HOOK" prestart <<< "$(state "$p" "$b")"
	assert_one_line_error "pid $p" "No such process"
}

# A rootfs of the corpus: make_bundle, then CASE reshapes proc/.
corpus_case() {
	local root=$1 bait=$2
	rm -rf "$root/proc"
	case $3 in
	proc-symlink) ln -s "$bait" "$root/proc" ;;
	sys-symlink) mkdir "$root/proc" && ln -s "$bait/sys" "$root/proc/sys" ;;
	fs-symlink) mkdir -p "$root/proc/sys" && ln -s "$bait/sys/fs" "$root/proc/sys/fs" ;;
	binfmt-symlink) mkdir -p "$root/proc/sys/fs" && ln -s "$bait/sys/fs/binfmt_misc" "$root/proc/sys/fs/binfmt_misc" ;;
	binfmt-relative-symlink) mkdir -p "$root/proc/sys/fs" && ln -s ../../../../../../../.. "$root/proc/sys/fs/binfmt_misc" ;;
	binfmt-file) mkdir -p "$root/proc/sys/fs" && touch "$root/proc/sys/fs/binfmt_misc" ;;
	binfmt-fifo) mkdir -p "$root/proc/sys/fs" && mkfifo "$root/proc/sys/fs/binfmt_misc" ;;
	proc-file) touch "$root/proc" ;;
	missing) mkdir -p "$root/proc/sys" ;;
	esac
}

@test "hostile rootfs corpus: no mount or write is redirected" {
	local c b bait="$NSB_BIN_DIR/bait"
	mkdir -p "$bait/sys/fs/binfmt_misc"
	for c in proc-symlink sys-symlink fs-symlink binfmt-symlink binfmt-relative-symlink \
		binfmt-file binfmt-fifo proc-file missing; do
		b="$NSB_BIN_DIR/$c"
		make_bundle "$b" "$(fixture arm64)"
		corpus_case "$b/rootfs" "$bait" "$c"
		start_target sleep 600
		run timeout 20 "$HOOK" prestart <<< "$(state "$TARGET" "$b")"
		assert_one_line_error "mount point" || { echo "case $c" >&2; return 1; }
		! grep binfmt_misc "/proc/$TARGET/mountinfo" || { echo "case $c mounted" >&2; return 1; }
		[ -z "$(ls -A "$bait/sys/fs/binfmt_misc")" ]
	done
}

@test "the control case of the corpus installs, and an escaping entrypoint symlink stays inside" {
	local b="$NSB_BIN_DIR/ok"
	make_bundle "$b" "$(fixture arm64)"
	mkdir -p "$b/rootfs/proc/sys/fs/binfmt_misc"
	# resolved on the host this would be the host's x86_64 busybox
	ln -s ../../../../../../../../../bin/busybox "$b/rootfs/app"
	set_process "$b" '["/app","uname","-m"]'
	start_target sleep 600
	run "$HOOK" prestart <<< "$(state "$TARGET" "$b")"
	[ "$status" -eq 0 ]
	grep -q "$b/rootfs/proc/sys/fs/binfmt_misc .* binfmt_misc" "/proc/$TARGET/mountinfo"
}
