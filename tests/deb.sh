#!/bin/bash
# The Debian package on this machine (Debian 12, as root): built from a
# clean copy of the tree (its release tarball, `make dist`, which carries
# the BPF skeletons and debian/) by an unprivileged user, linted (no E: or
# W: from lintian), installed with dpkg -i, checked where it put things,
# the autopkgtests run against it (NSB_DEB_AUTOPKGTEST=0 leaves them out),
# purged, and checked that nothing is left.  The host's binfmt_misc table
# must not change at any point.  Files of the same names that are on the
# machine already and that no package owns (contrib/quickstart.sh's `make
# install` into /usr) are moved aside while the packages are installed
# and put back after, also when the test fails.  TAP on stdout.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
builder=${NSB_ROOTLESS_USER:-nsbtest}
PKGS=(nsbinfmt libnsbinfmt0 libnsbinfmt-dev)
# Where the packages and their maintainer scripts may leave anything.
LOOK=(/usr /etc /var/lib/systemd /var/lib/dpkg/info /run/systemd /sys/fs/bpf)

# host_binfmt_state: the host's table, read through a private mount.
NSBINFMT=/usr/bin/nsbinfmt
# shellcheck source=tests/bats/helpers.bash
. "$src/tests/bats/helpers.bash"

n=0
# step [-v] DESCRIPTION COMMAND...: one TAP result; a failure shows the
# command's output (-v: always) and ends the test (the trap cleans up).
# COMMAND runs in a subshell of its own, where set -e holds (not in an
# `if`, where bash ignores it): it changes no variable here.
step() {
	local rc=0 all=
	[ "$1" != -v ] || { all=1; shift; }
	n=$((n + 1))
	("${@:2}") >"$w/out" 2>&1 &
	wait $! || rc=$?
	if [ "$rc" -eq 0 ]; then
		[ -z "$all" ] || sed 's/^/# /' "$w/out"
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		tail -n 40 "$w/out" | sed 's/^/# /'
		exit 1
	fi
}

# Names with nsbinfmt in them under $LOOK, with type, mode and link target.
traces() {
	{ find "${LOOK[@]}" -xdev -name '*nsbinfmt*' -printf '%y %m %p -> %l\n' 2>/dev/null || true; } | sort
}

# Installed already: the test would remove them.
for p in "${PKGS[@]}"; do
	if dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qv '^not-installed$'; then
		echo "$p is installed: dpkg --purge it to run this test" >&2
		exit 1
	fi
done

w=$(mktemp -d /tmp/nsb-deb.XXXXXX)
chmod 755 "$w"
stashed='' installing=''
cleanup() {
	local rc=$? p left=()
	for p in "${PKGS[@]}"; do
		dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qv '^not-installed$' ||
			continue
		left+=("$p")
	done
	if [ -n "$installing" ] && [ "${#left[@]}" -gt 0 ]; then
		echo "# cleanup: dpkg --purge ${left[*]}"
		dpkg --purge "${left[@]}" >/dev/null 2>&1 || rc=1
	fi
	[ -z "$stashed" ] || restore || rc=1
	rm -rf "$w"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

id "$builder" >/dev/null 2>&1 || { echo "no user $builder: .ci/deps.sh makes it" >&2; exit 1; }
as_builder() { (cd "$w" && runuser -u "$builder" -- env HOME="$w" "$@"); }

# The tree as git has it, uncommitted changes included, nothing built.
copy_tree() {
	mkdir "$w/tree"
	git -C "$src" ls-files -z -co --exclude-standard |
		(cd "$src" && tar --null -T - -cf -) | tar -C "$w/tree" -xf -
	chown -R "$builder" "$w/tree"
	as_builder sh -c 'cd tree && ./autogen.sh && ./configure --with-bpf && nice -n 10 make -j2 dist'
}
step "a release tarball from a clean copy of the tree" copy_tree

unpack() {
	local t
	t=$(ls "$w"/tree/nsbinfmt-*.tar.gz)
	mkdir "$w/pkg"
	chown "$builder" "$w/pkg"
	as_builder tar -C pkg -xzf "$t"
	tar -tzf "$t" >"$w/tarball"
	# Every file of debian/ (Makefile.am's DEBIAN_FILES), or the package
	# would be built without the ones left out.
	diff -u <(cd "$w/tree" && find debian -type f | sort) \
		<(sed -n 's|^[^/]*/\(debian/.*[^/]\)$|\1|p' "$w/tarball" | sort)
	grep -q '/debian/rules$' "$w/tarball"
	grep -q '/src/bpf/selector.skel.h$' "$w/tarball"
	grep -q '/src/bpf/origin.skel.h$' "$w/tarball"
	as_builder cp "$t" "pkg/nsbinfmt_$v.orig.tar.gz"
}
v=$(sed -n 's/^AC_INIT(\[nsbinfmt\], \[\([^]]*\)\].*/\1/p' "$src/configure.ac")
step "the tarball carries all of debian/ and the BPF skeletons" unpack

build() {
	as_builder sh -c "cd pkg/nsbinfmt-$v && DEB_BUILD_OPTIONS=parallel=2 nice -n 10 dpkg-buildpackage -us -uc"
}
step "dpkg-buildpackage -us -uc (source and binaries), as $builder" build
changes=$w/pkg/nsbinfmt_$(dpkg-parsechangelog -l "$src/debian/changelog" -SVersion)_$(dpkg --print-architecture).changes

lint() {
	as_builder lintian --display-info "$changes" | tee "$w/lintian"
	! grep -q '^[EW]: ' "$w/lintian"
}
step -v "lintian: no errors, no warnings" lint

debs=()
for p in "${PKGS[@]}"; do debs+=("$(ls "$w"/pkg/"${p}"_*.deb)"); done

# The packages' files (not directories) that exist already: moved aside.
stash() {
	local d p
	for d in "${debs[@]}"; do dpkg-deb --fsys-tarfile "$d" | tar -t; done |
		sed 's|^\./|/|' | grep -v '/$' | sort -u >"$w/files"
	for d in "${debs[@]}"; do dpkg-deb --fsys-tarfile "$d" | tar -t; done |
		sed 's|^\./|/|' | grep '/$' | sed 's|/$||' | sort -u >"$w/dirs"
	while read -r p; do [ -d "$p" ] || echo "$p"; done <"$w/dirs" >"$w/newdirs"
	while read -r p; do [ ! -d "$p" ] || stat -c '%a %n' "$p"; done <"$w/dirs" >"$w/olddirs"
	while read -r p; do
		if [ -e "$p" ] || [ -L "$p" ]; then
			! dpkg -S "$p" >/dev/null 2>&1 || { echo "$p belongs to a package" >&2; return 1; }
			mkdir -p "$w/stash$(dirname "$p")"
			mv "$p" "$w/stash$p"
			echo "$p" >>"$w/stash.list"
		fi
	done <"$w/files"
	sed 's/^/moved aside: /' "$w/stash.list"
}
# Back where they were, and the directories dpkg removed on purge that
# were here before (it takes an existing directory no package owns).
restore() {
	local p mode
	while read -r mode p; do
		[ -d "$p" ] || { mkdir -p "$p" && chmod "$mode" "$p"; }
	done <"$w/olddirs"
	while read -r p; do
		mkdir -p "$(dirname "$p")"
		mv "$w/stash$p" "$p"
	done <"$w/stash.list"
	# The loader's cache as it would be (purge rebuilt it without them).
	! grep -q '/lib[^/]*\.so' "$w/stash.list" || ldconfig
}

HOST_BEFORE=$(host_binfmt_state)
[[ "$HOST_BEFORE" == *"== status"* ]] || { echo "cannot read the host's binfmt_misc table" >&2; exit 1; }
host_unchanged() {
	local after
	after=$(host_binfmt_state)
	[ "$after" = "$HOST_BEFORE" ] || { printf 'before: %s\nafter:  %s\n' "$HOST_BEFORE" "$after"; return 1; }
}
traces >"$w/traces.before"
: >"$w/stash.list"
: >"$w/olddirs"
stashed=1
step "files the packages ship that are here already are moved aside" stash
installing=1
step "dpkg -i ${PKGS[*]}" dpkg -i "${debs[@]}"

installed() {
	local hook shim
	hook=$(jq -r .hook.path /usr/share/containers/oci/hooks.d/nsbinfmt-hook.json)
	echo "the hooks.d file names $hook"
	[ "$hook" = /usr/libexec/nsbinfmt-hook ]
	[ -x "$hook" ]
	dpkg -S "$hook" | grep '^nsbinfmt:'
	shim=$(dpkg -L nsbinfmt | grep -E '/s?bin/nsbinfmt-runtime$')
	echo "/usr/libexec/nsbinfmt/runc -> $(readlink -f /usr/libexec/nsbinfmt/runc)"
	[ "$(readlink -f /usr/libexec/nsbinfmt/runc)" = "$shim" ]
	dpkg -L nsbinfmt | grep '/systemd/system/nsbinfmt-pin.service$'
	find /etc/systemd -name 'nsbinfmt*' | sed 's/^/enabled: /' | tee "$w/enabled"
	[ ! -s "$w/enabled" ] && [ ! -e /sys/fs/bpf/nsbinfmt ]
}
step "the hooks.d file names the packaged hook; the shim's runc link; the pin unit there, not enabled" installed

# The installed library, as a user builds against it.
libdev() {
	cat >"$w/lib.c" <<-'EOF'
		#include <stdio.h>
		#include <nsbinfmt.h>
		int main (void)
		{
		  nsbinfmt_rules *r;
		  nsbinfmt_error *e = NULL;
		  if (nsbinfmt_rules_new (&r, &e) < 0 || nsbinfmt_rules_add_arch (r, "arm64", NULL, &e) < 0)
		    return fprintf (stderr, "%s\n", nsbinfmt_error_message (e)), 1;
		  nsbinfmt_rules_free (r);
		  return 0;
		}
	EOF
	# shellcheck disable=SC2046
	cc -Wall -Werror -o "$w/lib" "$w/lib.c" $(pkg-config --cflags --libs libnsbinfmt)
	ldd "$w/lib" | tee "$w/ldd"
	grep -q "libnsbinfmt.so.0 => \(/usr\)\?/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/libnsbinfmt.so.0 " "$w/ldd"
	"$w/lib"
}
step "a program built with pkg-config libnsbinfmt runs against libnsbinfmt0" libdev
step "installing registered nothing in the host's binfmt_misc table" host_unchanged

if [ "${NSB_DEB_AUTOPKGTEST:-1}" = 1 ]; then
	for t in run-unprivileged podman-hook docker-shim; do
		step -v "autopkgtest $t" sh -c "cd '$w/pkg/nsbinfmt-$v' && debian/tests/$t"
	done
fi

step "dpkg --purge ${PKGS[*]}" dpkg --purge "${PKGS[@]}"
purged() {
	local p found=0
	while read -r p; do
		if [ -e "$p" ] || [ -L "$p" ]; then echo "left: $p"; found=1; fi
	done < <(cat "$w/files" "$w/newdirs")
	[ ! -e /sys/fs/bpf/nsbinfmt ] || { echo "left: /sys/fs/bpf/nsbinfmt"; found=1; }
	return "$found"
}
step "no file or directory of the packages is left" purged
step "the files moved aside are back" restore
stashed=
same_traces() { traces | diff -u "$w/traces.before" -; }
step "everything named nsbinfmt is as it was before" same_traces
step "nothing was registered in the host's binfmt_misc table" host_unchanged
echo "1..$n"
