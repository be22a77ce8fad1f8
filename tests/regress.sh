#!/bin/sh
# regress.sh: every input that once crashed a fuzz target (saved in
# tests/fuzz/regress/TARGET/) now runs cleanly, in this build: parse
# inputs through "rebound parse" (TSV and JSON) and through the fuzz
# target's own code (tests/fuzz/replay_parse, an mbox split into
# messages, each parsed and classified); LMTP sessions and config files
# through replay_lmtp and replay_conf, webhook bodies through
# replay_webhook, with their seeds.  Under valgrind
# too, where it is installed and this is not an ASan build.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
scratch
fuzz=$top_srcdir/tests/fuzz
replay=$top_builddir/tests/fuzz/replay

asan=0
ldd "$REBOUND" 2>/dev/null | grep -q libasan && asan=1
vg=
if command -v valgrind >/dev/null && [ $asan -eq 0 ]; then
	vg="valgrind -q --error-exitcode=99 --leak-check=full
	    --errors-for-leak-kinds=definite
	    --suppressions=$top_srcdir/tests/valgrind.supp"
else
	diag "valgrind not installed, or an ASan build: memory checks skipped"
fi

# runs DESCRIPTION COMMAND...: ok when it exits 0 (an abort, a signal or
# a valgrind error is not); its stderr is shown when not.
runs() {
	r_desc=$1
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	r_rc=$?
	is "$r_desc: exit status" "$r_rc" 0
	[ $r_rc -eq 0 ] || sed 's/^/#   /' "$tmp/err" | head -30
}

# Every regression input, by the path a user takes.
for f in "$fuzz"/regress/parse/*; do
	[ -f "$f" ] || continue
	n=$(basename "$f")
	runs "parse/$n: rebound parse" "$REBOUND" parse "$f"
	is "parse/$n: one row or more" "$(tail -n +2 "$tmp/out" | wc -l |
	    awk '$1 > 0 { print "yes" }')" yes
	runs "parse/$n: rebound parse --format json" \
	    "$REBOUND" parse --format json "$f"
done

# replay TARGET DIR...: the target's code over every file in DIRs.
replay() {
	r_target=$1
	shift
	set -- $(for d in "$@"; do ls -d "$d"/* 2>/dev/null; done)
	[ $# -gt 0 ] || return 0
	runs "$r_target: $# inputs replayed" "${replay}_$r_target" "$@"
	is "$r_target: all $# inputs ran" "$(cat "$tmp/out")" \
	    "$# input$([ $# -eq 1 ] || echo s) replayed"
	if [ -n "$vg" ]; then
		# shellcheck disable=SC2086 # vg is a command line
		runs "$r_target: valgrind clean" $vg "${replay}_$r_target" "$@"
	fi
}
replay parse "$fuzz/regress/parse"
replay lmtp "$fuzz/regress/lmtp" "$fuzz/seeds/lmtp"
replay conf "$fuzz/regress/conf" "$fuzz/seeds/conf"
replay webhook "$fuzz/regress/webhook" "$fuzz/seeds/webhook"

done_testing
