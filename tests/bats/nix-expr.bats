#!/usr/bin/env bats
# contrib/nix (the package, default.nix, the flake and the NixOS module),
# evaluated by Debian's Nix against nixpkgs' own lib (tests/nix/vendor/
# nixpkgs-lib/lib, a copy at a pinned commit; NSB_NIXPKGS_LIB names another
# nixpkgs lib/ directory) beside stand-ins for the rest of nixpkgs and for
# the NixOS options the module sets (tests/nix/standin.nix).  Evaluation
# only: nothing is built with nixpkgs, and no NixOS boots.

load helpers

setup() {
	common_setup
	require nix-instantiate
	NSB_NIXPKGS_LIB=${NSB_NIXPKGS_LIB:-$NSB_SRCDIR/tests/nix/vendor/nixpkgs-lib/lib}
	[ -f "$NSB_NIXPKGS_LIB/modules.nix" ] || { echo "NSB_NIXPKGS_LIB=$NSB_NIXPKGS_LIB is not nixpkgs' lib/" >&2; return 1; }
}
teardown() { common_teardown; }

# nix_eval FILE [ARGS...]: tests/nix/FILE's value as JSON in $output.  No
# store: what needs one (the package's source) is never asked for.
nix_eval() {
	run nix-instantiate --store dummy:// --eval --strict --json \
		"$NSB_SRCDIR/tests/nix/$1" --argstr libDir "$NSB_NIXPKGS_LIB" "${@:2}"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
}

# module [--kernel VERSION] CONFIG: the module in a NixOS configuration.
module() {
	local kernel=6.12.30
	if [ "$1" = --kernel ]; then
		kernel=$2
		shift 2
	fi
	nix_eval eval-module.nix --argstr kernelVersion "$kernel" --arg config "$1"
	M=$output
}

# jq_is FILTER EXPECTED: FILTER of $M gives the JSON value EXPECTED.
jq_is() {
	local got want
	got=$(jq -cS "$1" <<<"$M")
	want=$(jq -cS . <<<"$2")
	[ "$got" = "$want" ] || { echo "$1: $got, expected $want" >&2; return 1; }
}

HOOKS_D='.etc["containers/oci/hooks.d/nsbinfmt-hook.json"]'

@test "module: enabled, the hooks.d file runs the package's hook with the static emulators" {
	module '{ services.nsbinfmt.enable = true; }'
	jq_is .failed '[]'
	jq_is "$HOOKS_D.hook.path == .package + \"/libexec/nsbinfmt-hook\"" true
	jq_is "$HOOKS_D.hook.env == [\"NSBINFMT_EMULATOR_PATH=\" + .emulators + \"/bin\"]" true
	# the rest is make install's file (oci/nsbinfmt-hook.json.in)
	jq_is "$HOOKS_D | del(.hook.path, .hook.env)" \
		"$(jq -c 'del(.hook.path)' "$NSB_SRCDIR/oci/nsbinfmt-hook.json.in")"
	jq_is '.packages' '["nsbinfmt-0.1.0"]'
	jq_is '.variables.NSBINFMT_EMULATOR_PATH == .emulators + "/bin"' true
	# no unit, no Nix settings, no CRI-O configuration unless asked
	jq_is '[.units, .services, .nix, .crio]' '[[],{},{"extra-sandbox-paths":[],"sandbox":true},{}]'
}

@test "module: disabled, nothing" {
	module '{ services.nsbinfmt.emulatedSystems = [ "aarch64-linux" ]; services.nsbinfmt.pin.enable = true; }'
	jq_is '[.failed, .etc, .packages, .variables, .units, .services, .crio]' '[[],{},[],{},[],{},{}]'
	jq_is .nix '{"extra-sandbox-paths":[],"sandbox":true}'
}

@test "module: pin.enable gives the package's unit, wanted at boot" {
	module --kernel 7.3.0 '{ services.nsbinfmt = { enable = true; pin.enable = true; }; }'
	jq_is .failed '[]'
	jq_is .units '["nsbinfmt-0.1.0"]'
	jq_is '.services["nsbinfmt-pin"].wantedBy' '["multi-user.target"]'
	[ -f "$NSB_SRCDIR/systemd/nsbinfmt-pin.service.in" ]
}

@test "module: emulatedSystems give Nix extra-platforms and the pre-build-hook, with the emulators" {
	module '{ services.nsbinfmt = { enable = true; emulatedSystems = [ "aarch64-linux" "s390x-linux" ]; }; }'
	jq_is .failed '[]'
	jq_is '.nix["extra-platforms"]' '["aarch64-linux","s390x-linux"]'
	jq_is '.nix["pre-build-hook"] == .package + "/libexec/nsbinfmt-nix-pre-build-hook"' true
	jq_is '.nix | has("binfmt-misc")' false
	jq_is '.services["nix-daemon"].environment.NSBINFMT_EMULATOR_PATH == .emulators + "/bin"' true
	# the name make install links to nsbinfmt (Nix calls it by that name)
	grep -q '^	ln -sf $(bindir)/nsbinfmt $(DESTDIR)$(libexecdir)/nsbinfmt-nix-pre-build-hook$' \
		"$NSB_SRCDIR/Makefile.am"
}

@test "module: nixBinfmtMisc: a binfmt.d file per system from nsbinfmt rules, no pre-build-hook" {
	module '{ services.nsbinfmt = { enable = true; emulatedSystems = [ "riscv64-linux" ]; nixBinfmtMisc = true; }; }'
	jq_is .failed '[]'
	jq_is '.nix["extra-platforms"]' '["riscv64-linux"]'
	jq_is '.nix | has("pre-build-hook")' false
	jq_is '.nix["binfmt-misc"] | length' 1
	[[ "$(jq -r '.nix["binfmt-misc"][0]' <<<"$M")" == riscv64-linux=/nix/store/*-nsbinfmt-riscv64-linux.conf ]]
}

@test "module: CRI-O is told to read /etc/containers/oci/hooks.d" {
	module '{ services.nsbinfmt.enable = true; virtualisation.cri-o.enable = true; }'
	jq_is .crio '{"crio":{"runtime":{"hooks_dir":["/etc/containers/oci/hooks.d"]}}}'
}

# assert_fails CONFIG KERNEL WORDS...: exactly one assertion fails, and its
# message has every word.
assert_fails() {
	module --kernel "$2" "$1"
	jq_is '.failed | length' 1
	local msg w
	msg=$(jq -r '.failed[0]' <<<"$M")
	for w in "${@:3}"; do
		[[ "$msg" == *"$w"* ]] || { echo "missing '$w' in: $msg" >&2; return 1; }
	done
}

@test "module: conflicting settings trip an assertion that says what to change" {
	assert_fails '{ services.nsbinfmt = { enable = true; emulatedSystems = [ "aarch64-linux" ]; };
		boot.binfmt.emulatedSystems = [ "aarch64-linux" "riscv64-linux" ]; }' 6.12.30 \
		"both name aarch64-linux" "remove it from boot.binfmt.emulatedSystems"
	assert_fails '{ services.nsbinfmt.enable = true; }' 6.6.30 \
		"Linux 6.6.30" "came with Linux 6.7" "boot.kernelPackages"
	assert_fails '{ services.nsbinfmt = { enable = true; pin.enable = true; }; }' 6.12.30 \
		"pin.enable" "Linux >= 7.3" "Linux 6.12.30"
	assert_fails '{ services.nsbinfmt = { enable = true; emulatedSystems = [ "x86_64-linux" ]; }; }' 6.12.30 \
		"x86_64-linux is this machine's own system"
	assert_fails '{ services.nsbinfmt = { enable = true; emulatedSystems = [ "s390x-linux" ]; };
		nix.settings.sandbox = false; }' 6.12.30 "needs nix.settings.sandbox"
}

@test "module: emulatedSystems takes the catalog's Nix systems, and only those" {
	module '{ }'
	local catalog
	catalog=$("$NSB" catalog --json |
		jq -c '[.[].aliases | split(" ")[] | select(endswith("-linux"))] | sort')
	jq_is '.systems | sort' "$catalog"
	run nix-instantiate --store dummy:// --eval --strict --json \
		"$NSB_SRCDIR/tests/nix/eval-module.nix" --argstr libDir "$NSB_NIXPKGS_LIB" \
		--arg config '{ services.nsbinfmt = { enable = true; emulatedSystems = [ "vax-linux" ]; }; }'
	[ "$status" -ne 0 ]
	[[ "$output" == *"vax-linux"* ]]
}

# configure.ac's PKG_CHECK_MODULES modules, or its AC_PATH_PROG programs
# and PKG_PROG_PKG_CONFIG's pkg-config, sorted, as a JSON list.
configure_ac() {
	local ac="$NSB_SRCDIR/configure.ac"
	case $1 in
	modules) grep -o 'PKG_CHECK_MODULES(\[[A-Z0-9_]*\], *\[[^] >]*' "$ac" ;;
	programs)
		grep -o 'AC_PATH_PROG(\[[A-Z0-9_]*\], *\[[^]]*' "$ac"
		grep -q '^PKG_PROG_PKG_CONFIG' "$ac" && echo '[pkg-config'
		;;
	esac | sed 's/.*\[//' | sort | jq -R . | jq -sc .
}

@test "package: its inputs are what configure.ac checks for" {
	nix_eval eval-package.nix
	M=$output
	jq_is '.modules | sort' "$(configure_ac modules)"
	# bats and python3 run make check, which a Nix build does not
	jq_is '.programs + ["bats", "python3"] | sort' "$(configure_ac programs)"
	# nothing else: autoreconfHook (a git tree has no configure), and
	# glibc.static for --enable-static-cli
	jq_is '.nativeBuildInputs | length' "$(($(jq '.programs | length' <<<"$M") + 1))"
	jq_is '.nativeBuildInputs | index("autoreconf-hook") != null' true
	jq_is '.buildInputs | length' "$(($(jq '.modules | length' <<<"$M") + 1))"
	jq_is '[(.buildInputs | index("glibc-static") != null), (.configureFlags | index("--enable-static-cli") != null)]' '[true,true]'
}

@test "package: the configure flags name the paths make install uses" {
	nix_eval eval-package.nix
	M=$output
	local out="$NSB_BIN_DIR/out" ph flags
	ph=$(jq -r .placeholder <<<"$M")
	mapfile -t flags < <(jq -r '.configureFlags[]' <<<"$M" | sed "s|$ph|$out|g")
	mkdir "$NSB_BIN_DIR/build"
	cd "$NSB_BIN_DIR/build"
	run "$NSB_SRCDIR/configure" --prefix="$out" "${flags[@]}"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[[ "$output" != *"unrecognized option"* ]] || { echo "$output" >&2; return 1; }
	run make install-hooksDATA install-systemdsystemunitDATA
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	# where the module finds them: the hook, the unit (systemd.packages
	# reads lib/systemd/system), the pre-build-hook's link
	[ "$(jq -r .hook.path "$out/share/containers/oci/hooks.d/nsbinfmt-hook.json")" = "$out/libexec/nsbinfmt-hook" ]
	grep -qx "ExecStart=$out/bin/nsbinfmt pin" "$out/lib/systemd/system/nsbinfmt-pin.service"
	run make -n install-exec-hook
	[[ "$output" == *" $out/libexec/nsbinfmt-nix-pre-build-hook"* ]] || { echo "$output" >&2; return 1; }
}

@test "package: configure.ac's version, Linux only, the licenses of its sources; default.nix calls it" {
	nix_eval eval-package.nix
	M=$output
	local version
	version=$(sed -n 's/^AC_INIT(\[nsbinfmt\], \[\([^]]*\)\].*/\1/p' "$NSB_SRCDIR/configure.ac")
	jq_is '[.pname, .version]' "[\"nsbinfmt\",\"$version\"]"
	jq_is '.linux and (.platforms | index("x86_64-linux") != null)' true
	jq_is '.licenses' '["GPL-2.0-or-later","LGPL-2.1-or-later"]'
	grep -q 'SPDX-License-Identifier: GPL-2.0-or-later' "$NSB_SRCDIR/src/cli/nsbinfmt.c"
	grep -q 'SPDX-License-Identifier: LGPL-2.1-or-later' "$NSB_SRCDIR/src/api.c"
	jq_is .default "\"nsbinfmt-$version\""
}

@test "flake: its outputs hold the packages, the overlay and the NixOS module" {
	nix_eval eval-flake.nix
	M=$output
	jq_is .inputs '["nixpkgs"]'
	jq_is .outputs '["nixosModules","overlays","packages"]'
	jq_is '.packages | keys | map(select(endswith("-linux") | not))' '[]'
	jq_is '.packages["x86_64-linux"]' '{"default":"nsbinfmt-0.1.0","nsbinfmt":"nsbinfmt-0.1.0"}'
	jq_is '.packages["aarch64-linux"].default' '"nsbinfmt-0.1.0"'
	jq_is .overlay '"nsbinfmt-0.1.0"'
	jq_is .nixosModules '["default"]'
	jq_is .etc '["containers/oci/hooks.d/nsbinfmt-hook.json"]'
}
