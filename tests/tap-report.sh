# tap-report.sh: sourced by tests/vm/run.sh, tests/vm/guest.sh and
# tests/trixie/run.sh, which run suites outside `make check` and report
# them alike.

# t DESCRIPTION CMD...: one TAP line, ok when CMD succeeds.  Counts in the
# caller's n and sets its bad on a failure (locals of the caller work too).
t() {
	local d=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $d"
	else
		echo "not ok $n - $d"
		bad=1
	fi
}

# trs_report RESULTS NAME: one line with the verdict and counts of
# RESULTS/NAME.trs (automake's TAP driver); NAME goes into the caller's
# array failed, with the lines of its log that are not ok, when it is
# missing, ran no test or failed.
trs_report() {
	local results=$1 name=$2 trs=$1/$2.trs verdict counts
	if [[ ! -s $trs ]]; then
		echo "MISSING $name"
		failed+=("no result for $name")
		return 0
	fi
	verdict=$(sed -n 's/^:global-test-result: //p' "$trs")
	counts=$(awk '/^:test-result:/ { c[$2]++ } END { for (k in c) printf "%s%s=%d", (n++ ? " " : ""), k, c[k] }' "$trs")
	printf '%-7s %-28s %s\n' "${verdict:-ERROR}" "$name" "$counts"
	if ! grep -q '^:test-result: ' "$trs"; then
		failed+=("$name ran no test")
	fi
	if grep -qE '^:test-result: (FAIL|XPASS|ERROR)' "$trs" || [[ ${verdict:-ERROR} =~ ^(FAIL|XPASS|ERROR)$ ]]; then
		failed+=("$name")
		echo "--- $results/$name.log:"
		grep -vE '^(ok|PASS:) ' "$results/$name.log" | sed 's/^/    /' | tail -60
	fi
}
