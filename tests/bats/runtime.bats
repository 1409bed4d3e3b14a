#!/usr/bin/env bats
# nsbinfmt-runtime, the shim for engines that read no hooks.d, on its own:
# what it writes into config.json, what it passes on to the real runtime,
# and bad input.  docker.bats runs it under dockerd and containerd.  The
# host table is checked after every test (helpers.bash).

load helpers

setup() {
	common_setup
	require runc
	shim_setup
}
teardown() { common_teardown; }

shim() { "$SHIM" --nsbinfmt-runtime="$NSB_BIN_DIR/fake-runtime" --nsbinfmt-hook="$HOOK" "$@"; }

@test "runtime: create adds the hook to prestart and poststop, keeps the rest, and the file's mode and owner" {
	local b="$NSB_BIN_DIR/b"
	make_bundle "$b" "$(fixture arm64)"
	# What a runtime must get back as it was: other hooks, big and
	# exponent numbers, unicode, escapes, unknown fields.
	jq '.hooks = {"prestart": [{"path": "/bin/true"}], "createContainer": [{"path": "/bin/true"}]}' \
		"$b/config.json" > "$b/c"
	{
		echo '{"x": {"big": 18446744073709551615, "exp": 1e3, "neg": -0.5, "s": "é\u0001\"\\/", "n": null, "t": [true, false]},'
		tail -n +2 "$b/c"
	} > "$b/config.json"
	rm "$b/c"
	chown 1234:5678 "$b/config.json"
	chmod 0640 "$b/config.json"
	local before inode
	before=$(jq -S 'del(.hooks)' "$b/config.json")
	inode=$(stat -c %i "$b/config.json")
	run shim --root /run/x --log "$b/log.json" --log-format json --systemd-cgroup create --bundle "$b" --pid-file "$b/pid" c1
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "$(jq -S 'del(.hooks)' "$b/config.json")" = "$before" ]
	grep -q '"big":18446744073709551615' "$b/config.json"
	grep -q '"exp":1e3' "$b/config.json"
	jq -e --arg h "$HOOK" '.hooks == {
		"prestart": [{"path": "/bin/true"}, {"path": $h, "args": ["nsbinfmt-hook"]}],
		"createContainer": [{"path": "/bin/true"}],
		"poststop": [{"path": $h, "args": ["nsbinfmt-hook"]}]}' "$b/config.json"
	[ "$(stat -c '%u %g %a' "$b/config.json")" = "1234 5678 640" ]
	# Replaced by a rename, nothing left beside it.
	[ "$(stat -c %i "$b/config.json")" != "$inode" ]
	[ "$(ls -A "$b")" = "$(printf 'config.json\nrootfs')" ]
	# The runtime got every argument as it came, ours removed.
	[ "$(cat "$NSB_BIN_DIR/argv")" = "$(printf '%s\n' --root /run/x --log "$b/log.json" --log-format json --systemd-cgroup create --bundle "$b" --pid-file "$b/pid" c1)" ]
	# Again: the hook is there, the file is left alone.
	inode=$(stat -c %i "$b/config.json")
	run shim create -b "$b" c1
	[ "$status" -eq 0 ] && [ "$(stat -c %i "$b/config.json")" = "$inode" ]
}

@test "runtime: the bundle from --bundle=, -b, or the working directory; run too" {
	local b="$NSB_BIN_DIR/b" form
	make_bundle "$b" "$(fixture arm64)"
	for form in "--bundle=$b" "-b $b" "cwd"; do
		jq 'del(.hooks)' "$b/config.json" > "$b/c"
		mv "$b/c" "$b/config.json"
		if [ "$form" = cwd ]; then
			(cd "$b" && shim run c1)
		else
			# shellcheck disable=SC2086
			shim --debug create $form c1
		fi
		jq -e --arg h "$HOOK" '.hooks.prestart == [{"path": $h, "args": ["nsbinfmt-hook"]}]' "$b/config.json"
	done
}

@test "runtime: every other command and unknown options pass straight through" {
	local b="$NSB_BIN_DIR/b" cmd
	make_bundle "$b" "$(fixture arm64)"
	jq 'del(.hooks)' "$b/config.json" > "$b/c"
	mv "$b/c" "$b/config.json"
	cp "$b/config.json" "$NSB_BIN_DIR/orig"
	for cmd in start state kill delete exec ps features --version; do
		(cd "$b" && shim --future-flag --root /r "$cmd" --bundle "$b" --x c1)
		[ "$(cat "$NSB_BIN_DIR/argv")" = "$(printf '%s\n' --future-flag --root /r "$cmd" --bundle "$b" --x c1)" ]
	done
	cmp "$b/config.json" "$NSB_BIN_DIR/orig"
	# A value of a global option is not the command.
	shim --root create --log /l state c1
	cmp "$b/config.json" "$NSB_BIN_DIR/orig"
	# The real runtime by default: runc, which runs the container.
	set_process "$b" '["/bin/busybox","uname","-m"]'
	jq 'del(.hooks)' "$b/config.json" > "$b/c"
	mv "$b/c" "$b/config.json"
	run "$SHIM" --nsbinfmt-hook="$HOOK" run -b "$b" "nsb-rt-$$"
	[ "$status" -eq 0 ]
	[ "$output" = aarch64 ]
	run "$SHIM" --help
	[ "$status" -eq 0 ] && [[ "${lines[0]}" == "Usage: nsbinfmt-runtime "* ]]
}

@test "runtime: a native container gets no hook unless an annotation asks; where the shim cannot tell, the hook decides" {
	local b="$NSB_BIN_DIR/b" i args
	make_bundle "$b" /bin/busybox
	# A native entrypoint, or none there (the hook would find nothing to
	# do either; the runtime says what is missing): nothing written.
	for args in '["/bin/busybox","true"]' '["/nonexistent"]'; do
		set_process "$b" "$args"
		jq 'del(.hooks)' "$b/config.json" > "$b/c"
		mv "$b/c" "$b/config.json"
		cp "$b/config.json" "$NSB_BIN_DIR/orig"
		run shim create --bundle "$b" c1
		[ "$status" -eq 0 ]
		[ "$output" = "" ]
		cmp "$b/config.json" "$NSB_BIN_DIR/orig"
		[ "$(cat "$NSB_BIN_DIR/argv")" = "$(printf '%s\n' create --bundle "$b" c1)" ]
	done
	# Asked for emulation or the loader, a bad annotation, a rootfs the shim
	# cannot read: the hook goes in, and acts or says why at prestart.
	local -a cases=(
		'["/bin/busybox","true"]' '{"io.nsbinfmt.emulate":"arm64"}'
		'["/bin/busybox","true"]' '{"io.nsbinfmt.origin":"true"}'
		'["/bin/busybox","true"]' '{"io.nsbinfmt.emulate":"vax"}'
	)
	for ((i = 0; i < ${#cases[@]}; i += 2)); do
		set_process "$b" "${cases[i]}" "${cases[i + 1]}"
		assert_hooked "$b" "${cases[i + 1]}"
	done
	set_process "$b" '["/bin/busybox","true"]'
	jq '.root.path = "gone"' "$b/config.json" > "$b/c"
	mv "$b/c" "$b/config.json"
	assert_hooked "$b" "a rootfs that is not there"
}

# assert_hooked BUNDLE WHAT: create through the shim adds the hook.
assert_hooked() {
	jq 'del(.hooks)' "$1/config.json" > "$1/c" && mv "$1/c" "$1/config.json"
	run shim create --bundle "$1" c1
	[ "$status" -eq 0 ] || { echo "$2: exit $status" >&2; return 1; }
	[ "$output" = "" ] || { echo "$2: $output" >&2; return 1; }
	jq -e --arg h "$HOOK" '.hooks.prestart == [{"path": $h, "args": ["nsbinfmt-hook"]}]' "$1/config.json" >/dev/null ||
		{ echo "$2: no hook" >&2; return 1; }
}

@test "runtime: a container in the host's user namespace gets no hook; one line, also in the runtime's log, if it needs emulation" {
	local b="$NSB_BIN_DIR/b"
	# Native: nothing to say.
	make_bundle "$NSB_BIN_DIR/n" /bin/busybox nouserns
	jq 'del(.hooks)' "$NSB_BIN_DIR/n/config.json" > "$NSB_BIN_DIR/n/c"
	mv "$NSB_BIN_DIR/n/c" "$NSB_BIN_DIR/n/config.json"
	run shim create --bundle "$NSB_BIN_DIR/n" c0
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	jq -e '.hooks == null' "$NSB_BIN_DIR/n/config.json"
	make_bundle "$b" "$(fixture arm64)" nouserns
	jq 'del(.hooks)' "$b/config.json" > "$b/c"
	mv "$b/c" "$b/config.json"
	cp "$b/config.json" "$NSB_BIN_DIR/orig"
	run shim --log "$b/log.json" --log-format json create --bundle "$b" c1
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "nsbinfmt-runtime: bundle $b: the container needs aarch64 emulation (/bin/sh is aarch64), but would run in the host's user namespace"*"no nsbinfmt-hook"*"userns-remap"* ]]
	cmp "$b/config.json" "$NSB_BIN_DIR/orig"
	jq -e --arg o "$output" '.level == "warning" and .msg == $o and (.time | test("^[0-9-]+T[0-9:]+Z$"))' "$b/log.json"
	[ "$(cat "$NSB_BIN_DIR/argv")" = "$(printf '%s\n' --log "$b/log.json" --log-format json create --bundle "$b" c1)" ]
	# A user namespace joined by path: the initial one is the host's too.
	jq '.linux.namespaces += [{"type": "user", "path": "/proc/1/ns/user"}]' "$NSB_BIN_DIR/orig" > "$b/config.json"
	run shim create --bundle "$b" c1
	[[ "$output" == *"would run in the host's user namespace"* ]]
	jq -e '.hooks == null' "$b/config.json"
}

@test "runtime: bad input is one line, leaves the bundle as it was and runs nothing" {
	local b="$NSB_BIN_DIR/b"
	mkdir -p "$b"
	rm -f "$NSB_BIN_DIR/argv"
	run shim create --bundle "$NSB_BIN_DIR/none" c1
	[ "$status" -eq 1 ]
	assert_one_line_error "nsbinfmt-runtime: bundle $NSB_BIN_DIR/none" "No such file or directory"
	run shim create --bundle "$b" c1
	assert_one_line_error "bundle $b" "config.json" "No such file or directory"
	local bad
	for bad in '{"hooks": ' '[1, 2]' '{"linux": {"namespaces": [{"type": "user"}]}, "hooks": {}, "hooks": {}}' ''; do
		printf '%s' "$bad" > "$b/config.json"
		run shim create --bundle "$b" c1
		[ "$status" -eq 1 ]
		assert_one_line_error "nsbinfmt-runtime: " "config.json"
		[ "$(cat "$b/config.json")" = "$bad" ]
		[ "$(ls -A "$b")" = config.json ]
	done
	# A config.json that is a symlink is not followed.
	ln -sf /etc/passwd "$b/l"
	mv "$b/l" "$b/config.json"
	run shim create --bundle "$b" c1
	assert_one_line_error "bundle $b" "config.json" "Too many levels of symbolic links"
	[ ! -e "$NSB_BIN_DIR/argv" ]
	# The hook must be an absolute path; the runtime must exist.
	make_bundle "$NSB_BIN_DIR/ok" "$(fixture arm64)"
	run "$SHIM" --nsbinfmt-hook=nsbinfmt-hook create --bundle "$NSB_BIN_DIR/ok" c1
	assert_one_line_error "the hook \`nsbinfmt-hook\` is not an absolute path"
	run "$SHIM" --nsbinfmt-runtime=/nonexistent state c1
	[ "$status" -eq 127 ]
	assert_one_line_error "nsbinfmt-runtime: run /nonexistent: No such file or directory"
}
