#!/bin/sh
# run.sh FUZZER...: run each libFuzzer target for FUZZ_TIME seconds
# (default 60) in FUZZ_JOBS processes at once (default 1; CI gives one
# per CPU) and print, per target, its executions, executions per second
# and coverage (libFuzzer's cov: edges and ft: features), then the
# total.  "make fuzz" and contrib/check.sh run it.
#
# Seeds: tests/data and ../shared/corpus (REBOUND_CORPUS) for fuzz_parse,
# tests/fuzz/seeds/TARGET for the others (and etc/ for fuzz_conf), and
# tests/fuzz/regress/TARGET for all, read in place; what a run learns
# goes to FUZZ_WORK/TARGET (default tests/fuzz/work), its logs to
# FUZZ_WORK/TARGET.logs, a crashing input to FUZZ_WORK/crash/.
# Exits 1 if a target crashed (or leaked, or hung) or if the total of
# executions is under FUZZ_MIN_EXECS (default 0).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${REBOUND_CORPUS:=$top_srcdir/../shared/corpus}"
time=${FUZZ_TIME:-60}
jobs=${FUZZ_JOBS:-1}
min=${FUZZ_MIN_EXECS:-0}
work=${FUZZ_WORK:-tests/fuzz/work}
mkdir -p "$work/crash" && work=$(cd "$work" && pwd) || exit 1

# The directories a target reads its seeds from.
seeds() {
	case $1 in
	fuzz_parse)
		echo "$top_srcdir/tests/data"
		[ -d "$REBOUND_CORPUS" ] && echo "$REBOUND_CORPUS" ;;
	fuzz_conf)
		echo "$top_srcdir/tests/fuzz/seeds/conf $top_srcdir/etc" ;;
	*)
		echo "$top_srcdir/tests/fuzz/seeds/${1#fuzz_}" ;;
	esac
	[ -d "$top_srcdir/tests/fuzz/regress/${1#fuzz_}" ] &&
	    echo "$top_srcdir/tests/fuzz/regress/${1#fuzz_}"
}

# sum NAME LOG...: a figure of -print_final_stats, added over the jobs.
sum() {
	stat=$1
	shift
	sed -n "s/^stat::$stat: *//p" "$@" | awk '{ n += $1 } END { print n + 0 }'
}
# most NAME LOG...: the highest figure of the jobs' last lines ("cov: 1234").
most() {
	field=$1
	shift
	for f in "$@"; do grep -E '^#[0-9]+' "$f" | tail -1; done |
	    sed -n "s/.* $field: \([0-9]*\).*/\1/p" | sort -n | tail -1
}

# A stack for every report; UBSan's would otherwise have none.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
total=0
failed=0
for fuzzer in "$@"; do
	name=$(basename "$fuzzer")
	fuzzer=$(cd "$(dirname "$fuzzer")" && pwd)/$name
	logs=$work/$name.logs
	rm -rf "$logs"
	mkdir -p "$work/$name" "$logs"
	# Each job logs to fuzz-N.log in the directory it runs in.
	# shellcheck disable=SC2046 # one word per seed directory
	(cd "$logs" && exec "$fuzzer" -jobs="$jobs" -workers="$jobs" \
	    -max_total_time="$time" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$work/crash/$name-" \
	    "$work/$name" $(seeds "$name")) >"$logs/main.log" 2>&1
	rc=$?
	execs=$(sum number_of_executed_units "$logs"/fuzz-*.log)
	total=$((total + execs))
	printf '%s: %s executions in %s s (%s job%s), %s exec/s, cov %s, ft %s, corpus %s\n' \
	    "$name" "$execs" "$time" "$jobs" "$([ "$jobs" -eq 1 ] || echo s)" \
	    "$(sum average_exec_per_sec "$logs"/fuzz-*.log)" \
	    "$(most cov "$logs"/fuzz-*.log)" "$(most ft "$logs"/fuzz-*.log)" \
	    "$(ls "$work/$name" | wc -l)"
	if [ $rc -ne 0 ] || grep -q 'Test unit written' "$logs"/fuzz-*.log; then
		failed=$((failed + 1))
		echo "$name: FAILED (exit $rc); the input:"
		ls "$work/crash/$name-"* 2>/dev/null
		echo "save it as tests/fuzz/regress/${name#fuzz_}/NAME; the report:"
		grep -hE '^(==[0-9]+==|SUMMARY|    #[0-9]+ |.*runtime error)' \
		    "$logs"/fuzz-*.log | head -40
	fi
done
echo "fuzz: $total executions in all, $failed target(s) failed"
if [ "$total" -lt "$min" ]; then
	echo "fuzz: FAILED: fewer than $min executions"
	exit 1
fi
[ $failed -eq 0 ]
