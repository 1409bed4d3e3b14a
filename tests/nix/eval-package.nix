# contrib/nix/package.nix and default.nix called with a stand-in package
# set on nixpkgs' lib at LIBDIR: its attributes, as JSON for nix-expr.bats.
{ libDir }:

let
  lib = import libDir;
  standin = import ./standin.nix { inherit lib; };
  p = standin.pkgs.callPackage ../../contrib/nix/package.nix { };
in
{
  inherit (p) pname version configureFlags;
  placeholder = builtins.placeholder "out";
  # what the inputs provide, as configure.ac names it
  programs = map (d: d.meta.mainProgram) (lib.filter (d: d.meta ? mainProgram) p.nativeBuildInputs);
  modules = lib.concatMap (d: d.meta.pkgConfigModules or [ ]) p.buildInputs;
  nativeBuildInputs = map (d: d.name) p.nativeBuildInputs;
  buildInputs = map (d: d.name) p.buildInputs;
  licenses = map (l: l.spdxId) p.meta.license;
  linux = lib.all (s: lib.hasSuffix "-linux" s) p.meta.platforms;
  platforms = p.meta.platforms;
  default = (import ../../contrib/nix/default.nix { inherit (standin) pkgs; }).name;
}
