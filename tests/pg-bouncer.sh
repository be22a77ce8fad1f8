#!/bin/sh
# pg-bouncer.sh: rebound through PgBouncer (Debian's pgbouncer) in
# session mode, in front of a private PostgreSQL (pg-lib.sh), as
# README's recipe puts it: reboundd records bounces over LMTP (a 250
# once the row is in the database), and list, show, prune, stats,
# incidents and events give the same bytes as directly; events --follow
# gets an event; a show then an import on one pooled server connection
# do not see each other's settings.  Behind a pool in transaction mode
# an import after a show fails as README says, and reboundd refuses to
# start (db_pg_pool.c).
#
# The pooler is private too (pg-lib.sh's pgb_start): its configuration
# and unix socket in the test's directory, no TCP, stopped at exit.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/pg-lib.sh"
. "$top_srcdir/tests/hooks-lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
pg_skip_unless
pgb_skip_unless
scratch
pg_start || { echo "Bail out! private PostgreSQL did not start"; exit 1; }

pgb_start
trap 'kill $pid 2>/dev/null; pgb_stop; pg_stop; rm -rf "$tmp"' EXIT
B=$(pgb_url rebound)

# reboundd through the pooler, over LMTP.
cat >"$tmp/conf" <<CONF
[store]
url = $B
[events]
delay = 0
[lmtp]
listen = unix:$tmp/lmtp.sock
CONF
"$REBOUNDD" --config "$tmp/conf" --foreground 2>"$tmp/log" &
pid=$!
wait_until "reboundd to start or exit" sh -c \
    "grep -q 'started, database' '$tmp/log' || ! kill -0 $pid"
check "session mode: reboundd starts through PgBouncer" started "$tmp/log"
"$REBOUND" events --follow --db "$B" >"$tmp/follow" 2>"$tmp/follow.err" &
follow=$!
trap 'kill $pid $follow $tx_pid 2>/dev/null; pgb_stop; pg_stop; rm -rf "$tmp"' EXIT

# send N: bounce N over LMTP; the reply to its recipient.
send() {
	hard_bounce "user$1@d$(($1 % 3)).example" "$1" >"$tmp/m.$1"
	perl "$top_srcdir/tests/lmtp-send.pl" "$tmp/lmtp.sock" "$tmp/m.$1" \
	    "bounces@lists.example.org" 2>/dev/null | grep -v '^221' | tail -1
}
acked=0
for i in 1 2 3 4 5 6; do
	[ "$(send $i | cut -c1-3)" = 250 ] &&
	    [ "$(psql_q 'select count(*) from messages')" = $i ] &&
	    acked=$((acked + 1))
done
is "session mode: six bounces, each in the database when acknowledged" "$acked" 6
wait_for "session mode: events --follow through it prints an event" \
    grep -q 'user1@d1.example' "$tmp/follow"

# Each command through the pooler and directly: the same bytes.
# same ARG...: the command's output and exit status, either way.
same() {
	"$REBOUND" "$@" --db "$PG_URL" >"$tmp/direct" 2>&1
	echo "exit $?" >>"$tmp/direct"
	"$REBOUND" "$@" --db "$B" >"$tmp/pooled" 2>&1
	echo "exit $?" >>"$tmp/pooled"
	cmp "$tmp/direct" "$tmp/pooled"
}
for cmd in "list" "list --format json" "show user1@d1.example" "prune" \
    "stats" "incidents" "events"; do
	check "session mode: $cmd, the same bytes as directly" same $cmd
done

# A show, then an import, in turn on the one server connection of the
# pool "one": the import's session is not read-only.
backend() {
	"$pg_bin/psql" -X -A -t -q -h "$tmp/pgb" -p 6432 -U rebound -d one \
	    -c 'select pg_backend_pid()'
}
before=$(backend)
hard_bounce turn@d1.example 7 >"$tmp/turn.eml"
"$REBOUND" show --db "$(pgb_url one)" user1@d1.example >/dev/null
check "session mode: an import after a show on one server connection" \
    "$REBOUND" import --db "$(pgb_url one)" "$tmp/turn.eml"
is "... it is recorded" "$(psql_q "select count(*) from outcomes where address = 'turn@d1.example'")" 1
is "... both ran on the one server connection" "$(backend)" "$before"

# Transaction mode: what README says, and reboundd refuses it.
hard_bounce tx@d1.example 8 >"$tmp/tx.eml"
"$REBOUND" show --db "$(pgb_url tx)" user1@d1.example >/dev/null
"$REBOUND" import --db "$(pgb_url tx)" "$tmp/tx.eml" >/dev/null 2>"$tmp/tx.err"
check "transaction mode: an import after a show fails, read-only" \
    grep -q 'read-only transaction' "$tmp/tx.err"
printf '[store]\nurl = %s\n[lmtp]\nlisten = unix:%s\n' "$(pgb_url tx)" \
    "$tmp/lmtp-tx.sock" >"$tmp/tx.conf"
"$REBOUNDD" --config "$tmp/tx.conf" --foreground 2>"$tmp/tx.log" &
tx_pid=$!
wait_until "reboundd on the pool in transaction mode to fail or start" \
    grep -q -e CRITICAL -e 'started, database' "$tmp/tx.log"
grep -q 'started, database' "$tmp/tx.log" && kill $tx_pid
wait $tx_pid
rc=$?
sed 's/^/# /' "$tmp/tx.log"
check "transaction mode: reboundd refuses to start" [ "$rc" -ne 0 ]
check "... and says why" grep -q "pool_mode = transaction" "$tmp/tx.log"

kill -TERM $pid
wait $pid
is "session mode: reboundd stops with 0" "$?" 0
done_testing
