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
pg_hooks_start
trap 'kill $web_pid $pid 2>/dev/null; pg_stop; rm -rf "$tmp"' EXIT
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
$(pg_hooks_conf 5s)
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

# A second reboundd on the database; the load split between the two,
# one at a time in turn (an MTA's lmtp destination listing both), and
# the first killed in the middle of it: what it took is there once,
# what it did not is sent to the other, which delivers the hook's
# events, the first's leased ones once their lease (5 s) has run out.
port2=$(free_port)
sed "s|unix:$tmp/lmtp.sock|unix:$tmp/lmtp2.sock|; s|^listen = $port\$|listen = $port2|" \
    "$tmp/conf" >"$tmp/conf2"
"$REBOUNDD" --config "$tmp/conf2" --foreground 2>"$tmp/log2" &
pid2=$!
trap 'kill $web_pid $pid $pid2 2>/dev/null; pg_stop; rm -rf "$tmp"' EXIT
wait_until "the second reboundd to start or exit" sh -c \
    "grep -q 'started, database' '$tmp/log2' || ! kill -0 $pid2"
check "a second reboundd starts on the same database" started "$tmp/log2"
# send_to SOCKET N: as send, to that daemon.
send_to() {
	hard_bounce "user$2@d$(( $2 % 7 )).example" "$2" >"$tmp/m.$2"
	perl "$top_srcdir/tests/lmtp-send.pl" "$1" "$tmp/m.$2" \
	    "bounces@lists.example.org" 2>/dev/null | grep -v '^221' | tail -1
}
i=300
while [ $i -lt 360 ]; do
	[ $i -eq 330 ] && kill -KILL $pid && wait $pid 2>/dev/null
	if [ $((i % 2)) -eq 0 ]; then sock=$tmp/lmtp.sock; else sock=$tmp/lmtp2.sock; fi
	reply=$(send_to "$sock" $i | cut -c1-3)
	[ "$reply" = 250 ] || reply=$(send_to "$tmp/lmtp2.sock" $i | cut -c1-3)
	echo "$i $reply"
	i=$((i + 1))
done >"$tmp/load2"
is "two daemons, one killed: every message taken by one of them" \
    "$(awk '$2 == 250' "$tmp/load2" | wc -l)" 60
is "... each recorded once" \
    "$(psql_q "select count(*) from outcomes where address like 'user3__@%'")" 60
is "... no digest twice" "$(psql_q 'select count(*) - count(distinct digest) from messages')" 0
taken2=$(http_get "$port2" /metrics | awk '/^rebound_messages_total\{source="lmtp"/ { n += $2 } END { print n + 0 }')
check "... the second took its half and what the first could not ($taken2)" \
    [ "$taken2" -ge 45 -a "$taken2" -lt 60 ]
events=$(psql_q 'select count(*) from events')
delivered_all() {
	[ "$(awk '$4 == "ok" && $5 == 200 { print $1 }' "$tmp/web/log" | sort -u | wc -l)" -ge "$events" ]
}
wait_for "webhook: the second daemon delivers every event ($events)" delivered_all
# At least once: a delivery the killed daemon had in flight may go twice.
twice=$(awk '$4 == "ok" && $5 == 200 { print $1 }' "$tmp/web/log" | sort | uniq -d | wc -l)
diag "webhook: $twice events delivered twice (in flight at the SIGKILL)"
check "... at most those in flight at the kill twice" [ "$twice" -le 8 ]

kill -TERM $pid2
wait $pid2
is "the second reboundd stops with 0" "$?" 0
done_testing
