#!/bin/sh
# diskfull.sh: the database on a small tmpfs that fills up.  While it is
# full, LMTP answers 451 4.3.0 per recipient and a maildir file stays in
# new/, each with a log line; once space is freed, without a restart,
# the maildir file is recorded and moved, the LMTP retry gets 250, and
# everything is recorded exactly once.  Needs root (mount); 77 otherwise.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
scratch
data="$top_srcdir/tests/data"
fs="$tmp/fs"
md="$tmp/Maildir"
mkdir "$fs"
if ! mount -t tmpfs -o size=4m,mode=0755 rebound-test "$fs" 2>/dev/null; then
	echo "1..0 # SKIP cannot mount a tmpfs here (not root?)"
	exit 77
fi
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid"
	umount "$fs" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
send() { perl "$top_srcdir/tests/lmtp-send.pl" "$@"; }
q() { sqlite3 "$fs/db" "$1"; }
files_in() { ls "$1" 2>/dev/null | wc -l | tr -d ' '; }

# report TAG N: a DSN naming N recipients TAG-0 .. TAG-(N-1)@example.net,
# big enough (about 0.8 KB a recipient on disk) to need new pages.
report() {
	printf 'From: MAILER-DAEMON@mx.example.org\nSubject: failure notice\n'
	printf 'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n'
	printf -- '--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n'
	awk -v tag="$1" -v n="$2" 'BEGIN { for (i = 0; i < n; i++)
	    printf "\nFinal-Recipient: rfc822; %s-%d@example.net\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n", tag, i }'
	printf -- '--B--\n'
}
report lmtp 2000 >"$tmp/lmtp.eml"
report maildir 2000 >"$tmp/maildir.eml"

cat >"$tmp/conf" <<CONF
[store]
path = $fs/db
[maildir]
path = $md
[lmtp]
listen = unix:$tmp/lmtp.sock
CONF
"$REBOUNDD" --config "$tmp/conf" --foreground 2>"$tmp/log" &
pid=$!
wait_for "daemon: listening" started "$tmp/log"
send "$tmp/lmtp.sock" "$data/postfix-user-unknown.eml" first@example.org >"$tmp/r"
check "with space: 250" grep -q '^250 2.0.0 <first@example.org> recorded' "$tmp/r"

# Fill the filesystem.
dd if=/dev/zero of="$fs/fill" bs=16k 2>/dev/null
diag "filled: $(df -k "$fs" | awk 'NR == 2 { print $4 }') KB left"

send "$tmp/lmtp.sock" "$tmp/lmtp.eml" a@example.org b@example.org >"$tmp/r"
is "disk full: LMTP gets 451 4.3.0 per recipient" "$(grep -c '^451 4.3.0 <[ab]@example.org> ' "$tmp/r")" 2
check "disk full: logged with the session" grep -q "lmtp#[0-9]*: not recorded: .*full" "$tmp/log"

cp "$tmp/maildir.eml" "$md/tmp/full" && mv "$md/tmp/full" "$md/new/full"
wait_for "disk full: the maildir file is tried and not recorded" \
    grep -q "maildir full: not recorded: .*full" "$tmp/log"
wait_for "disk full: tried again, and again not recorded" \
    logged 2 "maildir full: not recorded: .*full" "$tmp/log"
is "disk full: the maildir file stays in new/" "$(files_in "$md/new")" 1
check "disk full: the daemon goes on" kill -0 $pid

# Space again: recovery without a restart.
rm "$fs/fill"
WAIT_SECONDS=15 wait_for "space freed: the maildir file is recorded and moved" \
    test -f "$md/cur/full:2,S"
send "$tmp/lmtp.sock" "$tmp/lmtp.eml" a@example.org b@example.org >"$tmp/r"
is "space freed: the LMTP retry gets 250 per recipient" "$(grep -c '^250 2.0.0 <[ab]@example.org> recorded' "$tmp/r")" 2
send "$tmp/lmtp.sock" "$tmp/lmtp.eml" a@example.org >"$tmp/r"
check "the same message again: 250" grep -q '^250 2.0.0 <a@example.org> recorded' "$tmp/r"
is "each message recorded once" "$(q "select count(*) from messages")" 3
is "each recipient recorded once" "$(q "select count(*) from outcomes")" 4001
is "integrity" "$(q 'pragma integrity_check')" ok
kill -TERM $pid; wait $pid
is "stops cleanly" "$?" 0
pid=

done_testing
