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
# With SCALE="2 4 8" it runs instead, for each number S of sessions a
# daemon, PAIRS times: one daemon on SQLite, one on PostgreSQL, each
# with a client of S sessions and N messages, then two on PostgreSQL,
# each with a client of S sessions and N/2 messages (so the two take
# twice the sessions: two hosts, each fed as one).  Each run prints its
# rate, the CPU the bench's processes (daemons, PostgreSQL's, clients)
# took as a share of the machine's over the run, the load average, and
# the writers' turn each daemon held and waited for, per message (the
# daemons' rebound_store_turn_seconds_total).  Where the share is well
# under 1 the CPUs are not the limit.  Then, per S, the medians of the
# rates and of the ratios pair by pair, and Amdahl's bound on two
# daemons from the turn one daemon holds: with a share p of its time in
# the turn, two take at most 2 / (1 + p) x one (1.6 needs p <= 0.25).
#
# Usage: bench/pg.sh [--write]    (--write adds rows to RESULTS.md)
# Environment: N=5000, SESSIONS=16, REBOUNDD (default src/reboundd),
# PG_STATEMENTS=1 (print one daemon's most called statements),
# SCALE (sessions a daemon, e.g. "2 4 8"), PAIRS=3, RTT (ms added to
# each round trip to PostgreSQL, by bench/delay-proxy.py).
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
# daemon NAME STORE-LINE: start a reboundd on $tmp/NAME.sock, its
# metrics on a free port; sets pid_NAME and port_NAME.
daemon() {
	port=$(free_port)
	printf '[store]\n%s\n[lmtp]\nlisten = unix:%s/%s.sock\n[metrics]\nlisten = %s\n' \
	    "$2" "$tmp" "$1" "$port" >"$tmp/$1.conf"
	"$reboundd" --config "$tmp/$1.conf" --foreground >/dev/null \
	    2>"$tmp/$1.log" &
	pids="$pids $!"
	eval "pid_$1=$! port_$1=$port"
	wait_until "reboundd $1 to start" started "$tmp/$1.log" ||
	    die "reboundd $1 did not start: $(tail -1 "$tmp/$1.log")"
}
# run NAME MESSAGES SESSIONS: the client on NAME's socket; its line.
run() {
	"$client_bin" --socket "$tmp/$1.sock" --rcpt bounces@lists.example.org \
	    --sessions "$3" --messages "$2" "$corpus"/postfix/*.eml
}
# turn NAME...: the writers' turn the daemons waited for and held so
# far, in seconds, summed: "WAITED HELD".
turn() {
	for d in "$@"; do eval "http_get \$port_$d /metrics"; done | awk '
	    /^rebound_store_turn_seconds_total\{state="waiting"\}/ { w += $2 }
	    /^rebound_store_turn_seconds_total\{state="held"\}/ { h += $2 }
	    END { print w + 0, h + 0 }'
}

# bout MESSAGES SESSIONS NAME...: a client for each daemon NAME, all at
# once, each with SESSIONS sessions and its share of MESSAGES.  Sets
# msgs (sent), rate (msgs over the slowest client's time), wall (ns),
# the CPU ticks the daemons (cpu_d), PostgreSQL (cpu_pg) and the clients
# (cpu_c) took, share (theirs over what the machine's CPUs gave), load,
# and turn_w and turn_h, the daemons' wait for the writers' turn and
# their hold of it, ms per message.
rate= share= turn_w= turn_h=	# set by bout's eval
bout() {
	b_n=$1 b_s=$2
	shift 2
	msgs=$(( b_n / $# * $# ))
	b_d=
	for d in "$@"; do eval "b_d=\"\$b_d \$pid_$d\""; done
	turn0=$(turn "$@")
	# shellcheck disable=SC2086  # the pids are meant to split
	cpu0_d=$(cpu $b_d)
	# shellcheck disable=SC2046
	cpu0_pg=$(cpu $(pg_pids))
	times >"$tmp/times0"
	start=$(date +%s%N)
	b_c=
	for d in "$@"; do
		run "$d" $((b_n / $#)) "$b_s" >"$tmp/c.$d" &
		b_c="$b_c $!"
	done
	for c in $b_c; do wait "$c" || die "a client failed"; done
	wall=$(( $(date +%s%N) - start ))
	times >"$tmp/times1"	# before the reads below add theirs
	load=$(cut -d' ' -f1 /proc/loadavg)
	cpu_c=$(( $(children "$tmp/times1") - $(children "$tmp/times0") ))
	# shellcheck disable=SC2086
	cpu_d=$(( $(cpu $b_d) - cpu0_d ))
	# shellcheck disable=SC2046
	cpu_pg=$(( $(cpu $(pg_pids)) - cpu0_pg ))
	slowest=$(for d in "$@"; do field seconds "$(cat "$tmp/c.$d")"; done |
	    sort -g | tail -1)
	# shellcheck disable=SC2046,SC2086  # WAITED HELD, before and after
	set -- $turn0 $(turn "$@")
	eval "$(awk -v n="$msgs" -v t="$slowest" -v wall="$wall" \
	    -v ticks=$((cpu_d + cpu_pg + cpu_c)) -v ncpu="$(nproc)" \
	    -v w0="$1" -v h0="$2" -v w1="$3" -v h1="$4" 'BEGIN {
		printf "rate=%.0f share=%.2f ", n / t, ticks * 1e7 / (ncpu * wall)
		printf "turn_w=%.3f turn_h=%.3f\n", (w1 - w0) * 1000 / n,
		    (h1 - h0) * 1000 / n }')"
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
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# median: the median of the numbers on stdin, one a line.
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
	    else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# col K: column K of the scale runs' lines of this number of sessions
# (their lines: S, then a value a column), median below.
col() { awk -v s="$s" -v k="$1" '$1 == s { print $k }' "$tmp/scale" | median; }

# scale: for each number of sessions a daemon in SCALE, PAIRS rounds of
# one daemon on SQLite, one on PostgreSQL and two on PostgreSQL; a line
# each round, then the medians (of the rates, and of the ratios pair by
# pair) and Amdahl's bound from the turn one daemon on PostgreSQL held.
scale() {
	for s in $SCALE; do
		for p in $(seq "${PAIRS:-3}"); do
			bout "$n" "$s" sqlite
			set -- "$rate" "$share" "$load"
			bout "$n" "$s" pg1
			set -- "$@" "$rate" "$share" "$load" "$turn_h" "$turn_w"
			bout "$n" "$s" pg1 pg2
			set -- "$@" "$rate" "$share" "$load" "$turn_h" "$turn_w"
			printf '%s sessions, round %s: SQLite %s msg/s (CPU %s of the machine, load %s); PostgreSQL %s (%s, %s; turn held %s ms a message, waited %s); two daemons %s (%s, %s; held %s, waited %s)\n' \
			    "$s" "$p" "$@"
			# S sqlite pg two pg/sqlite two/one shares loads held
			echo "$s $1 $4 $9 $(ratio "$4" "$1") $(ratio "$9" "$4") $2 $5 ${10} $3 $6 ${11} $7 ${12} $8 ${13}" \
			    >>"$tmp/scale"
		done
	done
	echo "medians (rates; ratios pair by pair; CPU share of the machine: one daemon on SQLite / on PG / two; turn held a message and busy share: one daemon on PG / two):"
	for s in $SCALE; do
		# p: the share of one daemon's time in the turn; the turn
		# caps two daemons at 1 / p x one, and at 2 / (1 + p) if it
		# never overlapped the rest (Amdahl).
		set -- "$(col 3)" "$(col 13)" "$(col 4)" "$(col 14)"
		bounds=$(awk -v r1="$1" -v h1="$2" -v r2="$3" -v h2="$4" 'BEGIN {
		    p = r1 * h1 / 1000
		    printf "%.2f %.2f %.2f %.2f", p, r2 * h2 / 1000, 1 / p, 2 / (1 + p) }')
		echo "$s $(col 2) $(col 3) $(col 4) $(col 5) $(col 6) $(col 7) $(col 8) $(col 9) $(col 13) $(col 14) $bounds" |
		    awk '{ printf "%s sessions: SQLite %s, PG %s, two %s msg/s; PG / SQLite %s, two / one %s (goals 0.5, 1.6); CPU %s / %s / %s; turn %s / %s ms a message, busy %s / %s; two / one at most %s (%s by Amdahl)\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15 }'
		# shellcheck disable=SC2086  # the bounds are meant to split
		[ "$write" -eq 0 ] || printf '| %s | %s | %s, load %s | %s / %s x %s | %s | %s | %s | %s | %s | %s / %s / %s | %s / %s | %s / %s | %s / %s |\n' \
		    "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(bench_commit)" \
		    "$(bench_machine)" "$(col 10)" "$n" "$s" "${PAIRS:-3}" \
		    "$(col 2)" "$(col 3)" "$(col 5)" "$(col 4)" "$(col 6)" \
		    "$(col 7)" "$(col 8)" "$(col 9)" "$(col 13)" "$(col 14)" \
		    $bounds | bench_row "### Two daemons against one, by sessions"
	done
}


# RTT=MS: the daemons reach PostgreSQL through bench/delay-proxy.py,
# each round trip MS milliseconds longer or more (its timers round up to
# the millisecond each way), as from another host; the bench prints the
# round trip it measured.
if [ -n "${RTT:-}" ]; then
	mkdir "$tmp/proxy"
	python3 "$here/delay-proxy.py" "$tmp/proxy/.s.PGSQL.5432" \
	    "$tmp/pg/.s.PGSQL.5432" "$RTT" &
	pids="$pids $!"
	wait_until "the delay proxy" test -S "$tmp/proxy/.s.PGSQL.5432" ||
	    die "the delay proxy did not start"
	PG_URL="postgresql:///rebound?host=$tmp/proxy&user=rebound"
	# What a round trip through it takes: the median of 200 "select 1".
	for i in $(seq 200); do echo 'select 1;'; done |
	    "$pg_bin/psql" -X -q -h "$tmp/proxy" -U rebound -d rebound \
	    -c '\timing on' -f - 2>&1 | awk '/^Time:/ { print $2 }' |
	    median | awk -v want="$RTT" '{ printf "round trip to PostgreSQL through the proxy: %.2f ms (median of 200; %s ms added)\n", $1, want }'
fi
daemon sqlite "path = $tmp/rebound.db"
daemon pg1 "url = $PG_URL"
daemon pg2 "url = $PG_URL"
if [ -n "${SCALE:-}" ]; then
	scale
	exit 0
fi

bout "$n" "$sessions" sqlite
one_sqlite=$rate
psql_q 'select pg_stat_statements_reset()' >/dev/null
bout "$n" "$sessions" pg1
one_pg=$rate one_trips=$(trips)
[ -z "${PG_STATEMENTS:-}" ] || top_statements "$n"
psql_q 'select pg_stat_statements_reset()' >/dev/null
bout "$n" $((sessions / 2)) pg1 pg2
two_pg=$rate
recorded=$(psql_q 'select count(*) from messages')
# The lock's wait, in seconds, and the round trips (statements the
# daemons ran, the triggers' aside) of the two daemons' run.
lockwait=$(psql_q "select coalesce(sum(total_exec_time), 0) / 1000
    from pg_stat_statements where query like '%pg_advisory_xact_lock%'")
trips=$(trips)

echo "SQLite, one daemon:      $one_sqlite msg/s"
echo "PostgreSQL, one daemon:  $one_pg msg/s ($(ratio "$one_pg" "$one_sqlite") x SQLite; goal >= 0.5), $(ratio "$one_trips" "$n") statements per message"
echo "PostgreSQL, two daemons: $two_pg msg/s ($(ratio "$two_pg" "$one_pg") x one; goal >= 1.6)"
echo "PostgreSQL: $recorded messages recorded of $((n + msgs)) sent"
# CPU ms per message, two daemons: ticks are 10 ms.
awk -v n="$msgs" -v d="$cpu_d" -v pg="$cpu_pg" -v c="$cpu_c" \
    -v wall="$wall" -v ncpu="$(nproc)" -v load="$load" 'BEGIN {
	printf "two daemons, CPU ms per message: reboundd %.2f, PostgreSQL %.2f, clients %.2f, together %.2f\n",
	    d * 10 / n, pg * 10 / n, c * 10 / n, (d + pg + c) * 10 / n
	printf "  the machine'"'"'s %d CPUs gave %.2f ms per message over the run (load %s: shared with others)\n",
	    ncpu, ncpu * wall / 1e6 / n, load
}'
awk -v n="$msgs" -v w="$lockwait" -v t="$trips" -v wall="$wall" 'BEGIN {
	printf "two daemons: %.1f s waiting for the writers\047 turn in %.1f s (%.2f of a daemon on average); %.1f statements per message\n",
	    w, wall / 1e9, w / (wall / 1e9), t / n
}'
echo "two daemons, the writers' turn a message: held $turn_h ms, waited $turn_w ms"
if [ "$write" -eq 1 ]; then
	printf '| %s | %s | %s, load %s | %s / %s | %s | %s | %s | %s | %s |\n' \
	    "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(bench_commit)" "$(bench_machine)" \
	    "$load" "$n" "$sessions" "$one_sqlite" "$one_pg" \
	    "$(ratio "$one_pg" "$one_sqlite")" "$two_pg" \
	    "$(ratio "$two_pg" "$one_pg")" |
	    bench_row "## PostgreSQL against SQLite over LMTP (issue 25)"
fi
