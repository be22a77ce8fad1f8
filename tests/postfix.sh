#!/bin/sh
# postfix.sh: a real Postfix writes bounces and delivers them over LMTP to
# reboundd, which records them: the way a list's bounces arrive for real.
# Postfix (Debian's) runs on loopback only, configured for the test and
# restored after; mail to a nonexistent local user, sent with VERP,
# bounces to bounces+USER=HOST@bounces.test, which Postfix routes to
# reboundd's socket.  So does mail to a local user (created for the test,
# removed after) whose mailbox is at mailbox_size_limit, and mail to
# remote.test, which a second smtpd of the same Postfix on 127.0.0.1:2525
# refuses (relay denied; over its size limit).  Needs root and postfix (contrib/deps.sh test
# installs it); skipped otherwise.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"

if [ "$(id -u)" -ne 0 ] || ! command -v postconf >/dev/null ||
    ! command -v sendmail >/dev/null; then
	echo "1..0 # SKIP needs root and Debian's postfix"
	exit 77
fi
scratch
spool=$(postconf -h queue_directory)
sock="$spool/private/rebound-test-$$"
plog=/var/log/postfix-rebound-test.log
cp /etc/postfix/main.cf "$tmp/main.cf.saved"
cp /etc/postfix/master.cf "$tmp/master.cf.saved"
was_running=0
postfix status >/dev/null 2>&1 && was_running=1
full=rbfull$$			# a local user whose mailbox is full
cleanup() {
	[ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	postfix stop >/dev/null 2>&1
	cp "$tmp/main.cf.saved" /etc/postfix/main.cf
	cp "$tmp/master.cf.saved" /etc/postfix/master.cf
	[ $was_running -eq 1 ] && postfix start >/dev/null 2>&1
	rm -f "$sock" /etc/postfix/rebound-test.regexp "/var/mail/$full" \
	    /etc/postfix/rebound-test-transport.regexp
	userdel "$full" 2>/dev/null
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
"$REBOUNDD" --config "$tmp/conf" --foreground 2>"$tmp/log" &
pid=$!

printf '%s\n' '/^bounces(\+.*)?@bounces\.test$/ OK' >/etc/postfix/rebound-test.regexp
# remote.test is "another server": a second smtpd on 127.0.0.1:2525 that
# relays for nobody and takes messages of 2,000 bytes at most.
printf '%s\n' '/@remote\.test$/ smtp:[127.0.0.1]:2525' \
    >/etc/postfix/rebound-test-transport.regexp
printf '%s\n' '127.0.0.1:2525 inet n - n - - smtpd' \
    '  -o message_size_limit=2000 -o mynetworks=' \
    '  -o smtpd_relay_restrictions=reject_unauth_destination' \
    >>/etc/postfix/master.cf
postconf -e 'inet_interfaces = loopback-only' 'inet_protocols = ipv4' \
    "maillog_file = $plog" 'virtual_mailbox_domains = bounces.test' \
    'virtual_mailbox_maps = regexp:/etc/postfix/rebound-test.regexp' \
    "virtual_transport = lmtp:unix:private/rebound-test-$$" \
    'delay_warning_time = 0' \
    'mailbox_size_limit = 100000' 'message_size_limit = 100000' \
    'transport_maps = regexp:/etc/postfix/rebound-test-transport.regexp' \
    'smtp_tls_security_level = none'
: >"$plog"
postfix stop >/dev/null 2>&1
postfix check && postfix start >/dev/null 2>&1
is "postfix starts" "$?" 0

WAIT_SECONDS=60
state_of() { "$REBOUND" show --db "$tmp/db" --format plain "$1" 2>/dev/null; }

# Mail to nonexistent local users, sent with VERP and an envelope id.
host=$(postconf -h myhostname)
for user in nosuchuser nobody-here-$$; do
	printf 'Subject: rebound test to %s\nFrom: bounces@bounces.test\n\nhello\n' "$user" |
	    sendmail -f bounces@bounces.test -XV -V "envid-$user" "$user@localhost"
done
postqueue -f >/dev/null 2>&1
wait_for "the bounce Postfix wrote is recorded" \
    sh -c "state_of() { \"$REBOUND\" show --db \"$tmp/db\" --format plain \"\$1\"; }; state_of nosuchuser@localhost | grep -q 'state: dead'"
state_of nosuchuser@localhost >"$tmp/show"
check "show: hard, status 5.1.1" grep -q "hard.*userunknown.*5\.1\.1" "$tmp/show"
is "the VERP subscriber is decoded from the envelope" \
    "$(sqlite3 "$tmp/db" "select subscriber from messages where envelope_to like 'bounces+nosuchuser=%'")" \
    nosuchuser@localhost
is "the envelope recipient is kept" \
    "$(sqlite3 "$tmp/db" "select envelope_to from messages where subscriber='nosuchuser@localhost'")" \
    "bounces+nosuchuser=localhost@bounces.test"
wait_for "the second bounce too" \
    sh -c "sqlite3 '$tmp/db' \"select 1 from outcomes where address='nobody-here-$$@localhost'\" | grep -q 1"
wait_for "postfix logs status=sent (250 ...) for the bounce delivery" \
    grep -q "to=<bounces+nosuchuser=localhost@bounces.test>.*status=sent (250 " "$plog"
check "reboundd logs the message over LMTP" grep -q "lmtp#[0-9]*: recorded .*userunknown" "$tmp/log"
is "nothing left in Postfix's queue" "$(postqueue -p | tail -1)" "Mail queue is empty"

# A full mailbox: Postfix's local delivery finds the user's mailbox at
# mailbox_size_limit.  The address lives: soft, mailboxfull.
useradd -M -s /usr/sbin/nologin "$full"
head -c 99990 /dev/zero | tr '\0' x >"/var/mail/$full"
chown "$full" "/var/mail/$full"
printf 'Subject: to a full mailbox\nFrom: bounces@bounces.test\n\nhello\n' |
    sendmail -f bounces@bounces.test -XV "$full@localhost"
postqueue -f >/dev/null 2>&1
wait_for "the full-mailbox bounce Postfix wrote is recorded" \
    sh -c "sqlite3 '$tmp/db' \"select 1 from outcomes where address='$full@localhost'\" | grep -q 1"
is "full mailbox: mailboxfull, soft, status 5.2.2" \
    "$(sqlite3 "$tmp/db" "select reason||' '||class||' '||status from outcomes where address='$full@localhost'")" \
    "mailboxfull soft 5.2.2"
# Postfix's local(8) writes "x-unix; input/output error" as the
# Diagnostic-Code of a full mailbox; its Status 5.2.2 decides.
is "full mailbox: decided by the status, not the local program's words" \
    "$(sqlite3 "$tmp/db" "select decided from outcomes where address='$full@localhost'")" \
    "status 5.2.2 (reporter)"

# What the other server said, in Postfix's words: a recipient it will not
# relay for (at RCPT) and a message over its size limit (at MAIL FROM).
# Both are about the sender's side: soft.
printf 'Subject: relay\nFrom: bounces@bounces.test\n\nhello\n' |
    sendmail -f bounces@bounces.test -XV "norelay$$@remote.test"
{ printf 'Subject: big\nFrom: bounces@bounces.test\n\n'; head -c 5000 /dev/zero | tr '\0' x; echo; } |
    sendmail -f bounces@bounces.test -XV "big$$@remote.test"
postqueue -f >/dev/null 2>&1
outcome() { sqlite3 "$tmp/db" "select reason||' '||class||' '||status from outcomes where address='$1'"; }
wait_for "the relay-denied bounce is recorded" \
    sh -c "sqlite3 '$tmp/db' \"select 1 from outcomes where address='norelay$$@remote.test'\" | grep -q 1"
is "relay denied: norelaying, sender side, 5.7.1" "$(outcome "norelay$$@remote.test")" \
    "norelaying sender 5.7.1"
wait_for "the too-big bounce is recorded" \
    sh -c "sqlite3 '$tmp/db' \"select 1 from outcomes where address='big$$@remote.test'\" | grep -q 1"
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
sleep 0.5
postqueue -f >/dev/null 2>&1
wait_for "once reboundd is back, the deferred bounce is recorded" \
    sh -c "sqlite3 '$tmp/db' \"select 1 from outcomes where address='later-$$@localhost'\" | grep -q 1"

done_testing
