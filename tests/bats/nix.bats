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

# The x86_64 twin of arm.nix, with the host's busybox.
native_drv() {
	mkdir -p "$NSB_BIN_DIR/drv/bbx"
	install -m 755 /bin/busybox "$NSB_BIN_DIR/drv/bbx/busybox"
	sed 's/aarch64-linux/x86_64-linux/; s|\./bb;|./bbx;|; s/bb-arm64/bb-x86/' \
		"$NSB_BIN_DIR/drv/arm.nix" > "$NSB_BIN_DIR/drv/x86.nix"
	nix-instantiate "$NSB_BIN_DIR/drv/x86.nix" --argstr nonce "$NONCE" 2>/dev/null
}

@test "nix-pre-build-hook: the static emulator for aarch64-linux, nothing for x86_64" {
	local drv
	drv=$(nix-instantiate "$NSB_BIN_DIR/drv/arm.nix" --argstr nonce "$NONCE" 2>/dev/null)
	run "$NSB" nix-pre-build-hook "$drv" "$drv.chroot"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'extra-sandbox-paths\n/usr/bin/qemu-aarch64-static')" ]
	drv=$(native_drv)
	run "$NSB" nix-pre-build-hook "$drv" "$drv.chroot"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "nix-pre-build-hook: a missing or malformed .drv fails with one line" {
	run "$NSB" nix-pre-build-hook /nix/store/nonexistent.drv
	assert_one_line_error "nonexistent.drv" "No such file"
	printf 'Derive([],[],"x86_64-linux")' > "$NSB_BIN_DIR/bad.drv"
	run "$NSB" nix-pre-build-hook "$NSB_BIN_DIR/bad.drv"
	assert_one_line_error "bad.drv" "malformed derivation"
	run "$NSB" nix-pre-build-hook
	[ "$status" -eq 2 ]
}

@test "Nix accepts the hook's answer: the emulator is in the build's sandbox" {
	ln -s "$NSB" "$NSB_BIN_DIR/nsbinfmt-nix-pre-build-hook"
	echo "pre-build-hook = $NSB_BIN_DIR/nsbinfmt-nix-pre-build-hook" >> "$NIX_CONF_DIR/nix.conf"
	sed -i 's|uname -m > $out|test -x /usr/bin/qemu-aarch64-static \&\& uname -m > $out|' \
		"$NSB_BIN_DIR/drv/arm.nix"
	run "$NSB" run --keep-ids -e aarch64 -- \
		nix-build "$NSB_BIN_DIR/drv/arm.nix" --argstr nonce "$NONCE" --no-out-link
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ "$(cat "${lines[-1]}")" = aarch64 ]
}

# drv/wrapped.nix: way (b)'s derivation, its builder nsbinfmt-static.
wrapped_drv() {
	[ -x "${NSB_STATIC_BIN:-}" ] || { echo "nsbinfmt-static not built (static yajl: libyajl-dev)" >&2; return 1; }
	mkdir -p "$NSB_BIN_DIR/drv/nsb"
	install -m 755 "$NSB_STATIC_BIN" "$NSB_BIN_DIR/drv/nsb/nsbinfmt"
	# The builder is x86_64 (runs natively, as uid 1000 with no
	# capabilities); it maps itself to root in a user namespace of its own,
	# mounts that namespace's instance and runs the arm64 busybox there.
	cat > "$NSB_BIN_DIR/drv/wrapped.nix" <<-'NIX'
		{ nonce }:
		let bb = builtins.path { path = ./bb; name = "bb-arm64"; };
		    nsb = builtins.path { path = ./nsb; name = "nsbinfmt-static"; };
		in derivation {
		  name = "nsb-arm64-wrapped";
		  system = "aarch64-linux";
		  builder = "${nsb}/nsbinfmt";
		  args = [ "run" "-e" "aarch64" "--" "${bb}/busybox" "sh" "-c" "uname -m > $out" ];
		  inherit nonce;
		}
	NIX
}

# Nix runs the pre-build-hook by the name make install gives it.
use_pre_build_hook() {
	ln -s "$NSB" "$NSB_BIN_DIR/nsbinfmt-nix-pre-build-hook"
	echo "pre-build-hook = $NSB_BIN_DIR/nsbinfmt-nix-pre-build-hook" >> "$NIX_CONF_DIR/nix.conf"
}

@test "way (b): the builder makes its own instance in the sandbox (nsbinfmt-static, pre-build-hook)" {
	wrapped_drv
	# Without the hook the sandbox has no emulator: one line, no build.
	run nix-build "$NSB_BIN_DIR/drv/wrapped.nix" --argstr nonce "$NONCE" --no-out-link
	[ "$status" -ne 0 ]
	[[ "$output" == *"nsbinfmt: no emulator for aarch64"* ]] || { echo "$output" >&2; return 1; }
	use_pre_build_hook
	run nix-build "$NSB_BIN_DIR/drv/wrapped.nix" --argstr nonce "$NONCE" --no-out-link
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ "$(cat "${lines[-1]}")" = aarch64 ]
}

@test "way (b), the emulator outside /usr/bin (NixOS: a store path): the hook binds it there" {
	wrapped_drv
	use_pre_build_hook
	mkdir -p "$NSB_BIN_DIR/emu"
	install -m 755 /usr/bin/qemu-aarch64-static "$NSB_BIN_DIR/emu/qemu-aarch64"
	local drv
	drv=$(nix-instantiate "$NSB_BIN_DIR/drv/wrapped.nix" --argstr nonce "$NONCE" 2>/dev/null)
	run env NSBINFMT_EMULATOR_PATH="$NSB_BIN_DIR/emu" "$NSB" nix-pre-build-hook "$drv"
	[ "$output" = "$(printf 'extra-sandbox-paths\n/usr/bin/qemu-aarch64-static=%s' "$NSB_BIN_DIR/emu/qemu-aarch64")" ]
	# The builder's environment is the derivation's: it looks in /usr/bin.
	run env NSBINFMT_EMULATOR_PATH="$NSB_BIN_DIR/emu" \
		nix-build "$NSB_BIN_DIR/drv/wrapped.nix" --argstr nonce "$NONCE" --no-out-link
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ "$(cat "${lines[-1]}")" = aarch64 ]
}
