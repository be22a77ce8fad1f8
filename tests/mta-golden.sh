#!/bin/sh
# mta-golden.sh: the bounces real MTAs wrote (tests/data/mta/<mta>/, made
# by tests/mta/run.sh --regen): "rebound parse" on each does no worse than
# its known.tab says (a column right when the samples were made is right
# now; what got better is reported, to be written into known.tab with
# run.sh --regen or score.py table --known).  The table of the bench
# (found, hard, reason, status, soft called hard, per kind of scenario)
# is printed as TAP comments.  Needs python3; no MTA.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${PYTHON:=python3}"
command -v "$PYTHON" >/dev/null || { echo "1..0 # SKIP needs python3"; exit 77; }
scratch
score=$top_srcdir/tests/mta/score.py
dirs=
for d in "$top_srcdir"/tests/data/mta/*/; do
	[ -f "$d/expect.tab" ] || continue
	m=$(basename "$d")
	dirs="$dirs ${d%/}"
	is "$m: every sample has its expectation" "$(ls "$d" | grep '\.eml$' |
	    awk -F '\t' 'NR == FNR { e[$1] = 1; next } !($0 in e)' "$d/expect.tab" -)" ""
	"$PYTHON" "$score" check --rebound "$REBOUND" "${d%/}" >"$tmp/check"
	rc=$?
	n=$(awk '$1 == "samples" { print $2 }' "$tmp/check")
	is "$m: no sample of $n worse than known.tab" "$rc" 0 ||
	    grep '^worse' "$tmp/check" | sed 's/^/#   /'
	grep '^better' "$tmp/check" | sed 's/^/# better than known.tab: /'
done
check "there are samples" test -n "$dirs"
"$PYTHON" "$score" table --rebound "$REBOUND" $dirs | sed 's/^/# /'
done_testing
