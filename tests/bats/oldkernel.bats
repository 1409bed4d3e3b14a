#!/usr/bin/env bats
# On a kernel older than 6.7 (make check-oldkernel boots Debian 12's own
# 6.1 in a VM), where a user namespace cannot have a binfmt_misc instance
# of its own: every way in is refused with one line, nothing is registered,
# and the host table (the VM's) is as it was.  Not part of make check: the
# host and the 7.3 VM have private instances.

load helpers

setup_file() {
	# As a Debian 12 host has it (systemd mounts binfmt_misc at boot):
	# the module loaded, the host table mounted and in use.
	if ! grep -qw binfmt_misc /proc/filesystems; then
		insmod "$(find "${NSB_KERNEL_MODULES:?}" -name 'binfmt_misc.ko*' | head -n 1)"
	fi
}

setup() {
	common_setup
	install -m 755 "$NSBINFMT_HOOK" "$NSB_BIN_DIR/nsbinfmt-hook"
	HOOK="$NSB_BIN_DIR/nsbinfmt-hook"
}
teardown() { common_teardown; }

OLD="gives no user namespace a binfmt_misc instance of its own (that needs Linux >= 6.7)"

@test "old kernel: check-kernel says why, and fails" {
	run "$NSB" check-kernel
	[ "$status" -ne 0 ]
	[[ "$output" == *"no   private binfmt_misc instances per user namespace: needs Linux >= 6.7"* ]]
}

@test "old kernel: run, as a user and as root, is one line and exit 125" {
	local bb
	bb=$(fixture arm64)
	run as_user "$NSB" run -e arm64 -- "$bb" uname -m
	[ "$status" -eq 125 ]
	assert_one_line_error "Linux $(uname -r) $OLD"
	run "$NSB" run -e arm64 -- "$bb" uname -m
	[ "$status" -eq 125 ]
	assert_one_line_error "Linux $(uname -r) $OLD"
}

@test "old kernel: install and the hook refuse a sandbox, one line, nothing mounted" {
	local b="$NSB_BIN_DIR/b"
	start_target sleep 600
	run "$NSB" install --pid "$TARGET" -e arm64
	[ "$status" -eq 1 ]
	assert_one_line_error "$OLD"
	make_bundle "$b" "$(fixture arm64)"
	mkdir -p "$b/rootfs/proc/sys/fs/binfmt_misc"
	run "$HOOK" prestart <<<"{\"id\":\"old\",\"status\":\"creating\",\"pid\":$TARGET,\"bundle\":\"$b\"}"
	[ "$status" -eq 1 ]
	assert_one_line_error "nsbinfmt-hook:" "$OLD"
	! grep binfmt_misc "/proc/$TARGET/mountinfo"
}
