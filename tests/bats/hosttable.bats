#!/usr/bin/env bats
# nsbinfmt host-table: the qemu emulators that Debian's qemu-user-static
# makes systemd-binfmt register in the host's own table at boot, and the
# masks that stop it.  The real systemd-binfmt is run, always in a user
# namespace of its own with an instance of its own and a copy of /etc
# mounted over it: the host's table and /etc stay as they are
# (common_teardown checks the table).

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

SYSTEMD_BINFMT=/lib/systemd/systemd-binfmt

# Fail in CI, else skip, when a file of a package the test needs is missing.
need_file() {
	[ ! -e "$1" ] || return 0
	[ "${CI:-}" != true ] || { echo "$1 is missing: .ci/deps.sh installs $2" >&2; return 1; }
	skip "$1 is missing (package $2)"
}

@test "host-table mask: the real systemd-binfmt registers no qemu entry; unmask: every one again" {
	need_file "$SYSTEMD_BINFMT" systemd
	need_file /usr/lib/binfmt.d/qemu-aarch64.conf qemu-user-static
	local vendor dir
	vendor=$(ls /usr/lib/binfmt.d/qemu-*.conf | wc -l)
	dir=$(mktemp -d)
	# (a copy, not an overlay: in the 7.3 VM /etc is on a file system
	# overlayfs refuses as a lower layer)
	cp -a /etc "$dir/etc"
	run unshare -U -r -m --fork bash -euc '
		mount --bind "$1/etc" /etc
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
		nsb=$2 systemd_binfmt=$3
		boot() {
			echo -1 > /proc/sys/fs/binfmt_misc/status
			"$systemd_binfmt" || true
			echo "$1 $(ls /proc/sys/fs/binfmt_misc | grep -c "^qemu-" || true)"
		}
		boot vendor
		"$nsb" host-table mask >/dev/null 2>&1
		boot masked
		"$nsb" host-table unmask >/dev/null 2>&1
		boot unmasked
		ls /etc/binfmt.d | wc -l
	' bash "$dir" "$NSB" "$SYSTEMD_BINFMT"
	rm -rf "$dir"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ "${lines[-4]}" = "vendor $vendor" ] || { echo "$output" >&2; return 1; }
	[ "${lines[-3]}" = "masked 0" ] || { echo "$output" >&2; return 1; }
	[ "${lines[-2]}" = "unmasked $vendor" ] || { echo "$output" >&2; return 1; }
	[ "${lines[-1]}" = 0 ]
}

@test "host-table: what the table holds now, what boot adds, in text and JSON; no write to it" {
	run "$NSB" host-table
	[ "$status" -eq 0 ]
	[[ "$output" == *"host table: "* ]]
	[[ "$output" == *"at boot: systemd-binfmt registers "*" emulator files host-wide"* ]]
	run "$NSB" host-table --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '(.mounted | type) == "boolean" and (.registered | type) == "array" and (.boot | length) > 0'
}

@test "host-table unmask leaves a file of the administrator's alone; mask does not overwrite it" {
	local root
	root=$(mktemp -d)
	mkdir -p "$root/usr/lib/binfmt.d" "$root/etc/binfmt.d"
	cp /usr/lib/binfmt.d/qemu-aarch64.conf /usr/lib/binfmt.d/qemu-s390x.conf "$root/usr/lib/binfmt.d/"
	ln -s /dev/null "$root/etc/binfmt.d/qemu-s390x.conf"
	run "$NSB" host-table mask --root "$root"
	local masked=$output
	run "$NSB" host-table unmask --root "$root"
	local unmasked=$output
	local left
	left=$(readlink "$root/etc/binfmt.d/qemu-s390x.conf")
	rm -rf "$root"
	[[ "$masked" == *"wrote masks for 1 file in /etc/binfmt.d"* ]] || { echo "$masked" >&2; return 1; }
	[[ "$masked" == *"masked      qemu-aarch64.conf"*"overridden  qemu-s390x.conf"* ]] || { echo "$masked" >&2; return 1; }
	[[ "$unmasked" == *"removed the masks of 1 file"*"registered  qemu-aarch64.conf"*"overridden  qemu-s390x.conf"* ]] ||
		{ echo "$unmasked" >&2; return 1; }
	[ "$left" = /dev/null ]
}

@test "host-table: a bad action or root is one line and exit 2 or 1" {
	run "$NSB" host-table frob
	[ "$status" -eq 2 ]
	[[ "$output" == *"host-table takes show, mask or unmask: frob"* ]]
	run "$NSB" host-table --root /nonexistent
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "nsbinfmt: --root /nonexistent: No such file or directory" ]]
}

@test "check-kernel and host-table count the qemu entries registered now (a private instance standing in for the host's)" {
	need_file /usr/lib/binfmt.d/qemu-aarch64.conf qemu-user-static
	run unshare -U -r -m --fork bash -euc '
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
		cat /usr/lib/binfmt.d/qemu-aarch64.conf > /proc/sys/fs/binfmt_misc/register
		echo ":pyc:E::pyc::/usr/bin/python3:" > /proc/sys/fs/binfmt_misc/register
		"$1" check-kernel | grep "^host table"
		"$1" check-kernel --json | jq .host_emulators
		"$1" host-table --json | jq -c .registered
	' bash "$NSB"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ "${lines[0]}" = "host table: 1 qemu emulators registered for every process (nsbinfmt host-table)" ]
	[ "${lines[1]}" = 1 ]
	[ "${lines[2]}" = '["qemu-aarch64"]' ]
}
