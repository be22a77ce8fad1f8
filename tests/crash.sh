#!/bin/sh
# crash.sh: reboundd killed with SIGKILL at random moments, KILLS times
# (default 25), under LMTP load from several sessions and a maildir that
# fills all the while, and restarted after each kill.  The one rule: what
# got a 250 is in the database, and so is every file that left new/.
# A message committed but not yet acknowledged when the daemon dies comes
# again (the client sends it again as an MTA does; the file is still in
# new/): its digest makes it count once, so nothing is in the database
# twice.  The figures are printed for RELIABILITY.md.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
: "${KILLS:=25}"
scratch
trap 'kill $pid $clients $dropper 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM PIPE
t0=$(date +%s)
md="$tmp/Maildir"
load="$top_srcdir/tests/crash-load.pl"
cat >"$tmp/conf" <<CONF
[store]
path = $tmp/db
synchronous = full
[maildir]
path = $md
[lmtp]
listen = unix:$tmp/lmtp.sock
CONF

# start: reboundd, and wait until it is up (its start line), so that
# the kill's delay is time it spends working, however loaded the machine.
starts=0
start() {
	"$REBOUNDD" --config "$tmp/conf" --foreground 2>>"$tmp/log" &
	pid=$!
	starts=$((starts + 1))
	wait_until "reboundd's start number $starts" started "$tmp/log" $starts
}

# What the database holds, read from a copy: the daemon's own files stay
# as the kill left them, for it to recover.
snapshot() {
	rm -rf "$tmp/snap" && mkdir "$tmp/snap"
	cp "$tmp/db" "$tmp/snap/db"
	[ -f "$tmp/db-wal" ] && cp "$tmp/db-wal" "$tmp/snap/db-wal"
	sqlite3 "$tmp/snap/db" "select lower(hex(digest)) from messages" >"$tmp/digests"
	sqlite3 "$tmp/snap/db" \
	    "select (select text from texts where id = envelope_to_text) from messages where (select text from texts where id = source_text) = 'lmtp'" >"$tmp/envelopes"
}
# sums DIR...: "digest path" of every file in them.
sums() { find "$@" -type f -exec sha256sum {} + 2>/dev/null; }
# missing KEYFILE LISTFILE: lines of LISTFILE whose first field is not a
# line of KEYFILE.
missing() { awk 'NR == FNR { k[$0]; next } !($1 in k)' "$1" "$2"; }
present() { awk 'NR == FNR { k[$0]; next } $1 in k' "$1" "$2"; }
lmtp_keys() { awk -v w="$1" '$1 == w { print $2 "@lists.crash.test" }' "$2"; }

# After a kill, with the daemon gone: anything out of new/ or answered
# 250 and not on disk breaks the rule.  Counted besides: messages on disk
# whose acknowledgement the kill cut off.
lost_lines=0
audit() {
	snapshot
	sums "$md/cur" "$md/.NotBounce/new" >"$tmp/moved"
	n=$(missing "$tmp/digests" "$tmp/moved" | wc -l)
	moved_unrecorded=$((moved_unrecorded + n))
	lmtp_keys ack "$tmp/lmtp.log" >"$tmp/acked"
	n=$(missing "$tmp/envelopes" "$tmp/acked" | wc -l)
	acked_unrecorded=$((acked_unrecorded + n))
	sums "$md/new" >"$tmp/waiting"
	n=$(present "$tmp/digests" "$tmp/waiting" | wc -l)
	recorded_in_new=$((recorded_in_new + n))
	tail -n +$((lost_lines + 1)) "$tmp/lmtp.log" >"$tmp/since"
	lost_lines=$((lost_lines + $(wc -l <"$tmp/since")))
	lmtp_keys lost "$tmp/since" >"$tmp/lost"
	n=$(present "$tmp/envelopes" "$tmp/lost" | wc -l)
	recorded_unacked=$((recorded_unacked + n))
}
moved_unrecorded=0 acked_unrecorded=0 recorded_in_new=0 recorded_unacked=0

# A backlog waiting at the first start, then the load all along.
mkdir -p "$md/tmp" "$md/new" "$md/cur"
touch "$tmp/lmtp.log"
perl "$load" maildir --dir "$md" --prefix b --count 1000 --log "$tmp/drops"
start
perl "$load" lmtp --socket "$tmp/lmtp.sock" --clients 4 --log "$tmp/lmtp.log" \
    --stop "$tmp/stop" 2>"$tmp/lmtp.err" &
clients=$!
perl "$load" maildir --dir "$md" --prefix d --interval 0.005 --log "$tmp/drops" \
    --stop "$tmp/stop" &
dropper=$!

kills=0 died=0 delays=
while [ $kills -lt "$KILLS" ]; do
	delay=$(perl -e 'printf "%.2f", 0.2 + rand(1)')
	delays="$delays $delay"
	sleep "$delay"
	kill -KILL $pid
	wait $pid 2>/dev/null	# no "Killed" from the shell
	[ $? -eq 137 ] || died=$((died + 1))	# it ended before the kill
	kills=$((kills + 1))
	sleep 0.2	# the clients see their connections end
	audit
	start
done
diag "kill delays (s):$delays"
is "every kill found the daemon running" "$died" 0
is "after each kill: every file out of new/ is recorded" "$moved_unrecorded" 0
is "after each kill: every 250 is recorded" "$acked_unrecorded" 0

# The load stops; the last daemon takes what is left, and stops cleanly.
sleep 1
touch "$tmp/stop"
wait $clients
is "every LMTP message got its 250 in the end" "$?" 0
wait $dropper
clients= dropper=	# nothing for the trap to end
backlog=$(ls "$md/new" | wc -l)
t1=$(date +%s)
WAIT_SECONDS=120 wait_for "the last daemon empties new/" empty "$md/new"
diag "the last daemon took $backlog files left in new/ in $(( $(date +%s) - t1 )) s"
kill -TERM $pid
wait $pid
is "the last daemon stops cleanly" "$?" 0
pid=

# Each message that got a 250: its message, and each of its recipients,
# in the database exactly once.
q() { sqlite3 "$tmp/db" "$1"; }
is "integrity_check" "$(q 'pragma integrity_check')" ok
lmtp_keys ack "$tmp/lmtp.log" | sort >"$tmp/acked"
acked=$(wc -l <"$tmp/acked")
is "no message got a 250 twice" "$(uniq -d "$tmp/acked" | wc -l)" 0
q "select (select text from texts where id = envelope_to_text) from messages where (select text from texts where id = source_text) = 'lmtp'" | sort >"$tmp/found"
is "LMTP: every message that got a 250 is in the database, once" \
    "$(comm -23 "$tmp/acked" "$tmp/found" | wc -l) missing, $(uniq -d \
    "$tmp/found" | wc -l) twice" "0 missing, 0 twice"
q "select address from outcomes" | sort >"$tmp/outcomes"
grep '[1-9]@lists.crash.test$' "$tmp/acked" >"$tmp/acked-bounces"
sed 's/@lists.crash.test$//' "$tmp/acked-bounces" |
    awk '{ print $1 "-a@example.org"; print $1 "-b@example.org" }' |
    sort >"$tmp/want"
is "LMTP: each of their recipients once (every tenth is not a bounce)" \
    "$(comm -23 "$tmp/want" "$tmp/outcomes" | wc -l) missing, $(comm -12 \
    "$tmp/want" "$tmp/outcomes" | uniq -d | wc -l) twice" "0 missing, 0 twice"

# Each file: moved where it belongs (and recorded once: its digest).
# Every tenth is not a bounce (its key ends in 0).
drops=$(awk '$1 == "drop"' "$tmp/drops" | wc -l)
awk '$1 == "drop" { print ($3 ~ /0$/ ? ".NotBounce/new/" $2 : "cur/" $2 ":2,S") }' \
    "$tmp/drops" | sort >"$tmp/want"
(cd "$md" && find new cur .NotBounce/new -type f) | sort >"$tmp/files"
is "every file delivered is in cur/ (a bounce) or .NotBounce/ (not one)" \
    "$(comm -3 "$tmp/want" "$tmp/files" | wc -l) out of place of $drops" \
    "0 out of place of $drops"
sums "$md/cur" "$md/.NotBounce/new" >"$tmp/moved"
q "select lower(hex(digest)) from messages where (select text from texts where id = source_text) = 'maildir'" >"$tmp/digests"
is "maildir: every file moved is recorded" \
    "$(missing "$tmp/digests" "$tmp/moved" | wc -l)" 0
awk '$1 == "drop" && $3 !~ /0$/ { print $3 "-a@example.org"; print $3 "-b@example.org" }' \
    "$tmp/drops" | sort >"$tmp/want"
is "maildir: each bounce's recipients once" \
    "$(comm -23 "$tmp/want" "$tmp/outcomes" | wc -l) missing, $(comm -12 \
    "$tmp/want" "$tmp/outcomes" | uniq -d | wc -l) twice" "0 missing, 0 twice"

# Nothing twice, nothing that was not sent.
is "no recipient recorded twice" "$(uniq -d "$tmp/outcomes" | wc -l)" 0
bounces=$(( $(wc -l <"$tmp/acked-bounces") + $(grep -c '^cur/' "$tmp/files") ))
is "no other recipients" "$(wc -l <"$tmp/outcomes")" $((2 * bounces))

# Where LMTP mail that is not a bounce is also kept in a maildir for a
# person ([lmtp] other, NotBounce beside the database), it is there once.
if [ -d "$tmp/NotBounce" ]; then
	grep -v '[1-9]@lists.crash.test$' "$tmp/acked" >"$tmp/want"
	cat "$tmp/NotBounce/new/"* 2>/dev/null |
	    sed -n 's/^To: \(l[0-9-]*@lists.crash.test\)$/\1/p' | sort >"$tmp/kept"
	is "LMTP, not a bounce: each that got a 250 is kept once" \
	    "$(comm -23 "$tmp/want" "$tmp/kept" | wc -l) missing, $(uniq -d \
	    "$tmp/kept" | wc -l) twice" "0 missing, 0 twice"
else
	ok "LMTP, not a bounce: kept once # SKIP this reboundd keeps no copy"
fi
is "messages in the database: those acknowledged and the files" \
    "$(q 'select count(*) from messages')" $((acked + drops))

# The kills must have hit between a commit and its acknowledgement, or
# "once" was never put to the test.
check "some kills came between a commit and its acknowledgement" \
    test $((recorded_unacked + recorded_in_new)) -gt 0

diag "kills: $kills (SIGKILL), each followed by a restart"
diag "LMTP: $acked messages acknowledged (250), $(wc -l <"$tmp/found") found;" \
    "$recorded_unacked on disk but unacknowledged at a kill (sent again, recorded once)"
diag "maildir: $drops files delivered, $(wc -l <"$tmp/digests") found;" \
    "$recorded_in_new on disk but still in new/ at a kill (read again, recorded once;" \
    "summed over the kills)"
diag "outcomes: $(wc -l <"$tmp/outcomes"); run time $(( $(date +%s) - t0 )) s"
done_testing
