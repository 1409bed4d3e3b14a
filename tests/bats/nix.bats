#!/usr/bin/env bats
# Real Nix (Debian's nix-bin) building aarch64-linux derivations in its
# sandbox with nothing registered on the host.  Nix reads a private
# NIX_CONF_DIR; the system's nix.conf is not touched.

load helpers

setup() {
	common_setup
	require nix-build
	getent group nixbld >/dev/null || {
		[ "${CI:-}" != true ] || { echo "no nixbld group (.ci/deps.sh)" >&2; return 1; }
		skip "no nixbld group"
	}
	export NIX_CONF_DIR="$NSB_BIN_DIR/nix"
	mkdir -p "$NIX_CONF_DIR" "$NSB_BIN_DIR/drv/bb"
	cat > "$NIX_CONF_DIR/nix.conf" <<-CONF
		build-users-group = nixbld
		sandbox = true
		sandbox-fallback = false
		substituters =
		extra-platforms = aarch64-linux
	CONF
	install -m 755 "$(fixture arm64)" "$NSB_BIN_DIR/drv/bb/busybox"
	cat > "$NSB_BIN_DIR/drv/arm.nix" <<-'NIX'
		{ nonce }:
		let bb = builtins.path { path = ./bb; name = "bb-arm64"; };
		in derivation {
		  name = "nsb-arm64-uname";
		  system = "aarch64-linux";
		  builder = "${bb}/busybox";
		  args = [ "sh" "-c" "uname -m > $out" ];
		  inherit nonce;
		}
	NIX
	NONCE="$$-$RANDOM-$(date +%s%N)"
}
teardown() { common_teardown; }

@test "without emulation the aarch64 derivation fails: Exec format error" {
	run nix-build "$NSB_BIN_DIR/drv/arm.nix" --argstr nonce "$NONCE" --no-out-link
	[ "$status" -ne 0 ]
	[[ "$output" == *"Exec format error"* ]]
}

@test "nix-build under nsbinfmt run --keep-ids builds it in the sandbox" {
	run "$NSB" run --keep-ids -e aarch64 -- \
		nix-build "$NSB_BIN_DIR/drv/arm.nix" --argstr nonce "$NONCE" --no-out-link
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ "$(cat "${lines[-1]}")" = aarch64 ]
}
