#!/bin/sh
# senders.sh: an archive fed to reboundd ([intake] dating = date) by two
# senders at once, against one sender and against "rebound import" (time
# order): the live subscribers each removes, by the month's truth
# (tests/replay-check.pl), and reboundd's peak memory.  The month is
# tests/gen-month.pl's at SCALE (default 5: about 8,000 bounces, bursts
# at a large provider and a hosting provider, corporate clean-ups); the
# two senders deal its files at random (tests/lmtp-replay.pl --random
# --at-once), each its share in time order.  OLD=PATH also runs another
# build's reboundd the same way, beside this one's.
# Usage: bench/senders.sh [--write]    (--write adds rows to RESULTS.md)
set -eu

. "$(dirname "$0")/lib.sh"
bench_args "$@"
rebound=${REBOUND:-$top/src/rebound}
reboundd=${REBOUNDD:-$top/src/reboundd}
scale=${SCALE:-5}
[ -n "${REBOUND:-}" ] || make -C "$top" -s >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/rebound-senders.XXXXXX")
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT INT TERM
pid=
perl "$top/tests/gen-month.pl" --out "$work/month" --hostco --oldcorp \
    --scale "$scale" --seed 2 >/dev/null
n=$(ls "$work/month/new" | wc -l | tr -d ' ')

# live NAME: live subscribers NAME's database removes; its prune count.
live() {
	"$rebound" prune --db "$work/$1.db" >"$work/$1.prune"
	"$rebound" incidents --db "$work/$1.db" --format csv >"$work/$1.inc"
	perl "$top/tests/replay-check.pl" "$work/month" "$work/$1.prune" \
	    "$work/$1.inc" | awk -F '\t' '$1 == "live_listed" { print $2 }'
}

# feed NAME BINARY SOCKETS: reboundd BINARY takes the month from
# lmtp-replay.pl on SOCKETS (its socket given once or twice); prints
# "removed, live removed, peak RSS".
feed() {
	printf '[store]\npath = %s/%s.db\nsynchronous = normal\n[lmtp]\nlisten = unix:%s/%s.sock\n[intake]\ndating = date\n' \
	    "$work" "$1" "$work" "$1" >"$work/$1.conf"
	"$2" --config "$work/$1.conf" --foreground 2>"$work/$1.log" &
	pid=$!
	until grep -q 'started, database' "$work/$1.log"; do
		kill -0 $pid 2>/dev/null || die "reboundd did not start"
		sleep 0.1
	done
	perl "$top/tests/lmtp-replay.pl" ${4:-} "$3" "$work/month" \
	    >/dev/null || die "$1: not every message accepted"
	hwm=$(awk '/^VmHWM/ { printf "%.1f MiB", $2 / 1024 }' /proc/$pid/status)
	kill -TERM $pid
	wait $pid
	pid=
	l=$(live "$1")
	echo "$(wc -l <"$work/$1.prune" | tr -d ' ') | $l | $hwm"
}

printf '[store]\npath = %s/import.db\n' "$work" >"$work/import.conf"
"$rebound" import --config "$work/import.conf" "$work/month" >/dev/null
live import >"$work/import.live"
imp="$(wc -l <"$work/import.prune" | tr -d ' ') | $(cat "$work/import.live") | -"
two="$work/two.sock,$work/two.sock"
rows="| rebound import (time order) | $imp |
| reboundd, one sender | $(feed one "$reboundd" "$work/one.sock") |
| reboundd, two senders at once | $(feed two "$reboundd" "$two" "--random 7 --at-once") |"
if [ -n "${OLD:-}" ]; then
	rows="$rows
| OLD reboundd, one sender | $(feed oldone "$OLD" "$work/oldone.sock") |
| OLD reboundd, two senders at once | $(feed oldtwo "$OLD" "$work/oldtwo.sock,$work/oldtwo.sock" "--random 7 --at-once") |"
fi
echo "$n bounces, scale $scale, $(bench_commit), $(bench_machine)"
echo "| feeding | removed | live removed | reboundd peak |"
echo "$rows"
[ "$write" = 1 ] || exit 0
date=$(date -u +%Y-%m-%d)
echo "$rows" | sed "s/^| /| $date, $(bench_commit), scale $scale | /" |
    bench_row "## An archive from two senders at once"
