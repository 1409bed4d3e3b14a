# contrib/nix/flake.nix's outputs, called with a stand-in nixpkgs input
# built on nixpkgs' lib at LIBDIR: what they hold, as JSON for nix-expr.bats.
{ libDir }:

let
  lib = import libDir;
  flake = import ../../contrib/nix/flake.nix;
  standin = system: import ./standin.nix { inherit lib system; };
  nixpkgs = {
    inherit lib;
    legacyPackages = lib.genAttrs lib.systems.flakeExposed (system: (standin system).pkgs);
  };
  outputs = flake.outputs {
    self = outputs;
    inherit nixpkgs;
  };
  base = (standin "x86_64-linux").pkgs;
  overlaid = lib.fix (lib.extends outputs.overlays.default (final: base));
in
{
  inputs = builtins.attrNames flake.inputs;
  outputs = builtins.attrNames outputs;
  packages = lib.mapAttrs (system: lib.mapAttrs (name: p: p.name)) outputs.packages;
  overlay = overlaid.nsbinfmt.name;
  nixosModules = builtins.attrNames outputs.nixosModules;
  # the module, evaluated: the hooks.d file it promises
  etc = builtins.attrNames
    ((standin "x86_64-linux").evalNixOS [
      outputs.nixosModules.default
      { services.nsbinfmt.enable = true; }
    ]).environment.etc;
}
