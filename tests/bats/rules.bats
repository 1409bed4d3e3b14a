#!/usr/bin/env bats
# nsbinfmt rules: the register strings `run -e` registers, as binfmt.d
# lines, for a table someone else fills (Nix's pending binfmt-misc
# setting, systemd-binfmt).  Each line is written to a private instance
# here, never to the host's (helpers.bash checks the host table).

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

# The entry files of a sandbox's instance, by name: run ARGS... -- this.
ENTRIES='cd /proc/sys/fs/binfmt_misc && for f in qemu-*; do echo "== $f"; cat "$f"; done'

@test "rules: one line per architecture, the entries run -e registers" {
	run_user rules -e aarch64 -e s390x-linux
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == ":qemu-aarch64:M::"*":/usr/bin/qemu-aarch64-static:POF" ]]
	[[ "${lines[1]}" == ":qemu-s390x:M::"*":/usr/bin/qemu-s390x-static:POF" ]]
	printf '%s\n' "${lines[@]}" > "$NSB_BIN_DIR/qemu.conf"
	chmod 644 "$NSB_BIN_DIR/qemu.conf"
	run_user run -e aarch64 -e s390x -- sh -c "$ENTRIES"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	local want=$output
	run_user run -r "$NSB_BIN_DIR/qemu.conf" -- sh -c "$ENTRIES"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ "$output" = "$want" ] || { diff <(echo "$want") <(echo "$output") >&2; return 1; }
}

@test "rules: the lines register in a private instance through the kernel's own register file" {
	local bb
	bb=$(fixture arm64)
	"$NSB" rules -e arm64 > "$NSB_BIN_DIR/qemu.conf"
	chmod 644 "$NSB_BIN_DIR/qemu.conf"
	# What a table's owner does with a binfmt.d file: each line to register.
	run as_user unshare -Urm sh -c '
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || exit 1
		while IFS= read -r line; do
			printf "%s" "$line" > /proc/sys/fs/binfmt_misc/register || exit 1
		done < "$1"
		exec "$2" uname -m' sh "$NSB_BIN_DIR/qemu.conf" "$bb"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ "$output" = aarch64 ]
}

@test "rules: a dynamically linked emulator is refused in one line, and nothing printed" {
	[ -x /usr/bin/qemu-aarch64 ] || {
		[ "${CI:-}" != true ] || { echo "no /usr/bin/qemu-aarch64 (qemu-user, .ci/deps.sh)" >&2; return 1; }
		skip "qemu-user is not installed"
	}
	# s390x's static line comes first: it is not printed either.
	run "$NSB" rules -e s390x -E aarch64=/usr/bin/qemu-aarch64
	assert_one_line_error "emulate aarch64" "/usr/bin/qemu-aarch64" "dynamically linked"
}

@test "rules: nothing asked for, the native architecture, an unknown one" {
	run "$NSB" rules
	[ "$status" -eq 2 ]
	[[ "$output" == *"rules takes -e ARCH"* ]]
	run "$NSB" rules -e "$(uname -m)"
	assert_one_line_error "runs natively"
	run "$NSB" rules -e vax
	assert_one_line_error "unknown architecture" "vax"
}
