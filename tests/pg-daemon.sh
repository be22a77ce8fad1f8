#!/bin/sh
# pg-daemon.sh: reboundd on a private PostgreSQL ([store] url): mail is
# acknowledged only once committed; with PostgreSQL stopped every
# recipient gets 451 4.3.0, /healthz says 503 and rebound_store_up 0,
# and it takes mail again by itself once PostgreSQL is back; a restart
# of PostgreSQL in the middle of a load loses no acknowledged message
# and records none twice, and a webhook gets each event once.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/pg-lib.sh"
. "$top_srcdir/tests/hooks-lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
pg_skip_unless
scratch
pg_start || { echo "Bail out! private PostgreSQL did not start"; exit 1; }
mkdir "$tmp/web"
python3 "$top_srcdir/tests/hook-receiver.py" "$tmp/web" webhook 's3cret' &
web_pid=$!
trap 'kill $web_pid $pid 2>/dev/null; pg_stop; rm -rf "$tmp"' EXIT
wait_until "the receiver listens" test -f "$tmp/web/port"
port=$(free_port)
cat >"$tmp/conf" <<CONF
[store]
url = $PG_URL
path = $tmp/unused.db
[intake]
delay = 5
[metrics]
listen = $port
[lmtp]
listen = unix:$tmp/lmtp.sock
[guard]
enabled = no
[events]
delay = 0
[hook web]
kind = webhook
url = http://127.0.0.1:$(cat "$tmp/web/port")/rebound
secret = s3cret
max_actions_per_hour = 1000
types = all
CONF
http() { http_get "$port" "$1"; }
# send N: bounce number N over LMTP; its reply to the recipient.
send() {
	hard_bounce "user$1@d$(( $1 % 7 )).example" "$1" >"$tmp/m.$1"
	perl "$top_srcdir/tests/lmtp-send.pl" "$tmp/lmtp.sock" "$tmp/m.$1" \
	    "bounces@lists.example.org" 2>/dev/null | grep -v '^221' | tail -1
}
# has PATH PATTERN: what the metrics listener answers for PATH matches.
has() { http "$1" | grep -q "$2"; }
# send_until_250 N: again until it is taken (a sender's retries).
taken() { send "$1" | grep -q '^250'; }

"$REBOUNDD" --config "$tmp/conf" --foreground 2>"$tmp/log" &
pid=$!
wait_until "reboundd to start or exit" sh -c \
    "grep -q 'started, database' '$tmp/log' || ! kill -0 $pid"
check "reboundd starts on PostgreSQL" started "$tmp/log"
check "the log names the PostgreSQL database" grep -q "database postgresql://" "$tmp/log"
is "a bounce: 250 once committed" "$(send 1 | cut -c1-9)" "250 2.0.0"
is "... recorded in PostgreSQL" "$(psql_q 'select count(*) from messages')" 1
is "healthz: ok" "$(http /healthz | tail -1)" ok

# PostgreSQL stopped: 451, said by /healthz and /metrics; then back.
pg_stop
is "PostgreSQL stopped: 451 4.3.0" "$(send 2 | cut -c1-9)" "451 4.3.0"
is "... /healthz: 503" "$(http /healthz | head -1 | cut -d' ' -f2)" 503
check "... /healthz says why" has /healthz 'store failing'
check "... rebound_store_up 0" has /metrics '^rebound_store_up 0' 
check "... the log says mail is refused" grep -q 'store: transactions fail' "$tmp/log"
pg_run
wait_for "PostgreSQL back: the retry is taken" taken 2
is "... /healthz: ok again" "$(http /healthz | tail -1)" ok
check "... rebound_store_up 1" has /metrics '^rebound_store_up 1' 
check "... the log says it commits again" grep -q 'transactions commit again' "$tmp/log"

# A load, PostgreSQL restarted in its middle; what was refused is sent
# again, as an MTA would.
n=120
(
	i=100
	while [ $i -lt $((100 + n)) ]; do
		echo "$i $(send $i | cut -c1-3)"
		i=$((i + 1))
	done >"$tmp/load"
	touch "$tmp/load.done"
) &
loader=$!
wait_until "a third of the load taken" sh -c \
    "[ \$(grep -c ' 250' '$tmp/load' 2>/dev/null) -ge $((n / 3)) ]"
pg_restart
check "PostgreSQL restarted during the load" pg_ready
wait $loader
refused=$(awk '$2 != 250' "$tmp/load" | wc -l)
diag "load: $(grep -c ' 250' "$tmp/load") taken, $refused refused (451) by the restart"
for i in $(awk '$2 != 250 { print $1 }' "$tmp/load"); do
	wait_until "message $i taken" taken "$i" || break
done
is "load: every message recorded once" \
    "$(psql_q "select count(*) from messages m join outcomes o on o.message = m.id where o.address like 'user1__@%' or o.address like 'user2__@%'")" "$n"
is "load: no digest twice" "$(psql_q 'select count(*) - count(distinct digest) from messages')" 0
acked=$(awk '$2 == 250 { printf "%s ", $1 }' "$tmp/load")
missing=0
for i in $acked; do
	[ "$(psql_q "select count(*) from outcomes where address = 'user$i@d$((i % 7)).example'")" = 1 ] ||
	    missing=$((missing + 1))
done
is "load: every message acknowledged 250 is there" "$missing" 0
# The hook: each event once, in the end, across the restart.
events=$(psql_q 'select count(*) from events')
delivered() {
	[ "$(awk '$4 == "ok" && $5 == 200' "$tmp/web/log" | wc -l)" -ge "$events" ]
}
wait_for "webhook: every event delivered ($events)" delivered
is "webhook: none twice" \
    "$(awk '$4 == "ok" && $5 == 200 { print $1 }' "$tmp/web/log" | sort | uniq -d | wc -l)" 0

kill -TERM $pid
wait $pid
is "reboundd stops with 0" "$?" 0
done_testing
