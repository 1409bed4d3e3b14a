# Shared by the bats suites.  Every test records the host's binfmt_misc
# state first and asserts in teardown that it did not change.
: "${NSBINFMT:?run through make check, which sets NSBINFMT}"
FIXTURES=${NSB_FIXTURES:-/var/cache/nsbinfmt/fixtures}
# Unprivileged tests run as this user (exists on every Debian system).
NSB_TEST_USER=${NSB_TEST_USER:-nobody}

# The host's table: the initial user namespace's instance, read through a
# private mount by real root (entry names and contents), and any
# binfmt_misc mount in the host's own mount namespace.  Reading it changes
# nothing: a mount of the initial namespace's instance shares the host's
# superblock, and without one the host table is empty.
host_binfmt_state() {
	[ "$(readlink /proc/self/ns/user)" = "user:[4026531837]" ] || {
		echo "the host-table check needs real root in the initial user namespace" >&2
		return 1
	}
	grep ' binfmt_misc ' /proc/1/mountinfo || true
	# (on a mount point of its own: where the host has the table mounted
	# on /proc/sys/fs/binfmt_misc, as systemd does, a second mount of the
	# same superblock there is refused)
	unshare -m --propagation private sh -c '
		d=$(mktemp -d) || exit 1
		mount -t binfmt_misc binfmt_misc "$d" || exit 1
		cd "$d" || exit 1
		for f in *; do
			[ "$f" = register ] || { printf "== %s\n" "$f"; cat "$f"; echo; }
		done
		cd / && umount "$d" && rmdir "$d"'
}

common_setup() {
	HOST_BEFORE=$(host_binfmt_state)
	[[ "$HOST_BEFORE" == *"== status"* ]] || { echo "could not read the host's binfmt_misc table" >&2; return 1; }
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

# The runtime shim and the hook as installed ($SHIM, $HOOK), and a
# stand-in runtime that records its argv in $NSB_BIN_DIR/argv.
shim_setup() {
	install -m 755 "$NSB_RUNTIME_BIN" "$NSB_BIN_DIR/nsbinfmt-runtime"
	install -m 755 "$NSBINFMT_HOOK" "$NSB_BIN_DIR/nsbinfmt-hook"
	SHIM="$NSB_BIN_DIR/nsbinfmt-runtime"
	HOOK="$NSB_BIN_DIR/nsbinfmt-hook"
	printf '#!/bin/sh\nprintf "%%s\\n" "$@" > %s/argv\n' "$NSB_BIN_DIR" >"$NSB_BIN_DIR/fake-runtime"
	chmod 755 "$NSB_BIN_DIR/fake-runtime"
}

# Run a command as the unprivileged test user.
as_user() {
	setpriv --reuid="$NSB_TEST_USER" --regid=nogroup --clear-groups \
		--reset-env -- "$@"
}

# A fixture busybox for a Debian architecture.  Called inside $(...), where
# a skip would skip nothing, so a missing one fails the test, everywhere.
fixture() {
	local f="$FIXTURES/$1/busybox"
	[ -x "$f" ] || { echo "fixture $f is missing: run tests/fixtures/fetch-foreign.sh" >&2; return 1; }
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
	for i in $(seq 400); do
		[ "$(readlink "/proc/$TARGET/ns/user")" != "$(readlink /proc/$$/ns/user)" ] && return 0
		sleep 0.05
	done
	return 1
}

# Does the running kernel have the bpf selector's interface (Linux >= 7.3,
# CONFIG_BINFMT_MISC_BPF: binfmt_misc_ops in its BTF)?
has_selector() {
	grep -qa binfmt_misc_ops /sys/kernel/btf/vmlinux 2>/dev/null
}

# For the tests only a kernel with the selector can run: they run in the
# Linux 7.3 VM (make check-vm) and are skipped on an older host kernel,
# which cannot run them; a 7.3 kernel without the selector fails them.
require_selector() {
	has_selector && return 0
	local major minor
	IFS=. read -r major minor _ <<<"$(uname -r)"
	if [ "$major" -gt 7 ] || { [ "$major" -eq 7 ] && [ "$minor" -ge 3 ]; }; then
		echo "Linux $(uname -r) has no binfmt_misc_ops in its BTF" >&2
		return 1
	fi
	skip "needs Linux >= 7.3 with CONFIG_BINFMT_MISC_BPF (make check-vm runs it)"
}

# On a kernel with the bpf selector an unprivileged `nsbinfmt run|install`
# registers magic entries and says why in its first stderr line.
# run_user ARGS...: `run as_user $NSB ARGS...` with that line checked (it
# must not appear on other kernels) and dropped; $output is stdout, then
# the rest of stderr.  selector.bats asserts the line itself.
HANDLER_NOTE="nsbinfmt: magic entries, not the bpf selector: "
run_user() {
	run --separate-stderr as_user "$NSB" "$@"
	local first=${stderr%%$'\n'*}
	if [[ $first == "$HANDLER_NOTE"* ]]; then
		has_selector || { echo "handler note on a kernel without the selector: $first" >&2; return 1; }
		stderr=${stderr#"$first"}
		stderr=${stderr#$'\n'}
	fi
	if [ -n "$output" ] && [ -n "$stderr" ]; then
		output=$output$'\n'$stderr
	else
		output=$output$stderr
	fi
	mapfile -t lines <<<"$output"
	[ -n "$output" ] || lines=()
}

# OCI bundles for runc and crun, with the hook at $HOOK as prestart hook.
# make_bundle DIR BUSYBOX [userns|nouserns]: a bundle whose rootfs holds
# BUSYBOX as /bin/busybox (and /bin/sh), with the hook as prestart hook.
make_bundle() {
	local dir=$1 bb=$2 ns=${3:-userns}
	mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/sys" "$dir/rootfs/dev" "$dir/rootfs/tmp"
	install -m 755 "$bb" "$dir/rootfs/bin/busybox"
	ln -sf busybox "$dir/rootfs/bin/sh"
	(cd "$dir" && runc spec --rootless)
	local f='.process.terminal=false | .root.readonly=false
		| .hooks={"prestart":[{"path":$hook,"args":["nsbinfmt-hook","prestart"]}]}'
	if [ "$ns" = userns ]; then
		f="$f"' | .linux.uidMappings=[{"containerID":0,"hostID":100000,"size":65536}]
			| .linux.gidMappings=[{"containerID":0,"hostID":100000,"size":65536}]'
		chown -R 100000:100000 "$dir/rootfs"
	else
		f="$f"' | del(.linux.uidMappings, .linux.gidMappings)
			| .linux.namespaces |= map(select(.type != "user"))
			| .mounts |= map(select(.destination != "/sys" and .destination != "/dev/mqueue"))'
	fi
	jq --arg hook "$HOOK" "$f" "$dir/config.json" > "$dir/c" && mv "$dir/c" "$dir/config.json"
}

# set_process DIR ARGS_JSON [ANNOTATIONS_JSON]
set_process() {
	jq --argjson a "$2" --argjson n "${3:-{\}}" '.process.args=$a | .annotations=$n' \
		"$1/config.json" > "$1/c" && mv "$1/c" "$1/config.json"
}

crun_run() {
	# crun refuses a hybrid cgroup layout ("cgroups in hybrid mode not
	# supported", crun 1.8 and 1.21) unless cgroup v2's controller list
	# looks empty.
	if [ -e /sys/fs/cgroup/unified/cgroup.controllers ]; then
		unshare -m sh -c 'mount --bind /dev/null /sys/fs/cgroup/unified/cgroup.controllers && exec crun "$@"' sh "$@"
	else
		crun "$@"
	fi
}

# make_tree CFLAGS...: $TREE/bin/hello, relocatable, with its loader, libc
# and libgreet.so under $TREE/lib; built elsewhere, then moved to $TREE.
make_tree() {
	local build="$NSB_BIN_DIR/build" ld libc
	mkdir -p "$build/bin" "$build/lib"
	echo 'const char *greet (void) { return "hello from libgreet"; }' > "$build/greet.c"
	gcc "$@" -shared -fPIC -o "$build/lib/libgreet.so" "$build/greet.c"
	# room for the new PT_INTERP: a long placeholder loader path
	gcc "$@" -o "$build/bin/hello" "$NSB_SRCDIR/tests/fixtures/origin-hello.c" \
		-L"$build/lib" -lgreet -Wl,-rpath,'$ORIGIN/../lib' \
		-Wl,--dynamic-linker=/nonexistent/placeholder/for/the/loader/ld.so
	ld=/lib64/ld-linux-x86-64.so.2
	[ "$*" = -m32 ] && ld=/lib/ld-linux.so.2
	libc=$(gcc "$@" -print-file-name=libc.so.6)
	cp -L "$ld" "$build/lib/ld.so"
	cp -L "$libc" "$build/lib/libc.so.6"
	"$NSB" relocate "$build/bin/hello" --interp '$ORIGIN/../lib/ld.so'
	TREE="$NSB_BIN_DIR/moved/tree"
	rm -rf "$NSB_BIN_DIR/moved"
	mkdir -p "$NSB_BIN_DIR/moved"
	mv "$build" "$TREE"
	chmod -R a+rX "$NSB_BIN_DIR"
}

# podman's global flags for a throwaway store at DIR.
podman_flags() {
	echo --storage-driver vfs --cgroup-manager cgroupfs --events-backend file \
		--root "$1/root" --runroot "$1/runroot"
}
