#!/bin/sh
# pg-month.sh: issue 25's "done when".  A month of bounces (gen-month.pl,
# as tests/replay.sh has it: a large provider's burst, a hosting
# provider's burst across its customers' domains, a corporate clean-up)
# is fed over LMTP, in time order, once to one reboundd on a SQLite
# file, and once split between two reboundd on one private PostgreSQL,
# a message to each in turn.  Both end with the same "rebound prune",
# "rebound incidents" and "rebound events": the two daemons' guard
# counts both halves of each burst, and opens one incident for it.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/pg-lib.sh"
pg_month "${REPLAY_SEED:-1}" '[events]\ndelay = 0\n'

port_a=$(free_port)
port_b=$(free_port)
printf '[metrics]\nlisten = %s\n' "$port_a" >>"$tmp/a.conf"
printf '[metrics]\nlisten = %s\n' "$port_b" >>"$tmp/b.conf"
pg_two_daemons
start=$(date +%s%N)
perl "$top_srcdir/tests/lmtp-replay.pl" "$tmp/a.sock,$tmp/b.sock" "$month" \
    >"$tmp/sent" 2>&1
is "two daemons: every message accepted, each to one in turn" "$?" 0
diag "two daemons: $(cat "$tmp/sent") in $(( ($(date +%s%N) - start) / 1000000 )) ms"
is "two daemons: all $n messages recorded" "$(psql_q 'select count(*) from messages')" "$n"
# metric PORT NAME: a daemon's counter.
metric() { http_get "$1" /metrics | sed -n "s/^$2 //p"; }
# Each daemon's guard is fed the other's outcomes as it takes the
# write lock, never read back whole: the two guards decide alike.
for d in a b; do
	eval p=\$port_$d
	c=$(metric "$p" rebound_guard_catchups_total)
	r=$(metric "$p" rebound_guard_rebuilds_total)
	diag "daemon $d: guard fed the other's outcomes $c times, read whole $r"
	check "daemon $d: fed the other's outcomes" test "${c:-0}" -gt 0
	is "daemon $d: guard never read back whole" "$r" 0
	# The writers' turn each waited for and held (reboundd(8), Metrics).
	w=$(metric "$p" 'rebound_store_turn_seconds_total{state="waiting"}')
	h=$(metric "$p" 'rebound_store_turn_seconds_total{state="held"}')
	diag "daemon $d: waited $w s for the writers' turn, held it $h s"
	check "daemon $d: held the writers' turn some time" \
	    awk -v h="${h:-0}" 'BEGIN { exit !(h > 0) }'
	check "daemon $d: says how long it waited for it" test -n "$w"
done
kill -TERM $pid_a $pid_b
wait $pid_a; rc_a=$?
wait $pid_b; rc_b=$?
is "two daemons: both stop with 0" "$rc_a $rc_b" "0 0"
# lmtp-replay.pl deals the files in turn, one at a time, each acknowledged
# after its commit: the k-th message recorded (by id) went to a when k is
# even, to b when odd, and its outcomes name that daemon's node.
is "two daemons: each outcome carries the node of the daemon that took it" \
    "$(psql_q "select count(*) from outcomes o join (select id,
	row_number() over (order by id) - 1 as k from messages) m
	on m.id = o.message where o.node is distinct from
	case when m.k % 2 = 0 then 'a.test' else 'b.test' end")" 0
is "two daemons: list --format csv shows both nodes" \
    "$("$REBOUND" list --db "$PG_URL" --format csv | tr -d '\r' |
	sed 's/.*,//' | sort -u | tr '\n' ' ')" '"a.test" "b.test" "node" '

pg_same "prune" prune
pg_same "incidents" incidents --format csv
# A replay's event is dated when it was made, not by the bounce.
SAME_FILTER='/"replay"/s/^\("[0-9]*","[^"]*",\)"[^"]*"/\1"NOW"/' \
    pg_same "events, a replay's dated now" events --format csv
pg_same "stats" stats
done_testing
