#!/usr/bin/env bats
# The $ORIGIN loader (Linux >= 7.3): a relocatable binary, built here with
# gcc, its glibc loader and libraries copied into a tree that is then
# moved, runs natively with PT_INTERP "$ORIGIN/../lib/ld-linux...".  The
# first test asserts what each kind of kernel must do; the rest need B
# entries and run in the VM (make check-vm).  Host table checked after each.

load helpers

setup() {
	common_setup
	require gcc
}
teardown() { common_teardown; }

@test "--origin: the loader where the kernel has B entries, one line elsewhere" {
	make_tree
	run --separate-stderr "$NSB" run --origin -- "$TREE/bin/hello" one two
	if has_selector; then
		[ "$status" -eq 0 ]
		[ "$stderr" = "" ]
		[ "${lines[0]}" = "argv0: $TREE/bin/hello" ]
	else
		[ "$status" -eq 125 ]
		output=$stderr
		assert_one_line_error "the \$ORIGIN loader needs Linux >= 7.3"
	fi
}

@test "origin: a moved tree runs with its own loader, libraries, exe and argv" {
	require_selector
	make_tree
	run "$NSB" run --origin -- "$TREE/bin/hello" one two
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' "argv0: $TREE/bin/hello" "argc: 3" \
		"exe: $TREE/bin/hello" "loader: $TREE/lib/ld.so" \
		"libgreet: $TREE/lib/libgreet.so" "secure: 0" "hello from libgreet")" ] ||
		{ echo "got: $output" >&2; return 1; }
	# without the loader the kernel takes "$ORIGIN/..." literally
	run "$NSB" run -H magic -e arm64 -- "$TREE/bin/hello"
	[ "$status" -eq 127 ]
	# ".." after $ORIGIN is resolved by the lookup, and a symlink to the
	# binary is followed: $ORIGIN is the directory of the file itself
	ln -s "$TREE/bin/hello" "$NSB_BIN_DIR/link"
	run "$NSB" run --origin -- "$NSB_BIN_DIR/link"
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = "loader: $TREE/lib/ld.so" ]
}

@test "origin: with the bpf selector, in one sandbox" {
	require_selector
	make_tree
	local a
	a=$(fixture arm64)
	run "$NSB" run --origin -e arm64 -- sh -c "$TREE/bin/hello && $a uname -m && $NSB status --json"
	[ "$status" -eq 0 ]
	[ "${lines[6]}" = "hello from libgreet" ]
	[ "${lines[7]}" = aarch64 ]
	printf '%s\n' "${lines[@]:8}" | jq -e '.entries | map(.name + " " + .handler) | sort ==
		["nsbinfmt nsbinfmt", "nsbinfmt-origin nsbinfmt_origin"]'
}

@test "origin: a 32-bit binary" {
	require_selector
	make_tree -m32
	run "$NSB" run --origin -- "$TREE/bin/hello"
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = "loader: $TREE/lib/ld.so" ]
	[ "${lines[6]}" = "hello from libgreet" ]
}

@test "origin: a missing loader is ENOENT; set-user-ID and set-group-ID binaries are refused" {
	require_selector
	make_tree
	rm "$TREE/lib/ld.so"
	run "$NSB" run --origin -- "$TREE/bin/hello"
	[ "$status" -eq 127 ]
	assert_one_line_error "exec $TREE/bin/hello: No such file or directory"
	local mode
	for mode in u+s g+s; do
		make_tree
		chmod "$mode" "$TREE/bin/hello"
		run "$NSB" run --origin -- "$TREE/bin/hello"
		[ "$status" -eq 126 ]
		assert_one_line_error "exec $TREE/bin/hello: Operation not permitted"
	done
}

@test "origin: malformed and truncated ELF files fail as they would without it" {
	require_selector
	make_tree
	local f="$NSB_BIN_DIR/bad"
	# program headers said to lie far beyond the end of the file
	cp "$TREE/bin/hello" "$f"
	printf '\377\377\377\377\377\377\377\000' | dd of="$f" bs=1 seek=32 conv=notrunc status=none
	# and a relocated binary cut short
	head -c 600 "$TREE/bin/hello" > "$f.short"
	chmod 755 "$f" "$f.short"
	local g
	for g in "$f" "$f.short"; do
		run "$NSB" run --origin -- "$g"
		[ "$status" -eq 126 ] || [ "$status" -eq 127 ]
		[[ "$output" == *"exec $g: "* ]]
	done
	# the sandbox still works afterwards
	run "$NSB" run --origin -- sh -c "$f; $TREE/bin/hello"
	[ "${lines[-1]}" = "hello from libgreet" ]
}

@test "origin: an unprivileged caller gets one line, never a silent no-op" {
	require_selector
	run --separate-stderr as_user "$NSB" run --origin -- true
	[ "$status" -eq 125 ]
	output=$stderr
	assert_one_line_error "load the \$ORIGIN loader (it needs CAP_BPF" \
		"no pinned \$ORIGIN loader"
}

@test "origin: a relocatable binary in a crun container (annotation origin=true)" {
	require_selector
	require crun
	install -m 755 "$NSBINFMT_HOOK" "$NSB_BIN_DIR/nsbinfmt-hook"
	HOOK="$NSB_BIN_DIR/nsbinfmt-hook"
	make_tree
	local b="$NSB_BIN_DIR/c"
	make_bundle "$b" /bin/busybox
	cp -a "$TREE" "$b/rootfs/app"
	chown -R 100000:100000 "$b/rootfs/app"
	set_process "$b" '["/app/bin/hello"]' '{"io.nsbinfmt.origin":"true"}'
	run crun_run run -b "$b" "nsb-o-$$"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "argv0: /app/bin/hello" ]
	[ "${lines[2]}" = "exe: /app/bin/hello" ]
	[ "${lines[3]}" = "loader: /app/lib/ld.so" ]
	[ "${lines[6]}" = "hello from libgreet" ]
	# without the annotation the container cannot start its entrypoint
	set_process "$b" '["/app/bin/hello"]'
	run crun_run run -b "$b" "nsb-o2-$$"
	[ "$status" -ne 0 ]
	[[ "$output" != *"hello from libgreet"* ]]
}

@test "annotation origin: never a silent no-op; a bad value stops the start" {
	install -m 755 "$NSBINFMT_HOOK" "$NSB_BIN_DIR/nsbinfmt-hook"
	HOOK="$NSB_BIN_DIR/nsbinfmt-hook"
	require runc
	local b="$NSB_BIN_DIR/b"
	make_bundle "$b" /bin/busybox
	set_process "$b" '["/bin/busybox","true"]' '{"io.nsbinfmt.origin":"yes"}'
	run runc run -b "$b" "nsb-ob-$$"
	[ "$status" -ne 0 ]
	[[ "$output" == *"annotation io.nsbinfmt.origin: \`yes\` is not true or false"* ]]
	set_process "$b" '["/bin/busybox","true"]' '{"io.nsbinfmt.origin":"true"}'
	run runc run -b "$b" "nsb-ot-$$"
	if has_selector; then
		[ "$status" -eq 0 ]
	else
		[ "$status" -ne 0 ]
		[[ "$output" == *"needs the \$ORIGIN loader (annotation origin=true): the \$ORIGIN loader needs Linux >= 7.3"* ]]
	fi
}
