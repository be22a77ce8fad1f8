#!/bin/sh
# lmtp-limits.sh: reboundd's bounds on LMTP memory and time.
# [lmtp] max_buffered: two clients each in DATA with 200 KiB under a
# bound of 300 KiB; one is read to its dot and gets 452 4.3.1 per
# recipient, the other 250, and the first one's retry is recorded, once.
# [lmtp] data_timeout: a client dripping its DATA gets 421 4.4.2 and is
# disconnected, and the next client is served.  A bad value of either
# key: exit 78 and a message naming it.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
scratch
data="$top_srcdir/tests/data"
q() { sqlite3 "$tmp/db" "$1"; }

# Bad values: exit 78 (EX_CONFIG), the file, line and key named.
for bad in 'max_buffered = 300K' 'max_buffered = 0' 'data_timeout = 0' \
    'data_timeout = soon'; do
	key=${bad%% *}
	printf '[store]\npath = %s/bad.db\n[lmtp]\nlisten = unix:%s/bad.sock\n%s\n' \
	    "$tmp" "$tmp" "$bad" >"$tmp/bad.conf"
	"$REBOUNDD" --config "$tmp/bad.conf" --foreground >/dev/null 2>"$tmp/err"
	is "bad value '$bad': exit 78" "$?" 78
	check "bad value '$bad': the message names the key" \
	    grep -q "bad.conf:5: \[lmtp\] $key: '${bad#* = }' is not a number" "$tmp/err"
done
check "bad values: nothing was started" test ! -e "$tmp/bad.db"

port=$(perl -MIO::Socket::INET -e \
    'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0")->sockport')
cat >"$tmp/conf" <<CONF
[store]
path = $tmp/db
[lmtp]
listen = unix:$tmp/lmtp.sock
max_message_size = 1048576
max_buffered = 307200
data_timeout = 2
[metrics]
listen = $port
CONF
"$REBOUNDD" --config "$tmp/conf" --foreground 2>"$tmp/log" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
wait_for "daemon: listening" started "$tmp/log"
# gauge: rebound_lmtp_buffered_bytes from /metrics.
gauge() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ARGV[0]") or die;
		print $s "GET /metrics HTTP/1.0\r\n\r\n";
		while (<$s>) { print "$1\n" if /^rebound_lmtp_buffered_bytes (\d+)/ }' "$port"
}
is "metrics: nothing buffered at start" "$(gauge)" 0

# Two distinct bounces of 200 KiB (a real one, then filler lines).
for m in first second; do
	{ cat "$data/postfix-user-unknown.eml"
	  perl -e 'print "$ARGV[0] filler ", "x" x 60, " $_\n" for 1 .. 2800' "$m"; } |
	    head -c 204800 | sed '$d' >"$tmp/$m.eml"
done

# A stops before its final dot; once the daemon holds all its 200 KiB
# (the gauge says so), B sends a whole transaction, then a NOOP; then A
# ends its message; then B sends its message again.
perl -MIO::Socket::UNIX -MIO::Socket::INET -e '
	my ($path, $port, $first, $second) = @ARGV;
	alarm 20;
	sub slurp { open(my $f, "<", $_[0]) or die; local $/; my $t = <$f>;
		$t =~ s/\n/\r\n/g; $t =~ s/^\./../mg; $t }
	sub reply { my ($s, $who) = @_;
		while (defined(my $l = <$s>)) { $l =~ s/\r?\n$//; print "$who: $l\n";
			return $l if $l !~ /^\d{3}-/ } return "" }
	sub buffered { my $h = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port")
		or die; print $h "GET /metrics HTTP/1.0\r\n\r\n";
		while (<$h>) { return $1 if /^rebound_lmtp_buffered_bytes (\d+)/ } 0 }
	sub open_tx { my ($who, @rcpts) = @_;
		my $s = IO::Socket::UNIX->new(Peer => $path) or die "$who: $!";
		reply($s, $who);
		print $s "LHLO test\r\n"; reply($s, $who);
		print $s "MAIL FROM:<>\r\n"; reply($s, $who);
		for (@rcpts) { print $s "RCPT TO:<$_>\r\n"; reply($s, $who) }
		$s }
	sub data { my ($s, $who, $text, $dot) = @_;
		print $s "DATA\r\n"; reply($s, $who);
		print $s $text; print $s ".\r\n" if $dot; $s->flush }
	my $a = open_tx("A", "a\@example.org");
	data($a, "A", slurp($first), 0);
	my $n = 0;
	# All of it, not just most: the rest may still be on its way.
	my $whole = -s $first;
	select(undef, undef, undef, 0.05) while ($n = buffered()) != $whole;
	print "held: $n\n";
	my @b = ("b1\@example.org", "b2\@example.org");
	my $b = open_tx("B", @b);
	data($b, "B", slurp($second), 1);
	reply($b, "B") for @b;
	print $b "NOOP\r\n"; reply($b, "B");
	print "held after B: ", buffered(), "\n";
	print $a ".\r\n"; reply($a, "A");
	print $a "QUIT\r\n"; reply($a, "A");
	print $b "MAIL FROM:<>\r\n"; reply($b, "B");
	for (@b) { print $b "RCPT TO:<$_>\r\n"; reply($b, "B") }
	data($b, "B", slurp($second), 1);
	reply($b, "B") for @b;
	print $b "QUIT\r\n"; reply($b, "B");' \
    "$tmp/lmtp.sock" "$port" "$tmp/first.eml" "$tmp/second.eml" >"$tmp/two" 2>&1
grep -E '^(held|A: 250 2.0.0|B: 452|B: 250 2.0.0 <)' "$tmp/two" | sed 's/^/# /'
is "max_buffered: B, over it, gets 452 4.3.1 per recipient" \
    "$(grep -c '^B: 452 4.3.1 insufficient system storage$' "$tmp/two")" 2
check "max_buffered: B's session goes on (its NOOP: 250)" grep -q '^B: 250 2.0.0 OK$' "$tmp/two"
check "max_buffered: what B sent was let go" \
    awk '/^held: / { h = $2 } /^held after B: / { a = $4 } END { exit !(h >= 200000 && a == h) }' "$tmp/two"
check "max_buffered: A, within it, gets 250" grep -q '^A: 250 2.0.0 <a@example.org> recorded' "$tmp/two"
is "max_buffered: B's retry gets 250 per recipient" \
    "$(grep -c '^B: 250 2.0.0 <b[12]@example.org> recorded' "$tmp/two")" 2
check "max_buffered: the log names the session and the bytes buffered" \
    grep -q 'lmtp#2: [0-9]* bytes not kept: [0-9]* bytes buffered of \[lmtp\] max_buffered 307200: 452 4.3.1 to 2 recipients' "$tmp/log"
is "max_buffered: each message recorded once" \
    "$(q "select count(*) from messages where (select text from texts where id = source_text) = 'lmtp'")" 2
is "max_buffered: B's message recorded once" \
    "$(q "select count(*) from messages where (select text from texts where id = envelope_to_text) like 'b_@example.org'")" 1
nothing_buffered() { [ "$(gauge)" = 0 ]; }
wait_for "metrics: nothing buffered once they are done" nothing_buffered
check "max_buffered: the daemon goes on" kill -0 $pid
diag "$(grep 'not kept' "$tmp/log")"

# data_timeout = 2: a line every 0.5 s for 5 s.
perl -MIO::Socket::UNIX -MIO::Select -MTime::HiRes=time -e '
	$SIG{PIPE} = "IGNORE";
	alarm 20;
	my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die;
	print $s "LHLO drip\r\nMAIL FROM:<>\r\nRCPT TO:<drip\@example.org>\r\nDATA\r\n";
	$s->flush;
	my ($in, $t0, $got, $closed) = ("", 0, "", 0);
	my $sel = IO::Select->new($s);
	for my $i (0 .. 10) {
		print $s "drip line $i\r\n" unless $got; $s->flush;
		my $until = time + 0.5;
		while ((my $left = $until - time) > 0) {
			next unless $sel->can_read($left);
			my $n = sysread($s, my $buf, 4096);
			if (!$n) { $closed = time; last }
			$in .= $buf;
			$t0 = time if !$t0 && $in =~ /^354 /m;
			$got = time if !$got && $in =~ /^421 /m;
		}
		last if $closed;
	}
	$in =~ s/\r//g; print $in;
	printf "421 after %.1f s\n", $got - $t0 if $got;
	printf "closed after %.1f s\n", $closed - $t0 if $closed;' \
    "$tmp/lmtp.sock" >"$tmp/drip" 2>&1
diag "$(grep -E 'after' "$tmp/drip" | tr '\n' ' ')"
check "data_timeout: 421 4.4.2 DATA took too long" grep -q '^421 4.4.2 DATA took too long$' "$tmp/drip"
check "data_timeout: after 2 s, not before" \
    awk '/^421 after/ { t = $3 } END { exit !(t >= 1.9 && t < 3.5) }' "$tmp/drip"
check "data_timeout: the connection is closed" grep -q '^closed after' "$tmp/drip"
check "data_timeout: logged" grep -q 'lmtp#[0-9]*: DATA took over 2 s, [0-9]* bytes received: closing' "$tmp/log"
is "metrics: nothing buffered after the timeout" "$(gauge)" 0
diag "$(grep 'DATA took' "$tmp/log")"
perl "$top_srcdir/tests/lmtp-send.pl" "$tmp/lmtp.sock" "$data/exim-mailbox-full.eml" \
    after@example.org >"$tmp/after" 2>&1
check "data_timeout: the next client is served" \
    grep -q '^250 2.0.0 <after@example.org> recorded' "$tmp/after"
is "data_timeout: nothing of the dripped message recorded" \
    "$(q "select count(*) from messages where (select text from texts where id = envelope_to_text) = 'drip@example.org'")" 0

kill -TERM $pid; wait $pid
is "stops cleanly" "$?" 0

done_testing
