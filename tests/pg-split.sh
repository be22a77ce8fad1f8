#!/bin/sh
# pg-split.sh: issue 25's "done when", as two MTAs would feed it.  The
# month of pg-month.sh (another seed) goes once to one reboundd on a
# SQLite file, in time order, and once to two reboundd on one private
# PostgreSQL, dealt at random (tests/lmtp-replay.pl --random --at-once):
# both daemons take their shares at the same time, each in time order,
# the shares interleaving as they will.  A third of the way through,
# one daemon is killed (SIGKILL) and started again; its sender makes
# the connection again and sends what was not acknowledged, as an MTA
# does.  Two thirds of the way, PostgreSQL is restarted: the daemons
# answer 451 meanwhile and the senders try again.  At the end every
# message is recorded once, and prune, incidents, stats, every
# address's state, every incident's row and every address's event,
# published or waiting, are what one daemon on SQLite has (an
# incident's events are alerts: below).  With [guard] late at 7 hours,
# not the baseline that dating = date now implies, live subscribers of
# both bursts were removed.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/pg-lib.sh"
pg_month "${REPLAY_SEED:-2}" ''
pg_two_daemons
perl "$top_srcdir/tests/lmtp-replay.pl" --random "${SPLIT_SEED:-7}" \
    --at-once "$tmp/a.sock,$tmp/b.sock" "$month" >"$tmp/sent" 2>&1 &
feeder=$!
# recorded K: PostgreSQL holds K messages or more (0 while it is down).
recorded() { [ "$(psql_q 'select count(*) from messages' 2>/dev/null || echo 0)" -ge "$1" ]; }
# fed_or_done K: K recorded, or the senders finished (or failed) first.
fed_or_done() { recorded "$1" || ! kill -0 $feeder 2>/dev/null; }

wait_until "a third of the month recorded" fed_or_done $((n / 3))
check "daemon a killed a third of the way through" kill -KILL $pid_a
wait $pid_a
"$REBOUNDD" --config "$tmp/a.conf" --foreground 2>>"$tmp/a.log" &
pid_a=$!
a_again() { started "$tmp/a.log" 2 || ! kill -0 $pid_a 2>/dev/null; }
wait_until "daemon a to start again or exit" a_again
check "daemon a starts again on the same PostgreSQL" started "$tmp/a.log" 2

wait_until "two thirds of the month recorded" fed_or_done $((2 * n / 3))
check "PostgreSQL restarted two thirds of the way through" pg_restart

WAIT_SECONDS=300 wait_until "the senders to finish" sh -c "! kill -0 $feeder 2>/dev/null"
wait $feeder
is "two daemons: every message acknowledged in the end" "$?" 0
sed 's/^/# /' "$tmp/sent"
check "a sender had to connect again after the kill" \
    grep -Eq 'reconnected [1-9]' "$tmp/sent"
is "two daemons: all $n messages recorded, once" \
    "$(psql_q 'select count(*) from messages')" "$n"
is "as many outcomes as one daemon on SQLite" \
    "$(psql_q 'select count(*) from outcomes')" \
    "$(sqlite3 "$tmp/one.db" 'select count(*) from outcomes')"
kill -TERM $pid_a $pid_b
wait $pid_a; rc_a=$?
wait $pid_b; rc_b=$?
is "two daemons: both stop with 0" "$rc_a $rc_b" "0 0"

pg_same "prune" prune
pg_same "incidents" incidents --format csv
pg_same "stats" stats
# Events: what is published within [events] delay (here the default,
# the guard's window) does not depend on the order bounces come in; a
# suspect or a death a later bounce overtakes in that time is told once,
# as it ends.  So every address's event, published or waiting, is the
# same.  An incident's events are alerts, published when it opens or
# closes, with the time and sample known then: the same events, while
# the incident's row has the final times and sample.
# both WHAT SQL: SQL's rows, the same on both databases.
both() {
	sqlite3 "$tmp/one.db" "$2" >"$tmp/want" 2>&1
	psql_q "$2" >"$tmp/got" 2>&1
	if [ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/got"; then
		ok "$1: as one daemon on SQLite ($(wc -l <"$tmp/want" | tr -d ' ') rows)"
	else
		not_ok "$1: as one daemon on SQLite"
		diff "$tmp/want" "$tmp/got" | head -6 | sed 's/^/# /'
	fi
}
both "every address's state" \
    "select address || ' ' || state from addresses order by address"
both "every incident's row" \
    "select kind || ' ' || grp || ' ' || opened || ' ' || first || ' ' ||
	last || ' ' || coalesce(closed, 0) || ' ' || state || ' ' || addresses ||
	' ' || outcomes || ' ' || coalesce(sample, '') from incidents order by 1"
events="(select type, time, address, list, state, previous, reason, incident
	from events union all select type, time, address, list, state, previous,
	reason, incident from events_pending) e"
both "every address's event, published or waiting" \
    "select type || ' ' || address || ' ' || coalesce(previous, '') || ' ' ||
	state || ' ' || coalesce(reason, '') || ' ' || coalesce(list, '') || ' ' ||
	time from $events where type like 'address.%' order by 1"
both "every incident's events" \
    "select type || ' ' || i.grp from $events join incidents i on i.id = e.incident
	order by 1"
done_testing
