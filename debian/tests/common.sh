# shellcheck shell=bash
# shellcheck disable=SC2034 # its variables are for the tests that source it
# Sourced by the autopkgtests, which run from the source tree: the packaged
# paths, the foreign busybox binaries, and the host-table check.
set -euo pipefail

NSBINFMT=/usr/bin/nsbinfmt
HOOK=/usr/libexec/nsbinfmt-hook
HOOK_JSON=/usr/share/containers/oci/hooks.d/nsbinfmt-hook.json
# bin or sbin: wherever the package put it.
SHIM=$(dpkg -L nsbinfmt | grep -E '/s?bin/nsbinfmt-runtime$')
EXAMPLES=/usr/share/doc/nsbinfmt/examples
# host_binfmt_state, as_user (NSB_TEST_USER, nobody by default).
# shellcheck source=tests/bats/helpers.bash
. tests/bats/helpers.bash

# Debian's busybox-static for arm64 and riscv64 (and the others).
if [ ! -x "$FIXTURES/arm64/busybox" ] || [ ! -x "$FIXTURES/riscv64/busybox" ]; then
	tests/fixtures/fetch-foreign.sh "$FIXTURES" >&2
fi

# crun (podman's default) refuses a hybrid cgroup layout: runc there.
PODMAN_RUNTIME=()
[ ! -e /sys/fs/cgroup/unified/cgroup.controllers ] || PODMAN_RUNTIME=(--runtime runc)

# The host's table now and at the end: unchanged, or the test fails.
HOST_BEFORE=$(host_binfmt_state)
[[ "$HOST_BEFORE" == *"== status"* ]] || { echo "cannot read the host's binfmt_misc table" >&2; exit 1; }
# Commands for the end, run last first (the test's temporary files, then
# what it started): cleanup "COMMAND".
CLEANUP=()
cleanup() { CLEANUP+=("$1"); }
finish() {
	local rc=$? i after
	for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[i]}" || true; done
	after=$(host_binfmt_state)
	if [ "$after" != "$HOST_BEFORE" ]; then
		printf "the host's binfmt_misc table changed:\nbefore: %s\nafter:  %s\n" \
			"$HOST_BEFORE" "$after" >&2
		rc=1
	fi
	exit "$rc"
}
trap finish EXIT
