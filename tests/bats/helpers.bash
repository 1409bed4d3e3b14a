# Shared by the bats suites.  Every test records the host's binfmt_misc
# state first and asserts in teardown that it did not change.
: "${NSBINFMT:?run through make check, which sets NSBINFMT}"
FIXTURES=${NSB_FIXTURES:-/var/cache/nsbinfmt/fixtures}
# Unprivileged tests run as this user (exists on every Debian system).
NSB_TEST_USER=${NSB_TEST_USER:-nobody}

host_binfmt_state() {
	# The mount in the initial namespaces (if any) and the host table.
	grep ' binfmt_misc ' /proc/1/mountinfo || true
	ls -A /proc/sys/fs/binfmt_misc 2>/dev/null || true
}

common_setup() {
	HOST_BEFORE=$(host_binfmt_state)
	# A copy of the binary every user can execute, whatever the build
	# directory's permissions are.
	NSB_BIN_DIR=$(mktemp -d /tmp/nsb-bats.XXXXXX)
	chmod 755 "$NSB_BIN_DIR"
	install -m 755 "$NSBINFMT" "$NSB_BIN_DIR/nsbinfmt"
	NSB="$NSB_BIN_DIR/nsbinfmt"
	PIDS=()
}

common_teardown() {
	local p
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$NSB_BIN_DIR"
	local after
	after=$(host_binfmt_state)
	if [ "$after" != "$HOST_BEFORE" ]; then
		echo "the host's binfmt_misc state changed:" >&2
		echo "before: $HOST_BEFORE" >&2
		echo "after:  $after" >&2
		return 1
	fi
}

# Run a command as the unprivileged test user.
as_user() {
	setpriv --reuid="$NSB_TEST_USER" --regid=nogroup --clear-groups \
		--reset-env -- "$@"
}

# A fixture busybox for a Debian architecture; a missing one fails in CI.
fixture() {
	local f="$FIXTURES/$1/busybox"
	if [ ! -x "$f" ]; then
		if [ "${CI:-}" = true ]; then
			echo "fixture $f is missing: run tests/fixtures/fetch-foreign.sh" >&2
			return 1
		fi
		skip "fixture $f missing (tests/fixtures/fetch-foreign.sh)"
	fi
	echo "$f"
}

# Fail, or skip outside CI, when a host program the test needs is missing.
require() {
	command -v "$1" >/dev/null && return 0
	if [ "${CI:-}" = true ]; then
		echo "$1 is missing: .ci/deps.sh installs it" >&2
		return 1
	fi
	skip "$1 is not installed"
}

# One line of stderr, mentioning every given word.
assert_one_line_error() {
	[ "$status" -ne 0 ] || { echo "expected a failure, got status 0" >&2; return 1; }
	local lines
	lines=$(printf '%s\n' "$output" | grep -c .)
	[ "$lines" -eq 1 ] || { echo "expected one line, got: $output" >&2; return 1; }
	local w
	for w in "$@"; do
		[[ "$output" == *"$w"* ]] || { echo "missing '$w' in: $output" >&2; return 1; }
	done
}

# start_target [--as-user] ARGS...: a sleeping process in a new user and
# mount namespace (unshare -Urm ARGS), as root or as the test user, in
# TARGET.  No function or subshell in between: $! must be the process
# itself, and it must not hold bats' output open.
start_target() {
	if [ "$1" = --as-user ]; then
		shift
		setpriv --reuid="$NSB_TEST_USER" --regid=nogroup --clear-groups \
			unshare -Urm "$@" </dev/null >/dev/null 2>&1 3>&- &
	else
		unshare -Urm "$@" </dev/null >/dev/null 2>&1 3>&- &
	fi
	TARGET=$!
	PIDS+=("$TARGET")
	local i
	for i in $(seq 100); do
		[ "$(readlink "/proc/$TARGET/ns/user")" != "$(readlink /proc/$$/ns/user)" ] && return 0
		sleep 0.05
	done
	return 1
}
