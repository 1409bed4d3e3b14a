# services.nsbinfmt: private binfmt_misc instances on NixOS, instead of
# boot.binfmt's host-wide table.  The OCI hook for podman and CRI-O, the
# unit that pins the BPF handlers, and Nix builds of emulated systems.
# flake.nix exports it as nixosModules.default; README.md (Nix) says how
# it is tested (evaluated with nixpkgs' lib, not booted).
{
  config,
  lib,
  pkgs,
  ...
}:

let
  inherit (lib)
    concatStringsSep
    elem
    filter
    literalExpression
    mkEnableOption
    mkIf
    mkMerge
    mkOption
    types
    versionAtLeast
    ;

  cfg = config.services.nsbinfmt;

  # The Nix system names of nsbinfmt's catalog (`nsbinfmt catalog`, its
  # aliases that end in -linux); tests/bats/nix-expr.bats compares them.
  systems = [
    "aarch64-linux"
    "alpha-linux"
    "armv5tel-linux"
    "armv6l-linux"
    "armv7l-linux"
    "hexagon-linux"
    "hppa-linux"
    "i686-linux"
    "loongarch64-linux"
    "m68k-linux"
    "microblaze-linux"
    "mips-linux"
    "mips64-linux"
    "mips64el-linux"
    "mipsel-linux"
    "powerpc-linux"
    "powerpc64-linux"
    "powerpc64le-linux"
    "riscv32-linux"
    "riscv64-linux"
    "s390x-linux"
    "sh4-linux"
    "sparc-linux"
    "sparc64-linux"
    "x86_64-linux"
  ];

  # Where nsbinfmt looks for qemu-ARCH(-static): NixOS has no /usr/bin.
  emulatorPath = "${cfg.emulators}/bin";

  # The hooks.d file make install writes (oci/nsbinfmt-hook.json.in), with
  # the hook's path and the emulators in its environment.
  hook = lib.recursiveUpdate (builtins.fromJSON (
    builtins.replaceStrings [ "@HOOK_PATH@" ] [ "${cfg.package}/libexec/nsbinfmt-hook" ] (
      builtins.readFile ../../oci/nsbinfmt-hook.json.in
    )
  )) { hook.env = [ "NSBINFMT_EMULATOR_PATH=${emulatorPath}" ]; };

  # For Nix's binfmt-misc setting: SYSTEM's register strings, a binfmt.d
  # file made by `nsbinfmt rules` at build time.
  binfmtMiscEntry =
    system:
    let
      file = pkgs.runCommand "nsbinfmt-${system}.conf" { } ''
        NSBINFMT_EMULATOR_PATH=${emulatorPath} ${cfg.package}/bin/nsbinfmt rules -e ${system} > $out
      '';
    in
    "${system}=${file}";

  kernel = config.boot.kernelPackages.kernel.version;
  hostSystem = pkgs.stdenv.hostPlatform.system;
  hostWide = filter (s: elem s config.boot.binfmt.emulatedSystems) cfg.emulatedSystems;
in
{
  options.services.nsbinfmt = {
    enable = mkEnableOption ''
      private binfmt_misc instances (Linux >= 6.7): the OCI hook in
      /etc/containers/oci/hooks.d, which podman run and CRI-O (given that
      directory) run for every container, and the nsbinfmt command'';

    package = mkOption {
      type = types.package;
      default = pkgs.callPackage ./package.nix { };
      defaultText = literalExpression "pkgs.callPackage ./package.nix { }";
      description = "The nsbinfmt package.";
    };

    emulators = mkOption {
      type = types.package;
      default = pkgs.pkgsStatic.qemu-user;
      defaultText = literalExpression "pkgs.pkgsStatic.qemu-user";
      description = ''
        Static qemu-user emulators (bin/qemu-ARCH): registered with the F
        flag, they are opened on the host and need nothing in the sandbox.
      '';
    };

    pin.enable = mkEnableOption ''
      nsbinfmt-pin.service, which pins the bpf selector and the $ORIGIN
      loader at boot so that unprivileged sandboxes can attach them
      (Linux >= 7.3 with CONFIG_BINFMT_MISC_BPF)'';

    emulatedSystems = mkOption {
      type = types.listOf (types.enum systems);
      default = [ ];
      example = [ "aarch64-linux" ];
      description = ''
        Systems whose Nix builds this machine runs under emulation, each
        in a private instance instead of boot.binfmt.emulatedSystems'
        host-wide one: extra-platforms, and the pre-build-hook that puts
        the static emulator into those builds' sandboxes, where a builder
        run by nsbinfmt-static makes its own instance.
      '';
    };

    nixBinfmtMisc = mkOption {
      type = types.bool;
      default = false;
      description = ''
        Instead of the pre-build-hook, Nix's binfmt-misc setting (pending:
        NixOS/nix pull request 15539): Nix gives each build of an emulated
        system a fresh instance from a binfmt.d file that `nsbinfmt rules`
        writes.  A Nix without that setting fails nix.conf's check.
      '';
    };
  };

  config = mkIf cfg.enable (mkMerge [
    {
      assertions = [
        {
          assertion = versionAtLeast kernel "6.7";
          message = "services.nsbinfmt: Linux ${kernel} (boot.kernelPackages) has no private binfmt_misc instances, which came with Linux 6.7: choose a newer boot.kernelPackages (e.g. pkgs.linuxPackages_latest)";
        }
        {
          assertion = !cfg.pin.enable || versionAtLeast kernel "7.3";
          message = "services.nsbinfmt.pin.enable: the BPF handlers need Linux >= 7.3 with CONFIG_BINFMT_MISC_BPF, and boot.kernelPackages has Linux ${kernel}";
        }
        {
          assertion = hostWide == [ ];
          message = "services.nsbinfmt.emulatedSystems and boot.binfmt.emulatedSystems both name ${concatStringsSep ", " hostWide}: boot.binfmt's host-wide registration would serve every build and container; remove it from boot.binfmt.emulatedSystems";
        }
        {
          assertion = !(elem hostSystem cfg.emulatedSystems);
          message = "services.nsbinfmt.emulatedSystems: ${hostSystem} is this machine's own system, nothing to emulate";
        }
        {
          assertion = cfg.emulatedSystems == [ ] || config.nix.settings.sandbox != false;
          message = "services.nsbinfmt.emulatedSystems needs nix.settings.sandbox: Nix runs the pre-build-hook, and makes binfmt-misc instances, for sandboxed builds only";
        }
      ];
      environment.systemPackages = [ cfg.package ];
      environment.variables.NSBINFMT_EMULATOR_PATH = emulatorPath;
      environment.etc."containers/oci/hooks.d/nsbinfmt-hook.json".text = builtins.toJSON hook;
    }
    # CRI-O reads /usr/share/containers/oci/hooks.d unless told otherwise.
    (mkIf config.virtualisation.cri-o.enable {
      virtualisation.cri-o.settings.crio.runtime.hooks_dir = [ "/etc/containers/oci/hooks.d" ];
    })
    (mkIf cfg.pin.enable {
      systemd.packages = [ cfg.package ];
      systemd.services.nsbinfmt-pin.wantedBy = [ "multi-user.target" ];
    })
    (mkIf (cfg.emulatedSystems != [ ]) {
      nix.settings = {
        extra-platforms = cfg.emulatedSystems;
      }
      // (
        if cfg.nixBinfmtMisc then
          { binfmt-misc = map binfmtMiscEntry cfg.emulatedSystems; }
        else
          { pre-build-hook = "${cfg.package}/libexec/nsbinfmt-nix-pre-build-hook"; }
      );
      # The pre-build-hook runs in the daemon's environment.
      systemd.services.nix-daemon.environment.NSBINFMT_EMULATOR_PATH = emulatorPath;
    })
  ]);
}
