#!/bin/sh
# pg-contend.sh: two reboundd on one private PostgreSQL, each taking
# mail on two sessions at once, all four sessions at the same time, for
# the SAME addresses of the SAME provider: 40 subscribers of
# bigmail.example bounced hard three times each within the hour (one
# provider's burst, its bounces for one address on different daemons
# at once), ten ordinary dead addresses elsewhere, and a full mailbox
# now and then among the burst's.  The writers record their messages
# side by side and take turns only for outcomes, addresses, guard and
# events (store.c's store_lock()); whatever the interleaving, they end
# as one reboundd on SQLite fed the same mail in time order: the same
# prune, incidents, stats, outcomes and each address's last event, no
# message and no event twice.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/pg-lib.sh"
. "$top_srcdir/tests/hooks-lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
pg_test
mail=$tmp/mail
mkdir "$mail"
# at DAY HH:MM KIND ADDRESS: a bounce dated then, its name in time order.
k=0
at() {
	k=$((k + 1))
	{ printf 'Date: %s Nov 2025 %s:00 +0000\n' "$1" "$2"
	  "$3" "$4" "$k"; } >"$mail/$(printf '%02d%s-%04d' "$1" "$2" $k).eml"
}
for j in $(seq 1 10); do
	at 03 "09:$(printf %02d "$j")" hard_bounce "gone$j@d$j.example"
	at 10 "09:$(printf %02d "$j")" hard_bounce "gone$j@d$j.example"
done
for r in 0 1 2; do
	for i in $(seq 1 40); do
		m=$((r * 18 + i / 3))
		at 20 "14:$(printf %02d $m)" hard_bounce "reader$i@bigmail.example"
		[ $((i % 7)) -eq $r ] &&
			at 20 "14:$(printf %02d $m)" full_bounce "reader$i@bigmail.example"
	done
done
n=$(ls "$mail" | wc -l | tr -d ' ')
diag "$n messages"

# conf NAME STORE: a daemon's settings, its socket $tmp/NAME.sock.
conf() {
	printf '[store]\n%s\n[lmtp]\nlisten = unix:%s/%s.sock\n[intake]\ndating = date\n[events]\ndelay = 0\n' \
	    "$2" "$tmp" "$1" >"$tmp/$1.conf"
}
conf one "path = $tmp/one.db"
sed -i "s|$tmp/one.sock|$tmp/lmtp.sock|" "$tmp/one.conf"
lmtp_replay "$tmp/one.conf" "$tmp/one.db" "$mail" "$n" "in time order"

conf a "url = $PG_URL"
conf b "url = $PG_URL"
pg_two_daemons
# Dealt in turn to four sessions (a, b, a, b), each in time order.
mkdir "$tmp/s0" "$tmp/s1" "$tmp/s2" "$tmp/s3"
i=0
for f in $(ls "$mail"); do
	cp "$mail/$f" "$tmp/s$((i % 4))/"
	i=$((i + 1))
done
for s in 0 1 2 3; do
	sock=$tmp/a.sock
	[ $((s % 2)) -eq 1 ] && sock=$tmp/b.sock
	perl "$top_srcdir/tests/lmtp-replay.pl" "$sock" "$tmp/s$s" \
	    >"$tmp/sent$s" 2>&1 &
	eval "sender$s=\$!"
done
rcs=
for s in 0 1 2 3; do
	eval "wait \$sender$s"
	rcs="$rcs$?"
done
is "four sessions at once: every message accepted" "$rcs" 0000
diag "sessions: $(cat "$tmp"/sent? | tr '\n' ';')"
is "all $n messages recorded once" \
    "$(psql_q 'select count(*), count(distinct digest) from messages')" "$n|$n"
kill -TERM $pid_a $pid_b
wait $pid_a; rc_a=$?
wait $pid_b; rc_b=$?
is "two daemons: both stop with 0" "$rc_a $rc_b" "0 0"
diag "batches run again after a deadlock: $(cat "$tmp/a.log" "$tmp/b.log" |
    grep -c 'lost to another writer')"

# same WHAT HOW ARGS...: the command says the same of both databases,
# after SAME_FILTER (a sed script: the node, an id, a replay's time
# taken out) and HOW: cat, sort (ids and order may differ), or last
# (each address's last line).
same_how() {
	case $1 in
	sort)	LC_ALL=C sort ;;
	last)	awk -F, '{ last[$3] = $0 } END { for (a in last) print last[a] }' |
		    LC_ALL=C sort ;;
	*)	cat ;;
	esac
}
same() {
	s_what=$1 s_how=$2
	shift 2
	"$REBOUND" "$@" --db "$tmp/one.db" 2>&1 | tr -d '\r' |
	    sed "${SAME_FILTER:-}" | same_how "$s_how" >"$tmp/want"
	"$REBOUND" "$@" --db "$PG_URL" 2>&1 | tr -d '\r' |
	    sed "${SAME_FILTER:-}" | same_how "$s_how" >"$tmp/got"
	if [ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/got"; then
		ok "$s_what: as one daemon on SQLite ($(wc -l <"$tmp/want" | tr -d ' ') lines)"
	else
		not_ok "$s_what: as one daemon on SQLite"
		diff "$tmp/want" "$tmp/got" | head -6 | sed 's/^/# /'
	fi
}
same "prune" cat prune
same "incidents" cat incidents --format csv
same "stats" cat stats
# Outcomes: the same set, whatever order their ids came in.
SAME_FILTER='s/,"[^"]*"$//' same "outcomes (but the node)" sort \
    list --format csv
# Events: outside the burst each address's last the same, but for its
# time and the digest of the bounce that made it: the four sessions
# race, so an address's later bounce may come first, and then it is
# that bounce that tells it dead, as it would for one daemon fed them in
# that order.  In the burst, which addresses died (and came back by the
# replay when the incident held their bounces) before the crossing
# depends on the order the bounces came in ([events] delay = 0
# publishes them at once), but each one told dead is told alive again.
SAME_FILTER='/bigmail/d; s/^"[0-9]*","\([^"]*\)","[^"]*"/"\1",""/; s/"[0-9a-f]\{64\}"//' \
    same "events outside the burst, each address's last" last events --format csv
"$REBOUND" events --db "$PG_URL" --format csv | tr -d '\r' | grep '^"[0-9]*","address.*bigmail' |
    awk -F, '{ last[$4] = $2 } END { for (a in last) print last[a] }' |
    sort -u >"$tmp/last"
is "the burst's addresses told dead are told alive again" \
    "$(cat "$tmp/last")" '"address.alive"'
is "no event twice" "$(psql_q "select count(*) from (select address, type,
    previous, reason, digest from events group by 1, 2, 3, 4, 5
    having count(*) > 1) d")" 0
is "one incident for the burst" "$(psql_q "select count(*) from incidents")" 1

# A deadlock: another session holds the outcomes table and then waits
# for the writers' turn, which the daemon took and holds while it waits
# for the table.  PostgreSQL cancels the daemon's transaction (the
# other's waits longer before it looks: deadlock_timeout), and the
# daemon runs the batch again, which waits its turn and succeeds once
# the other commits: the sender gets 250, the bounce is recorded once.
"$REBOUNDD" --config "$tmp/a.conf" --foreground 2>"$tmp/a2.log" &
pid_a=$!
a_up() { started "$tmp/a2.log" || ! kill -0 $pid_a; }
wait_until "reboundd to start again" a_up
mkfifo "$tmp/sql"
"$pg_bin/psql" -X -A -t -q -h "$tmp/pg" -U rebound -d rebound \
    <"$tmp/sql" >"$tmp/sql.out" 2>&1 &
psql_pid=$!
exec 3>"$tmp/sql"
echo "set deadlock_timeout = '30s'; begin; lock table outcomes in share mode; select 'locked';" >&3
wait_until "the other session to hold outcomes" grep -q locked "$tmp/sql.out"
{ printf 'Date: 21 Nov 2025 10:00:00 +0000\n'
  hard_bounce "late@deadlock.example" 1; } >"$tmp/dead.eml"
perl "$top_srcdir/tests/lmtp-send.pl" "$tmp/a.sock" "$tmp/dead.eml" \
    news-bounces@lists.example.org >"$tmp/dead.lmtp" 2>&1 &
send_pid=$!
waits_for_outcomes() {
	[ "$(psql_q "select count(*) from pg_stat_activity where
	    wait_event_type = 'Lock' and query like 'INSERT INTO outcomes%'")" = 1 ]
}
wait_until "the daemon to wait for outcomes in its turn" waits_for_outcomes
echo "select pg_advisory_xact_lock(x'7265626f756e6477'::bigint);" >&3
wait_until "the daemon to lose the deadlock" grep -q 'lost to another writer' "$tmp/a2.log"
echo "commit;" >&3
exec 3>&-
wait $psql_pid
wait $send_pid
is "after a deadlock: the batch run again, the bounce accepted" \
    "$(sed -n 's/^\(250\).*/\1/p' "$tmp/dead.lmtp" | head -1)" 250
is "... and recorded once" "$(psql_q "select count(*) from outcomes
    where address = 'late@deadlock.example'")" 1
kill -TERM $pid_a
wait $pid_a
is "the daemon stops with 0" "$?" 0
done_testing
