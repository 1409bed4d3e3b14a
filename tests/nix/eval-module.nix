# contrib/nix/module.nix in a NixOS configuration CONFIG (a module), on
# nixpkgs' lib at LIBDIR: what it yields, as JSON for nix-expr.bats.
{
  libDir,
  config ? { },
  kernelVersion ? "6.12.30",
}:

let
  lib = import libDir;
  standin = import ./standin.nix { inherit lib kernelVersion; };
  c = standin.evalNixOS [
    ../../contrib/nix/module.nix
    config
  ];
in
{
  failed = map (a: a.message) (lib.filter (a: !a.assertion) c.assertions);
  etc = lib.mapAttrs (name: f: builtins.fromJSON f.text) c.environment.etc;
  packages = map (p: p.name) c.environment.systemPackages;
  variables = c.environment.variables;
  nix = c.nix.settings;
  units = map (p: p.name) c.systemd.packages;
  services = c.systemd.services;
  crio = c.virtualisation.cri-o.settings;
  package = (standin.pkgs.callPackage ../../contrib/nix/package.nix { }).outPath;
  emulators = standin.pkgs.pkgsStatic.qemu-user.outPath;
  # the Nix systems services.nsbinfmt.emulatedSystems takes
  systems =
    (lib.evalModules {
      modules = [
        standin.nixos
        ../../contrib/nix/module.nix
        { _module.args.pkgs = standin.pkgs; }
      ];
    }).options.services.nsbinfmt.emulatedSystems.type.nestedTypes.elemType.functor.payload.values;
}
