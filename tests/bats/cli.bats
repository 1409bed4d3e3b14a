#!/usr/bin/env bats
# The CLI's contract: help, catalog, check-kernel, and one clear line and a
# non-zero exit for every kind of bad input.

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

@test "--help lists every command" {
	run "$NSB" --help
	[ "$status" -eq 0 ]
	for c in run install status verify remove catalog check-kernel rules; do
		[[ "$output" == *"  $c"* ]]
	done
}

@test "the man page documents every command" {
	for c in run install status verify remove catalog check\\\\-kernel rules; do
		grep -q "^\\.B $c" "$NSB_SRCDIR/man/nsbinfmt.1" || { echo "no $c" >&2; return 1; }
	done
}

@test "unknown command and bad options: exit 2, one line" {
	run "$NSB" frobnicate
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown command: frobnicate"* ]]
	run "$NSB" status --pid banana
	[ "$status" -eq 2 ]
	[[ "$output" == *"--pid takes a process id"* ]]
	run "$NSB" run --level sometimes -e aarch64 -- true
	[ "$status" -eq 2 ]
}

@test "an unknown architecture" {
	run as_user "$NSB" run -e vax -- true
	[ "$status" -eq 125 ]
	assert_one_line_error "unknown architecture" "vax"
}

@test "the native architecture is not emulated" {
	run as_user "$NSB" run -e amd64 -- true
	[ "$status" -eq 125 ]
	assert_one_line_error "x86_64 runs natively"
}

@test "a missing emulator says what to install" {
	run as_user env NSBINFMT_EMULATOR_PATH=/nonexistent "$NSB" run -e arm64 -- true
	[ "$status" -eq 125 ]
	assert_one_line_error "no emulator for aarch64" "qemu-user-static"
	run as_user "$NSB" run --emulator aarch64=qemu-aarch64 -- true
	assert_one_line_error "no emulator \`qemu-aarch64\` for aarch64 in the registry"
	run as_user "$NSB" run --emulator aarch64=bin/qemu -- true
	assert_one_line_error "neither an emulator's name nor an absolute path"
	run as_user "$NSB" run --emulator aarch64=/nonexistent/qemu -- true
	assert_one_line_error "/nonexistent/qemu" "No such file"
}

@test "nothing to install" {
	run as_user "$NSB" run -- true
	assert_one_line_error "nothing to install"
}

@test "a missing rules file" {
	run as_user "$NSB" run -r /nonexistent.conf -- true
	[ "$status" -eq 125 ]
	assert_one_line_error "/nonexistent.conf"
}

@test "the host's table is refused, never written" {
	sleep 600 </dev/null >/dev/null 2>&1 3>&- &
	PIDS+=("$!")
	run "$NSB" install --pid "$!" -e aarch64
	[ "$status" -eq 1 ]
	assert_one_line_error "initial user namespace" "never writes"
	run "$NSB" install --pid $$ -e aarch64
	assert_one_line_error "initial user namespace"
	run "$NSB" status
	assert_one_line_error "initial user namespace"
	run "$NSB" remove --all
	assert_one_line_error "initial user namespace"
}

@test "a dead pid" {
	sleep 0 & local p=$!
	wait "$p"
	run "$NSB" install --pid "$p" -e aarch64
	[ "$status" -eq 1 ]
	assert_one_line_error "pid $p" "No such process"
}

@test "catalog: every Debian architecture, static emulators found" {
	run "$NSB" catalog --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e 'length >= 30'
	echo "$output" | jq -e '.[] | select(.arch=="aarch64") | .state == "static" and .emulator == "/usr/bin/qemu-aarch64-static"'
	echo "$output" | jq -e '.[] | select(.arch=="x86_64") | .state == "native"'
	run "$NSB" catalog
	[[ "$output" == *"riscv64      static"* ]]
}

@test "catalog reports a dynamically linked emulator" {
	require qemu-aarch64
	local d="$NSB_BIN_DIR/emu"
	mkdir "$d"
	ln -s /usr/bin/qemu-aarch64 "$d/qemu-aarch64"
	run env NSBINFMT_EMULATOR_PATH="$d" "$NSB" catalog --json
	echo "$output" | jq -e '.[] | select(.arch=="aarch64") | .state == "dynamic"'
}

@test "check-kernel: one line per feature, reasons for the missing ones" {
	run "$NSB" check-kernel
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "kernel $(uname -r)" ]]
	[[ "$output" == *"yes  private binfmt_misc instances"* ]]
	if [[ "$(uname -r)" == 6.* ]]; then
		for f in "B entries" "flag T" "flag L" "flag D" "sysctl user.max_binfmt" \
			"kfunc bpf_binprm_select_interp" "kfunc bpf_binprm_set_flags"; do
			grep -q "^no   $f.*: needs" <<< "$output" || { echo "no line for $f" >&2; return 1; }
		done
	fi
	run "$NSB" check-kernel --json
	echo "$output" | jq -e '."private-instances" == true'
}

@test "relocate: PT_INTERP rewritten in place; what cannot be is one line and untouched" {
	require readelf
	local b="$NSB_BIN_DIR/true" loader
	loader=$(readelf -l /bin/true | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	[ -n "$loader" ]
	cp /bin/true "$b"
	run "$NSB" relocate "$b" --interp '$ORIGIN/ld.so'
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	readelf -l "$b" | grep -qF '[Requesting program interpreter: $ORIGIN/ld.so]'
	# the kernel alone takes "$ORIGIN/ld.so" literally: no such loader here
	run "$b"
	[ "$status" -ne 0 ]
	run "$NSB" relocate "$b" --interp "$loader"
	[ "$status" -eq 0 ]
	"$b"
	local sum
	sum=$(sha256sum < "$b")
	run "$NSB" relocate "$b" --interp "/$(printf 'x%.0s' $(seq 200))"
	assert_one_line_error "needs 202 bytes, PT_INTERP has" "relink with a longer --dynamic-linker"
	run "$NSB" relocate "$b" --interp lib/ld.so
	assert_one_line_error "\`lib/ld.so\` is neither absolute nor \$ORIGIN/..."
	[ "$(sha256sum < "$b")" = "$sum" ]
	cp /bin/busybox "$NSB_BIN_DIR/static"
	run "$NSB" relocate "$NSB_BIN_DIR/static" --interp /x
	assert_one_line_error "statically linked: no PT_INTERP"
	run "$NSB" relocate /etc/hostname --interp /x
	assert_one_line_error "/etc/hostname: not an ELF file"
	run "$NSB" relocate "$b"
	[ "$status" -eq 2 ]
}
