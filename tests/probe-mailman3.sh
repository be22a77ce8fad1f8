#!/bin/sh
# probe-mailman3.sh: issue 23's "done when", with a real Mailman 3 core
# (tests/mailman3-lib.sh), a private Postfix as the probes' relay and the
# bounce domain's MTA, and a scripted remote server (tests/probe-lib.sh:
# 550 5.1.1 for dead@remote.test, 250 for anyone else).  reboundd has a
# mailman3 hook in remove mode and a relay.
#  - A perfect forged Postfix DSN for a live member, delivered over LMTP
#    to reboundd: a probe goes out, nothing comes back, the member stays
#    on the list and the hook never touches it.
#  - The same DSN for a dead member: its probe bounces (Postfix's own DSN
#    to the probe's token), and the hook removes the member, once.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/probe-lib.sh"
. "$top_srcdir/tests/mailman3-lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"

mailman3_skip
if [ "$(id -u)" -ne 0 ] || ! command -v postconf >/dev/null ||
    ! id postfix >/dev/null 2>&1; then
	echo "1..0 # SKIP needs root and Debian's postfix"
	exit 77
fi
scratch
chmod 0755 "$tmp"	# Postfix's users reach inside
mailman3_start
pids=
trap 'for p in $pids ${pid:-}; do kill -TERM "$p" 2>/dev/null; done
    probe_postfix_stop 2>/dev/null; stop_mailman; rm -rf "$tmp"' EXIT INT TERM
mailman3_ready

list=news.lists.test
is "a domain" "$(status POST domains mail_host=lists.test)" 201
is "a list" "$(status POST lists fqdn_listname=news@lists.test)" 201
is "a quiet list" "$(status PATCH lists/$list/config send_welcome_message=false \
    send_goodbye_message=false)" 204
for a in live@remote.test dead@remote.test; do
	is "member $a" "$(status POST members list_id=$list subscriber=$a \
	    pre_verified=true pre_confirmed=true pre_approved=true)" 201
done
member() {
	rest GET lists/$list/roster/member fields=email >"$tmp/roster"
	grep -q "\"$1\"" "$tmp/roster"
}

probe_peer "$tmp/remote" --dead dead
pids="$pids $PEER_PID"
probe_postfix "$(cat "$tmp/remote/port")"
is "a private postfix starts" "$?" 0
wait_for "its smtpd answers" smtp_answers "127.0.0.1:$PF_PORT"

WAIT=6
cat >"$tmp/conf" <<CONF
[store]
path = $tmp/db
[lmtp]
listen = unix:$PF_SOCK
socket_mode = 0660
socket_group = postfix
[events]
delay = 0
[hook mailman]
kind = mailman3
url = http://127.0.0.1:$rest_port/3.1
user = restadmin
password = $pass
action = remove
[probe]
relay = smtp://127.0.0.1:$PF_PORT
secret = the secret of probe-mailman3.sh, $$
address = bounces+probe-{token}@lists.test
from = News <news-owner@lists.test>
wait = ${WAIT}s
CONF
"$REBOUNDD" --config "$tmp/conf" --foreground 2>"$tmp/log" &
pid=$!
wait_for "reboundd starts" started "$tmp/log"
state() { sqlite3 "$tmp/db" "select state from addresses where address='$1'" 2>/dev/null; }
state_is() { [ "$(state "$1")" = "$2" ]; }

# The forgery: Postfix's exact DSN, "550 5.1.1 User unknown", the list's
# List-Id in the returned headers, for a member whose mailbox is fine.
probe_dsn live@remote.test bounces@lists.test >"$tmp/forged.eml"
perl "$top_srcdir/tests/lmtp-send.pl" "$PF_SOCK" "$tmp/forged.eml" bounces@lists.test >"$tmp/lmtp.out"
check "the forged DSN is taken over LMTP" grep -q '^250 ' "$tmp/lmtp.out"
is "it would be a certain hard bounce: probing" "$(state live@remote.test)" probing
wait_for "the live member's server takes the probe" peer_got "$tmp/remote" live@remote.test
WAIT_SECONDS=$((WAIT * 10)) wait_for "no bounce within wait: alive" state_is live@remote.test alive
check "the live member is still on the list" member live@remote.test
check "the hook never touched it" sh -c "! grep -q 'hook mailman: .*live@remote.test' '$tmp/log'"

# A real bounce for a dead member: its probe bounces, then it goes.
probe_dsn dead@remote.test bounces@lists.test >"$tmp/dead.eml"
perl "$top_srcdir/tests/lmtp-send.pl" "$PF_SOCK" "$tmp/dead.eml" bounces@lists.test >/dev/null
is "probing first, still a member" "$(state dead@remote.test) $(member dead@remote.test && echo member)" \
    "probing member"
wait_for "the probe's own bounce makes it dead" state_is dead@remote.test dead
wait_for "the hook removes the dead member" grep -q \
    "hook mailman: event [0-9]* address.dead dead@remote.test: delivered: removed from $list" "$tmp/log"
if member dead@remote.test; then not_ok "dead is no longer a member"; else ok "dead is no longer a member"; fi
is "once" "$(grep -c 'hook mailman: .*dead@remote.test: delivered' "$tmp/log")" 1
check "live is still on the list" member live@remote.test

kill -TERM "$pid"
wait "$pid"
is "reboundd stops cleanly" "$?" 0
pid=
done_testing
