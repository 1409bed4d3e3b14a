# What contrib/nix needs from nixpkgs and NixOS, on nixpkgs' own lib: a
# package set whose stdenv.mkDerivation returns its attributes, and the
# NixOS options module.nix sets, declared with the types NixOS gives them.
# Nothing here builds.
{
  lib,
  system ? "x86_64-linux",
  kernelVersion ? "6.12.30",
}:

let
  # A package as callPackage hands it over: what it provides is in meta,
  # as nixpkgs says it (mainProgram, pkgConfigModules).
  package = name: meta: {
    type = "derivation";
    inherit name meta;
    outPath = "/nix/store/${builtins.substring 0 32 (builtins.hashString "sha256" name)}-${name}";
  };
in
rec {
  pkgs = {
    inherit lib;
    callPackage = lib.callPackageWith pkgs;
    stdenv = {
      hostPlatform = { inherit system; };
      mkDerivation =
        attrs:
        package "${attrs.pname}-${attrs.version}" attrs.meta
        // builtins.removeAttrs attrs [ "meta" ];
    };
    autoreconfHook = package "autoreconf-hook" { };
    pkg-config = package "pkg-config-wrapper" { mainProgram = "pkg-config"; };
    clang = package "clang-wrapper" { mainProgram = "clang"; };
    bpftools = package "bpftools" { mainProgram = "bpftool"; };
    yajl = package "yajl" { pkgConfigModules = [ "yajl" ]; };
    libbpf = package "libbpf" { pkgConfigModules = [ "libbpf" ]; };
    glibc = package "glibc" { } // {
      static = package "glibc-static" { };
    };
    pkgsStatic.qemu-user = package "qemu-user-static" { };
    runCommand =
      name: env: script:
      package name { } // { inherit script; };
  };

  # The options of NixOS that module.nix sets or reads.
  nixos =
    { lib, ... }:
    let
      inherit (lib) mkOption types;
      option = type: default: mkOption { inherit type default; };
      # nixos/modules/config/nix.nix
      confAtom = types.nullOr (
        types.oneOf [
          types.bool
          types.int
          types.float
          types.str
          types.path
          types.package
        ]
      );
      # pkgs.formats.toml's type
      toml =
        with types;
        let
          valueType = nullOr (oneOf [
            bool
            int
            float
            str
            path
            (attrsOf valueType)
            (listOf valueType)
          ]);
        in
        valueType;
    in
    {
      options = {
        assertions = option (types.listOf types.unspecified) [ ];
        warnings = option (types.listOf types.str) [ ];
        boot.kernelPackages = option types.raw { kernel.version = kernelVersion; };
        boot.binfmt.emulatedSystems = option (types.listOf (
          types.enum [
            "aarch64-linux"
            "armv7l-linux"
            "riscv64-linux"
            "s390x-linux"
            "x86_64-linux"
            "x86_64-windows"
            "wasm32-wasi"
          ]
        )) [ ];
        environment.systemPackages = option (types.listOf types.package) [ ];
        environment.variables = option (types.attrsOf (
          types.oneOf [
            (types.listOf (
              types.oneOf [
                types.int
                types.str
                types.path
              ]
            ))
            types.int
            types.str
            types.path
          ]
        )) { };
        environment.etc = option (types.attrsOf (
          types.submodule {
            options.text = option (types.nullOr types.lines) null;
            options.source = mkOption { type = types.path; };
            options.mode = option types.str "symlink";
          }
        )) { };
        nix.settings = option (types.submodule {
          freeformType = types.attrsOf (types.either confAtom (types.listOf confAtom));
          options.sandbox = option (types.either types.bool (types.enum [ "relaxed" ])) true;
          options.extra-sandbox-paths = option (types.listOf types.str) [ ];
        }) { };
        systemd.packages = option (types.listOf types.package) [ ];
        systemd.services = option (types.attrsOf (
          types.submodule {
            options.wantedBy = option (types.listOf types.str) [ ];
            options.environment = option (types.attrsOf (
              types.nullOr (
                types.oneOf [
                  types.str
                  types.path
                  types.package
                ]
              )
            )) { };
          }
        )) { };
        virtualisation.cri-o.enable = option types.bool false;
        virtualisation.cri-o.settings = option toml { };
      };
    };

  # NixOS's configuration with MODULES beside the options above.
  evalNixOS =
    modules:
    (lib.evalModules {
      modules = [
        nixos
        { _module.args.pkgs = pkgs; }
      ]
      ++ modules;
    }).config;
}
