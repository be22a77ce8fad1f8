#!/bin/sh
# run.sh FUZZER...: run each libFuzzer target for FUZZ_TIME seconds
# (default 60) and print, per target, its executions, executions per
# second and coverage (libFuzzer's cov: edges and ft: features), then
# the total.  "make fuzz" and contrib/check.sh run it.
#
# Seeds: tests/data and ../shared/corpus (REBOUND_CORPUS) for fuzz_parse,
# tests/fuzz/seeds/TARGET for the others, and tests/fuzz/regress/TARGET
# for all, read in place; what a run learns goes to FUZZ_WORK/TARGET
# (default tests/fuzz/work), a crashing input to FUZZ_WORK/crash/.
# Exits 1 if a target crashed (or leaked, or hung) or if the total of
# executions is under FUZZ_MIN_EXECS (default 0).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${REBOUND_CORPUS:=$top_srcdir/../shared/corpus}"
time=${FUZZ_TIME:-60}
min=${FUZZ_MIN_EXECS:-0}
work=${FUZZ_WORK:-tests/fuzz/work}

# The directories a target reads its seeds from.
seeds() {
	case $1 in
	fuzz_parse)
		echo "$top_srcdir/tests/data"
		[ -d "$REBOUND_CORPUS" ] && echo "$REBOUND_CORPUS" ;;
	*)
		echo "$top_srcdir/tests/fuzz/seeds/${1#fuzz_}" ;;
	esac
	[ -d "$top_srcdir/tests/fuzz/regress/${1#fuzz_}" ] &&
	    echo "$top_srcdir/tests/fuzz/regress/${1#fuzz_}"
}

# stat NAME LOG: one figure of libFuzzer's -print_final_stats.
stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }
# done_field NAME LOG: a figure of the last status line ("cov: 1234").
done_field() {
	grep -E '^#[0-9]+' "$2" | tail -1 |
	    sed -n "s/.* $1: \([0-9]*\).*/\1/p"
}

# A stack for every report; UBSan's would otherwise have none.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
mkdir -p "$work/crash" || exit 1
total=0
failed=0
for fuzzer in "$@"; do
	name=$(basename "$fuzzer")
	log=$work/$name.log
	mkdir -p "$work/$name"
	# shellcheck disable=SC2046 # one word per seed directory
	"$fuzzer" -max_total_time="$time" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$work/crash/$name-" \
	    "$work/$name" $(seeds "$name") >"$log" 2>&1
	rc=$?
	execs=$(stat number_of_executed_units "$log")
	total=$((total + ${execs:-0}))
	printf '%s: %s executions in %s s, %s exec/s, cov %s, ft %s, corpus %s\n' \
	    "$name" "${execs:-0}" "$time" \
	    "$(stat average_exec_per_sec "$log")" "$(done_field cov "$log")" \
	    "$(done_field ft "$log")" "$(ls "$work/$name" | wc -l)"
	if [ $rc -ne 0 ]; then
		failed=$((failed + 1))
		echo "$name: FAILED (exit $rc); the input:"
		ls "$work/crash/$name-"* 2>/dev/null
		echo "save it as tests/fuzz/regress/${name#fuzz_}/NAME; the report:"
		grep -E '^(==[0-9]+==|SUMMARY|    #[0-9]+ |.*runtime error)' \
		    "$log" | head -40
	fi
done
echo "fuzz: $total executions in all, $failed target(s) failed"
if [ "$total" -lt "$min" ]; then
	echo "fuzz: FAILED: fewer than $min executions"
	exit 1
fi
[ $failed -eq 0 ]
