#!/bin/sh
# libnsbinfmt.so defines exactly the dynamic symbols its version script
# (src/libnsbinfmt.sym) lists: nothing internal leaks out, nothing listed
# is missing, and the list is the functions nsbinfmt.h declares.  Run in
# the build directory (make check).
: "${NSB_SRCDIR:?run through make check, which sets NSB_SRCDIR}"
lib=.libs/libnsbinfmt.so
[ -f "$lib" ] || {
	echo "Bail out! $lib is not built"
	exit 1
}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# The names of the version script's global: lists.
sed -n '/global:/,/local:/s/^[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\);.*/\1/p' \
	"$NSB_SRCDIR/src/libnsbinfmt.sym" | sort -u >"$tmp/script"
# The library's defined dynamic symbols, without their version (@@NODE),
# and the version nodes themselves (absolute, type A) left out.
nm -D --defined-only "$lib" >"$tmp/nm" || {
	echo "Bail out! nm -D $lib failed"
	exit 1
}
awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' "$tmp/nm" | sort -u >"$tmp/exported"
# The functions the public header declares.
grep '^ *NSBINFMT_API ' "$NSB_SRCDIR/src/nsbinfmt.h" |
	grep -o 'nsbinfmt_[a-z0-9_]* (' | sed 's/ ($//' | sort -u >"$tmp/header"

n=0
# check DESCRIPTION FILE: ok if FILE is empty, else not ok and its lines
check() {
	n=$((n + 1))
	if [ -s "$2" ]; then
		echo "not ok $n - $1:"
		sed 's/^/#   /' "$2"
	else
		echo "ok $n - $1"
	fi
}

echo 1..4
[ -s "$tmp/script" ] || echo "the version script lists no symbol" >"$tmp/empty"
check "the version script lists symbols" "$tmp/empty"
comm -23 "$tmp/exported" "$tmp/script" >"$tmp/leaked"
check "every exported symbol is in the version script" "$tmp/leaked"
comm -13 "$tmp/exported" "$tmp/script" >"$tmp/missing"
check "every name in the version script is exported" "$tmp/missing"
# (both ways: < a function the header declares, > a name only the script has)
diff "$tmp/header" "$tmp/script" | grep '^[<>]' >"$tmp/differ"
check "the version script lists the functions nsbinfmt.h declares" "$tmp/differ"
