#!/usr/bin/env bats
# The bpf selector (Linux >= 7.3): one B entry backed by nsbinfmt's
# binfmt_misc_ops handler instead of a magic entry per architecture, and
# the fallback to magic entries everywhere else.  The first tests assert
# what each kind of kernel must do; the rest need the selector and run in
# the VM (make check-vm).  The host table is checked after every test.

load helpers

setup() { common_setup; }
teardown() {
	if [ -n "${PINNED:-}" ]; then "$NSB" unpin >/dev/null || return 1; fi
	if [ -n "${LIMIT_BEFORE:-}" ]; then
		echo "$LIMIT_BEFORE" > /proc/sys/user/max_binfmt_misc_interpreters
	fi
	common_teardown
}

in_target() {
	nsenter -t "$TARGET" -U -m --preserve-credentials "$@"
}


@test "handler auto: the selector where the kernel has it, magic entries elsewhere, silently" {
	local a s
	a=$(fixture arm64)
	s=$(fixture s390x)
	run --separate-stderr "$NSB" run -e arm64 -e s390x -- sh -c \
		"$a uname -m && $s uname -m && $NSB status --json"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "${lines[0]}" = aarch64 ]
	[ "${lines[1]}" = s390x ]
	local json
	json=$(printf '%s\n' "${lines[@]:2}")
	if has_selector; then
		echo "$json" | jq -e '.entries == [{"name":"nsbinfmt","enabled":true,"type":"B",
			"handler":"nsbinfmt","handler_is":"the bpf selector, loaded by the installer","flags":"",
			"bound":{"qemu-aarch64":"/usr/bin/qemu-aarch64-static",
				"qemu-s390x":"/usr/bin/qemu-s390x-static"}}]'
	else
		echo "$json" | jq -e '.entries | map(.name + " " + .type) | sort == ["qemu-aarch64 M","qemu-s390x M"]'
	fi
}

@test "handler bpf: the selector, or one line saying why not" {
	run --separate-stderr "$NSB" run --handler bpf -e riscv64 -- "$NSB" status --json
	if has_selector; then
		[ "$status" -eq 0 ]
		echo "$output" | jq -e '.entries | map(.type) == ["B"]'
	else
		[ "$status" -eq 125 ]
		output=$stderr
		assert_one_line_error "bpf selector needs Linux >= 7.3"
	fi
}

@test "handler magic: magic entries on every kernel; a bad handler is a usage error" {
	run "$NSB" run -H magic -e arm64 -- "$NSB" status --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.entries | map(.name + " " + .type) == ["qemu-aarch64 M"]'
	run "$NSB" run -H ebpf -e arm64 -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"--handler takes auto, magic or bpf: ebpf"* ]]
}

@test "unprivileged: magic entries; where the kernel has the selector a line says why" {
	local a
	a=$(fixture arm64)
	run --separate-stderr as_user "$NSB" run -e arm64 -- "$a" uname -m
	[ "$status" -eq 0 ]
	[ "$output" = aarch64 ]
	if has_selector; then
		[[ "$stderr" == "nsbinfmt: magic entries, not the bpf selector: "*CAP_BPF*"Operation not permitted; no pinned selector: "* ]]
	else
		[ "$stderr" = "" ]
	fi
	run --separate-stderr as_user "$NSB" run -H bpf -e arm64 -- true
	[ "$status" -eq 125 ]
	[[ "$stderr" == "nsbinfmt: "*"bpf selector"* ]]
}

@test "selector: every architecture's probe runs through one B entry" {
	require_selector
	run "$NSB" run -H bpf -l probe -e all -- "$NSB" verify --json
	[ "$status" -eq 0 ]
	local n
	n=$("$NSB" catalog --json | jq '[.[] | select(.state != "native")] | length')
	[ "$n" -gt 20 ]
	echo "$output" | jq -e --argjson n "$n" \
		'length == $n and all(.status == "ok" and (.name | startswith("nsbinfmt/qemu-")) and (.detail | endswith("probe ran (here); through the bpf selector, loaded by the installer")))'
}

# Two sandboxes, arm64 in one and s390x in the other: each runs its own
# architecture only, and its entry binds only its own emulator; $1 is the
# handler that entry names (loaded: nsbinfmt; pinned: nsbinfmt.pin).
two_sandboxes() {
	local a s
	a=$(fixture arm64)
	s=$(fixture s390x)
	start_target sleep 600
	local t1=$TARGET
	start_target sleep 600
	local t2=$TARGET
	run "$NSB" install -H bpf --pid "$t1" -e arm64
	[ "$status" -eq 0 ]
	[[ "$output" == "nsbinfmt/qemu-aarch64 "*ok*"probe ran"* ]]
	run "$NSB" install -H bpf --pid "$t2" -e s390x
	[ "$status" -eq 0 ]
	TARGET=$t1
	run in_target "$a" uname -m
	[ "$output" = aarch64 ]
	# ENOEXEC: nsenter's execvp() then hands the file to /bin/sh
	run in_target "$s" uname -m
	[ "$status" -ne 0 ]
	[[ "$output" == *"Syntax error"* ]]
	TARGET=$t2
	run in_target "$s" uname -m
	[ "$output" = s390x ]
	run in_target "$a" uname -m
	[ "$status" -ne 0 ]
	[[ "$output" == *"Syntax error"* ]]
	run "$NSB" status --pid "$t2" --json
	echo "$output" | jq -e --arg h "$1" '.entries | map(.bound | keys) == [["qemu-s390x"]] and .[0].handler == $h'
}

@test "selector: two sandboxes' selectors are independent" {
	require_selector
	two_sandboxes nsbinfmt
}

@test "selector: two sandboxes on the selector root pinned: independent all the same" {
	require_selector
	"$NSB" pin >/dev/null
	PINNED=1
	two_sandboxes nsbinfmt.pin
}

@test "selector: installs accumulate as further B entries; the same install is reused" {
	require_selector
	local a s
	a=$(fixture arm64)
	s=$(fixture s390x)
	start_target --as-user sleep 600
	run "$NSB" install -H bpf --pid "$TARGET" -e arm64
	[ "$status" -eq 0 ]
	run "$NSB" install -H bpf --pid "$TARGET" -e s390x
	[ "$status" -eq 0 ]
	run "$NSB" install -H bpf --pid "$TARGET" -e arm64
	[ "$status" -eq 0 ]
	run "$NSB" status --pid "$TARGET" --json
	echo "$output" | jq -e '.entries | map(.name + "=" + (.bound | keys | join(","))) | sort ==
		["nsbinfmt.1=qemu-s390x", "nsbinfmt=qemu-aarch64"]'
	run in_target "$a" uname -m
	[ "$output" = aarch64 ]
	run in_target "$s" uname -m
	[ "$output" = s390x ]
}

@test "selector: native binaries, scripts and garbage never commit to it" {
	require_selector
	local i
	i=$(fixture i386)
	printf '#!/bin/sh\necho script-ran\n' > "$NSB_BIN_DIR/script"
	head -c 200 /dev/urandom > "$NSB_BIN_DIR/garbage"
	printf '\177ELF\002\001\001' > "$NSB_BIN_DIR/short"
	chmod 755 "$NSB_BIN_DIR/script" "$NSB_BIN_DIR/garbage" "$NSB_BIN_DIR/short"
	run "$NSB" run -H bpf -e all -- sh -c "/bin/true && $NSB_BIN_DIR/script && $i uname -m"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = script-ran ]
	[ "${lines[1]}" = x86_64 ]
	# Not ours: the exec fails as it would with no entry at all.
	local f
	for f in garbage short; do
		run "$NSB" run -H bpf -e all -- "$NSB_BIN_DIR/$f"
		[ "$status" -eq 126 ]
		[[ "$output" == *"Exec format error"* ]]
	done
}

@test "selector: exhausting max_binfmt_misc_interpreters is one line, and nothing is left" {
	require_selector
	LIMIT_BEFORE=$(cat /proc/sys/user/max_binfmt_misc_interpreters)
	echo 1 > /proc/sys/user/max_binfmt_misc_interpreters
	start_target sleep 600
	run "$NSB" install -H bpf --pid "$TARGET" -e arm64 -e s390x
	assert_one_line_error "bind \`qemu-s390x\` to entry \`nsbinfmt\`" "max_binfmt_misc_interpreters" "No space left on device"
	run "$NSB" status --pid "$TARGET"
	assert_one_line_error "no binfmt_misc instance is mounted"
	# The limit holds for magic entries (F) too.
	run "$NSB" run -H magic -e arm64 -e s390x -- true
	assert_one_line_error "qemu-s390x" "max_binfmt_misc_interpreters"
}

@test "selector: a name the entry did not bind fails the exec (ENOEXEC), and only that exec" {
	require_selector
	local a
	a=$(fixture arm64)
	[ -x "${NSB_SELECTOR_UNBOUND:-}" ] || { echo "tests/helpers/selector-unbound not built (libbpf)" >&2; return 1; }
	# Bound right, the helper's entry runs the binary ...
	run "$NSB_SELECTOR_UNBOUND" arm64 qemu-aarch64 -- "$a" uname -m
	[ "$status" -eq 0 ]
	[ "$output" = aarch64 ]
	# ... bound under another name, the handler's choice is not there: the
	# binary is not emulated here, as if there were no entry at all.
	run "$NSB_SELECTOR_UNBOUND" arm64 other -- "$a" uname -m
	[ "$status" -eq 126 ]
	[[ "$output" == *"exec $a: Exec format error" ]]
	run "$NSB_SELECTOR_UNBOUND" arm64 other -- /bin/sh -c 'echo native'
	[ "$status" -eq 0 ] && [ "$output" = native ]
}

@test "selector: a failed verification removes its entry and mounts nothing" {
	require_selector
	start_target sleep 600
	run "$NSB" install -H bpf --pid "$TARGET" -e riscv64 --emulator s390x=/bin/true
	[ "$status" -eq 1 ]
	assert_one_line_error "verify \`nsbinfmt/qemu-s390x\`" "probe exited with 0"
	run "$NSB" status --pid "$TARGET"
	assert_one_line_error "no binfmt_misc instance is mounted"
}
