#!/bin/bash
# rounds.sh RUNS LABEL=COMMAND...: RUNS rounds of one run of each COMMAND,
# the order rotating from round to round, so that a daemon's drift (seen
# here: +-15% over a minute for dockerd and podman) falls on all of them
# alike.  Prints each one's median wall-clock time and its ratio against
# the first's.  COMMAND is split on blanks, run without a shell; its
# output is discarded, and a failure stops the benchmark.  Each runs once
# first, untimed, unless NSB_ROUNDS_WARMUP=0.
set -euo pipefail
runs=$1
shift
labels=() cmds=()
for a in "$@"; do
	labels+=("${a%%=*}")
	cmds+=("${a#*=}")
done
n=${#cmds[@]}
if [ "${NSB_ROUNDS_WARMUP:-1}" = 1 ]; then
	for c in "${cmds[@]}"; do $c >/dev/null 2>&1; done
fi
for r in $(seq "$runs"); do
	for k in $(seq 0 $((n - 1))); do
		j=$(((k + r) % n))
		t0=$(date +%s%N)
		${cmds[j]} >/dev/null 2>&1 || { echo "rounds.sh: failed: ${cmds[j]}" >&2; exit 1; }
		echo "$j $(($(date +%s%N) - t0))"
	done
done | sort -k1,1n -k2,2n | awk -v labels="$(IFS='|' && echo "${labels[*]}")" '
	{ t[$1, c[$1]++] = $2 }
	END {
		k = split(labels, name, "|")
		for (j = 0; j < k; j++) {
			m = c[j] % 2 ? t[j, (c[j] - 1) / 2] : (t[j, c[j] / 2 - 1] + t[j, c[j] / 2]) / 2
			if (j == 0) base = m
			printf "  %s: median %.1f ms, ratio %.3f\n", name[j + 1], m / 1e6, m / base
		}
	}'
