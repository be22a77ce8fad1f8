#!/bin/sh
# pg.sh: how fast reboundd records bounces over LMTP into PostgreSQL,
# beside a SQLite file, with one daemon and with two (issue 25), in one
# run on this machine.
#
# Each daemon runs in a temporary directory with the default [intake]
# settings and a unix LMTP socket; the client is bench/lmtp-client.c
# (built here with cc -O2, as bench/lmtp.sh builds it): N distinct real
# bounces (../shared/corpus/postfix, each with its own X-Bench line) on
# SESSIONS sessions.
#   1. one reboundd on a SQLite file (synchronous = full);
#   2. one reboundd on a private PostgreSQL 15 (tests/pg-lib.sh: initdb
#      in the temporary directory, a unix socket, no TCP, fsync and
#      synchronous_commit on, as shipped);
#   3. two reboundd on that PostgreSQL, a client each with half the
#      sessions and half the messages, at once: the rate is all the
#      messages over the time until the slower client is done.
# A SQLite file takes one daemon (a second is refused), so there is no
# "two on SQLite".  For the two daemons it prints the CPU each kind of
# process took per message (from /proc: the daemons, PostgreSQL's
# processes, the clients) beside what the machine's CPUs gave over the
# run, so that one can see whether the CPUs, not the lock the writers
# take in turn, are the limit.
# Goals (issue 25): one daemon on PostgreSQL >= 0.5 of SQLite's rate; two
# daemons >= 1.6 x one.
#
# Usage: bench/pg.sh [--write]    (--write adds a row to RESULTS.md)
# Environment: N=5000, SESSIONS=16, REBOUNDD (default src/reboundd),
# PG_STATEMENTS=1 (print one daemon's most called statements).
set -eu

. "$(dirname "$0")/lib.sh"
bench_args "$@"
reboundd=${REBOUNDD:-$top/src/reboundd}
n=${N:-5000}
sessions=${SESSIONS:-16}
set -- "$corpus"/postfix/*.eml
[ -f "$1" ] || die "no bounces at $corpus/postfix (set REBOUND_CORPUS)"
[ -x "$reboundd" ] || die "no $reboundd: build first"

# The tests' private PostgreSQL (its wait_until, its pg_start).
top_srcdir=$top
REBOUND=$top/src/rebound
set +u
. "$top/tests/lib.sh"
. "$top/tests/pg-lib.sh"
set -u
[ -n "$pg_bin" ] || die "no PostgreSQL server binaries (apt-get install postgresql-15)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rebound-pg.XXXXXX")
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	pg_stop || true
	rm -rf "$tmp"
}
pg_start >/dev/null || die "private PostgreSQL did not start"
trap cleanup EXIT		# after pg_start, which sets its own
# pg_stat_statements, for the two daemons' wait for the writers' turn
# (the time of "SELECT pg_advisory_xact_lock(...)" is the wait for it)
# and the statements they ran per message.
echo "shared_preload_libraries = 'pg_stat_statements'" >>"$tmp/pg/data/postgresql.conf"
pg_restart >/dev/null || die "private PostgreSQL did not restart"
psql_q 'create extension pg_stat_statements' >/dev/null
trap 'exit 130' INT TERM

client_bin=$here/lmtp-client
# shellcheck disable=SC2046  # pkg-config's words are meant to split
cc -O2 -o "$client_bin" "$here/lmtp-client.c" $(pkg-config --cflags --libs glib-2.0) ||
	die "cannot build $client_bin"
field() { echo "$2" | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }

# cpu PID...: the CPU ticks (user + system) the processes took so far.
cpu() {
	for p in "$@"; do cat "/proc/$p/stat" 2>/dev/null; done |
	    sed 's/^.*) //' | awk '{ t += $12 + $13 } END { print t + 0 }'
}
# pg_pids: the private PostgreSQL's processes (its postmaster's children).
pg_pids() {
	pm=$(head -1 "$tmp/pg/data/postmaster.pid")
	echo "$pm"
	for s in /proc/[0-9]*/stat; do
		sed 's/^.*) //' "$s" 2>/dev/null | awk -v pm="$pm" -v f="$s" \
		    '$2 == pm { split(f, a, "/"); print a[3] }'
	done
}
# children FILE: the CPU ticks of the children this shell has waited
# for, as "times" (run by this shell, not a subshell) wrote to FILE.
children() {
	tail -1 "$1" | awk '{ for (i = 1; i <= 2; i++) {
		split($i, a, "m"); t += a[1] * 60 + a[2] } print int(t * 100) }'
}
# daemon NAME STORE-LINE: start a reboundd on $tmp/NAME.sock; its pid.
daemon() {
	printf '[store]\n%s\n[lmtp]\nlisten = unix:%s/%s.sock\n' "$2" "$tmp" "$1" \
	    >"$tmp/$1.conf"
	"$reboundd" --config "$tmp/$1.conf" --foreground >/dev/null \
	    2>"$tmp/$1.log" &
	pids="$pids $!"
	wait_until "reboundd $1 to start" started "$tmp/$1.log" ||
	    die "reboundd $1 did not start: $(tail -1 "$tmp/$1.log")"
}
# run NAME MESSAGES SESSIONS: the client on NAME's socket; its line.
run() {
	"$client_bin" --socket "$tmp/$1.sock" --rcpt bounces@lists.example.org \
	    --sessions "$3" --messages "$2" "$corpus"/postfix/*.eml
}

# trips: the statements the daemons ran since the last reset (the
# triggers' aside); top_statements N: the most called, a message each.
trips() {
	psql_q "select sum(calls) from pg_stat_statements where toplevel
	    and query not like '%pg_stat_statements%'"
}
top_statements() {
	psql_q "select round(calls::numeric / $1, 2), left(regexp_replace(query,
	    '\s+', ' ', 'g'), 90) from pg_stat_statements where toplevel
	    and query not like '%pg_stat_statements%' order by calls desc
	    limit 12"
}

daemon sqlite "path = $tmp/rebound.db"
one_sqlite=$(field rate "$(run sqlite "$n" "$sessions")")
daemon pg1 "url = $PG_URL"
psql_q 'select pg_stat_statements_reset()' >/dev/null
one_pg=$(field rate "$(run pg1 "$n" "$sessions")")
one_trips=$(trips)
[ -z "${PG_STATEMENTS:-}" ] || top_statements "$n"
daemon pg2 "url = $PG_URL"
daemon_pids=$(echo "$pids" | awk '{ print $(NF - 1), $NF }')
# shellcheck disable=SC2086  # the pids are meant to split
cpu0_d=$(cpu $daemon_pids)
# shellcheck disable=SC2046
cpu0_pg=$(cpu $(pg_pids))
psql_q 'select pg_stat_statements_reset()' >/dev/null
times >"$tmp/times0"
start=$(date +%s%N)
run pg1 $((n / 2)) $((sessions / 2)) >"$tmp/c1" &
c1=$!
run pg2 $((n / 2)) $((sessions / 2)) >"$tmp/c2" &
c2=$!
wait $c1 $c2
wall=$(( $(date +%s%N) - start ))
times >"$tmp/times1"	# before the reads below add theirs
cpu_c=$(( $(children "$tmp/times1") - $(children "$tmp/times0") ))
# shellcheck disable=SC2086
cpu_d=$(( $(cpu $daemon_pids) - cpu0_d ))
# shellcheck disable=SC2046
cpu_pg=$(( $(cpu $(pg_pids)) - cpu0_pg ))
two_pg=$(awk -v n=$((n / 2 * 2)) -v t=$wall \
    'BEGIN { printf "%.0f", n / (t / 1e9) }')
recorded=$(psql_q 'select count(*) from messages')
# The lock's wait, in seconds, and the round trips (statements the
# daemons ran, the triggers' aside) of the two daemons' run.
lockwait=$(psql_q "select coalesce(sum(total_exec_time), 0) / 1000
    from pg_stat_statements where query like '%pg_advisory_xact_lock%'")
trips=$(trips)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "SQLite, one daemon:      $one_sqlite msg/s"
echo "PostgreSQL, one daemon:  $one_pg msg/s ($(ratio "$one_pg" "$one_sqlite") x SQLite; goal >= 0.5), $(ratio "$one_trips" "$n") statements per message"
echo "PostgreSQL, two daemons: $two_pg msg/s ($(ratio "$two_pg" "$one_pg") x one; goal >= 1.6)"
echo "PostgreSQL: $recorded messages recorded of $((n + n / 2 * 2)) sent"
# CPU ms per message, two daemons: ticks are 10 ms.
awk -v n=$((n / 2 * 2)) -v d="$cpu_d" -v pg="$cpu_pg" -v c="$cpu_c" \
    -v wall="$wall" -v ncpu="$(nproc)" -v load="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
	printf "two daemons, CPU ms per message: reboundd %.2f, PostgreSQL %.2f, clients %.2f, together %.2f\n",
	    d * 10 / n, pg * 10 / n, c * 10 / n, (d + pg + c) * 10 / n
	printf "  the machine'"'"'s %d CPUs gave %.2f ms per message over the run (load %s: shared with others)\n",
	    ncpu, ncpu * wall / 1e6 / n, load
}'
awk -v n=$((n / 2 * 2)) -v w="$lockwait" -v t="$trips" -v wall="$wall" 'BEGIN {
	printf "two daemons: %.1f s waiting for the writers\047 turn in %.1f s (%.2f of a daemon on average); %.1f statements per message\n",
	    w, wall / 1e9, w / (wall / 1e9), t / n
}'
if [ $write -eq 1 ]; then
	load=$(cut -d' ' -f1 /proc/loadavg)
	printf '| %s | %s | %s, load %s | %s / %s | %s | %s | %s | %s | %s |\n' \
	    "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(bench_commit)" "$(bench_machine)" \
	    "$load" "$n" "$sessions" "$one_sqlite" "$one_pg" \
	    "$(ratio "$one_pg" "$one_sqlite")" "$two_pg" \
	    "$(ratio "$two_pg" "$one_pg")" >>"$here/RESULTS.md"
fi
