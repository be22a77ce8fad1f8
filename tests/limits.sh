#!/bin/sh
# limits.sh: each limit of rebound.conf, at work: hostile messages parse
# in bounded time and memory (the figures are printed), a message over a
# [limits] limit is recorded up to it with a warning naming it, one over
# [lmtp] max_message_size gets 552 5.3.4, a session over max_sessions
# 421 4.3.2, and the daemon goes on.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
scratch
data="$top_srcdir/tests/data"
send() { perl "$top_srcdir/tests/lmtp-send.pl" "$@"; }
q() { sqlite3 "$tmp/db" "$1"; }
RSS_KB=${RSS_KB:-262144}	# what one hostile message may take: 256 MB
LIMIT_S=${LIMIT_S:-20}		# CPU seconds one hostile message may take
HANG_S=${HANG_S:-300}		# wall-clock seconds before it counts as hung

asan=0
asan_build "$REBOUND" && asan=1 && diag "AddressSanitizer build: peak RSS not checked"

# measure NAME COMMAND...: run it under /usr/bin/time and a limit on its
# CPU time (the work it does, whatever else the machine runs; the wall
# clock only catches a hang); prints the figures; fails if it did not
# exit 0 within the limits.
measure() {
	m_name=$1
	shift
	( ulimit -t "$LIMIT_S" &&
	  exec /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" timeout "$HANG_S" "$@" ) \
	    >"$tmp/$m_name.out" 2>"$tmp/$m_name.err"
	m_rc=$?
	# (Its last line: a line before says when a signal ended it.)
	read -r m_s m_user m_sys m_kb <<-EOF
	$(tail -n 1 "$tmp/time" 2>/dev/null)
	EOF
	diag "$m_name: exit $m_rc, ${m_s:-?} s (CPU ${m_user:-?} + ${m_sys:-?} s), peak RSS ${m_kb:-?} KB"
	[ $m_rc -eq 0 ] && { [ $asan -eq 1 ] || [ "${m_kb:-0}" -le "$RSS_KB" ]; }
}
rows() { tail -n +2 "$1" | wc -l | tr -d ' '; }

dsn_head() {
	printf 'From: MAILER-DAEMON@mx.example.org\nSubject: failure notice\n'
	printf 'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n'
	printf -- '--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n'
	printf 'Final-Recipient: rfc822; gone@example.net\nAction: failed\nStatus: 5.1.1\n\n'
}

# A 20 MB header line, at the top and in the returned message.
{
	printf 'X-Long: '
	head -c 20000000 /dev/zero | tr '\0' x
	printf '\n'
	dsn_head
	printf -- '--B\nContent-Type: message/rfc822\n\nTo: gone@example.net\nSubject: '
	head -c 20000000 /dev/zero | tr '\0' y
	printf '\n\nbody\n--B--\n'
} >"$tmp/header.eml"
check "two 20 MB header lines: bounded" measure header "$REBOUND" parse "$tmp/header.eml"
is "two 20 MB header lines: the recipient is found" "$(cut -f7 "$tmp/header.out" | tail -1)" gone@example.net
check "two 20 MB header lines: the limit is named" \
    grep -q "header.eml: cut short by \[limits\] header_bytes = 102400" "$tmp/header.err"

# 10,000 recipients (all read) and 10,001 (the last one dropped).
for n in 10000 10001; do
	{
		dsn_head	# and n - 1 more:
		awk -v n=$n 'BEGIN { for (i = 1; i < n; i++)
		    printf "\nFinal-Recipient: rfc822; u%d@example.net\nAction: failed\nStatus: 5.1.1\n", i }'
		printf -- '--B--\n'
	} >"$tmp/rcpt$n.eml"
	check "$n recipients: bounded" measure rcpt$n "$REBOUND" parse "$tmp/rcpt$n.eml"
	is "$n recipients: 10,000 reported" "$(rows "$tmp/rcpt$n.out")" 10000
done
is "10,000 recipients: no warning" "$(cat "$tmp/rcpt10000.err")" ""
check "10,001 recipients: the limit is named" \
    grep -q "cut short by \[limits\] recipients = 10000" "$tmp/rcpt10001.err"

# 100 nested multiparts around a report (walked), 101 (the report is too deep).
for n in 99 100; do
	{
		printf 'From: MAILER-DAEMON@mx.example.org\nSubject: failure notice\nMIME-Version: 1.0\n'
		awk -v n=$n 'BEGIN { for (i = 0; i < n; i++)
		    printf "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i }'
		printf 'Content-Type: multipart/report; boundary=r\n\n--r\n'
		printf 'Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; deep@example.net\n'
		printf 'Action: failed\nStatus: 5.1.1\n\n--r--\n'
		awk -v n=$n 'BEGIN { for (i = n - 1; i >= 0; i--) printf "--b%d--\n", i }'
	} >"$tmp/nest$n.eml"
	check "$((n + 1)) nested multiparts: bounded" measure nest$n "$REBOUND" parse "$tmp/nest$n.eml"
done
is "100 nested multiparts: the report is read" "$(cut -f3,7 "$tmp/nest99.out" | tail -1)" "5.1.1	deep@example.net"
is "100 nested multiparts: no warning" "$(cat "$tmp/nest99.err")" ""
check "101 nested multiparts: the limit is named" \
    grep -q "cut short by \[limits\] mime_depth = 100" "$tmp/nest100.err"

# Billion laughs, MIME style: a message/rfc822 in base64 in a message/rfc822
# in base64 ... 24 deep (10 MB), and one 7 MB base64 text part.
perl -MMIME::Base64 -e '
	my $m = "From: x\@example.org\nSubject: core\n\n" . ("lol " x 2000) . "\n";
	for my $i (1 .. 24) {
		$m = "From: x\@example.org\nSubject: level $i\nMIME-Version: 1.0\n" .
		    "Content-Type: multipart/mixed; boundary=L$i\n\n--L$i\n" .
		    "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n" .
		    encode_base64($m) . "--L$i--\n";
	}
	print $m;' >"$tmp/laughs.eml"
diag "laughs.eml: $(wc -c <"$tmp/laughs.eml") bytes"
check "base64 in base64, 24 deep: bounded" measure laughs "$REBOUND" parse "$tmp/laughs.eml"
{
	dsn_head
	printf -- '--B\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n'
	head -c 7000000 /dev/zero | tr '\0' a | base64
	printf -- '--B--\n'
} >"$tmp/b64.eml"
check "a 7 MB base64 text part: bounded" measure b64 "$REBOUND" parse "$tmp/b64.eml"
is "a 7 MB base64 text part: the recipient is found" "$(cut -f7 "$tmp/b64.out" | tail -1)" gone@example.net

# 200,000 parts: GMime is given the first 1,000.
{
	dsn_head
	awk 'BEGIN { for (i = 0; i < 200000; i++) printf "--B\nContent-Type: text/plain\n\nx\n" }'
	printf -- '--B--\n'
} >"$tmp/parts.eml"
check "200,000 parts: bounded" measure parts "$REBOUND" parse "$tmp/parts.eml"
is "200,000 parts: the report before them is read" "$(cut -f7 "$tmp/parts.out" | tail -1)" gone@example.net
check "200,000 parts: the limit is named" \
    grep -q "cut short by \[limits\] mime_parts = 1000" "$tmp/parts.err"

# rebound import takes [limits] from its configuration.
printf '[store]\npath = %s/import.db\n[limits]\nrecipients = 3\n' "$tmp" >"$tmp/import.conf"
"$REBOUND" import --config "$tmp/import.conf" "$tmp/rcpt10000.eml" >/dev/null 2>"$tmp/import.err"
is "import: [limits] recipients = 3 records 3" \
    "$(sqlite3 "$tmp/import.db" 'select count(*) from outcomes')" 3
check "import: the file and the limit are named" \
    grep -q "rcpt10000.eml: cut short by \[limits\] recipients = 3" "$tmp/import.err"

# The daemon, with small limits.
md="$tmp/Maildir"
cat >"$tmp/conf" <<CONF
[store]
path = $tmp/db
[maildir]
path = $md
max_message_size = 65536
[lmtp]
listen = unix:$tmp/lmtp.sock
max_sessions = 3
max_message_size = 65536
[limits]
recipients = 5
mime_parts = 50
header_bytes = 4096
CONF
"$REBOUNDD" --config "$tmp/conf" --foreground 2>"$tmp/log" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
wait_for "daemon: listening" started "$tmp/log"

# Over max_message_size: 552 5.3.4 per recipient, logged; the session goes on.
{ cat "$data/postfix-user-unknown.eml"; head -c 70000 /dev/zero | tr '\0' z | fold -w 76; } >"$tmp/toobig.eml"
send "$tmp/lmtp.sock" "$tmp/toobig.eml" a@example.org b@example.org >"$tmp/r" 2>&1
is "over max_message_size: 552 5.3.4 per recipient" "$(grep -c '^552 5.3.4 ' "$tmp/r")" 2
check "over max_message_size: logged with the session" \
    grep -q "lmtp#[0-9]*: refused [0-9]* bytes, over the limit of 65536" "$tmp/log"
is "over max_message_size: nothing recorded" "$(q 'select count(*) from messages')" 0

# Over [limits] recipients: recorded up to the limit, 250, a warning.
{ dsn_head; awk 'BEGIN { for (i = 1; i < 8; i++)
    printf "\nFinal-Recipient: rfc822; u%d@example.net\nAction: failed\nStatus: 5.1.1\n", i }'; } >"$tmp/rcpt8.eml"
send "$tmp/lmtp.sock" "$tmp/rcpt8.eml" a@example.org >"$tmp/r" 2>&1
check "over [limits] recipients: 250" grep -q '^250 2.0.0 <a@example.org> recorded' "$tmp/r"
is "over [limits] recipients: 5 of 8 recorded" \
    "$(q "select count(*) from outcomes where address like 'u%' or address = 'gone@example.net'")" 5
check "over [limits] recipients: the session and limit are logged" \
    grep -q "lmtp#[0-9]*: [0-9a-f]\{12\}: cut short by \[limits\] recipients = 5; recording what came before it" "$tmp/log"

# Over header_bytes and mime_parts: the same.
{ printf 'X-Long: '; head -c 50000 /dev/zero | tr '\0' x; printf '\n'; cat "$data/exim-mailbox-full.eml"; } >"$tmp/hdr.eml"
send "$tmp/lmtp.sock" "$tmp/hdr.eml" a@example.org >"$tmp/r" 2>&1
check "over header_bytes: 250" grep -q '^250 2.0.0 ' "$tmp/r"
check "over header_bytes: logged" grep -q "cut short by \[limits\] header_bytes = 4096" "$tmp/log"
is "over header_bytes: still classified" "$(q "select count(*) from outcomes where reason='mailboxfull'")" 1
{ dsn_head; awk 'BEGIN { for (i = 0; i < 100; i++) printf "--B\nContent-Type: text/plain\n\nx\n" }'; printf -- '--B--\n'; } >"$tmp/parts100.eml"

# The maildir side: over mime_parts, recorded and moved, with a warning.
cp "$tmp/parts100.eml" "$md/tmp/parts" && mv "$md/tmp/parts" "$md/new/parts"
wait_for "over mime_parts (maildir): recorded and moved" test -f "$md/cur/parts:2,S"
check "over mime_parts (maildir): the file and limit are logged" \
    grep -q "maildir parts: [0-9a-f]\{12\}: cut short by \[limits\] mime_parts = 50" "$tmp/log"

# Over [maildir] max_message_size: the report at the start is read and
# recorded, the file is moved whole, a line says how much was read.
cp "$data/postfix-user-unknown.eml" "$md/tmp/big"
head -c 200000 /dev/zero | tr '\0' z | fold -w 76 >>"$md/tmp/big"
size=$(wc -c <"$md/tmp/big")
mv "$md/tmp/big" "$md/new/big"
wait_for "over [maildir] max_message_size: recorded and moved" test -f "$md/cur/big:2,S"
is "over [maildir] max_message_size: the file is moved whole" \
    "$(wc -c <"$md/cur/big:2,S")" "$size"
is "over [maildir] max_message_size: the report at its start is recorded" \
    "$(q "select reason||' '||status from outcomes where address = 'Alice.Nobody@example.org'")" \
    "userunknown 5.1.1"
check "over [maildir] max_message_size: logged" \
    grep -q "maildir big: $size bytes, the first 65536 read (\[maildir\] max_message_size)" "$tmp/log"

# max_sessions = 3: a fourth session gets 421 4.3.2 and a log line.
perl -MIO::Socket::UNIX -e '
	my @s = map { IO::Socket::UNIX->new(Peer => $ARGV[0]) or die } 1 .. 3;
	for (@s) { my $g = <$_>; }	# greeted: all three are sessions
	my $x = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die;
	my $r = <$x>; print $r; close $_ for @s;' "$tmp/lmtp.sock" >"$tmp/r"
check "over max_sessions: 421 4.3.2" grep -q '^421 4.3.2 ' "$tmp/r"
check "over max_sessions: logged" grep -q "lmtp#[0-9]*: refused: too many sessions (max_sessions 3)" "$tmp/log"
# The three have left: once the daemon has seen them go, a session is
# greeted again.
greeted() {
	perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1;
		my $g = <$s> // ""; print $s "QUIT\r\n"; exit($g =~ /^220 / ? 0 : 1)' "$1"
}
wait_until "the daemon to see the three sessions end" greeted "$tmp/lmtp.sock"
send "$tmp/lmtp.sock" "$data/qmail-no-dsn.eml" c@example.org >"$tmp/r" 2>&1
check "after the refusal: the next session is served" grep -q '^250 2.0.0 <c@example.org> recorded' "$tmp/r"
check "the daemon goes on" kill -0 $pid
kill -TERM $pid; wait $pid
is "stops cleanly" "$?" 0

done_testing
