# nix-build contrib/nix: nsbinfmt from this checkout, with the nixpkgs on
# NIX_PATH (or the one given: --arg pkgs 'import /path/to/nixpkgs { }').
{
  pkgs ? import <nixpkgs> { },
}:
pkgs.callPackage ./package.nix { }
