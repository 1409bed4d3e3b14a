# nix build ./contrib/nix (in a git checkout: the flake's source is the
# whole repository, which package.nix builds).  NixOS:
#   inputs.nsbinfmt.url = "git+file:/path/to/nsbinfmt?dir=contrib/nix";
#   modules = [ nsbinfmt.nixosModules.default { services.nsbinfmt.enable = true; } ];
{
  description = "nsbinfmt: a private binfmt_misc instance for each container and build sandbox";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      # Linux only: binfmt_misc instances are a Linux feature.
      systems = lib.filter (lib.hasSuffix "-linux") lib.systems.flakeExposed;
    in
    {
      overlays.default = final: prev: { nsbinfmt = final.callPackage ./package.nix { }; };

      packages = lib.genAttrs systems (
        system:
        let
          nsbinfmt = nixpkgs.legacyPackages.${system}.callPackage ./package.nix { };
        in
        {
          inherit nsbinfmt;
          default = nsbinfmt;
        }
      );

      # Its package is pkgs.callPackage ./package.nix { }, with the
      # system's own nixpkgs: no overlay needed.
      nixosModules.default = ./module.nix;
    };
}
