#!/usr/bin/env bats
# nsbinfmt install --pid: into sandboxes made by unshare(1), plain and
# chrooted into bare root file systems, as root and unprivileged.

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

# A bare root file system: a static x86_64 busybox and the mount point.
make_rootfs() {
	ROOTFS="$NSB_BIN_DIR/rootfs"
	mkdir -p "$ROOTFS/proc/sys/fs/binfmt_misc"
	install -m 755 /bin/busybox "$ROOTFS/busybox"
	chmod -R a+rX "$ROOTFS"
}

in_target() {
	nsenter -t "$TARGET" -U -m --preserve-credentials "$@"
}

# wait_stopped PID: until PID has stopped itself (NSBINFMT_TEST_STOP_AT).
wait_stopped() {
	local try
	for try in $(seq 200); do
		! grep -qs '^State:.*stopped' "/proc/$1/status" || return 0
		sleep 0.05
	done
	echo "process $1 did not stop" >&2
	return 1
}

# term_pending PID: PID holds a SIGTERM it has blocked.
term_pending() {
	local m
	for m in $(awk '/^(SigPnd|ShdPnd):/ { print $2 }' "/proc/$1/status"); do
		(((0x$m >> 14) & 1)) && return 0
	done
	return 1
}

# finish PID FILE: wait for PID, run in the background with its output in
# FILE; status and output as `run` would set them.
finish() {
	local s=0
	wait "$1" || s=$?
	status=$s
	output=$(cat "$2")
}

@test "install into an unprivileged sandbox, as that user" {
	local bb
	bb=$(fixture arm64)
	start_target --as-user sleep 600
	run_user install --pid "$TARGET" -e arm64
	[ "$status" -eq 0 ]
	[[ "$output" == qemu-aarch64*ok*"probe ran"* ]]
	run in_target "$bb" uname -m
	[ "$output" = aarch64 ]
	run_user status --pid "$TARGET" --json
	echo "$output" | jq -e '.entries | map(.name) == ["qemu-aarch64"]'
	run in_target sh -c 'echo -1 > /proc/sys/fs/binfmt_misc/status'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
}

@test "root installs magic entries into a user's sandbox; they accumulate; duplicates refused" {
	# (the bpf selector's entries: selector.bats)
	local bb
	bb=$(fixture s390x)
	start_target --as-user sleep 600
	run "$NSB" install -H magic --pid "$TARGET" -e aarch64 --level static
	[ "$status" -eq 0 ]
	run "$NSB" install -H magic --pid "$TARGET" -e s390x
	[ "$status" -eq 0 ]
	run in_target "$bb" uname -m
	[ "$output" = s390x ]
	# The same entry again is reused (installs are idempotent) ...
	run "$NSB" install -H magic --pid "$TARGET" -e aarch64 --level static
	[ "$status" -eq 0 ]
	# ... another one under its name is refused, and the call undone.
	require qemu-aarch64
	run "$NSB" install -H magic --pid "$TARGET" -e riscv64 --emulator aarch64=/usr/bin/qemu-aarch64
	assert_one_line_error "qemu-aarch64" "has an entry of that name with another interpreter"
	run "$NSB" status --pid "$TARGET" --json
	echo "$output" | jq -e '.entries | map(.name) | sort == ["qemu-aarch64","qemu-s390x"]'
	run "$NSB" remove --pid "$TARGET" qemu-s390x
	[ "$status" -eq 0 ]
	run "$NSB" status --pid "$TARGET" --json
	echo "$output" | jq -e '.entries | map(.name) == ["qemu-aarch64"]'
	run "$NSB" remove --pid "$TARGET" --all
	run "$NSB" status --pid "$TARGET" --json
	echo "$output" | jq -e '.entries == []'
}

@test "a failed verification leaves nothing behind" {
	start_target --as-user sleep 600
	run_user install --pid "$TARGET" -e riscv64 --emulator s390x=/bin/true
	[ "$status" -eq 1 ]
	assert_one_line_error "verify \`qemu-s390x\`" "probe exited with 0"
	run_user status --pid "$TARGET"
	assert_one_line_error "no binfmt_misc instance is mounted"
}

@test "a chrooted sandbox: a static emulator runs without anything in the rootfs" {
	local bb
	bb=$(fixture riscv64)
	make_rootfs
	# busybox picks its applet by argv[0], which the P flag keeps
	install -D -m 755 "$bb" "$ROOTFS/rv/busybox"
	start_target --as-user --root="$ROOTFS" /busybox sleep 600
	run_user install --pid "$TARGET" -e riscv64
	[ "$status" -eq 0 ]
	[[ "$output" == *"probe ran (in the target's root)"* ]]
	run nsenter -t "$TARGET" -U -m -r --preserve-credentials /rv/busybox uname -m
	[ "$output" = riscv64 ]
	[ ! -e "$ROOTFS/usr" ]
}

@test "verify catches a dynamically linked emulator the sandbox cannot load" {
	require qemu-aarch64
	make_rootfs
	start_target --as-user --root="$ROOTFS" /busybox sleep 600
	run_user install --pid "$TARGET" --emulator aarch64=/usr/bin/qemu-aarch64
	[ "$status" -eq 1 ]
	assert_one_line_error "dynamically linked" "not in the target's root" "qemu-user-static"
	run_user status --pid "$TARGET"
	assert_one_line_error "no binfmt_misc instance is mounted"
}

@test "a dynamically linked emulator passes where its libraries are" {
	require qemu-aarch64
	start_target --as-user sleep 600
	run_user install --pid "$TARGET" --emulator aarch64=/usr/bin/qemu-aarch64
	[ "$status" -eq 0 ]
	[[ "$output" == *"dynamically linked"*"probe ran"* ]]
}

@test "a rootfs whose /proc is a symlink cannot redirect the mount" {
	make_rootfs
	rm -rf "$ROOTFS/proc"
	local bait="$NSB_BIN_DIR/bait"
	mkdir -p "$bait/sys/fs/binfmt_misc"
	ln -s "$bait" "$ROOTFS/proc"
	start_target --as-user --root="$ROOTFS" /busybox sleep 600
	run_user install --pid "$TARGET" -e aarch64
	[ "$status" -eq 1 ]
	assert_one_line_error "mount point"
	! grep -q "$bait" "/proc/$TARGET/mountinfo"
	! grep -q binfmt_misc "/proc/$TARGET/mountinfo"
}

@test "a pid reused between the pidfd and /proc is refused, and nothing is installed" {
	start_target sleep 600
	local old=$TARGET nsb new="" try
	# nsbinfmt stops itself once it holds the pidfd (a test-only stop).
	NSBINFMT_TEST_STOP_AT=target-pidfd "$NSB" install --pid "$old" -e arm64 -l none \
		>"$NSB_BIN_DIR/out" 2>&1 3>&- &
	nsb=$!
	PIDS+=("$nsb")
	wait_stopped "$nsb"
	kill -9 "$old"
	wait "$old" || true
	# A new sandbox, in a user namespace too, takes the old pid.
	"$NSB_SPAWN_AT_PID" "$old" unshare -Urm sleep 600 </dev/null >/dev/null 2>&1 3>&-
	new=$old
	PIDS+=("$new")
	for try in $(seq 200); do
		[ "$(readlink "/proc/$new/ns/user")" = "$(readlink /proc/self/ns/user)" ] || break
		sleep 0.05
	done
	[ "$(readlink "/proc/$new/ns/user")" != "$(readlink /proc/self/ns/user)" ]
	kill -CONT "$nsb"
	finish "$nsb" "$NSB_BIN_DIR/out"
	[ "$status" -eq 1 ]
	assert_one_line_error "pid $old exited while being opened"
	! grep binfmt_misc "/proc/$new/mountinfo"
}

# The entries of TARGET's user namespace, through a mount of its instance
# made for the question (a freed instance comes back empty).
target_entries() {
	in_target sh -c 'd=$(mktemp -d) && mount -t binfmt_misc none "$d" && ls "$d" | grep -vxE "register|status" | tr "\n" " "; umount "$d"'
}

@test "a failure at the read-only step or at the attach leaves nothing, in a new or an existing instance" {
	local point
	for point in read-only move-mount; do
		start_target sleep 600
		run env NSBINFMT_TEST_FAIL_AT="$point" "$NSB" install -H magic --pid "$TARGET" -e arm64 -l none
		[ "$status" -eq 1 ]
		assert_one_line_error "Input/output error"
		! grep binfmt_misc "/proc/$TARGET/mountinfo"
		run target_entries
		[ "$output" = "" ]
	done
	# An instance in use: the failed call takes out only its own entries.
	run "$NSB" install -H magic --pid "$TARGET" -e arm64 -l none
	[ "$status" -eq 0 ]
	run env NSBINFMT_TEST_FAIL_AT=read-only "$NSB" install -H magic --pid "$TARGET" -e s390x -l none
	assert_one_line_error "make the instance read-only" "Input/output error"
	run target_entries
	[ "$output" = "qemu-aarch64 " ]
}

@test "a signal to nsbinfmt mid-install undoes this call's entries" {
	local nsb helper try
	start_target sleep 600
	run "$NSB" install -H magic --pid "$TARGET" -e arm64 -l none
	[ "$status" -eq 0 ]
	# The helper in the target stops once it has registered s390x.
	NSBINFMT_TEST_STOP_AT=registered "$NSB" install -H magic --pid "$TARGET" -e s390x -l none \
		>"$NSB_BIN_DIR/out" 2>&1 3>&- &
	nsb=$!
	PIDS+=("$nsb")
	for try in $(seq 200); do
		helper=$(pgrep -P "$nsb" || true)
		[ -z "$helper" ] || break
		sleep 0.05
	done
	wait_stopped "$helper"
	run target_entries
	[ "$output" = "qemu-aarch64 qemu-s390x " ]
	# SIGTERM to nsbinfmt, as a runtime or a terminal sends it; nsbinfmt
	# passes it on, and the helper holds it (pending) until it goes on.
	kill -TERM "$nsb"
	for try in $(seq 200); do
		! term_pending "$helper" || break
		sleep 0.05
	done
	term_pending "$helper"
	kill -CONT "$helper"
	finish "$nsb" "$NSB_BIN_DIR/out"
	[ "$status" -eq 1 ]
	assert_one_line_error "interrupted by Terminated: nothing installed"
	run target_entries
	[ "$output" = "qemu-aarch64 " ]
}
