#!/bin/sh
# nsbinfmt-runtime's entry point (src/runtime/entry.c), where configure
# built it: the program starts there, the code it runs before the C library
# has started needs nothing of the C library (no call the compiler may have
# made on its own, no stack protector), and a command passed through makes
# no system call of the C library's start-up.  Run in the build directory
# (make check).
grep -q '^#define NSB_RUNTIME_ENTRY 1' config.h || {
	echo "1..0 # SKIP no entry point in this build (configure: runtime entry)"
	exit 0
}
bin=./nsbinfmt-runtime lib=.libs/libnsbinfmt-runtime-args.a
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
echo 1..3

entry=$(readelf -h "$bin" | sed -n 's/.*Entry point address: *0x0*//p')
sym=$(nm "$bin" | sed -n 's/^0*\([0-9a-f]*\) T nsb_runtime_start$/\1/p')
[ -n "$entry" ] && [ "$entry" = "$sym" ]
ok $? "the program starts at nsb_runtime_start (entry $entry, symbol $sym)"

# What the objects need from outside themselves: the C library's _start.
nm -u "$lib" | awk 'NF == 2 { print $2 }' | sort -u >"$tmp/undef"
nm --defined-only "$lib" | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/def"
comm -23 "$tmp/undef" "$tmp/def" >"$tmp/needs"
[ "$(cat "$tmp/needs")" = _start ]
ok $? "the pre-libc code needs _start alone (needs: $(tr '\n' ' ' <"$tmp/needs"))"

if command -v strace >/dev/null; then
	strace -f -o "$tmp/trace" "$bin" --nsbinfmt-runtime=/bin/true state c1
	# From the shim's execve to the runtime's: nothing but the PATH search.
	awk '/execve\(/ { e++; next } e == 1' "$tmp/trace" | grep -E 'brk|arch_prctl|mmap' >"$tmp/libc"
	[ ! -s "$tmp/libc" ] && [ "$(grep -c 'execve(' "$tmp/trace")" = 2 ]
	ok $? "state: the runtime executed before the C library starts"
else
	echo "ok 3 # SKIP no strace"
fi
