#!/bin/sh
# postfix.sh: a real Postfix writes bounces and delivers them over LMTP to
# reboundd, which records them: the way a list's bounces arrive for real.
# The Postfix is a private instance of Debian's: its own configuration,
# queue and data directories in the test's scratch directory, its own
# loopback port, started with "postfix -c" and stopped at the end.  The
# machine's /etc/postfix (checked unchanged, before and after) and any
# Postfix running on it are left alone, and two runs at once never meet.
# Mail to a nonexistent local user, sent with VERP, bounces to
# bounces+USER=HOST@bounces.test, which Postfix routes to reboundd's
# socket.  So does mail to a virtual mailbox at virtual_mailbox_limit, and
# mail to remote.test, which a second smtpd of the same Postfix on a free
# loopback port refuses (relay denied; over its size limit).  Needs root
# and postfix (contrib/deps.sh test installs it); skipped otherwise.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"

. "$top_srcdir/tests/postfix-lib.sh"

if ! pf_usable; then
	echo "1..0 # SKIP needs root, Debian's postfix and a user nobody"
	exit 77
fi
scratch

etc_postfix >"$tmp/etc-postfix.before"
master_before=$(system_master)

# The private instance.  Every Postfix command of the test reads it:
# sendmail, postqueue and postconf through MAIL_CONFIG, postfix by -c.
pf_init
sock="$spool/private/rebound-lmtp"	# lmtp:unix:private/... from the queue
vuid=$(id -u nobody) vgid=$(id -g nobody)
# A virtual mailbox (of uid nobody) whose file is at its limit.
mkdir -m 0755 "$pf/vmail"
head -c 99990 /dev/zero | tr '\0' x >"$pf/vmail/full"
chown "$vuid:$vgid" "$pf/vmail" "$pf/vmail/full"

printf '%s\n' '/^bounces(\+.*)?@bounces\.test$/ OK' '/^full@full\.test$/ full' \
    >"$cf/mailboxes.regexp"
cat >>"$cf/main.cf" <<MAIN
myhostname = mx.rebound.test
mydomain = rebound.test
mydestination = \$myhostname, localhost
message_size_limit = 100000
virtual_mailbox_domains = bounces.test, full.test
virtual_mailbox_maps = regexp:$cf/mailboxes.regexp
virtual_transport = lmtp:unix:private/rebound-lmtp
virtual_mailbox_base = $pf/vmail
virtual_mailbox_limit = 100000
virtual_minimum_uid = 1
virtual_uid_maps = static:$vuid
virtual_gid_maps = static:$vgid
transport_maps = regexp:$cf/transport.regexp
MAIN

# master.cf: the services the test uses, and the smtpd of "another
# server" (mx.remote.test: relays for nobody, takes 2,000 bytes at most)
# on a free port.
ports() {
	port=$(free_port)
	{
		cat <<MASTER
127.0.0.1:$port inet n - n - - smtpd
  -o myhostname=mx.remote.test -o mynetworks= -o message_size_limit=2000
  -o smtpd_relay_restrictions=reject_unauth_destination
MASTER
		pf_services
	} >"$cf/master.cf"
	printf '%s\n' "/@remote\\.test\$/ smtp:[127.0.0.1]:$port" \
	    '/@full\.test$/ virtual:' >"$cf/transport.regexp"
}
cleanup() {
	[ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	pf_stop
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

cat >"$tmp/conf" <<CONF
[store]
path = $tmp/db
[lmtp]
listen = unix:$sock
socket_mode = 0660
socket_group = postfix
[intake]
delay = 5
CONF

pf_start ports
is "a private postfix starts" "$?" 0 || {
	sed 's/^/#   /' "$tmp/postfix-start" "$plog"
	done_testing
	exit 1
}
wait_for "its smtpd listens on 127.0.0.1:$port" perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(PeerAddr => $ARGV[0]) or exit 1;
	exit((<$s> // "") =~ /^220 / ? 0 : 1)' "127.0.0.1:$port"
is "its queue is its own" "$(postconf -h queue_directory)" "$spool"

"$REBOUNDD" --config "$tmp/conf" --foreground 2>"$tmp/log" &
pid=$!
wait_for "reboundd listens on the private queue's socket" started "$tmp/log"

state_of() { "$REBOUND" show --db "$tmp/db" --format plain "$1" 2>/dev/null; }
recorded() {
	[ -n "$(sqlite3 "$tmp/db" "select 1 from outcomes where address='$1'" 2>/dev/null)" ]
}
outcome() { sqlite3 "$tmp/db" "select reason||' '||class||' '||status from outcomes where address='$1'"; }

# Mail to nonexistent local users, sent with VERP and an envelope id.
for user in nosuchuser nobody-here-$$; do
	printf 'Subject: rebound test to %s\nFrom: bounces@bounces.test\n\nhello\n' "$user" |
	    sendmail -f bounces@bounces.test -XV -V "envid-$user" "$user@localhost"
done
postqueue -f >/dev/null 2>&1
wait_for "the bounce Postfix wrote is recorded" recorded nosuchuser@localhost
state_of nosuchuser@localhost >"$tmp/show"
# Postfix's own "unknown user" with Status 5.1.1 is one strong sign
# (likely): under the default confirm_hard the address is suspect, waiting
# for a second hard bounce on another day.
check "show: suspect, a likely hard bounce waiting for confirmation" \
    grep -q 'state: suspect' "$tmp/show"
check "show: hard, status 5.1.1" grep -q "hard.*userunknown.*5\.1\.1" "$tmp/show"
is "the VERP subscriber is decoded from the envelope" \
    "$(sqlite3 "$tmp/db" "select subscriber from messages where (select text from texts where id = envelope_to_text) like 'bounces+nosuchuser=%'")" \
    nosuchuser@localhost
is "the envelope recipient is kept" \
    "$(sqlite3 "$tmp/db" "select (select text from texts where id = envelope_to_text) from messages where subscriber='nosuchuser@localhost'")" \
    "bounces+nosuchuser=localhost@bounces.test"
wait_for "the second bounce too" recorded "nobody-here-$$@localhost"
wait_for "postfix logs status=sent (250 ...) for the bounce delivery" \
    grep -q "to=<bounces+nosuchuser=localhost@bounces.test>.*status=sent (250 " "$plog"
check "reboundd logs the message over LMTP" grep -q "lmtp#[0-9]*: recorded .*userunknown" "$tmp/log"
wait_for "nothing left in Postfix's queue" \
    sh -c 'postqueue -p | tail -1 | grep -qx "Mail queue is empty"'

# A full mailbox: Postfix's virtual(8) finds the mailbox file at
# virtual_mailbox_limit.  The address lives: soft, mailboxfull.
printf 'Subject: to a full mailbox\nFrom: bounces@bounces.test\n\nhello\n' |
    sendmail -f bounces@bounces.test -XV full@full.test
postqueue -f >/dev/null 2>&1
wait_for "the full-mailbox bounce Postfix wrote is recorded" recorded full@full.test
is "full mailbox: mailboxfull, soft, status 5.2.2" "$(outcome full@full.test)" \
    "mailboxfull soft 5.2.2"
# Postfix writes its own words about the file as the Diagnostic-Code of a
# full mailbox; its Status 5.2.2 decides.
is "full mailbox: decided by the status, not the delivery agent's words" \
    "$(sqlite3 "$tmp/db" "select decided from history where address='full@full.test'")" \
    "status 5.2.2 (reporter)"
is "full mailbox: the mailbox is as it was" "$(wc -c <"$pf/vmail/full")" 99990

# What the other server said, in Postfix's words: a recipient it will not
# relay for (at RCPT) and a message over its size limit (at MAIL FROM).
# Both are about the sender's side: soft.
printf 'Subject: relay\nFrom: bounces@bounces.test\n\nhello\n' |
    sendmail -f bounces@bounces.test -XV "norelay$$@remote.test"
{ printf 'Subject: big\nFrom: bounces@bounces.test\n\n'; head -c 5000 /dev/zero | tr '\0' x; echo; } |
    sendmail -f bounces@bounces.test -XV "big$$@remote.test"
postqueue -f >/dev/null 2>&1
wait_for "the relay-denied bounce is recorded" recorded "norelay$$@remote.test"
is "relay denied: norelaying, sender side, 5.7.1" "$(outcome "norelay$$@remote.test")" \
    "norelaying sender 5.7.1"
wait_for "the too-big bounce is recorded" recorded "big$$@remote.test"
is "too big: mesgtoobig, sender side, 5.3.4" "$(outcome "big$$@remote.test")" \
    "mesgtoobig sender 5.3.4"

# reboundd stops: Postfix defers (never bounces) what it cannot deliver.
kill -TERM "$pid"
wait "$pid"
is "reboundd stops cleanly" "$?" 0
pid=
printf 'Subject: later\nFrom: bounces@bounces.test\n\nhello\n' |
    sendmail -f bounces@bounces.test -XV "later-$$@localhost"
postqueue -f >/dev/null 2>&1
wait_for "without reboundd, Postfix defers the bounce" \
    grep -q "to=<bounces+later-$$=localhost@bounces.test>.*status=deferred" "$plog"
"$REBOUNDD" --config "$tmp/conf" --foreground 2>>"$tmp/log" &
pid=$!
wait_until "reboundd to start again" started "$tmp/log" 2
postqueue -f >/dev/null 2>&1
wait_for "once reboundd is back, the deferred bounce is recorded" recorded "later-$$@localhost"

# Stopped, the private instance leaves nothing running; the machine's
# Postfix was never touched.
kill -TERM "$pid"
wait "$pid"
pid=
master=$(cat "$spool/pid/master.pid" 2>/dev/null | tr -d ' ')
postfix -c "$cf" stop >/dev/null 2>&1
is "the private postfix stops" "$?" 0
# (It lets go of its lock a moment before it is gone.)
wait_for "its master is gone" sh -c "! ps -o stat= -p '${master:-0}' | grep -qv Z"
etc_postfix >"$tmp/etc-postfix.after"
if cmp -s "$tmp/etc-postfix.before" "$tmp/etc-postfix.after"; then
	ok "/etc/postfix is unchanged"
else
	not_ok "/etc/postfix is unchanged"
	diff "$tmp/etc-postfix.before" "$tmp/etc-postfix.after" | sed 's/^/#   /'
fi
is "the machine's Postfix runs as it did (master pid '${master_before}')" \
    "$(system_master)" "$master_before"

done_testing
