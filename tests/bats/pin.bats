#!/usr/bin/env bats
# Pinned handlers (Linux >= 7.3): root pins the selector and the $ORIGIN
# loader once (`nsbinfmt pin`), and users who cannot load BPF attach them in
# user namespaces of their own.  The first test asserts what each kind of
# kernel must do; the rest need B entries and run in the VM (make
# check-vm).  Every test leaves no pin behind; host table checked after each.

load helpers

setup() { common_setup; }
teardown() {
	if has_selector; then "$NSB" unpin >/dev/null || return 1; fi
	common_teardown
}

PINS=/sys/fs/bpf/nsbinfmt
# A second unprivileged user, besides $NSB_TEST_USER (exists on Debian).
OTHER_USER=daemon

as_other() {
	setpriv --reuid="$OTHER_USER" --regid=nogroup --clear-groups --reset-env -- "$@"
}

@test "pin: the handlers pinned where the kernel has B entries, one line elsewhere" {
	if ! has_selector; then
		run "$NSB" pin
		[ "$status" -eq 1 ]
		assert_one_line_error "pin: the handlers need Linux >= 7.3 with CONFIG_BINFMT_MISC_BPF"
		[ ! -e "$PINS" ]
		return 0
	fi
	run "$NSB" pin
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' "the bpf selector: pinned at $PINS/selector" \
		"the \$ORIGIN loader: pinned at $PINS/origin")" ]
	# Directories root's alone, pins readable by all: what a read-only
	# BPF_OBJ_GET needs; the bpffs itself searchable (not listable) by all.
	[ "$(stat -c '%U %a' "$PINS" "$PINS/selector" "$PINS/origin")" = "$(printf 'root 755\nroot 755\nroot 755')" ]
	[ "$(stat -c '%n %U %a' "$PINS"/selector/* | sed "s|$PINS/||")" = "$(printf '%s\n' \
		'selector/load root 444' 'selector/match root 444' 'selector/ops root 444' 'selector/rodata root 444')" ]
	[ $(($(stat -c '0%a' /sys/fs/bpf) & 1)) -eq 1 ]
	# Users can open them, not change, replace or remove them.
	run as_user sh -c "echo 1 > $PINS/selector/ops || rm -f $PINS/selector/load ||
		mv $PINS/selector $PINS/x || mkdir $PINS/selector/y || touch $PINS/z"
	[ "$status" -ne 0 ]
	[ "$(ls "$PINS" "$PINS/selector" | tr '\n' ' ')" = "$PINS: origin selector  $PINS/selector: load match ops rodata " ]
	# Idempotent: this build's pins stay as they are.
	local ids
	ids=$(bpftool -j map show pinned "$PINS/selector/ops" | jq .id)
	run "$NSB" pin
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "the bpf selector: this build's pin is in place at $PINS/selector" ]
	[ "$(bpftool -j map show pinned "$PINS/selector/ops" | jq .id)" = "$ids" ]
	run "$NSB" unpin
	[ "$status" -eq 0 ]
	[ "$output" = "2 handler pins removed from $PINS" ]
	[ ! -e "$PINS" ]
	run "$NSB" unpin
	[ "$status" -eq 0 ]
	[ "$output" = "0 handler pins removed from $PINS" ]
	# Not for users.
	run as_user "$NSB" pin
	[ "$status" -eq 1 ]
	[[ "$output" == *"(it needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)"* ]]
}

@test "pin: a user's run gets the pinned selector (unprivileged_bpf_disabled=2); status and verify say so" {
	require_selector
	local a old
	a=$(fixture arm64)
	"$NSB" pin >/dev/null
	old=$(sysctl -n kernel.unprivileged_bpf_disabled)
	sysctl -q kernel.unprivileged_bpf_disabled=2
	run --separate-stderr as_user "$NSB" run -e arm64 -- "$a" uname -m
	local s1=$status o1=$output e1=$stderr
	run --separate-stderr as_user "$NSB" run -e arm64 -e s390x -- "$NSB" status
	local s2=$status o2=$output
	run --separate-stderr as_user "$NSB" run -e arm64 -- "$NSB" verify
	local s3=$status o3=$output
	sysctl -q kernel.unprivileged_bpf_disabled="$old"
	[ "$s1" -eq 0 ]
	[ "$o1" = aarch64 ]
	[ "$e1" = "" ]
	[ "$s2" -eq 0 ]
	[ "$o2" = "$(printf '%s\n' "instance at /proc/sys/fs/binfmt_misc: 1 entry" \
		"  nsbinfmt             enabled  B      nsbinfmt.pin" \
		"    handler: the bpf selector, pinned by root (nsbinfmt pin)" \
		"    bound qemu-aarch64 /usr/bin/qemu-aarch64-static" \
		"    bound qemu-s390x /usr/bin/qemu-s390x-static")" ]
	[ "$s3" -eq 0 ]
	[[ "$o3" == "nsbinfmt/qemu-aarch64 ok "*"probe ran"*"through the bpf selector, pinned by root (nsbinfmt pin)" ]]
	# What the entry did not bind is not emulated: Exec format error.
	run as_user "$NSB" run -e arm64 -- "$(fixture s390x)" uname -m
	[ "$status" -eq 126 ] && [[ "$output" == *"Exec format error" ]]
}

@test "pin: a user's run --origin gets the pinned \$ORIGIN loader" {
	require_selector
	require gcc
	make_tree
	"$NSB" pin >/dev/null
	run --separate-stderr as_user "$NSB" run --origin -- "$TREE/bin/hello" one
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "${lines[0]}" = "argv0: $TREE/bin/hello" ]
	[ "${lines[2]}" = "exe: $TREE/bin/hello" ]
	[ "${lines[3]}" = "loader: $TREE/lib/ld.so" ]
	[ "${lines[-1]}" = "hello from libgreet" ]
	run as_user "$NSB" run --origin -- "$NSB" status
	[ "${lines[2]}" = "    handler: the \$ORIGIN loader, pinned by root (nsbinfmt pin)" ]
	# The pinned loader refuses set-user-ID and set-group-ID binaries too.
	local mode
	for mode in u+s g+s; do
		make_tree
		chmod "$mode" "$TREE/bin/hello"
		run as_user "$NSB" run --origin -- "$TREE/bin/hello"
		[ "$status" -eq 126 ]
		assert_one_line_error "exec $TREE/bin/hello: Operation not permitted"
	done
}

@test "pin: without pins a user's run falls back to magic entries, --origin refuses, one line each" {
	require_selector
	run --separate-stderr as_user "$NSB" run -e arm64 -- "$(fixture arm64)" uname -m
	[ "$status" -eq 0 ]
	[ "$output" = aarch64 ]
	[[ "$stderr" == "nsbinfmt: magic entries, not the bpf selector: "*"; no pinned selector: $PINS: No such file or directory" ]]
	run --separate-stderr as_user "$NSB" run --origin -- true
	[ "$status" -eq 125 ]
	output=$stderr
	assert_one_line_error "no pinned \$ORIGIN loader: $PINS: No such file or directory"
}

@test "pin: two users' sandboxes are independent" {
	require_selector
	local a s
	a=$(fixture arm64)
	s=$(fixture s390x)
	"$NSB" pin >/dev/null
	# Both at once: each attaches the one pinned handler in its own user
	# namespace and binds its own emulator.  The first waits, inside its
	# sandbox, until the second has run; no fixed sleep.
	local sync="$NSB_BIN_DIR/sync" p1 s1=0 i
	mkdir -m 777 "$sync"
	as_user "$NSB" run -e arm64 -- sh -c "touch $sync/one-up
		while [ ! -e $sync/two-done ]; do sleep 0.1; done
		$a uname -m; $s uname -m; exit 0" >"$NSB_BIN_DIR/one" 2>&1 3>&- &
	p1=$!
	PIDS+=("$p1")
	for i in $(seq 600); do
		[ ! -e "$sync/one-up" ] || break
		sleep 0.1
	done
	[ -e "$sync/one-up" ]
	run --separate-stderr as_other "$NSB" run -e s390x -- sh -c "$s uname -m; $a uname -m"
	touch "$sync/two-done"
	wait "$p1" || s1=$?
	[ "$s1" -eq 0 ]
	# Each binds only its own emulator: the other's binary is not emulated.
	[ "$output" = s390x ]
	[ "$stderr" = "sh: 1: $a: Exec format error" ]
	mapfile -t lines <"$NSB_BIN_DIR/one"
	[ "${lines[0]}" = aarch64 ] && [[ "${lines[1]}" == *"$s: Exec format error"* ]]
}

@test "pin: unpinning leaves running sandboxes working; new ones fall back" {
	require_selector
	local a
	a=$(fixture arm64)
	"$NSB" pin >/dev/null
	mkfifo "$NSB_BIN_DIR/go"
	chmod 666 "$NSB_BIN_DIR/go"
	as_user "$NSB" run -e arm64 -- sh -c "cat /proc/sys/fs/binfmt_misc/nsbinfmt; read x <$NSB_BIN_DIR/go; $a uname -m" \
		>"$NSB_BIN_DIR/out" 2>&1 &
	local p=$! i
	# Unpin only once the sandbox has its entry (it prints it, then waits).
	for i in $(seq 600); do
		grep -q '^bpf ' "$NSB_BIN_DIR/out" && break
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	"$NSB" unpin >/dev/null
	[ ! -e "$PINS" ]
	echo go >"$NSB_BIN_DIR/go"
	wait "$p"
	grep -qx "bpf nsbinfmt.pin" "$NSB_BIN_DIR/out"
	[ "$(tail -n 1 "$NSB_BIN_DIR/out")" = aarch64 ]
	run --separate-stderr as_user "$NSB" run -e arm64 -- "$a" uname -m
	[ "$status" -eq 0 ]
	[ "$output" = aarch64 ]
	[[ "$stderr" == *"no pinned selector: $PINS: No such file or directory" ]]
}

@test "pin: a pin that is not this build's is refused, and nsbinfmt pin replaces it whole" {
	require_selector
	require bpftool
	local a
	a=$(fixture arm64)
	"$NSB" pin >/dev/null
	# A directory others may write to: nothing in it is trusted.
	chmod o+w "$PINS/selector"
	run --separate-stderr as_user "$NSB" run -e arm64 -- "$a" uname -m
	chmod o-w "$PINS/selector"
	[ "$status" -eq 0 ]
	[ "$output" = aarch64 ]
	[[ "$stderr" == *"no pinned selector: $PINS/selector is not root's alone (owner 0, mode 757): its pins are not trusted" ]]
	# The $ORIGIN loader's pins where the selector's belong.
	mkdir "$PINS/other"
	for f in ops match load rodata; do mv "$PINS/selector/$f" "$PINS/other/$f"; done
	for f in ops match load rodata; do mv "$PINS/origin/$f" "$PINS/selector/$f"; done
	run --separate-stderr as_user "$NSB" run -e arm64 -- true
	[[ "$stderr" == *"no pinned selector: $PINS/selector: program \`nsb_origin_matc\` is not nsb_match" ]]
	# An array map where the struct_ops map belongs.
	rm -rf "$PINS/other" "$PINS/selector"
	mkdir "$PINS/selector"
	bpftool map create "$PINS/selector/ops" type array key 4 value 4 entries 1 name nsbinfmt
	for f in match load rodata; do
		bpftool map create "$PINS/selector/$f" type array key 4 value 4 entries 1 name "$f"
	done
	chmod 444 "$PINS"/selector/*
	run --separate-stderr as_user "$NSB" run -e arm64 -- true
	[[ "$stderr" == *"no pinned selector: $PINS/selector: "* ]]
	# nsbinfmt pin puts its own in place of the lot.
	run "$NSB" pin
	[ "${lines[0]}" = "the bpf selector: pinned at $PINS/selector" ]
	[ "$(ls "$PINS")" = "$(printf 'origin\nselector')" ]
	[ "$(bpftool -j map show pinned "$PINS/selector/ops" | jq -r .type)" = struct_ops ]
	run --separate-stderr as_user "$NSB" run -e arm64 -- "$a" uname -m
	[ "$status" -eq 0 ] && [ "$output" = aarch64 ] && [ "$stderr" = "" ]
}

@test "pin: another owner, a file system not bpffs, a rodata not the programs', an earlier ops, another build's: refused" {
	require_selector
	require bpftool
	local a size
	a=$(fixture arm64)
	"$NSB" pin >/dev/null
	chown "$NSB_TEST_USER" "$PINS/selector"
	run --separate-stderr as_user "$NSB" run -e arm64 -- "$a" uname -m
	chown root "$PINS/selector"
	[ "$status" -eq 0 ]
	[ "$output" = aarch64 ]
	[[ "$stderr" == *"no pinned selector: $PINS/selector is not root's alone (owner $(id -u "$NSB_TEST_USER"), mode 755): its pins are not trusted" ]]
	# root's, mode 755, but a tmpfs in the user's mount namespace
	run --separate-stderr unshare -m sh -c "mount -t tmpfs -o mode=755 none '$PINS/selector' &&
		exec setpriv --reuid=$NSB_TEST_USER --regid=nogroup --clear-groups --reset-env -- '$NSB' run -e arm64 -- '$a' uname -m"
	[ "$status" -eq 0 ]
	[ "$output" = aarch64 ]
	[[ "$stderr" == *"no pinned selector: $PINS/selector is not on a bpffs" ]]
	# A rodata the programs do not use, pinned where theirs was.
	size=$(bpftool -j map show pinned "$PINS/selector/rodata" | jq .bytes_value)
	rm "$PINS/selector/rodata"
	bpftool map create "$PINS/selector/rodata" type array key 4 value "$size" entries 1 name rodata
	chmod 444 "$PINS/selector/rodata"
	run --separate-stderr as_user "$NSB" run -e arm64 -- "$a" uname -m
	[ "$output" = aarch64 ]
	[[ "$stderr" == *"no pinned selector: $PINS/selector: nsb_match does not use the rodata pinned beside it" ]]
	# The struct_ops map of an earlier pin of this build beside the
	# programs of a later one: its value names the earlier programs.
	"$NSB" unpin >/dev/null
	"$NSB" pin >/dev/null
	mv "$PINS/selector/ops" "$PINS/earlier-ops"
	"$NSB" unpin >/dev/null
	"$NSB" pin >/dev/null
	rm "$PINS/selector/ops"
	mv "$PINS/earlier-ops" "$PINS/selector/ops"
	run --separate-stderr as_user "$NSB" run -e arm64 -- "$a" uname -m
	[ "$output" = aarch64 ]
	[[ "$stderr" == *"no pinned selector: $PINS/selector: ops runs other programs than nsb_match and nsb_load" ]]
	# Pins of another build: its build id differs (pinned so by a test point).
	"$NSB" unpin >/dev/null
	NSBINFMT_TEST_FAIL_AT=pin-build-id "$NSB" pin >/dev/null
	run --separate-stderr as_user "$NSB" run -e arm64 -- "$a" uname -m
	[ "$output" = aarch64 ]
	[[ "$stderr" == *"no pinned selector: $PINS/selector: pinned by another build of nsbinfmt (build id "* ]]
	# and nsbinfmt pin replaces them
	run "$NSB" pin
	[ "${lines[0]}" = "the bpf selector: pinned at $PINS/selector" ]
}

@test "pin: the pinned selector goes only into an instance without other entries" {
	require_selector
	local a s
	a=$(fixture arm64)
	s=$(fixture s390x)
	"$NSB" pin >/dev/null
	# Registered after qemu-s390x it would be tried first and decline
	# s390x: magic entries instead, and a line saying why.
	run --separate-stderr as_user "$NSB" run -w -H magic -e s390x -- sh -c \
		"$NSB install -l none --pid \$\$ -e arm64 && $NSB status && $a uname -m && $s uname -m"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nsbinfmt: magic entries, not the pinned selector: the instance has entries already (\`qemu-s390x\`): the pinned selector's entry would be tried before them and decline their architectures" ]
	[ "${lines[1]}" = "  qemu-aarch64         enabled  M POF  /usr/bin/qemu-aarch64-static" ]
	[ "${lines[-2]}" = aarch64 ]
	[ "${lines[-1]}" = s390x ]
	# Asked for: an error, nothing added.
	run --separate-stderr as_user "$NSB" run -w -H magic -e s390x -- sh -c \
		"$NSB install -H bpf --pid \$\$ -e arm64; echo \$?; ls /proc/sys/fs/binfmt_misc"
	[ "$stderr" = "nsbinfmt: the instance has entries already (\`qemu-s390x\`): the pinned selector's entry would be tried before them and decline their architectures" ]
	[ "$output" = "$(printf '1\nqemu-s390x\nregister\nstatus')" ]
	# Its own entry, binding what is asked, is reused.
	run --separate-stderr as_user "$NSB" run -w -e arm64 -e s390x -- sh -c \
		"$NSB install -l none --pid \$\$ -e arm64 && ls /proc/sys/fs/binfmt_misc"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$output" = "$(printf 'nsbinfmt\nregister\nstatus')" ]
}

@test "nsbinfmt-pin.service: systemd accepts it; its ExecStart pins, its ExecStop unpins" {
	require systemd-analyze
	local unit d="$NSB_BIN_DIR/units" start stop
	unit="$(dirname "$NSBINFMT")/systemd/nsbinfmt-pin.service"
	mkdir -p "$d"
	# As installed, but pointing at the binary under test.
	sed "s|^\(Exec[A-Za-z]*=\)[^ ]*/nsbinfmt |\1$NSB |" "$unit" >"$d/nsbinfmt-pin.service"
	run systemd-analyze verify --man=no "$d/nsbinfmt-pin.service"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	start=$(sed -n 's/^ExecStart=//p' "$d/nsbinfmt-pin.service")
	stop=$(sed -n 's/^ExecStop=//p' "$d/nsbinfmt-pin.service")
	[ "$start" = "$NSB pin" ]
	[ "$stop" = "$NSB unpin" ]
	run $start
	if ! has_selector; then
		[ "$status" -eq 1 ]
		[[ "$output" == *"need Linux >= 7.3"* ]]
		return 0
	fi
	[ "$status" -eq 0 ]
	[ -d "$PINS/selector" ]
	[ -d "$PINS/origin" ]
	run $stop
	[ "$status" -eq 0 ] && [ ! -e "$PINS" ]
}
