# nsbinfmt, written the way nixpkgs writes an autotools package: call it
# with callPackage (default.nix and flake.nix do).  The source is this
# checkout; the version is configure.ac's.  The inputs are what configure.ac
# checks for, and tests/bats/nix-expr.bats fails when the two differ.
{
  lib,
  stdenv,
  autoreconfHook,
  pkg-config,
  clang,
  bpftools,
  yajl,
  libbpf,
  glibc,
}:

let
  root = ../..;
  acInit = builtins.match ".*AC_INIT\\(\\[nsbinfmt], \\[([^]]+)].*" (
    builtins.replaceStrings [ "\n" ] [ " " ] (builtins.readFile (root + "/configure.ac"))
  );
in
stdenv.mkDerivation {
  pname = "nsbinfmt";
  version = builtins.head acInit;

  # The checkout without what a build in it leaves (build*/, configure...).
  src = lib.cleanSourceWith {
    src = lib.cleanSource root;
    filter =
      path: type:
      !(type == "directory" && builtins.match "build.*|autom4te.cache|m4" (baseNameOf path) != null);
  };

  # The git tree has no configure; autogen.sh makes m4/ first, as here.
  preAutoreconf = "mkdir -p m4";

  # PKG_PROG_PKG_CONFIG; clang and bpftool build the BPF skeletons, which
  # a git checkout does not carry (a release tarball does).
  nativeBuildInputs = [
    autoreconfHook
    pkg-config
    clang
    bpftools
  ];

  # PKG_CHECK_MODULES: yajl, libbpf (the BPF handlers); glibc.static for
  # nsbinfmt-static and the static nsbinfmt-runtime (--enable-static-cli),
  # which also link yajl's libyajl_s.a.
  buildInputs = [
    yajl
    libbpf
    glibc.static
  ];

  configureFlags = [
    "--with-bpf"
    "--enable-static-cli"
    "--with-hooksdir=${placeholder "out"}/share/containers/oci/hooks.d"
    "--with-systemdsystemunitdir=${placeholder "out"}/lib/systemd/system"
  ];

  # -fzero-call-used-regs is invalid with -target bpf.
  hardeningDisable = [ "zerocallusedregs" ];

  enableParallelBuilding = true;

  # make check needs root, user namespaces, qemu-user-static and foreign
  # binaries, none of which a Nix build sandbox has.
  doCheck = false;

  meta = {
    description = "A private binfmt_misc instance for each container and build sandbox";
    longDescription = ''
      nsbinfmt gives a container or a build sandbox its own binfmt_misc
      table (Linux >= 6.7: one per user namespace) with static qemu-user
      emulators registered with the F flag, instead of the host-wide
      table.  An OCI hook for podman, crun, runc and CRI-O, a runtime shim
      for Docker and containerd, and a pre-build-hook for Nix.
    '';
    license = with lib.licenses; [
      gpl2Plus
      lgpl21Plus
    ];
    platforms = lib.platforms.linux;
    mainProgram = "nsbinfmt";
  };
}
