#!/bin/sh
# security.sh: what a hostile sender or a curious local user can reach.
# Log lines never carry raw control bytes, whatever the file names,
# LMTP commands and bounce fields (the daemon's log and the CLI's
# errors); the LMTP socket has the configured mode and group, and a user
# outside that group cannot connect; an address written as SQL is stored
# and found as an address (every statement binds its parameters); and
# no program that reads mail can start another (no system, popen, exec
# or fork; rebound runs rebound-mail, and nothing else).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
scratch
data="$top_srcdir/tests/data"
md="$tmp/Maildir"
mkdir -p "$md/new" "$md/cur" "$md/tmp"
q() { sqlite3 "$tmp/db" "$1"; }

# The group the socket gets: one root is not in, when root.
if [ "$(id -u)" -eq 0 ] && getent group nogroup >/dev/null; then
	group=nogroup
else
	group=$(id -gn)
fi
cat >"$tmp/conf" <<CONF
[store]
path = $tmp/db
[maildir]
path = $md
[lmtp]
listen = unix:$tmp/lmtp.sock
socket_mode = 0640
socket_group = $group
CONF

# no_control FILE: nothing in it but printable text and line ends: no
# C0 control byte but LF, no DEL, no C1 control, no bidi override.
no_control() {
	[ "$(LC_ALL=C tr -d '\n' <"$1" | LC_ALL=C tr -d '\040-\176\200-\377' |
	    wc -c)" -eq 0 ] &&
	    ! LC_ALL=C grep -q "$(printf '\302[\200-\237]')" "$1" &&
	    ! LC_ALL=C grep -q "$(printf '\342\200\256')" "$1"
}

# An address that is SQL, and a valid address.
sql="x'or'1'='1@example.org"
# Hostile text: a file name and a bounce whose recipient hold ESC
# sequences, CR LF (a forged log line), DEL, a C1 CSI and U+202E.
evil=$(printf 'ev\033[31mil\r\nforged: recorded\177\302\233\342\200\256\\')
sed "s/^Final-Recipient: rfc822; .*/Final-Recipient: rfc822; $(printf 'ev\033[2Jil\177')@example.org/" \
    "$data/postfix-user-unknown.eml" >"$tmp/evil.eml"
# (Original-Recipient too: where a report gives it, it is the address.)
sed -e "s/^Final-Recipient: rfc822; .*/Final-Recipient: rfc822; $sql/" \
    -e "s/^Original-Recipient: rfc822;.*/Original-Recipient: rfc822;$sql/" \
    "$data/postfix-user-unknown.eml" >"$tmp/sql.eml"

G_MESSAGES_DEBUG=all "$REBOUNDD" --config "$tmp/conf" --foreground \
    2>"$tmp/log" &
pid=$!
wait_for "reboundd starts" started "$tmp/log"
cp "$data/exim-mailbox-full.eml" "$md/tmp/x"
mv "$md/tmp/x" "$md/new/$evil"
wait_for "a file with control bytes in its name is recorded" \
    test -f "$md/cur/$evil:2,S"

# lmtp FILE COMMAND...: one session: the commands, then FILE as a message.
lmtp() {
	perl -MIO::Socket::UNIX -e '
		my ($peer, $file, @commands) = @ARGV;
		my $s = IO::Socket::UNIX->new(Peer => $peer) or exit 1;
		open(my $in, "<", $file) or die; local $/; my $m = <$in>;
		$m =~ s/\r?\n/\r\n/g; $m =~ s/^\./../mg;
		print $s map({ "$_\r\n" } "LHLO test", @commands, "MAIL FROM:<>",
		    "RCPT TO:<b\@example.org>", "DATA"), $m, ".\r\nQUIT\r\n";
		print while <$s>;' "$tmp/lmtp.sock" "$@"
}
lmtp "$tmp/evil.eml" "$(printf 'FOO \033[2J\rforged\007')" \
    "$(printf 'NO\000OP')" "$(printf 'VRFY \033]0;title\007')" >"$tmp/replies"
check "LMTP: the message is recorded after hostile commands" \
    grep -q '^250 2.0.0 <b@example.org>' "$tmp/replies"
kill -TERM $pid
wait $pid

check "the log has no raw control bytes" no_control "$tmp/log"
is "no forged log line" "$(grep -c '^forged' "$tmp/log")" 0
check "the log shows the file name escaped" grep -qF \
    'maildir ev\x1b[31mil\r\nforged: recorded\x7f\xc2\x9b\xe2\x80\xae\\: recorded' \
    "$tmp/log"
check "the log shows the LMTP command escaped" \
    grep -qF 'unknown command: FOO \x1b[2J\rforged\x07' "$tmp/log"
# An address with control bytes is no address: the bounce is recorded
# under its Original-Recipient, and nothing with a control byte is stored.
check "a recipient with control bytes falls back to Original-Recipient" \
    grep -qF 'Alice.Nobody@example.org userunknown' "$tmp/log"
is "no stored address holds a control byte" \
    "$(q "select count(*) from outcomes where address glob '*[$(printf '\001-\037\177')]*'")" 0

# The CLI: its errors and its rows.
"$REBOUND" parse "$tmp/$evil" >/dev/null 2>"$tmp/cli.err"
check "rebound: an error naming a hostile path has no raw control bytes" \
    no_control "$tmp/cli.err"
check "rebound: ... and shows it escaped" \
    grep -qF 'ev\x1b[31mil\r\nforged' "$tmp/cli.err"
"$REBOUND" parse "$tmp/evil.eml" "$md/cur/$evil:2,S" >"$tmp/rows"
# (Rows show ASCII controls as spaces, as every output format does.)
is "rebound parse: rows have no C0 control byte but tab and LF, no DEL" \
    "$(LC_ALL=C tr -d '\t\n\040-\176\200-\377' <"$tmp/rows" | wc -c | tr -d ' ')" 0
is "rebound parse: one row per file" "$(wc -l <"$tmp/rows" | tr -d ' ')" 3

# The socket: the configured mode and group; outside the group, no way in.
rm -f "$tmp/lmtp.sock"
"$REBOUNDD" --config "$tmp/conf" --foreground 2>"$tmp/log2" &
pid=$!
# Listening: bound, given its mode and group, then listen().
wait_for "reboundd starts again" grep -q "listening on unix:$tmp/lmtp.sock" "$tmp/log2"
is "socket_mode and socket_group are on the socket" \
    "$(stat -c '%a %G' "$tmp/lmtp.sock")" "640 $group"
if [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null && id nobody >/dev/null 2>&1; then
	chmod 0755 "$tmp"
	runuser -u nobody -- perl -MIO::Socket::UNIX -e '
		IO::Socket::UNIX->new(Peer => $ARGV[0]) and exit 0;
		print "$!\n"; exit 1' "$tmp/lmtp.sock" >"$tmp/nobody" 2>&1
	is "a user outside the group cannot connect" "$(cat "$tmp/nobody")" \
	    "Permission denied"
else
	ok "a user outside the group cannot connect # SKIP not root"
fi

# SQL in an address is an address.
lmtp "$tmp/sql.eml" >"$tmp/replies.sql"
check "LMTP: an address written as SQL is recorded" \
    grep -q '^250 2.0.0 <b@example.org>' "$tmp/replies.sql"
kill -TERM $pid
wait $pid
is "... as it was written" \
    "$(q "select count(*) from outcomes where address = 'x''or''1''=''1@example.org'")" 1
"$REBOUND" show --db "$tmp/db" --format plain "$sql" >"$tmp/show" 2>&1
check "rebound show finds it" grep -q "userunknown" "$tmp/show"
"$REBOUND" forget --db "$tmp/db" "$sql" >/dev/null 2>&1
is "rebound forget erases it, and only it" \
    "$(q "select count(*) from outcomes where address like 'x''or%'"):$(q 'select count(*) > 0 from outcomes')" \
    "0:1"
is "integrity" "$(q 'pragma integrity_check')" ok

# No program that reads mail can run another: no such function is
# linked in.  rebound itself reads none: it runs rebound-mail, from a
# fixed path, for parse and import (execv, and nothing else).
shell_outs() {
	nm -D --undefined-only "$1" | awk '{ print $NF }' | sed 's/@.*//' |
	    grep -E '^(system|popen|exec[lv]p?e?|fexecve|fork|vfork|clone|posix_spawnp?|g_spawn_.*|g_subprocess_.*)$' |
	    tr '\n' ' '
}
if command -v nm >/dev/null; then
	for prog in "$REBOUNDD" "$(dirname "$REBOUND")/rebound-mail"; do
		is "$(basename "$prog"): no system, popen, exec, fork or spawn" \
		    "$(shell_outs "$prog")" ""
	done
	is "rebound: execv alone (rebound-mail)" "$(shell_outs "$REBOUND")" \
	    "execv "
else
	ok "no shell-outs # SKIP nm not installed"
fi

done_testing
