#!/usr/bin/env bats
# nsbinfmt run: unprivileged, real qemu-user-static, Debian's own foreign
# binaries.  The host table is checked after every test (helpers.bash).

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

# Debian arch, the name the test passes to --emulate, expected uname -m
run_arch() {
	local bb
	bb=$(fixture "$1")
	run_user run --emulate "$2" -- "$bb" uname -m
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ "$output" = "$3" ]
}

@test "arm64 busybox prints aarch64 (unprivileged)" { run_arch arm64 aarch64 aarch64; }
@test "armhf by its Debian name" { run_arch armhf armhf armv7l; }
@test "armel by its OCI platform" { run_arch armel linux/arm/v5 armv7l; }
@test "s390x by its Nix system name" { run_arch s390x s390x-linux s390x; }
@test "ppc64el" { run_arch ppc64el ppc64el ppc64le; }
@test "mips64el" { run_arch mips64el linux/mips64le mips64; }
@test "riscv64" { run_arch riscv64 riscv64 riscv64; }

@test "without its entry a foreign binary does not run" {
	local bb
	bb=$(fixture arm64)
	run_user run --emulate s390x -- "$bb" true
	[ "$status" -eq 126 ]
	[[ "$output" == *"Exec format error"* ]]
}

@test "--emulate all registers every non-native emulator, read-only" {
	local bb
	bb=$(fixture arm64)
	run_user run --emulate all -- sh -c \
		"'$bb' uname -m; ls /proc/sys/fs/binfmt_misc | grep -c '^qemu-'; echo -1 > /proc/sys/fs/binfmt_misc/status"
	[ "${lines[0]}" = aarch64 ]
	[ "${lines[1]}" -ge 28 ]
	[[ "$output" == *"Read-only file system"* ]]
	[ "$status" -ne 0 ]
}

@test "i386: native where this machine runs it, emulated where it does not" {
	local i
	i=$(fixture i386)
	# Whether the kernel and the CPU run 32-bit x86 (ia32_emulation=,
	# the hypervisor) decides; Debian's i386 busybox, run directly, says.
	if "$i" true 2>/dev/null; then
		"$NSB" catalog --json | jq -e '.[] | select(.arch=="i386") | .state == "native"'
		run_user run -e i386 -- "$i" true
		assert_one_line_error "i386 runs natively"
	else
		"$NSB" catalog --json | jq -e '.[] | select(.arch=="i386") | .state == "static"'
		run_user run -e i386 -- "$i" uname -m
		[ "$status" -eq 0 ]
		[ "$output" = i686 ]
	fi
}

@test "the command cannot remount, unmount or write the read-only instance, as root of its namespace" {
	local bb cmd
	bb=$(fixture arm64)
	for cmd in 'mount -o remount,rw /proc/sys/fs/binfmt_misc' \
		'mount -o remount,bind,rw /proc/sys/fs/binfmt_misc' \
		'umount /proc/sys/fs/binfmt_misc' 'umount -l /proc/sys/fs/binfmt_misc' \
		'echo 0 > /proc/sys/fs/binfmt_misc/status' \
		'echo -1 > /proc/sys/fs/binfmt_misc/qemu-aarch64' \
		'echo :x:M::NSBX::/bin/sh: > /proc/sys/fs/binfmt_misc/register'; do
		# as the unprivileged user and as real root
		run_user run -e arm64 -- sh -c "$cmd"
		[ "$status" -ne 0 ] || { echo "as user: $cmd succeeded" >&2; return 1; }
		run "$NSB" run -e arm64 -- sh -c "$cmd"
		[ "$status" -ne 0 ] || { echo "as root: $cmd succeeded" >&2; return 1; }
	done
	# nsbinfmt remove from inside: refused, and the instance still used.
	run_user run -e arm64 -- sh -c "$NSB remove --all; '$bb' uname -m"
	[ "${lines[0]}" = aarch64 ]
	[ "${lines[1]}" = "nsbinfmt: the instance at /proc/sys/fs/binfmt_misc is read-only (nsbinfmt run without --writable): its entries stay" ]
	# All of it in one sandbox: the entry is still there and still runs.
	run_user run -e arm64 -- sh -c "id -u; mount -o remount,rw /proc/sys/fs/binfmt_misc;
		umount /proc/sys/fs/binfmt_misc; echo 0 > /proc/sys/fs/binfmt_misc/qemu-aarch64;
		head -n 1 /proc/sys/fs/binfmt_misc/qemu-aarch64; '$bb' uname -m"
	# stdout first, then what failed on stderr
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = enabled ]
	[ "${lines[2]}" = aarch64 ]
}

@test "--writable leaves the instance writable" {
	run_user run -w -e aarch64 -- sh -c \
		'echo -1 > /proc/sys/fs/binfmt_misc/qemu-aarch64 && ls /proc/sys/fs/binfmt_misc'
	[ "$status" -eq 0 ]
	[[ "$output" != *qemu-aarch64* ]]
}

@test "status inside the sandbox shows the private entries" {
	run_user run -e aarch64 -e riscv64 -- "$NSB" status --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.entries | map(.name) | sort == ["qemu-aarch64","qemu-riscv64"]'
	echo "$output" | jq -e '.entries[0].flags == "POF" and .entries[0].enabled'
	echo "$output" | jq -e '.entries[] | select(.name=="qemu-aarch64") | .interpreter == "/usr/bin/qemu-aarch64-static"'
}

@test "verify inside the sandbox runs a probe through every entry" {
	run_user run -e aarch64 -e s390x -e ppc64le -- "$NSB" verify --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e 'length == 3 and all(.status == "ok") and all(.detail | test("probe ran"))'
}

@test "--level probe at run time" {
	run_user run --level probe -e riscv64 -- true
	[ "$status" -eq 0 ]
}

@test "a rules file in binfmt.d format" {
	local bb rules
	bb=$(fixture arm64)
	rules="$NSB_BIN_DIR/arm.conf"
	{
		echo "# Debian's magic, our static emulator"
		sed 's#:/usr/libexec/qemu-binfmt/aarch64-binfmt-P:OPF#:/usr/bin/qemu-aarch64-static:F#' \
			/usr/lib/binfmt.d/qemu-aarch64.conf
	} > "$rules"
	chmod 644 "$rules"
	run_user run --rules "$rules" -- "$bb" uname -m
	[ "$status" -eq 0 ]
	[ "$output" = aarch64 ]
}

@test "a bad rule names the file, line, rule and field, and nothing runs" {
	local rules="$NSB_BIN_DIR/bad.conf"
	printf '# ok\n:good:M::\\x7fELF::/bin/true:F\n:broken:M::\\x7f\\xZZ::/bin/true:F\n' > "$rules"
	chmod 644 "$rules"
	run_user run --rules "$rules" -- echo must-not-run
	[ "$status" -eq 125 ]
	assert_one_line_error "bad.conf:3" "broken" "magic"
}

@test "run as root works the same" {
	local bb
	bb=$(fixture s390x)
	run "$NSB" run -e s390x -- "$bb" uname -m
	[ "$status" -eq 0 ]
	[ "$output" = s390x ]
}

@test "the command's exit status comes through" {
	run_user run -e aarch64 -- sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run_user run -e aarch64 -- /nonexistent/cmd
	[ "$status" -eq 127 ]
	assert_one_line_error "exec /nonexistent/cmd"
}

@test "--keep-ids (root): host ids kept, still a private instance" {
	run "$NSB" run --keep-ids -e aarch64 -- sh -c \
		'cat /proc/self/uid_map; stat -c %u /proc/1; ls /proc/sys/fs/binfmt_misc'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^[[:space:]]*0[[:space:]]+0[[:space:]]+4294967295$ ]]
	# root: the bpf selector's entry where the kernel has it
	if has_selector; then
		[ "${lines[2]}" = nsbinfmt ]
	else
		[ "${lines[2]}" = qemu-aarch64 ]
	fi
	run_user run --keep-ids -e aarch64 -- true
	[ "$status" -eq 125 ]
	assert_one_line_error "keeping the host's ids needs root"
}

# The fds open in a shell: its own listing of /proc/$$/fd (no pipe in that
# shell: one would be open in it while ls reads).  fds CMD... sorts it.
FDS='ls /proc/$$/fd'
fds() {
	"$@" | sort -n | tr '\n' ' '
}

# bare CMD...: CMD with no fd but 0, 1 and 2 (bats holds more, and which
# depends on how it runs the test).
bare() {
	bash -c 'for f in /proc/$$/fd/*; do
		n=${f##*/}; [ "$n" -le 2 ] || eval "exec $n>&-"; done; exec "$@"' bare "$@"
}

@test "no fd of nsbinfmt reaches the command or the emulator (O_CLOEXEC)" {
	local bb want got reg
	bb=$(fixture arm64)
	# The command: the same fds as the same shell run without nsbinfmt.
	want=$(fds bare sh -c "$FDS")
	[ "$want" = "0 1 2 " ]
	got=$(fds bare "$NSB" run -l probe -e arm64 -- sh -c "$FDS")
	[ "$got" = "$want" ] || { echo "want [$want], got [$got]" >&2; return 1; }
	# The emulated process: against a sandbox the test makes by hand with
	# Debian's own aarch64 rule and the same emulator.
	reg=$(sed 's|:[^:]*:[A-Z]*$|:/usr/bin/qemu-aarch64-static:PF|' /usr/lib/binfmt.d/qemu-aarch64.conf)
	want=$(fds bare unshare -Urm sh -c 'mount -t binfmt_misc none /proc/sys/fs/binfmt_misc &&
		printf "%s" "$1" > /proc/sys/fs/binfmt_misc/register && exec "$2" sh -c "$3"' sh "$reg" "$bb" "$FDS")
	got=$(fds bare "$NSB" run -l probe -e arm64 -- "$bb" sh -c "$FDS")
	[ -n "$want" ]
	[ "$got" = "$want" ] || { echo "want [$want], got [$got]" >&2; return 1; }
	# What the emulator inherits from the probe: the probe's memfd (it has
	# to open the binary), no more.
	run bare "$NSB" run -l probe -E "arm64=$NSB_FD_LIST" -- true
	[ "$status" -eq 125 ]
	got=$(printf '%s\n' "$output" | grep -v ' -> /memfd:nsbinfmt-probe' |
		sed -n 's/^fd \([0-9]*\) -> .*/\1/p' | sort -n | tr '\n' ' ')
	[ "$got" = "0 1 2 " ] || { echo "got [$got]: $output" >&2; return 1; }
}
