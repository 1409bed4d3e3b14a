#!/bin/bash
# Benchmarks: every number is printed next to a baseline measured in the
# same run, as a ratio.  Usage: bench/run.sh BUILDDIR   (after make)
set -euo pipefail
build=$(cd "${1:?usage: bench/run.sh BUILDDIR}" && pwd)
nsb="$build/nsbinfmt"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
as_user() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
install -m 755 "$nsb" "$out/nsbinfmt"
chmod 1777 "$out" # nobody writes the JSON export there

echo "== nsbinfmt run --emulate aarch64 -- /bin/true vs unshare -Urm /bin/true (as nobody)"
as_user hyperfine -N --warmup 30 --runs 300 --export-json "$out/run.json" \
	"unshare -Urm /bin/true" \
	"$out/nsbinfmt run --emulate aarch64 -- /bin/true" \
	"$out/nsbinfmt run --level none --emulate aarch64 -- /bin/true" \
	"$out/nsbinfmt run --level probe --emulate aarch64 -- /bin/true" >/dev/null
jq -r '.results[0].mean as $b | .results[] |
	"\(.command): mean \(.mean*1000*100|round/100) ms ± \(.stddev*1000*100|round/100), +\((.mean-$b)*1000*100|round/100) ms, ratio \(.mean/$b*1000|round/1000)"' "$out/run.json"

echo "== rule parse + validate, 100,000 rules"
make -s -C "$build" bench/rule-parse >/dev/null
"$build/bench/rule-parse"
