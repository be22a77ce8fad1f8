#!/bin/sh
# valgrind.sh: the unit test programs, and "rebound parse" over the
# real-bounce corpus (../shared/corpus, REBOUND_CORPUS), under valgrind
# memcheck: no error and no definite leak.  Skipped without valgrind
# and in an AddressSanitizer build (its shadow memory cannot run under
# valgrind; it checks the same things itself).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
if ! command -v valgrind >/dev/null; then
	echo "1..0 # SKIP valgrind not installed"
	exit 0
fi
if ldd "$REBOUND" 2>/dev/null | grep -q libasan; then
	echo "1..0 # SKIP AddressSanitizer build"
	exit 0
fi
scratch
memcheck() {
	"$top_builddir/libtool" --mode=execute valgrind -q --error-exitcode=99 \
	    --leak-check=full --errors-for-leak-kinds=definite \
	    --suppressions="$top_srcdir/tests/valgrind.supp" "$@"
}
# clean DESCRIPTION: ok when the last memcheck exited 0; else its report.
clean() {
	is "$1" "$rc" 0
	[ "$rc" -eq 0 ] || grep -E '^==[0-9]+==|^not ok|Bail out' "$tmp/err" \
	    "$tmp/out" | head -40 | sed 's/^/#   /'
}

for t in "$top_builddir"/tests/test_*; do
	name=$(basename "$t")
	case $name in *.*) continue ;; esac	# test_x.c, .o, .log, .trs
	[ -x "$t" ] || continue
	memcheck "$t" >"$tmp/out" 2>"$tmp/err"; rc=$?
	clean "$name: passes under valgrind, no error, no definite leak"
	check "$name: ran its tests" grep -q '^ok ' "$tmp/out"
done

check "the unit test programs were found" [ "$tap_n" -gt 0 ]

# The events outbox: written by import and forget, read in each format.
printf '[events]\ndelay = 0\n' >"$tmp/events.conf"
db() { memcheck "$REBOUND" "$@" --config "$tmp/events.conf" --db "$tmp/db"; }
db import "$top_srcdir"/tests/data/*.eml >"$tmp/out" 2>"$tmp/err"; rc=$?
clean "events: rebound import under valgrind, no error, no definite leak"
db forget Alice.Nobody@example.org >"$tmp/out" 2>"$tmp/err"; rc=$?
clean "events: rebound forget under valgrind"
for f in json csv plain; do
	db events --format "$f" >"$tmp/out" 2>"$tmp/err"; rc=$?
	clean "events: rebound events --format $f under valgrind"
done
check "events: there were some" grep -q address.alive "$tmp/out"

if [ -d "$REBOUND_CORPUS" ]; then
	memcheck "$REBOUND" parse --format json "$REBOUND_CORPUS" \
	    >"$tmp/out" 2>"$tmp/err"; rc=$?
	clean "corpus: rebound parse under valgrind, no error, no definite leak"
	"$REBOUND" parse --format json "$REBOUND_CORPUS" >"$tmp/want" 2>&1
	diag "corpus: $(grep -c '"file":' "$tmp/out") messages parsed under valgrind"
	check "corpus: the same output as without valgrind" \
	    cmp -s "$tmp/out" "$tmp/want"
else
	diag "no corpus at $REBOUND_CORPUS: its valgrind run skipped"
fi

done_testing
