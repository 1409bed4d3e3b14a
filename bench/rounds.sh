#!/bin/bash
# rounds.sh RUNS LABEL=COMMAND...: RUNS rounds of one run of each COMMAND,
# the order changing from round to round, so that a daemon's drift (seen
# here: +-15% over a minute for dockerd and podman) falls on all of them
# alike.  The orders are a Williams design: every command starts a round,
# and follows every other one, equally often (over N rounds for N
# commands, 2N if N is odd), so what one run leaves behind for the next
# (a container still being torn down) is not always paid by the same one.
# Prints each one's median wall-clock time and its ratio against the
# first's, and the median of its differences from the first within a round
# (paired: what a drift slower than a round does not move).  COMMAND is
# split on blanks, run without a shell; its output is discarded, and a
# failure stops the benchmark.  Each runs once first, untimed, unless
# NSB_ROUNDS_WARMUP=0.
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
times=$(mktemp)
trap 'rm -f "$times"' EXIT
# The first order: 0, 1, n-1, 2, n-2...; round r adds r to each, and for
# an odd n every other block of n rounds runs backwards.
first=()
for k in $(seq 0 $((n - 1))); do
	first+=($((k % 2 ? (k + 1) / 2 : (n - k / 2) % n)))
done
for r in $(seq "$runs"); do
	for k in $(seq 0 $((n - 1))); do
		i=$k
		[ $((n % 2 && r / n % 2)) = 1 ] && i=$((n - 1 - k))
		j=$(((first[i] + r) % n))
		t0=$(date +%s%N)
		${cmds[j]} >/dev/null 2>&1 || { echo "rounds.sh: failed: ${cmds[j]}" >&2; exit 1; }
		echo "$j $r $(($(date +%s%N) - t0))"
	done
done >"$times"
# Each one's times, sorted; and its difference from the first in each
# round, sorted: the paired median, which the daemons' drift moves less.
awk -v labels="$(IFS='|' && echo "${labels[*]}")" '
	function median(a, j, c) {
		return c % 2 ? a[j, (c - 1) / 2] : (a[j, c / 2 - 1] + a[j, c / 2]) / 2
	}
	FNR == NR { t[$1, c[$1]++] = $2; next }
	{ d[$1, e[$1]++] = $2 }
	END {
		k = split(labels, name, "|")
		for (j = 0; j < k; j++) {
			m = median(t, j, c[j])
			if (j == 0) base = m
			printf "  %s: median %.1f ms, ratio %.3f", name[j + 1], m / 1e6, m / base
			if (j > 0)
				printf ", paired %+.1f ms", median(d, j, e[j]) / 1e6
			printf "\n"
		}
	}' <(awk '{ print $1, $3 }' "$times" | sort -k1,1n -k2,2n) \
	<(awk '{ t[$1, $2] = $3; if ($1 > n) n = $1; if ($2 > r) r = $2 }
		END { for (j = 1; j <= n; j++) for (i = 1; i <= r; i++) print j, t[j, i] - t[0, i] }' "$times" |
		sort -k1,1n -k2,2n)
