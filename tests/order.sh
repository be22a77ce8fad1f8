#!/bin/sh
# order.sh: issue 20, point 1: the order an archive comes in decides
# nothing.  A generated month of a list's bounces (tests/gen-month.pl,
# with a large provider's and a hosting provider's 30-minute bursts of
# "550 5.1.1" for live subscribers) is copied by tests/order-shuffle.pl
# in date order, reversed, and shuffled (new file names that do not sort
# in time), and as one shuffled mbox; its Date headers are rewritten in
# other zones and obsolete forms, and some removed where the DSN has an
# Arrival-Date.  "rebound import" of each (the shuffled copy also as
# file arguments in a random order), reboundd fed over LMTP in a
# shuffled order within each hour ([intake] dating = date), and reboundd
# fed by two senders at once (their states, not their events) must give
# the same "rebound prune", "prune --suspect", "rebound incidents" and
# address.* events (published and pending), with no live subscriber
# removed, every dead one removed, one incident per burst, and "prune
# --dry-run" under the same policy changing nothing (the replay and the
# live path agree).  A month cut short after its first suspect gives the
# same suspects whatever the order.  Live mail (the default dating): a
# burst of an hour ago delivered newest first opens one incident at the
# time its 21st address bounced; a bounce dated days back or in the
# future counts at its arrival.  A file without any date is dated by its
# mtime.  ORDER_SEED=N: another month and other orders (default 2).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
scratch
seed=${ORDER_SEED:-2}
month=$tmp/month
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

start=$(date +%s%N)
perl "$top_srcdir/tests/gen-month.pl" --out "$month" --hostco \
    --seed "$seed" >"$tmp/gen" 2>&1
is "gen-month.pl writes the month" "$?" 0
sed 's/^/# /' "$tmp/gen"
n=$(ls "$month/new" | wc -l | tr -d ' ')
for mode in dated reversed shuffled hourly; do
	perl "$top_srcdir/tests/order-shuffle.pl" "$mode" "$seed" "$month" \
	    "$tmp/$mode" 2>"$tmp/err" || diag "order-shuffle $mode: $(cat "$tmp/err")"
done
perl "$top_srcdir/tests/order-shuffle.pl" mbox "$seed" "$month" \
    "$tmp/month.mbox" 2>"$tmp/err" || diag "order-shuffle mbox: $(cat "$tmp/err")"
is "the shuffled copy's names do not sort in time" \
    "$(cmp -s "$tmp/dated/new/000001" "$tmp/shuffled/new/000001"; echo $?)" 1
diag "$n messages, copied five ways, in $(ms "$start") ms"

conf() {
	printf '[store]\npath = %s/%s.db\nsynchronous = normal\n' "$tmp" "$1" \
	    >"$tmp/$1.conf"
}

# summary NAME: what a user checks, in files NAME.prune, .suspects,
# .incidents, .events (address.* events, published or still pending,
# without their ids, which count publication, and message digests).
summary() {
	c=$tmp/$1.conf
	"$REBOUND" prune --config "$c" >"$tmp/$1.prune" 2>"$tmp/err" ||
	    diag "$1: prune: $(head -1 "$tmp/err")"
	"$REBOUND" prune --suspect --config "$c" >"$tmp/$1.suspects" \
	    2>"$tmp/err" || diag "$1: prune --suspect: $(head -1 "$tmp/err")"
	"$REBOUND" incidents --config "$c" --format csv >"$tmp/$1.incidents" \
	    2>"$tmp/err" || diag "$1: incidents: $(head -1 "$tmp/err")"
	cols="type, time, address, list, state, previous, reason, class, status, confidence, incident, evidence"
	sqlite3 "$tmp/$1.db" "SELECT $cols FROM events WHERE type LIKE 'address.%'
	    UNION ALL SELECT $cols FROM events_pending ORDER BY 3, 2, 1, 5" \
	    >"$tmp/$1.events" 2>"$tmp/err" || diag "$1: events: $(head -1 "$tmp/err")"
	"$REBOUND" prune --dry-run --policy guard.enabled=yes --config "$c" \
	    >"$tmp/$1.dry" 2>"$tmp/err" || diag "$1: dry-run: $(head -1 "$tmp/err")"
}

# same NAME: NAME's summary is the date-ordered import's.
same() {
	for what in prune suspects incidents events; do
		check "$1: $what the same as in date order" \
		    cmp -s "$tmp/dated.$what" "$tmp/$1.$what" ||
		    diff "$tmp/dated.$what" "$tmp/$1.$what" | head -6 |
		    sed 's/^/# /'
	done
	is "$1: prune --dry-run under the same policy changes nothing" \
	    "$(wc -l <"$tmp/$1.dry" | tr -d ' ')" 0
}

import() {
	name=$1
	shift
	conf "$name"
	start=$(date +%s%N)
	"$REBOUND" import --config "$tmp/$name.conf" "$@" >"$tmp/$name.out" 2>&1
	is "$name: import exits 0" "$?" 0
	diag "$name: import in $(ms "$start") ms: $(tail -1 "$tmp/$name.out")"
	summary "$name"
}

import dated "$tmp/dated"
perl "$top_srcdir/tests/replay-check.pl" "$month" "$tmp/dated.prune" \
    "$tmp/dated.incidents" >"$tmp/check"
val() { awk -F '\t' -v k="$1" '$1 == k { print $2 }' "$tmp/check"; }
is "dated: no live subscriber removed" "$(val live_listed)" 0
is "dated: no dead address kept" "$(val dead_kept)" 0
is "dated: no complained address kept" "$(val complained_kept)" 0
is "dated: no incident for anything but a burst" "$(val incidents_elsewhere)" 0
bursts=0
tab=$(printf '\t')
while IFS=$tab read -r _ group _ victims _ count kind _ held; do
	bursts=$((bursts + 1))
	is "dated: one incident for the burst at $group" "$count" 1
	is "dated: $group's incident is its provider's" "$kind" provider
	diag "dated: $group: $victims live addresses, $held held"
done <<EOF
$(grep '^burst' "$tmp/check")
EOF
is "dated: two bursts checked" "$bursts" 2
is "dated: prune --dry-run under the same policy changes nothing" \
    "$(wc -l <"$tmp/dated.dry" | tr -d ' ')" 0
diag "dated: $(wc -l <"$tmp/dated.prune") removed, $(grep -c '^"' "$tmp/dated.incidents") incident rows (with the header), $(wc -l <"$tmp/dated.events") address events"

import reversed "$tmp/reversed"
same reversed
import shuffled "$tmp/shuffled"
same shuffled
import mbox "$tmp/month.mbox"
same mbox
# The same files as arguments, in a random order (file names alone).
(cd "$tmp/shuffled/new" && ls | awk -v s="$seed" 'BEGIN { srand(s) }
    { print rand() "\t" $0 }' | sort | cut -f2 | sed "s|^|$tmp/shuffled/new/|") \
    >"$tmp/args"
# shellcheck disable=SC2046
import arguments $(cat "$tmp/args")
same arguments

# reboundd over LMTP, each hour's bounces in a random order.
cat >"$tmp/daemon.conf" <<CONF
[store]
path = $tmp/daemon.db
synchronous = normal
[lmtp]
listen = unix:$tmp/lmtp.sock
[intake]
dating = date
CONF
lmtp_replay "$tmp/daemon.conf" "$tmp/daemon.db" "$tmp/hourly" "$n" \
    "shuffled within each hour"
summary daemon
same daemon

# reboundd fed by two senders at once (two MTAs), the files dealt at
# random, each share in time order: the two run days apart in the
# month's time, which [guard] late covers (the baseline period, with
# dating = date).  The addresses' states and incidents are time
# order's; the events follow the order of arrival (pg-split.sh).
sed "s|$tmp/daemon.db|$tmp/senders.db|" "$tmp/daemon.conf" >"$tmp/senders.conf"
LR_OPTS="--random $seed --at-once" \
    LR_SOCKETS="$tmp/lmtp.sock,$tmp/lmtp.sock" \
    lmtp_replay "$tmp/senders.conf" "$tmp/senders.db" "$tmp/dated" "$n" \
    "two senders at once"
summary senders
for what in prune suspects incidents; do
	check "senders: $what the same as in date order" \
	    cmp -s "$tmp/dated.$what" "$tmp/senders.$what" ||
	    diff "$tmp/dated.$what" "$tmp/senders.$what" | head -6 |
	    sed 's/^/# /'
done
is "senders: prune --dry-run under the same policy changes nothing" \
    "$(wc -l <"$tmp/senders.dry" | tr -d ' ')" 0

# A month cut short a minute after its first suspect (a likely hard
# bounce no incident holds; its event, overtaken by the address's death
# within [events] delay, was never published): some addresses wait for
# a second bounce.
cut=$(sqlite3 "$tmp/dated.db" "select min(at) + 60 from outcomes o
    where class = 'hard' and confidence = 'likely' and incident is null
    and not exists (select 1 from outcomes e where e.address = o.address
	and e.class = 'hard' and e.incident is null and e.at <= o.at
	and e.id != o.id)")
check "the month has a suspect to cut it at" test -n "$cut"
for mode in dated shuffled; do
	perl "$top_srcdir/tests/order-shuffle.pl" "$mode" "$seed" "$month" \
	    "$tmp/half-$mode" "@$cut"
	conf "half-$mode"
	"$REBOUND" import --config "$tmp/half-$mode.conf" "$tmp/half-$mode" \
	    >/dev/null 2>&1
	"$REBOUND" prune --suspect --config "$tmp/half-$mode.conf" \
	    >"$tmp/half-$mode.suspects" 2>&1
done
check "a month cut short: some suspects" test -s "$tmp/half-dated.suspects"
check "a month cut short, shuffled: the same suspects" \
    cmp -s "$tmp/half-dated.suspects" "$tmp/half-shuffled.suspects"
diag "a month cut short: $(wc -l <"$tmp/half-dated.suspects") suspects"

# Live mail ([intake] dating = bounce, the default): a provider's burst
# of an hour ago whose bounces an MTA's queue delivers now, newest
# first; a bounce dated three days back and one dated in the future.
. "$top_srcdir/tests/hooks-lib.sh"
now=$(date +%s)
mkdir -p "$tmp/live/new"
for i in $(seq 1 25); do
	{ printf 'Date: %s\n' "$(date -u -R -d "@$((now - 3600 + i * 60))")"
	  hard_bounce "reader$i@bigmail.example" "$i"; } \
	    >"$tmp/live/new/$(printf '%03d' $((100 - i)))"
done
{ printf 'Date: %s\n' "$(date -u -R -d "@$((now - 3 * 86400))")"
  hard_bounce old@ordinary.example 101; } >"$tmp/live/new/200"
{ printf 'Date: %s\n' "$(date -u -R -d "@$((now + 7200))")"
  hard_bounce future@ordinary.example 102; } >"$tmp/live/new/201"
cat >"$tmp/live.conf" <<CONF
[store]
path = $tmp/live.db
synchronous = normal
[lmtp]
listen = unix:$tmp/lmtp.sock
CONF
lmtp_replay "$tmp/live.conf" "$tmp/live.db" "$tmp/live" 27 \
    "live mail, newest first"
at() {
	sqlite3 "$tmp/live.db" "select at from outcomes where address = '$1'"
}
is "live: a bounce of an hour ago counts at its Date" \
    "$(at reader1@bigmail.example)" "$((now - 3600 + 60))"
check "live: one dated three days back counts at its arrival" \
    test "$(at old@ordinary.example)" -ge "$now"
check "live: one dated in the future counts at its arrival" \
    test "$(at future@ordinary.example)" -lt "$((now + 3600))"
is "live: one incident, opened when the 21st address bounced, holding 25" \
    "$(sqlite3 "$tmp/live.db" "select count(*), min(opened), min(first), max(addresses) from incidents")" \
    "1|$((now - 3600 + 21 * 60))|$((now - 3600 + 60))|25"
is "live: prune lists no reader of the burst" \
    "$("$REBOUND" prune --config "$tmp/live.conf" | grep -c bigmail)" 0
is "live: prune --dry-run under the same policy changes nothing" \
    "$("$REBOUND" prune --dry-run --policy guard.enabled=yes \
    --config "$tmp/live.conf" | wc -l | tr -d ' ')" 0

# No date at all: the file's mtime (a maildir's file is one message).
mkdir -p "$tmp/nodate/new"
for f in "$tmp/dated/new/"*; do
	grep -qi '^Arrival-Date:' "$f" || grep -qi '^Last-Attempt-Date:' "$f" ||
	    ! grep -q '^Date:' "$f" || { nodate=$f; break; }
done
# Without its Date and Received fields (their continuation lines too).
perl -ne 'BEGIN { $h = 1 } $h = 0 if /^\r?$/;
    $skip = /^(Date|Received):/i if $h && /^\S/;
    print unless $h && $skip' "$nodate" >"$tmp/nodate/new/1"
touch -d '2026-02-03 04:05:06 UTC' "$tmp/nodate/new/1"
conf nodate
"$REBOUND" import --config "$tmp/nodate.conf" "$tmp/nodate" >/dev/null 2>&1
is "no Date, no DSN dates, no Received: dated by the file's mtime" \
    "$(sqlite3 "$tmp/nodate.db" "select distinct datetime(at, 'unixepoch') from outcomes")" \
    "2026-02-03 04:05:06"

# A file that cannot be read is named, the others recorded, exit 1.
mkdir -p "$tmp/broken/new"
cp "$tmp/dated/new/000001" "$tmp/dated/new/000002" "$tmp/broken/new/"
ln -s "$tmp/nowhere" "$tmp/broken/new/000003"
conf broken
"$REBOUND" import --config "$tmp/broken.conf" "$tmp/broken" >"$tmp/out" \
    2>"$tmp/err"
is "a file that cannot be read: exit 1" "$?" 1
check "... named on standard error" grep -q 000003 "$tmp/err"
is "... the others recorded" \
    "$(sqlite3 "$tmp/broken.db" 'select count(*) from messages')" 2

done_testing
