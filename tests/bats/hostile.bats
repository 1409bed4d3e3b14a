#!/usr/bin/env bats
# Hostile input to the hook, the runtime shim and the CLI, as a hostile
# bundle, image or sandbox would hand it: JSON that another reader could
# take differently, nesting that used to crash, and files that are not
# regular (FIFOs, device nodes) where a file is read.  Each ends in one
# line and a non-zero exit, leaves nothing behind and never hangs (each
# run has a timeout).  The host table is checked after every test.

load helpers

setup() {
	common_setup
	require runc
	shim_setup
}
teardown() { common_teardown; }

shim() {
	timeout 60 "$SHIM" --nsbinfmt-runtime="$NSB_BIN_DIR/fake-runtime" --nsbinfmt-hook="$HOOK" "$@"
}

state() {
	printf '{"ociVersion":"1.0.2","id":"hostile","status":"creating","pid":%s,"bundle":"%s"}' "$1" "$2"
}

# prepend_member FILE RAW: FILE's top-level object with the member text RAW
# first, written byte for byte as given.
prepend_member() {
	local body
	body=$(jq -c . "$1")
	printf '{%s,%s' "$2" "${body#\{}" > "$1"
}

# nested N: an object holding N nested arrays.
nested() {
	printf '{"a":'
	head -c "$1" /dev/zero | tr '\0' '['
	head -c "$1" /dev/zero | tr '\0' ']'
	printf '}'
}

@test "two million nested arrays in config.json or the state: one line, no crash" {
	local b="$NSB_BIN_DIR/b"
	make_bundle "$b" "$(fixture arm64)"
	nested 2000000 > "$b/config.json"
	cp "$b/config.json" "$NSB_BIN_DIR/orig"
	run shim create --bundle "$b" c1
	[ "$status" -eq 1 ]
	assert_one_line_error "nsbinfmt-runtime:" "nested deeper than 64"
	cmp "$b/config.json" "$NSB_BIN_DIR/orig"
	[ ! -e "$NSB_BIN_DIR/argv" ]
	start_target sleep 600
	run timeout 60 "$HOOK" prestart <<<"$(state "$TARGET" "$b")"
	[ "$status" -eq 1 ]
	assert_one_line_error "nsbinfmt-hook:" "nested deeper than 64"
	nested 2000000 > "$NSB_BIN_DIR/state"
	run timeout 60 "$HOOK" prestart < "$NSB_BIN_DIR/state"
	[ "$status" -eq 1 ]
	assert_one_line_error "the OCI state on stdin" "nested deeper than 64"
}

# Member texts that runc (Go's encoding/json) and a C reader (yajl) could
# take differently, each with what the refusal names.
AMBIGUOUS=(
	'"hooks\u0000x":{"prestart":[{"path":"/bin/touch","args":["touch","/tmp/nsb-pwned"]}]}' "NUL in a member name"
	'"annotations":{"io.nsbinfmt.emulate":"arm64\u0000../../x"}' "NUL in a string"
	'"process":{"args":["/bin/true"],"cwd":"/"}' "duplicate member \`process\`"
	'"Process":{"args":["/bin/true"],"cwd":"/"}' "runc ignores case"
	'"HOOKS":{},"hooks":{}' "duplicate member"
	$'"hoo\u212as":{}' "ASCII letter"
	$'"x":"\xff"' "UTF8"
	'"x":"\ud800"' "surrogate"
)

@test "JSON that runc could read differently: the shim refuses it and never writes it back" {
	local b="$NSB_BIN_DIR/b" i
	for ((i = 0; i < ${#AMBIGUOUS[@]}; i += 2)); do
		rm -rf "$b" "$NSB_BIN_DIR/argv"
		make_bundle "$b" "$(fixture arm64)"
		jq 'del(.hooks)' "$b/config.json" > "$b/c"
		mv "$b/c" "$b/config.json"
		prepend_member "$b/config.json" "${AMBIGUOUS[i]}"
		cp "$b/config.json" "$NSB_BIN_DIR/orig"
		run shim create --bundle "$b" c1
		[ "$status" -eq 1 ] || { echo "case ${AMBIGUOUS[i]}: status $status" >&2; return 1; }
		assert_one_line_error "nsbinfmt-runtime:" "config.json" "${AMBIGUOUS[i + 1]}"
		cmp "$b/config.json" "$NSB_BIN_DIR/orig"
		[ "$(ls -A "$b")" = "config.json
rootfs" ]
		[ ! -e "$NSB_BIN_DIR/argv" ]
	done
	[ ! -e /tmp/nsb-pwned ]
}

@test "JSON that runc could read differently: the hook refuses it and mounts nothing" {
	local b="$NSB_BIN_DIR/b" i
	start_target sleep 600
	for ((i = 0; i < ${#AMBIGUOUS[@]}; i += 2)); do
		rm -rf "$b"
		make_bundle "$b" "$(fixture arm64)"
		prepend_member "$b/config.json" "${AMBIGUOUS[i]}"
		run timeout 60 "$HOOK" prestart <<<"$(state "$TARGET" "$b")"
		[ "$status" -eq 1 ] || { echo "case ${AMBIGUOUS[i]}: status $status" >&2; return 1; }
		assert_one_line_error "nsbinfmt-hook:" "config.json" "${AMBIGUOUS[i + 1]}"
	done
	! grep binfmt_misc "/proc/$TARGET/mountinfo"
	# and on stdin
	run timeout 60 "$HOOK" prestart <<<"{\"pid\":$TARGET,\"pid\":1,\"bundle\":\"$b\"}"
	assert_one_line_error "the OCI state on stdin" "duplicate member \`pid\`"
}

# not_regular KIND PATH: a FIFO or a device node at PATH.
not_regular() {
	rm -f "$2"
	case $1 in
	fifo) mkfifo "$2" ;;
	device) mknod "$2" c 1 5 ;; # /dev/zero: reads for ever
	esac
}

@test "a config.json that is a FIFO or a device node: one line from the shim and the hook" {
	local b="$NSB_BIN_DIR/b" kind
	make_bundle "$b" "$(fixture arm64)"
	start_target sleep 600
	for kind in fifo device; do
		not_regular "$kind" "$b/config.json"
		run shim create --bundle "$b" c1
		[ "$status" -eq 1 ] || { echo "$kind: status $status" >&2; return 1; }
		assert_one_line_error "nsbinfmt-runtime:" "config.json" "not a regular file"
		run timeout 60 "$HOOK" prestart <<<"$(state "$TARGET" "$b")"
		[ "$status" -eq 1 ] || { echo "$kind: status $status" >&2; return 1; }
		assert_one_line_error "nsbinfmt-hook:" "config.json" "not a regular file"
	done
	[ ! -e "$NSB_BIN_DIR/argv" ]
}

@test "an entrypoint that is a FIFO is never opened: its writer stays blocked" {
	local b="$NSB_BIN_DIR/b"
	make_bundle "$b" "$(fixture arm64)"
	mkdir -p "$b/rootfs/proc/sys/fs/binfmt_misc"
	mkfifo "$b/rootfs/app"
	set_process "$b" '["/app"]'
	# A writer blocks in open() until someone opens the FIFO for reading;
	# teardown kills it.
	sh -c "echo x > '$b/rootfs/app'" </dev/null >/dev/null 2>&1 3>&- &
	local writer=$!
	PIDS+=("$writer")
	start_target sleep 600
	run timeout 60 "$HOOK" prestart <<<"$(state "$TARGET" "$b")"
	# The image's /bin/sh (arm64) decided, as for a missing entrypoint.
	[ "$status" -eq 0 ]
	grep -q "$b/rootfs/proc/sys/fs/binfmt_misc .* binfmt_misc" "/proc/$TARGET/mountinfo"
	kill -0 "$writer"
}

@test "verify: a sandbox's own entry naming a FIFO or a device node is reported, not opened" {
	local dir="$NSB_BIN_DIR/s" kind
	mkdir -p "$dir"
	mkfifo "$dir/fifo"
	chmod -R a+rwX "$dir"
	start_target sh -c "mount -t binfmt_misc none /proc/sys/fs/binfmt_misc &&
		echo ':fifo:M::NSBFIFO::$dir/fifo:' > /proc/sys/fs/binfmt_misc/register &&
		echo ':zero:M::NSBZERO::/dev/zero:' > /proc/sys/fs/binfmt_misc/register && exec sleep 600"
	for kind in fifo zero; do
		local i
		for i in $(seq 100); do
			grep -qs "$kind" <(ls "/proc/$TARGET/root/proc/sys/fs/binfmt_misc" 2>/dev/null) && break
			sleep 0.1
		done
	done
	run timeout 60 "$NSB" verify --pid "$TARGET" --level static
	[ "$status" -ne 124 ]
	[ "$status" -ne 0 ]
	[[ "$output" == *"$dir/fifo"*"is not a regular file"* ]]
	[[ "$output" == *"/dev/zero"*"is not a regular file"* ]]
}

@test "run -E with a FIFO or a device node: one line, no hang" {
	local f="$NSB_BIN_DIR/fifo"
	mkfifo "$f"
	chmod a+rw "$f"
	run timeout 60 "$NSB" run -E "arm64=$f" -- true
	[ "$status" -eq 125 ]
	assert_one_line_error "$f" "not a regular file"
	run timeout 60 "$NSB" run -E arm64=/dev/zero -- true
	[ "$status" -eq 125 ]
	assert_one_line_error "/dev/zero" "not a regular file"
	run timeout 60 "$NSB" run -r "$f" -- true
	[ "$status" -ne 124 ]
	assert_one_line_error "$f" "not a regular file"
}

@test "an entry whose path holds a newline cannot pose as pre-opened: status and verify refuse it" {
	# (one write: the register string from a file; `,` delimits, as
	# `flags:` holds the usual one)
	printf ',inj,M,,NSBINJ,,/nonexistent\nflags: F,' >"$NSB_BIN_DIR/inj"
	start_target sh -c "mount -t binfmt_misc none /proc/sys/fs/binfmt_misc &&
		cat '$NSB_BIN_DIR/inj' > /proc/sys/fs/binfmt_misc/register && exec sleep 600"
	local i
	for i in $(seq 100); do
		[ ! -e "/proc/$TARGET/root/proc/sys/fs/binfmt_misc/inj" ] || break
		sleep 0.1
	done
	# what the kernel shows: a second flags line
	[ "$(grep -c '^flags:' "/proc/$TARGET/root/proc/sys/fs/binfmt_misc/inj")" -eq 2 ]
	run timeout 60 "$NSB" status --pid "$TARGET"
	[ "$status" -ne 0 ]
	[[ "$output" == *"entry \`inj\`: \`flags: \` out of place (a newline in a path?)"* ]]
	run timeout 60 "$NSB" verify --pid "$TARGET" --level static
	[ "$status" -ne 0 ]
	[[ "$output" == *"out of place"* ]]
}

@test "a user namespace path in config.json that is a FIFO: the shim never opens it" {
	local b="$NSB_BIN_DIR/b" writer
	make_bundle "$b" "$(fixture arm64)"
	mkfifo "$NSB_BIN_DIR/ns"
	jq --arg p "$NSB_BIN_DIR/ns" 'del(.hooks) | .linux.namespaces |= map(if .type == "user" then .path = $p else . end)' \
		"$b/config.json" >"$b/c"
	mv "$b/c" "$b/config.json"
	sh -c "echo x > '$NSB_BIN_DIR/ns'" </dev/null >/dev/null 2>&1 3>&- &
	writer=$!
	PIDS+=("$writer")
	run shim create --bundle "$b" c1
	[ "$status" -eq 0 ]
	kill -0 "$writer"
}
