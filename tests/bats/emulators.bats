#!/usr/bin/env bats
# Emulators chosen per container (issue 22): the registry root administers,
# two qemu releases of one architecture side by side (bookworm's
# qemu-user-static 7.2 and backports' 10.0, both Debian's), entries of the
# host's table inherited on request, an empty table, set-user-ID programs
# under emulation (C), and the refusals.  The host table is checked after
# every test (helpers.bash).

load helpers

QEMU10=${FIXTURES}/qemu-backports/usr/bin

setup() {
	common_setup
	[ -x "$QEMU10/qemu-aarch64" ] || {
		echo "no qemu 10.0 in $QEMU10: run tests/fixtures/fetch-qemu.sh" >&2
		return 1
	}
	REG="$NSB_BIN_DIR/emulators.d"
	mkdir -m 755 "$REG"
	printf '%s\n' "# two releases, by name" \
		"qemu-7.2  aarch64,riscv64,s390x  /usr/bin/qemu-{arch}-static" \
		"qemu-10.0 aarch64,riscv64,s390x  $QEMU10/qemu-{arch}" >"$REG/test.conf"
	export NSBINFMT_EMULATORS_DIR="$REG"
	ARM64=$(fixture arm64)
}
teardown() {
	[ -z "${STORE:-}" ] || podman_teardown
	common_teardown
}

# What a run with OPTIONS sees: its qemu-aarch64 entry's interpreter, and
# the version of the emulator an arm64 process runs in (its /proc/PID/exe
# is the emulator), while the other run is running too.
probe_run() {
	"$NSB" run "$@" -- sh -c '"$0" sleep 3 & p=$!
		grep -h interpreter /proc/sys/fs/binfmt_misc/* 2>/dev/null
		sleep 1; /proc/$p/exe --version | head -n1; wait' "$ARM64"
}

# Two runs of arm64 at once with handler $1 (-H), on qemu 7.2 and 10.0:
# each one's table names its own emulator (the line is $2 then the path)
# and its process runs in it.
side_by_side() {
	probe_run -H "$1" -E arm64=qemu-7.2 >"$NSB_BIN_DIR/a" 2>&1 &
	local a=$!
	probe_run -H "$1" -E arm64=qemu-10.0 >"$NSB_BIN_DIR/b" 2>&1 ||
		{ echo "10.0: $(cat "$NSB_BIN_DIR/b")" >&2; return 1; }
	wait "$a" || { echo "7.2: $(cat "$NSB_BIN_DIR/a")" >&2; return 1; }
	run cat "$NSB_BIN_DIR/a"
	[ "${lines[0]}" = "$2/usr/bin/qemu-aarch64-static" ] || { echo "7.2: $output" >&2; return 1; }
	[[ "${lines[1]}" == "qemu-aarch64 version 7.2."* ]]
	run cat "$NSB_BIN_DIR/b"
	[ "${lines[0]}" = "$2$QEMU10/qemu-aarch64" ] || { echo "10.0: $output" >&2; return 1; }
	[[ "${lines[1]}" == "qemu-aarch64 version 10.0."* ]]
}

@test "two runs of one architecture at once, each with its own qemu release" {
	side_by_side magic "interpreter "
}

@test "the bpf selector binds the chosen emulators as magic entries do" {
	require_selector
	side_by_side bpf "bpf-interpreter qemu-aarch64 "
}

@test "the unprivileged user picks a registry name too; the default is qemu" {
	run as_user env NSBINFMT_EMULATORS_DIR="$REG" "$NSB" run -H magic -H magic -E riscv64=qemu-10.0 -- \
		grep interpreter /proc/sys/fs/binfmt_misc/qemu-riscv64
	[ "$status" -eq 0 ]
	[ "$output" = "interpreter $QEMU10/qemu-riscv64" ]
	run as_user env NSBINFMT_EMULATORS_DIR="$REG" "$NSB" run -H magic -H magic -e riscv64 -- \
		grep interpreter /proc/sys/fs/binfmt_misc/qemu-riscv64
	[ "$output" = "interpreter /usr/bin/qemu-riscv64-static" ]
	# A registry line named qemu replaces the host's for that architecture.
	echo "qemu riscv64 $QEMU10/qemu-riscv64" >"$REG/default.conf"
	run "$NSB" run -H magic -e riscv64 -- grep interpreter /proc/sys/fs/binfmt_misc/qemu-riscv64
	[ "$output" = "interpreter $QEMU10/qemu-riscv64" ]
}

@test "catalog lists the registry with versions, and what it refuses" {
	echo "broken aarch64 /bin/true" >"$REG/z.conf"
	run "$NSB" catalog --json
	[ "$status" -eq 0 ]
	local arm
	arm=$(echo "$output" | jq -c '.[] | select(.arch == "aarch64")')
	echo "$arm" | jq -e '.version | startswith("7.2.")'
	echo "$arm" | jq -e '.emulators[] | select(.name == "qemu-10.0") |
		.state == "static" and (.version | startswith("10.0.")) and .flags == "PO"'
	echo "$arm" | jq -e '.emulators[] | select(.name == "broken") |
		.state == "refused" and (.error | contains("z.conf:1") and contains("dynamically linked"))'
	run "$NSB" catalog
	[[ "$output" == *"qemu-10.0      static   PO   10.0."* ]]
}

@test "the registry's refusals: one line each, naming file and line" {
	echo "bad-line aarch64" >"$REG/b.conf"
	run "$NSB" run -H magic -e arm64 -- true
	assert_one_line_error "$REG/b.conf:1" "NAME ARCHES PATH"
	echo "wrong aarch64 $QEMU10/qemu-riscv64" >"$REG/b.conf"
	run "$NSB" run -H magic -E arm64=wrong -- true
	assert_one_line_error "$REG/b.conf:1" "a qemu of another architecture"
	echo "dyn aarch64 /bin/true" >"$REG/b.conf"
	run "$NSB" run -H magic -E arm64=dyn -- true
	assert_one_line_error "$REG/b.conf:1" "dynamically linked"
	# an emulator others may write
	install -m 777 "$QEMU10/qemu-aarch64" "$NSB_BIN_DIR/q"
	echo "open aarch64 $NSB_BIN_DIR/q" >"$REG/b.conf"
	run "$NSB" run -H magic -E arm64=open -- true
	assert_one_line_error "$REG/b.conf:1" "others than root may write it"
	# a registry file non-root may write, and one a user owns
	echo "# fine" >"$REG/b.conf"
	chmod 666 "$REG/b.conf"
	run "$NSB" run -H magic -e arm64 -- true
	assert_one_line_error "$REG/b.conf: refused"
	chmod 644 "$REG/b.conf"
	chown "$NSB_TEST_USER" "$REG/b.conf"
	run "$NSB" run -H magic -e arm64 -- true
	assert_one_line_error "$REG/b.conf: refused"
	rm -f "$REG/b.conf"
	run "$NSB" run -H magic -E arm64=qemu-9.0 -- true
	assert_one_line_error "no emulator \`qemu-9.0\` for aarch64 in the registry"
}

# A throwaway parent: a user namespace of its own, with its own instance
# at /proc/sys/fs/binfmt_misc holding one entry, parent-arm64; nsbinfmt
# runs inside it as on a host whose table has that entry.
in_parent() {
	local reg
	reg=$("$NSB" rules -e arm64 | sed 's/^:qemu-aarch64:/:parent-arm64:/; s/:[A-Z]*$/:F/')
	unshare -Urm --propagation private sh -c '
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || exit 1
		printf "%s" "$1" >/proc/sys/fs/binfmt_misc/register || exit 1
		shift
		"$@"' sh "$reg" "$@"
}

@test "inherit: a host entry copied by name, all of them, and an unknown name" {
	run in_parent "$NSB" run -H magic --inherit parent-arm64 -- \
		sh -c 'ls /proc/sys/fs/binfmt_misc; grep -E "^(interpreter|flags)" /proc/sys/fs/binfmt_misc/parent-arm64; "$0" uname -m' "$ARM64"
	[ "$status" -eq 0 ]
	[[ "$output" == *"parent-arm64"* ]]
	[[ "$output" == *"interpreter /usr/bin/qemu-aarch64-static"* ]]
	[[ "$output" == *"flags: F"* ]]
	[ "${lines[-1]}" = aarch64 ]
	run in_parent "$NSB" run -H magic --inherit all -e s390x -- ls /proc/sys/fs/binfmt_misc
	[ "$status" -eq 0 ]
	[[ "$output" == *parent-arm64*qemu-s390x* ]]
	run in_parent "$NSB" run -H magic --inherit nope -- true
	assert_one_line_error "the host's table has no entry \`nope\`"
	# a host with no table mounted here
	run "$NSB" run -H magic --inherit parent-arm64 -- true
	assert_one_line_error "inherit" "no binfmt_misc is mounted"
}

@test "emulate none: an empty table, even where the parent's would emulate" {
	# Without nsbinfmt a child namespace falls through to the parent's table.
	run in_parent unshare -Ur "$ARM64" uname -m
	[ "$status" -eq 0 ]
	[ "$output" = aarch64 ]
	run in_parent "$NSB" run -H magic -e none -- sh -c 'ls /proc/sys/fs/binfmt_misc; "$0" uname -m' "$ARM64"
	[ "$status" -ne 0 ]
	[[ "$output" == *"register"*"status"* ]]
	[[ "$output" != *"parent-arm64"* ]]
	[[ "$output" == *"Exec format error"* ]]
	run "$NSB" run -H magic -e none -e arm64 -- true
	assert_one_line_error "--emulate none takes no other"
}

# A root file system with a set-user-ID root arm64 busybox whose `id` keeps
# the privileges it runs with (busybox.conf), and a user to run it as.
make_suid_root() {
	mkdir -p "$1/bin" "$1/etc" "$1/proc" "$1/dev" "$1/sys" "$1/tmp"
	install -m 4755 "$ARM64" "$1/bin/busybox"
	ln -s busybox "$1/bin/sh"
	ln -s busybox "$1/bin/id"
	printf '[SUID]\nid = ssx 0.0\n' >"$1/etc/busybox.conf"
	chmod 644 "$1/etc/busybox.conf"
}

@test "set-user-ID under emulation: its effective uid with --credentials only" {
	local r="$NSB_BIN_DIR/suid"
	make_suid_root "$r"
	run "$NSB" run -H magic -k -e arm64 --credentials -- chroot --userspec=65534:65534 "$r" /bin/busybox id
	[ "$status" -eq 0 ]
	[[ "$output" == *"uid=65534 "*"euid=0 "* ]]
	run "$NSB" run -H magic -k -e arm64 -- grep flags /proc/sys/fs/binfmt_misc/qemu-aarch64
	[ "$output" = "flags: POF" ]
	run "$NSB" run -H magic -k -e arm64 -- chroot --userspec=65534:65534 "$r" /bin/busybox id
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	# C from the registry's line, per emulator
	echo "suid aarch64 /usr/bin/qemu-aarch64-static POC" >"$REG/suid.conf"
	run "$NSB" run -H magic -k -E arm64=suid -- chroot --userspec=65534:65534 "$r" /bin/busybox id
	[[ "$output" == *"euid=0 "* ]]
}

@test "P only where the emulator honours it: an old qemu gets no P" {
	# A qemu release before 6.0, as far as its version string says: a copy
	# of 7.2's file with the version rewritten (same length).
	sed 's/qemu-aarch64 version 7\.2\./qemu-aarch64 version 5.2./' \
		/usr/bin/qemu-aarch64-static >"$NSB_BIN_DIR/qemu-old"
	chmod 755 "$NSB_BIN_DIR/qemu-old"
	echo "old aarch64 $NSB_BIN_DIR/qemu-old" >"$REG/old.conf"
	run "$NSB" run -H magic -E arm64=old -- grep flags /proc/sys/fs/binfmt_misc/qemu-aarch64
	[ "$status" -eq 0 ]
	[ "$output" = "flags: OF" ]
	# argv[0] kept (P): busybox runs the applet it names; without P it
	# gets the binary's path, and is busybox itself, taking -m for an applet
	run "$NSB" run -H magic -E arm64=qemu-10.0 -- bash -c 'exec -a uname "$0" -m' "$ARM64"
	[ "$output" = aarch64 ]
	run "$NSB" run -H magic -E arm64=old -- bash -c 'exec -a uname "$0" -m' "$ARM64"
	[[ "$output" == *"-m: applet not found"* ]]
}

# The hook, for runc bundles (make_bundle) and for podman, with the test's
# registry in its environment as a hooks.d file would set it.
hook_setup() {
	require runc
	install -m 755 "$NSBINFMT_HOOK" "$NSB_BIN_DIR/nsbinfmt-hook"
	HOOK="$NSB_BIN_DIR/nsbinfmt-hook"
}

# runc with bundle DIR, ARGS_JSON and ANNOTATIONS_JSON, the hook's
# environment naming the test's registry.
runc_with() {
	rm -rf "$1"
	make_bundle "$1" "$ARM64"
	set_process "$1" "$2" "$3"
	jq --arg r "NSBINFMT_EMULATORS_DIR=$REG" '.hooks.prestart[0].env=[$r]' \
		"$1/config.json" >"$1/c"
	mv "$1/c" "$1/config.json"
	run runc run -b "$1" "nsb-e-$$"
}

@test "hook: the emulator annotation picks a name; a path or an unknown name stops it" {
	hook_setup
	local b="$NSB_BIN_DIR/b"
	runc_with "$b" '["/bin/busybox","grep","interpreter","/proc/sys/fs/binfmt_misc/qemu-aarch64"]' \
		'{"io.nsbinfmt.emulator":"arm64=qemu-10.0","io.nsbinfmt.handler":"magic"}'
	[ "$status" -eq 0 ]
	[ "$output" = "interpreter $QEMU10/qemu-aarch64" ]
	runc_with "$b" '["/bin/busybox","true"]' \
		'{"io.nsbinfmt.emulator":"arm64=/usr/bin/qemu-aarch64-static"}'
	[ "$status" -ne 0 ]
	[[ "$output" == *"nsbinfmt-hook: container nsb-e-"*"io.nsbinfmt.emulator"*"is a path"* ]]
	runc_with "$b" '["/bin/busybox","true"]' '{"io.nsbinfmt.emulator":"arm64=qemu-9.0"}'
	[ "$status" -ne 0 ]
	[[ "$output" == *"nsbinfmt-hook: container nsb-e-"*"no emulator \`qemu-9.0\` for aarch64"* ]]
	runc_with "$b" '["/bin/busybox","true"]' \
		'{"io.nsbinfmt.emulate":"none","io.nsbinfmt.emulator":"arm64=qemu-10.0"}'
	[ "$status" -ne 0 ]
	[[ "$output" == *"emulate=none takes no emulator or inherit annotation"* ]]
}

@test "hook: emulate none is an empty table, emulate host leaves it to the host's" {
	hook_setup
	local b="$NSB_BIN_DIR/b"
	runc_with "$b" '["/bin/sh","-c","ls /proc/sys/fs/binfmt_misc"]' '{"io.nsbinfmt.emulate":"none"}'
	[ "$status" -ne 0 ]
	[[ "$output" == *"exec format error"* ]]
	# with a native shell, the table it got: empty but for its files
	rm -rf "$b"
	make_bundle "$b" /bin/busybox
	set_process "$b" '["/bin/busybox","ls","/proc/sys/fs/binfmt_misc"]' '{"io.nsbinfmt.emulate":"none"}'
	run runc run -b "$b" "nsb-n-$$"
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "register status" ]
	set_process "$b" '["/bin/busybox","ls","/proc/sys/fs/binfmt_misc"]' '{"io.nsbinfmt.emulate":"host"}'
	run runc run -b "$b" "nsb-n-$$"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

@test "podman: two arm64 containers at once, qemu 7.2 and 10.0 by annotation" {
	hook_setup
	podman_setup
	local v n=1
	for v in 7.2 10.0; do
		pm run -d --name "nsb-$n" $PMRUN --uidmap "0:${n}00000:65536" --gidmap "0:${n}00000:65536" \
			--annotation "io.nsbinfmt.emulator=arm64=qemu-$v" --annotation io.nsbinfmt.handler=magic localhost/nsb-suid /bin/busybox sleep 600 >/dev/null
		n=$((n + 1))
	done
	run pm exec nsb-1 /bin/busybox grep interpreter /proc/sys/fs/binfmt_misc/qemu-aarch64
	[ "$output" = "interpreter /usr/bin/qemu-aarch64-static" ]
	run pm exec nsb-2 /bin/busybox grep interpreter /proc/sys/fs/binfmt_misc/qemu-aarch64
	[ "$output" = "interpreter $QEMU10/qemu-aarch64" ]
	run "/proc/$(pm inspect --format '{{.State.Pid}}' nsb-1)/exe" --version
	[[ "${lines[0]}" == "qemu-aarch64 version 7.2."* ]]
	run "/proc/$(pm inspect --format '{{.State.Pid}}' nsb-2)/exe" --version
	[[ "${lines[0]}" == "qemu-aarch64 version 10.0."* ]]
	podman_teardown
}

@test "podman: a set-user-ID program gets its euid with io.nsbinfmt.credentials=true" {
	hook_setup
	podman_setup
	run pm run --rm $PMRUN --uidmap 0:100000:65536 --gidmap 0:100000:65536 --user 65534:65534 \
		--annotation io.nsbinfmt.credentials=true localhost/nsb-suid /bin/busybox id
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" == "uid=65534 "*"euid=0 "* ]]
	run pm run --rm $PMRUN --uidmap 0:100000:65536 --gidmap 0:100000:65536 --user 65534:65534 \
		localhost/nsb-suid /bin/busybox id
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	podman_teardown
}

PMRUN="--runtime runc --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
pm() { podman $(podman_flags "$STORE") --hooks-dir "$HOOKS" "$@"; }

# Rootful podman with the hook (its environment names the registry) and
# an arm64 image of the set-user-ID root file system.
podman_setup() {
	require podman
	HOOKS="$NSB_BIN_DIR/hooks.d"
	STORE="$NSB_BIN_DIR/store"
	mkdir -p "$HOOKS"
	jq --arg h "$HOOK" --arg r "NSBINFMT_EMULATORS_DIR=$REG" '.hook.path=$h | .hook.env=[$r]' \
		"$NSB_SRCDIR/oci/nsbinfmt-hook.json.in" >"$HOOKS/nsbinfmt-hook.json"
	make_suid_root "$NSB_BIN_DIR/img"
	tar --owner=0 --group=0 -C "$NSB_BIN_DIR/img" -cf "$NSB_BIN_DIR/img.tar" .
	pm import --arch arm64 "$NSB_BIN_DIR/img.tar" localhost/nsb-suid >/dev/null
}

podman_teardown() {
	pm rm -a -f -t 0 >/dev/null 2>&1 || true
	pm rmi -a -f >/dev/null 2>&1 || true
}
