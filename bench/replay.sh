#!/bin/sh
# replay.sh: issue 14's replay on a bigger month: what the incident
# guard keeps and removes, and how long the month takes.
#
# tests/gen-month.pl --scale SCALE --hostco --oldcorp (default 10: 600
# ordinary domains, 10 large providers and 10 hosting providers with a
# burst each, 10 corporate clean-ups; about 16,000 messages) is recorded
# by "rebound import" into a new database, then delivered in time order
# over one LMTP session to reboundd ([intake] dating = date) into
# another, both with synchronous=full.  Each time it prints the wall
# time and rate, then, against the generator's truth: live subscribers
# removed (listed by prune), dead and complained addresses kept (not
# listed), and for each burst the incidents of its provider and the
# seconds from the burst's start to the incident's opening.  Goal
# (issue 14): 0 live removed, 0 dead kept, one incident a burst and
# none elsewhere.  The same checks, on the small month, are
# tests/replay.sh.
#
# Usage: bench/replay.sh [--write]    (--write adds a row to RESULTS.md)
# Environment: REBOUND, REBOUNDD, SCALE=10, SEED=1
set -eu

. "$(dirname "$0")/lib.sh"

rebound=${REBOUND:-$top/src/rebound}
reboundd=${REBOUNDD:-$top/src/reboundd}
scale=${SCALE:-10}
seed=${SEED:-1}
bench_args "$@"

[ -n "${REBOUND:-}" ] || make -C "$top" -s >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/rebound-replay.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# The guard's command and the daemon's dating are issue 14's.
"$rebound" incidents --help >/dev/null 2>&1 ||
    die "this rebound has no 'incidents' command (issue 14's guard)"
cat >"$work/daemon.conf" <<CONF
[store]
path = $work/daemon.db
synchronous = full
[lmtp]
listen = unix:$work/lmtp.sock
[intake]
dating = date
CONF
"$reboundd" --config "$work/daemon.conf" --check-config >/dev/null ||
    die "this reboundd does not take [intake] dating = date (issue 14)"

start=$(date +%s%N)
perl "$top/tests/gen-month.pl" --out "$work/month" --scale "$scale" \
    --seed "$seed" --hostco --oldcorp >"$work/gen"
gen_ms=$(ms "$start")
sed -n '1,2p' "$work/gen"
n=$(ls "$work/month/new" | wc -l | tr -d ' ')
echo "generated $n messages in $gen_ms ms"

# figures NAME CONFIG: the verdict on the database of CONFIG; sets
# live_listed, dead_kept, incidents_ok, delays.
figures() {
	"$rebound" prune --config "$2" >"$work/$1.prune"
	"$rebound" incidents --config "$2" --format csv >"$work/$1.incidents"
	perl "$top/tests/replay-check.pl" "$work/month" "$work/$1.prune" \
	    "$work/$1.incidents" >"$work/$1.check"
	val() { awk -F '\t' -v k="$1" '$1 == k { print $2 }' "$work/$2.check"; }
	live_listed=$(val live_listed "$1")
	dead_kept=$(( $(val dead_kept "$1") + $(val complained_kept "$1") ))
	bursts=$(grep -c '^burst' "$work/$1.check" || :)
	one_each=$(awk -F '\t' '$1 == "burst" && $6 == 1' "$work/$1.check" | wc -l | tr -d ' ')
	elsewhere=$(val incidents_elsewhere "$1")
	# seconds from each burst's start to its incident's opening
	delays=$(awk -F '\t' '$1 == "burst" { print $8 }' "$work/$1.check" |
	    sort -n | awk '{ d[NR] = $1 } END {
		if (NR == 0 || d[1] !~ /^-?[0-9]+$/) { print "-"; exit }
		printf "%s-%s s (median %s s)", d[1], d[NR], d[int((NR + 1) / 2)] }')
	echo "$1: live subscribers removed: $live_listed of $(val live "$1");" \
	    "dead or complained kept: $dead_kept of $(( $(val dead "$1") + $(val complained "$1") ))"
	echo "$1: bursts with exactly one incident: $one_each of $bursts;" \
	    "incidents elsewhere: $elsewhere; time to open: $delays"
	grep '^# ' "$work/$1.check" | sed "s/^# /$1: /" || :
}

printf '[store]\npath = %s/import.db\nsynchronous = full\n' "$work" >"$work/import.conf"
start=$(date +%s%N)
"$rebound" import --config "$work/import.conf" "$work/month" >/dev/null
import_ms=$(ms "$start")
echo "import: $n messages in $import_ms ms, $(( n * 1000 / (import_ms > 0 ? import_ms : 1) )) messages/s"
figures import "$work/import.conf"
import_live=$live_listed import_dead=$dead_kept import_delays=$delays

"$reboundd" --config "$work/daemon.conf" --foreground 2>"$work/log" &
pid=$!
until grep -q ': reboundd [^ ]*: started, database ' "$work/log"; do
	kill -0 "$pid" 2>/dev/null || { cat "$work/log" >&2; die "reboundd exited"; }
	sleep 0.05
done
start=$(date +%s%N)
perl "$top/tests/lmtp-replay.pl" "$work/lmtp.sock" "$work/month" >"$work/sent"
lmtp_ms=$(ms "$start")
# Each 250 came after its commit: all are in the database now.
[ "$(sqlite3 "$work/daemon.db" 'select count(*) from messages')" = "$n" ] ||
    die "reboundd recorded fewer than $n messages"
kill -TERM "$pid"
wait "$pid"
pid=
echo "daemon: $(cat "$work/sent") in $lmtp_ms ms, $(( n * 1000 / (lmtp_ms > 0 ? lmtp_ms : 1) )) messages/s"
figures daemon "$work/daemon.conf"

if [ $write -eq 1 ]; then
	printf '| %s | %s | %s | %s | %s ms | %s ms | %s / %s | %s / %s | %s / %s |\n' \
	    "$(date -u +%Y-%m-%d), $(bench_commit)" "$(bench_machine)" "$scale" "$n" \
	    "$import_ms" "$lmtp_ms" "$import_live" "$live_listed" \
	    "$import_dead" "$dead_kept" "$import_delays" "$delays" \
	    | bench_row "## Replay of a month"
fi
