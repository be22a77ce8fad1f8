#!/bin/sh
# probe.sh: probes before a removal ([probe], issue 23), end to end.
# A private Postfix is the probes' relay and the bounce domain's MTA
# (lists.test: bounces+probe-TOKEN@ goes over LMTP to reboundd), and a
# scripted remote server (tests/probe-peer.py) answers 550 5.1.1 for
# dead@remote.test and 250 for anyone else.  A webhook that takes only
# address.dead stands for a list manager.
#  - A hand-written DSN for a live subscriber: probing, a probe goes out,
#    the peer takes it, nothing comes back, alive after wait; no hook.
#  - The same DSN for a dead subscriber: the probe goes out, Postfix's
#    own DSN for it comes back to the token, dead with the probe's
#    bounce as evidence; the hook is called once.
#  - Bounces to a made-up token, to the live probe's token once its wait
#    ran out, and to its token naming another address: forged, counted,
#    logged, never acted on.
# Then the peer is the relay itself, with max_per_hour = 3:
#  - SIGKILL while the relay holds the first probe's end of data: after
#    the restart the probe goes again, and the relay has it once;
#  - a flood: 3 probes an hour, a warning and a metric say so, the rest
#    wait as rows (none dropped);
#  - the incident guard first: a burst it holds sends no probe;
#  - without a relay, a warning, and a forged bounce is dead at once.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/probe-lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"

if [ "$(id -u)" -ne 0 ] || ! command -v postconf >/dev/null ||
    ! id postfix >/dev/null 2>&1 || ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP needs root, Debian's postfix and python3"
	exit 77
fi
scratch
chmod 0755 "$tmp"	# Postfix's users reach inside
pids=
cleanup() {
	[ -n "${KEEP:-}" ] && cp -r "$tmp" "$KEEP"
	for p in $pids ${pid:-}; do kill -TERM "$p" 2>/dev/null; done
	probe_postfix_stop 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

probe_peer "$tmp/remote" --dead dead
pids="$pids $PEER_PID"
probe_postfix "$(cat "$tmp/remote/port")"
is "a private postfix starts" "$?" 0
wait_for "its smtpd answers" smtp_answers "127.0.0.1:$PF_PORT"

mkdir "$tmp/hook"
python3 "$top_srcdir/tests/hook-receiver.py" "$tmp/hook" webhook 'the s3cret' &
pids="$pids $!"
wait_until "the webhook receiver to listen" test -s "$tmp/hook/port"
metrics=$(free_port)
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
[metrics]
listen = $metrics
[hook list]
kind = webhook
url = http://127.0.0.1:$(cat "$tmp/hook/port")/
secret = the s3cret
types = address.dead
[probe]
relay = smtp://127.0.0.1:$PF_PORT
secret = a secret of the test, $$
address = bounces+probe-{token}@lists.test
from = News <news-owner@lists.test>
subject = Is this address still yours?
wait = ${WAIT}s
CONF
"$REBOUNDD" --config "$tmp/conf" --foreground 2>"$tmp/log" &
pid=$!
wait_for "reboundd starts with a relay" started "$tmp/log"
check "it says what it probes, through which relay" \
    grep -q "probe: always addresses are probed.*smtp://127.0.0.1:$PF_PORT" "$tmp/log"
check "no warning about forged bounces: probes answer them" \
    sh -c "! grep -q 'forged bounce can make' '$tmp/log'"

state() { sqlite3 "$tmp/db" "select state from addresses where address='$1'" 2>/dev/null; }
state_is() { [ "$(state "$1")" = "$2" ]; }
hook_calls() { cat "$tmp/hook/log" 2>/dev/null | grep -c " $1 "; }
# metric RESULT: rebound_probes_total{result="RESULT"} of /metrics.
metric() {
	python3 -c 'import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=30).read().decode())' \
	    "http://127.0.0.1:$metrics/metrics" 2>/dev/null |
	    sed -n "s/^rebound_probes_total{result=\"$1\"} //p"
}
lmtp() { perl "$top_srcdir/tests/lmtp-send.pl" "$PF_SOCK" "$1" "$2" >"$tmp/lmtp.out"; }

# A perfect DSN, written by hand, for a live subscriber.
probe_dsn live@remote.test bounces@lists.test >"$tmp/live.eml"
lmtp "$tmp/live.eml" bounces@lists.test
check "the forged DSN is taken (250)" grep -q '^250 ' "$tmp/lmtp.out"
is "a certain hard bounce makes it probing, not dead" "$(state live@remote.test)" probing
wait_for "the peer gets the probe through Postfix" peer_got "$tmp/remote" live@remote.test
"$REBOUND" show --db "$tmp/db" live@remote.test >"$tmp/show"
check "show: probing since ..., probe id 1" \
    grep -q '^probe: probing since .*, probe id 1, sent ' "$tmp/show" ||
    sed 's/^/#   /' "$tmp/show"
"$REBOUND" prune --db "$tmp/db" --probing >"$tmp/probing"
is "prune --probing lists it" "$(cat "$tmp/probing")" live@remote.test
is "prune does not" "$("$REBOUND" prune --db "$tmp/db")" ""
probe=$(grep -l '^X-Peer-To: live@remote.test' "$tmp/remote"/*.eml)
check "the probe is automatic" grep -q '^Auto-Submitted: auto-generated' "$probe"
check "its Message-ID comes from its id" grep -q '^Message-ID: <rebound-probe-1-[0-9]*@lists.test>' "$probe"
check "in the list's name, with its subject" \
    sh -c "grep -q '^From: News <news-owner@lists.test>' '$probe' && grep -q '^Subject: Is this address still yours?' '$probe'"
check "its return path carries a token" \
    grep -q '^X-Peer-From: bounces+probe-1-[0-9a-f]*-[0-9a-f]\{20\}@lists.test' "$probe"
WAIT_SECONDS=$((WAIT * 10)) wait_for "no bounce within wait: alive again" state_is live@remote.test alive
sqlite3 "$tmp/db" "select state_reason from addresses where address='live@remote.test'" >"$tmp/why"
check "with why" grep -q "^probe 1 sent .* had no bounce within ${WAIT} s: alive" "$tmp/why"
is "an address.alive event says so" \
    "$(sqlite3 "$tmp/db" "select previous from events where type='address.alive' and address='live@remote.test'")" probing
is "no hook was called for it" "$(hook_calls live@remote.test)" 0
is "metrics: 1 expired" "$(metric expired)" 1

# The same DSN for a subscriber whose mailbox is gone.
probe_dsn dead@remote.test bounces@lists.test >"$tmp/dead.eml"
lmtp "$tmp/dead.eml" bounces@lists.test
is "probing first" "$(state dead@remote.test)" probing
wait_for "Postfix's own DSN of the probe comes back: dead" state_is dead@remote.test dead
# Postfix logs the delivery once reboundd has answered it: wait for it.
wait_for "Postfix bounced the probe to its token" \
    grep -q "to=<bounces+probe-2-.*@lists.test>.*status=sent" "$tmp/postfix/maillog"
is "the reason is the probe's bounce" \
    "$(sqlite3 "$tmp/db" "select state_reason from addresses where address='dead@remote.test'")" \
    "probe bounced: userunknown"
is "its evidence is the probe's bounce, to the token" \
    "$(sqlite3 "$tmp/db" "select (select text from texts where id = m.envelope_to_text) like 'bounces+probe-2-%' from events e join messages m on m.digest = e.digest where e.type = 'address.dead' and e.address = 'dead@remote.test'")" 1
is "the probe's outcome names its probe" \
    "$(sqlite3 "$tmp/db" "select count(*) from outcomes where address='dead@remote.test' and probe = 2")" 1
wait_for "the hook is called for it" sh -c "[ \"\$(grep -c ' dead@remote.test ' '$tmp/hook/log')\" -ge 1 ]"
is "once" "$(hook_calls dead@remote.test)" 1
is "metrics: 2 sent, 1 bounced" "$(metric sent) $(metric bounced)" "2 1"

# Forgeries: a made-up token, the live probe's (its wait ran out), and a
# real token of one address in a bounce naming another.
token=$(peer_token "$tmp/remote" live@remote.test)
probe_dsn live@remote.test "bounces+probe-7-5f000000-0123456789abcdef0123@lists.test" >"$tmp/f1.eml"
lmtp "$tmp/f1.eml" "bounces+probe-7-5f000000-0123456789abcdef0123@lists.test"
probe_dsn live@remote.test "bounces+probe-$token@lists.test" >"$tmp/f2.eml"
lmtp "$tmp/f2.eml" "bounces+probe-$token@lists.test"
probe_dsn carol@remote.test "bounces+probe-$token@lists.test" >"$tmp/f3.eml"
lmtp "$tmp/f3.eml" "bounces+probe-$token@lists.test"
check "forged bounces are taken (250), not refused" grep -q '^250 ' "$tmp/lmtp.out"
is "each is recorded as forged, with why" \
    "$(sqlite3 "$tmp/db" "select address || ': ' || why from probe_forged order by id")" \
    "live@remote.test: not a token rebound made
live@remote.test: the token of a probe no longer waiting
carol@remote.test: the token of another address"
is "counted" "$(metric forged)" 3
check "logged" logged 3 'probe: forged bounce for .*recorded, not counted' "$tmp/log"
is "never acted on: live stays alive" "$(state live@remote.test)" alive
"$REBOUND" show --db "$tmp/db" live@remote.test >"$tmp/show"
check "show: the forged bounces naming it" \
    grep -q '^forged: 2 bounces to a probe.s return path whose token failed, never counted' "$tmp/show"
is "the other address has no outcome" \
    "$(sqlite3 "$tmp/db" "select count(*) from outcomes where address='carol@remote.test'")" 0
is "no hook for either" "$(hook_calls live@remote.test)$(hook_calls carol@remote.test)" 00

kill -TERM "$pid"
wait "$pid"
is "reboundd stops cleanly" "$?" 0
pid=
probe_postfix_stop

# The relay is the peer itself now; it holds the first probe's end of
# data without an answer until its client is gone.
probe_peer "$tmp/relay" --stall-first
pids="$pids $PEER_PID"
sed -e "s|^relay = .*|relay = smtp://127.0.0.1:$(cat "$tmp/relay/port")|" \
    -e "s|^wait = .*|wait = 1h\nmax_per_hour = 3|" \
    -e "s|^path = .*|path = $tmp/db2|" -e "s|^listen = unix:.*|listen = unix:$tmp/lmtp.sock|" \
    "$tmp/conf" >"$tmp/conf2"
"$REBOUNDD" --config "$tmp/conf2" --foreground 2>"$tmp/log2" &
pid=$!
wait_until "reboundd starts on the second database" started "$tmp/log2"
probe_dsn kill1@remote.test bounces@lists.test >"$tmp/k.eml"
perl "$top_srcdir/tests/lmtp-send.pl" "$tmp/lmtp.sock" "$tmp/k.eml" bounces@lists.test >/dev/null
wait_for "the relay has the probe's data, unanswered" test -e "$tmp/relay/stalled"
is "the probe is recorded, not marked sent" \
    "$(sqlite3 "$tmp/db2" "select state from probes where address='kill1@remote.test'")" waiting
kill -KILL "$pid"
wait "$pid" 2>/dev/null
"$REBOUNDD" --config "$tmp/conf2" --foreground 2>>"$tmp/log2" &
pid=$!
wait_until "reboundd starts again" started "$tmp/log2" 2
wait_for "after the restart the probe is sent" sh -c \
    "[ \"\$(sqlite3 '$tmp/db2' \"select state from probes where address='kill1@remote.test'\")\" = sent ]"
is "one probe row for the address" \
    "$(sqlite3 "$tmp/db2" "select count(*) from probes where address='kill1@remote.test'")" 1
is "the relay has it once: neither lost nor sent twice" \
    "$(grep -l '^X-Peer-To: kill1@remote.test' "$tmp/relay"/*.eml | wc -l)" 1

# A flood of forged bounces: at most max_per_hour probes an hour.
for i in 1 2 3 4 5 6; do
	probe_dsn "flood$i@remote.test" bounces@lists.test >"$tmp/fl.eml"
	perl "$top_srcdir/tests/lmtp-send.pl" "$tmp/lmtp.sock" "$tmp/fl.eml" bounces@lists.test >/dev/null
done
wait_for "the limit is logged" grep -q 'probe: max_per_hour (3) reached' "$tmp/log2"
deferred_4() { [ "$(metric deferred)" = 4 ]; }
wait_for "the metric counts the deferred ones" deferred_4
is "3 probes sent in the hour" "$(sqlite3 "$tmp/db2" "select count(*) from probes where sent is not null")" 3
is "the rest wait, none dropped" "$(sqlite3 "$tmp/db2" "select count(*) from probes where state = 'waiting'")" 4
is "the six are probing" "$("$REBOUND" prune --db "$tmp/db2" --probing | grep -c flood)" 6
is "the relay took 3 messages" "$(ls "$tmp/relay"/*.eml | wc -l)" 3
# One probe per address: another bounce for a probing address makes
# none; a new address, after it, shows the prober has looked since.
probe_dsn flood1@remote.test bounces@lists.test | sed 's/News, issue 42/News, issue 43/' >"$tmp/fl.eml"
perl "$top_srcdir/tests/lmtp-send.pl" "$tmp/lmtp.sock" "$tmp/fl.eml" bounces@lists.test >/dev/null
probe_dsn flood7@remote.test bounces@lists.test >"$tmp/fl.eml"
perl "$top_srcdir/tests/lmtp-send.pl" "$tmp/lmtp.sock" "$tmp/fl.eml" bounces@lists.test >/dev/null
wait_for "the new address gets its probe row" sh -c \
    "[ \"\$(sqlite3 '$tmp/db2' \"select count(*) from probes where address='flood7@remote.test'\")\" = 1 ]"
is "a second bounce of a probing address: its two outcomes, one probe" \
    "$(sqlite3 "$tmp/db2" "select count(*) from outcomes where address='flood1@remote.test'") $(sqlite3 "$tmp/db2" "select count(*) from probes where address='flood1@remote.test'")" "2 1"

kill -TERM "$pid"
wait "$pid"
is "reboundd stops cleanly" "$?" 0
pid=

# The incident guard runs first: a probe waits [events] delay after the
# address's last bounce, as an address.dead would, and a burst the guard
# holds meanwhile sends none.  Five addresses of one domain at once
# (min_addresses = 3) open an incident; one elsewhere is probed.
sed -e "s|^path = .*|path = $tmp/db3|" -e "s|^delay = 0|delay = 3\n[guard]\nmin_addresses = 3\nwindow = 10m|" \
    -e "s|^max_per_hour = 3|max_per_hour = 100|" "$tmp/conf2" >"$tmp/conf3"
"$REBOUNDD" --config "$tmp/conf3" --foreground 2>"$tmp/log3" &
pid=$!
wait_until "reboundd starts on the third database" started "$tmp/log3"
check "it says a probe waits for the guard's window" \
    grep -q 'through smtp://.*, 3 s after their last bounce' "$tmp/log3"
for i in 1 2 3 4 5; do
	probe_dsn "burst$i@bigmail.test" bounces@lists.test >"$tmp/b.eml"
	perl "$top_srcdir/tests/lmtp-send.pl" "$tmp/lmtp.sock" "$tmp/b.eml" bounces@lists.test >/dev/null
done
probe_dsn solo@elsewhere.test bounces@lists.test >"$tmp/s.eml"
perl "$top_srcdir/tests/lmtp-send.pl" "$tmp/lmtp.sock" "$tmp/s.eml" bounces@lists.test >/dev/null
wait_for "the address elsewhere is probed after the delay" peer_got "$tmp/relay" solo@elsewhere.test
is "one incident, for bigmail.test" \
    "$(sqlite3 "$tmp/db3" "select grp from incidents")" bigmail.test
is "no probe for an address the incident holds" \
    "$(sqlite3 "$tmp/db3" "select count(*) from probes where address like '%@bigmail.test'")" 0
is "and none is probing" \
    "$(sqlite3 "$tmp/db3" "select count(*) from addresses where address like '%@bigmail.test' and state <> 'alive'")" 0
kill -TERM "$pid"
wait "$pid"
pid=

# Without a relay nothing changes: a certain hard bounce is dead at once,
# and reboundd says, for each hook, that forged bounces can remove members.
sed -e "/^\[probe\]/,\$d" -e "s|^path = .*|path = $tmp/db4|" "$tmp/conf2" >"$tmp/conf4"
"$REBOUNDD" --config "$tmp/conf4" --foreground 2>"$tmp/log4" &
pid=$!
wait_until "reboundd starts without a relay" started "$tmp/log4"
check "a warning: forged bounces can remove members, naming the hook" \
    grep -q "WARNING.*\[probe\] relay is not set (or when = never): a forged bounce can make a live address dead, and hook list acts on it (webhook)" "$tmp/log4"
perl "$top_srcdir/tests/lmtp-send.pl" "$tmp/lmtp.sock" "$tmp/live.eml" bounces@lists.test >/dev/null
wait_for "the forged DSN makes the live address dead at once" \
    sh -c "[ \"\$(sqlite3 '$tmp/db4' \"select state from addresses where address='live@remote.test'\")\" = dead ]"
is "no probe table rows" "$(sqlite3 "$tmp/db4" "select count(*) from probes")" 0
kill -TERM "$pid"
wait "$pid"
is "reboundd stops cleanly" "$?" 0
pid=
done_testing
