#!/bin/sh
# mta-live.sh: the bench of real MTAs (tests/mta/run.sh), live and small:
# Postfix and Exim (in a Debian root of its own) relay a handful of
# scenarios to the scripted peer, and each writes a bounce (and, for a
# temporary failure, a delay notice first) that rebound parses no worse
# than the golden samples of the same scenarios (tests/data/mta/*/
# known.tab).  Needs root, Postfix, debootstrap and python3, and the
# Debian archive for a first run (the root is cached); skipped otherwise.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${PYTHON:=python3}"
skip() { echo "1..0 # SKIP $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
for t in debootstrap chroot postconf zstd "$PYTHON"; do
	command -v "$t" >/dev/null || skip "needs $t"
done
scratch
ids=r550-511,r452-422,g554-571,m553-518,q550-511,refuse,local-unknown
sh "$top_srcdir/tests/mta/run.sh" --only "$ids" --wait 240 --out "$tmp/out" \
    postfix exim >"$tmp/table" 2>"$tmp/log"
rc=$?
[ $rc -eq 77 ] && skip "run.sh cannot run here"
if grep -q 'no root' "$tmp/log" && [ ! -d "$tmp/out/exim" ]; then
	skip "no Debian root for Exim (no archive?)"
fi
for m in postfix exim; do
	d=$tmp/out/$m
	check "$m: it ran" test -f "$d/expect.tab" || { sed 's/^/#   /' "$tmp/log"; continue; }
	is "$m: every scenario sent" "$(wc -l <"$d/sent")" 7
	for id in $(echo "$ids" | tr , ' '); do
		check "$m: a bounce for $id" test -f "$d/$id.eml"
	done
	check "$m: a delay notice before the bounce of a 452" test -f "$d/r452-422.delay.eml"
	# The golden samples' known gaps, for these scenarios only.
	g=$top_srcdir/tests/data/mta/$m
	[ -f "$g/known.tab" ] && cp "$g/known.tab" "$d/known.tab"
	"$PYTHON" "$top_srcdir/tests/mta/score.py" check --rebound "$REBOUND" "$d" \
	    >"$tmp/check"
	is "$m: rebound no worse than on the golden samples" "$?" 0 ||
	    grep '^worse' "$tmp/check" | sed 's/^/#   /'
done
sed 's/^/# /' "$tmp/table"
done_testing
