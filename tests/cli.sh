#!/bin/sh
# cli.sh: the command line of rebound: help, version, exit codes, mbox files.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
scratch

out=$("$REBOUND" --version); rc=$?
is "--version exits 0" "$rc" 0
case $out in "rebound "[0-9]*) ok "--version names the program" ;;
*) not_ok "--version names the program: $out" ;; esac

"$REBOUND" --help >"$tmp/help"; rc=$?
is "--help exits 0" "$rc" 0
check "--help lists parse" grep -q '^  parse ' "$tmp/help"

"$REBOUND" >/dev/null 2>"$tmp/err"; rc=$?
is "no command exits 2" "$rc" 2
check "no command prints usage" grep -q '^Usage: rebound' "$tmp/err"

"$REBOUND" frobnicate 2>"$tmp/err"; rc=$?
is "unknown command exits 2" "$rc" 2
check "unknown command is named" grep -q "unknown command 'frobnicate'" "$tmp/err"

"$REBOUND" parse --help >"$tmp/help"; rc=$?
is "parse --help exits 0" "$rc" 0
check "parse --help shows --format" grep -q -- '--format' "$tmp/help"

"$REBOUND" parse 2>"$tmp/err"; rc=$?
is "parse without PATH exits 2" "$rc" 2

"$REBOUND" parse --format xml "$top_srcdir/tests/data" 2>"$tmp/err"; rc=$?
is "unknown format exits 2" "$rc" 2
check "unknown format is named" grep -q "unknown format 'xml'" "$tmp/err"

"$REBOUND" parse --bogus x 2>"$tmp/err"; rc=$?
is "unknown option exits 2" "$rc" 2

# An mbox file gives every message, whatever its line ends.
for msg in postfix-user-unknown exim-mailbox-full; do
	echo "From MAILER-DAEMON  Thu Apr 29 23:34:45 2026"
	cat "$top_srcdir/tests/data/$msg.eml"
	echo
done >"$tmp/mbox"
tr '\n' '\r' <"$tmp/mbox" >"$tmp/mbox-cr"
for f in mbox mbox-cr; do
	"$REBOUND" parse "$tmp/$f" | cut -f5 | tail -n +2 | tr '\n' ' ' >"$tmp/reasons"
	is "$f: both messages read" "$(cat "$tmp/reasons")" "userunknown mailboxfull "
done

cp "$top_srcdir/src/man/rebound.1" "$tmp/man"
check "man page rebound(1) exists" grep -q '^\.TH REBOUND 1' "$tmp/man"
if command -v groff >/dev/null; then
	groff -man -Tutf8 -ww -z "$tmp/man" 2>"$tmp/err"
	is "man page renders without warnings" "$(cat "$tmp/err")" ""
fi

# A control character in a stored value prints as a space, wherever it
# is in the value (prune's plain output is read by list managers).
"$REBOUND" import --db "$tmp/cc.db" "$top_srcdir/tests/data/"*.eml >/dev/null 2>&1
sqlite3 "$tmp/cc.db" "INSERT INTO addresses (address, state, state_reason,
    hard, soft, soft_days, complaints, first_seen, last_seen, last_reason)
    VALUES (char(1) || 'a' || char(9) || char(127) || 'b' || char(10) ||
    '@cc.example' || char(27), 'dead', 'x', 1, 0, '', 0, 1, 1, 'x')"
is "prune prints control characters as spaces" \
    "$("$REBOUND" prune --db "$tmp/cc.db" --format plain | grep '@cc\.example')" \
    " a  b @cc.example "

done_testing
