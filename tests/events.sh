#!/bin/sh
# events.sh: "rebound events", the outbox of state changes, as a list
# operator's script meets it: bounces imported one step at a time make
# addresses suspect, dead and complained, each change one event with
# the outcome's fields; --type, --since ID and TIME, json, csv and
# plain; forget makes an address.alive; address.dead waits [events]
# delay (pending, published by rebound import and by reboundd once it
# is due; dropped unseen when forget overtakes it); --follow prints an
# event that comes after it started and ends on SIGINT and on EPIPE.
# Bounces are synthetic DSNs dated October 2025 by their Date header.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
scratch

# dsn FILE ADDRESS STATUS DAY [DIAGNOSTIC]: a DSN dated day DAY of
# October 2025, of a message sent by the list weekly.lists.example.com.
dsn() {
	{
		cat <<EOF
Date: $4 Oct 2025 10:00:00 +0000
From: MAILER-DAEMON@mx.example.com
To: bounces@lists.example.com
Subject: Delivery Status Notification
Message-Id: <$1@mx.example.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

A report on message $1.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; $2
Action: failed
Status: $3
EOF
		[ -n "$5" ] && echo "Diagnostic-Code: smtp; $5"
		cat <<EOF

--b
Content-Type: text/rfc822-headers

From: news@lists.example.com
To: $2
Subject: This week
List-Id: Example Weekly <weekly.lists.example.com>

--b--
EOF
	} >"$tmp/$1.eml"
}
# Certain: the server's own 5.1.1 and words that agree; likely: a bare
# Status, which needs a second hard bounce on another day.
certain() { dsn "$1" "$2" 5.1.1 "$3" "550 5.1.1 User unknown"; }
likely() { dsn "$1" "$2" 5.1.1 "$3"; }
# arf FILE ADDRESS DAY: the sample complaint, of ADDRESS, that day.
arf() {
	sed -e "s/complainer@example.net/$2/g" \
	    -e "s/^Date: .*/Date: $3 Oct 2025 16:00:00 +0000/" \
	    "$top_srcdir/tests/data/arf-abuse.eml" >"$tmp/$1.eml"
}
digest() { sha256sum "$tmp/$1.eml" | cut -d' ' -f1; }

# Settings: [events] delay 0 (at once), the default (an hour), 2 s.
printf '[events]\ndelay = 0\n' >"$tmp/now.conf"
: >"$tmp/default.conf"
printf '[events]\ndelay = 2\n' >"$tmp/short.conf"
db=$tmp/db
import() { "$REBOUND" import --config "$tmp/now.conf" --db "$db" "$@" >/dev/null; }
events() { "$REBOUND" events --config "$tmp/now.conf" --db "$db" "$@"; }

# One import each, so that each step's events come in a known order.
likely l1 likely@example.org 1
certain c1 certain@example.org 2
arf a1 complainer@example.net 4
dsn s1 soft@example.org 4.2.2 4 "452 4.2.2 Mailbox full"
import "$tmp/l1.eml" "$tmp/c1.eml" "$tmp/a1.eml" "$tmp/s1.eml"
is "import exits 0" "$?" 0
likely l2 likely@example.org 3
import "$tmp/l2.eml"

events >"$tmp/all"; rc=$?
is "events exits 0" "$rc" 0
is "four changes, four events (a soft bounce changes nothing)" \
    "$(wc -l <"$tmp/all" | tr -d ' ')" 4
check "ids grow, oldest first" awk -F'"id":' '{ split($2, a, ","); if (a[1] + 0 <= last) exit 1; last = a[1] + 0 }' "$tmp/all"
check "every line is a version 1 object" \
    awk '!/^\{"version":1,"id":[0-9]+,"type":"address\.[a-z]+",.*\}$/ { exit 1 }' "$tmp/all"
has() { grep -qF -- "$1" "$tmp/all"; }
check "a likely hard bounce: address.suspect with the outcome's fields" has \
    '"type":"address.suspect","time":"2025-10-01T10:00:00Z","address":"likely@example.org","list":"weekly.lists.example.com","state":"suspect","previous":"alive","reason":"userunknown","class":"hard","status":"5.1.1","confidence":"likely","digest":"'"$(digest l1)"'","incident":null,'
check "a certain one: address.dead at once (delay 0)" has \
    '"type":"address.dead","time":"2025-10-02T10:00:00Z","address":"certain@example.org","list":"weekly.lists.example.com","state":"dead","previous":"alive","reason":"userunknown","class":"hard","status":"5.1.1","confidence":"certain","digest":"'"$(digest c1)"'","incident":null,"evidence":"'
check "a complaint: address.complained" has \
    '"type":"address.complained","time":"2025-10-04T16:00:00Z","address":"complainer@example.net","list":"weekly.lists.example.com","state":"complained","previous":"alive","reason":"feedback","class":"complaint",'
is "the second hard bounce makes the suspect dead, last" "$(tail -1 "$tmp/all" | grep -o '"type":"address.dead","time":"2025-10-03T10:00:00Z","address":"likely@example.org","list":"weekly.lists.example.com","state":"dead","previous":"suspect","reason":"userunknown"')" \
    '"type":"address.dead","time":"2025-10-03T10:00:00Z","address":"likely@example.org","list":"weekly.lists.example.com","state":"dead","previous":"suspect","reason":"userunknown"'
check "the evidence is the outcome's decided_by" has '"evidence":"status 5.1.1 (remote)"}'

events --type address.dead >"$tmp/dead"
is "--type address.dead: the two deaths" \
    "$(grep -o '"address":"[^"]*"' "$tmp/dead" | tr '\n' ' ')" \
    '"address":"certain@example.org" "address":"likely@example.org" '
events --type address.gone >/dev/null 2>"$tmp/err"; rc=$?
is "--type: an unknown type is a usage error" "$rc" 2
check "--type: the error names the types" grep -q "address.complained" "$tmp/err"

# A report naming several complainers (RFC 5965 §3.2): one event each.
"$REBOUND" import --config "$tmp/now.conf" --db "$tmp/arf3.db" \
    "$top_srcdir/tests/data/arf-several-recipients.eml" >/dev/null
"$REBOUND" events --config "$tmp/now.conf" --db "$tmp/arf3.db" \
    --type address.complained >"$tmp/arf3"
is "three complainers in one report: three address.complained" \
    "$(grep -o '"address":"[^"]*"' "$tmp/arf3" | sort | tr '\n' ' ')" \
    '"address":"Second.Reader@example.net" "address":"complainer@example.net" "address":"third@example.net" '

third=$(sed -n 3p "$tmp/all" | sed 's/^{"version":1,"id":\([0-9]*\),.*/\1/')
events --since "$third" >"$tmp/after"
is "--since ID: the events after it" "$(cat "$tmp/after")" "$(sed -n '4,$p' "$tmp/all")"
events --since 2025-10-03 >"$tmp/since"
is "--since DATE: the events of that day on" \
    "$(grep -o '"address":"[^"]*"' "$tmp/since" | sort | tr '\n' ' ')" \
    '"address":"complainer@example.net" "address":"likely@example.org" '
events --since 2025-10-03T12:00:00Z >"$tmp/since"
is "--since an RFC 3339 time" \
    "$(grep -o '"address":"[^"]*"' "$tmp/since" | tr '\n' ' ')" \
    '"address":"complainer@example.net" '
events --since yesterday >/dev/null 2>&1; rc=$?
is "--since: neither an id nor a time is a usage error" "$rc" 2

events --format csv >"$tmp/csv"
is "csv: a header" "$(head -1 "$tmp/csv" | tr -d '\r')" \
    '"id","type","time","address","list","state","previous","reason","class","status","confidence","digest","incident","evidence"'
check "csv: a row, empty where there is nothing" grep -qF \
    ',"address.dead","2025-10-02T10:00:00Z","certain@example.org","weekly.lists.example.com","dead","alive","userunknown","hard","5.1.1","certain","'"$(digest c1)"'",,"' \
    "$tmp/csv"
is "csv: a line an event" "$(wc -l <"$tmp/csv" | tr -d ' ')" 5

events --format plain >"$tmp/plain"
while read -r id type time address list state previous reason class status \
    confidence digest incident evidence; do
	[ "$address" = complainer@example.net ] || continue
	is "plain: a while-read loop gets each field" \
	    "$type $time $address $list $state $previous $reason $class $status $incident $evidence" \
	    "address.complained 2025-10-04T16:00:00Z complainer@example.net weekly.lists.example.com complained alive feedback complaint - - feedback-type abuse"
done <"$tmp/plain"
events --format xml >/dev/null 2>&1; rc=$?
is "--format: an unknown one is a usage error" "$rc" 2

"$REBOUND" forget --config "$tmp/now.conf" --db "$db" certain@example.org >/dev/null
events --type address.alive >"$tmp/alive"
check "forget: address.alive, from dead, said why" grep -q \
    '"type":"address.alive","time":"[^"]*","address":"certain@example.org","list":null,"state":"alive","previous":"dead","reason":"forget",' \
    "$tmp/alive"
"$REBOUND" forget --config "$tmp/now.conf" --db "$db" nobody@example.org >/dev/null 2>&1
is "forget of an address never seen: no event" \
    "$(events | wc -l | tr -d ' ')" 5

# The default delay: address.dead and address.suspect wait an hour,
# pending; a second bounce in that time makes the suspect dead, told
# once from alive whichever bounce came first; forget before it is due
# drops it (nobody saw it) and says nothing of an address that was alive
# as far as anyone knew.
pdb=$tmp/pending.db
pimport() { "$REBOUND" import --config "$tmp/default.conf" --db "$pdb" "$@" >/dev/null; }
pevents() { "$REBOUND" events --config "$tmp/default.conf" --db "$pdb" "$@"; }
q() { sqlite3 "$pdb" "$1"; }
pending() { q "select type, address, previous from events_pending order by address" | tr '\n' ' '; }
certain p1 gone@example.org 1
likely p2 maybe@example.org 1
likely p3 maybe@example.org 2
likely r2 back@example.org 2
likely r1 back@example.org 1
pimport "$tmp/p1.eml" "$tmp/p2.eml" "$tmp/r2.eml"
is "default delay: nothing published, not even a suspect" "$(pevents | wc -l | tr -d ' ')" 0
is "default delay: a death and two suspects pending" "$(pending)" \
    "address.suspect|back@example.org|alive address.dead|gone@example.org|alive address.suspect|maybe@example.org|alive "
pimport "$tmp/p3.eml"
pimport "$tmp/r1.eml"
now=$(date +%s)
is "default delay: a suspect made dead in the delay is told once, dead from alive, in either order" \
    "$(pending)" \
    "address.dead|back@example.org|alive address.dead|gone@example.org|alive address.dead|maybe@example.org|alive "
is "default delay: each dead for its later bounce, in either order" \
    "$(q "select address, time from events_pending where address != 'gone@example.org' order by address" | tr '\n' ' ')" \
    "back@example.org|1759399200 maybe@example.org|1759399200 "
is "default delay: still nothing published" "$(pevents | wc -l | tr -d ' ')" 0
check "default delay: due in an hour" \
    test "$(q "select min(due) - $now >= 3590 and max(due) - $now <= 3610 from events_pending")" = 1
for a in gone@example.org maybe@example.org; do
	"$REBOUND" forget --config "$tmp/default.conf" --db "$pdb" "$a" >/dev/null
done
is "forget before due: only the address not forgotten is pending" \
    "$(q "select address from events_pending")" back@example.org
is "forget before due: an unseen death or suspect is never told, nor its end" \
    "$(pevents | wc -l | tr -d ' ')" 0

# A provider's bad hour of likely hard bounces: the incident holds them,
# and no one is told of a suspect, nor of its return to alive (each
# reader's address.suspect, waiting, is dropped): the incident's own
# events are all there is.
bdb=$tmp/burst.db
for i in $(seq 1 30); do likely "b$i" "reader$i@bigmail.example" 9; done
"$REBOUND" import --config "$tmp/default.conf" --db "$bdb" "$tmp"/b[0-9]*.eml >/dev/null
is "a burst of likely hard bounces: one incident" \
    "$(sqlite3 "$bdb" "select count(*) from incidents")" 1
is "a burst: no event for a reader, published or waiting" \
    "$(sqlite3 "$bdb" "select count(*) from (select address from events
	union all select address from events_pending) where address like 'reader%'")" 0

# A short delay: rebound import publishes what has come due at its end
# (importing the same file again records nothing, and publishes); a
# suspect no second bounce overtook is published like a death.
sdb=$tmp/short.db
certain d1 late@example.org 5
likely d2 soon@example.org 5
"$REBOUND" import --config "$tmp/short.conf" --db "$sdb" "$tmp/d1.eml" "$tmp/d2.eml" >/dev/null
is "short delay: pending at first" \
    "$(sqlite3 "$sdb" "select type from events_pending order by id" | tr '\n' ' ')" \
    "address.dead address.suspect "
sevents() { "$REBOUND" events --config "$tmp/short.conf" --db "$sdb" "$@"; }
published() {
	"$REBOUND" import --config "$tmp/short.conf" --db "$sdb" "$tmp/d1.eml" >/dev/null &&
	    sevents | grep -q '"type":"address.dead",.*"address":"late@example.org"'
}
wait_for "short delay: a later import publishes it once due" published
is "short delay: published once, in order, nothing pending" \
    "$(sevents --format plain | cut -f2,4 | tr '\t\n' '  ') $(sqlite3 "$sdb" "select count(*) from events_pending")" \
    "address.dead late@example.org address.suspect soon@example.org  0"

# --follow: what is there, then what comes; SIGINT ends it with 0.
"$REBOUND" events --config "$tmp/now.conf" --db "$db" --follow \
    >"$tmp/follow" 2>"$tmp/follow.err" &
fpid=$!
wait_for "--follow: prints what is there" \
    sh -c "[ \$(wc -l <'$tmp/follow') -eq 5 ]"
arf a2 late-complainer@example.net 6
import "$tmp/a2.eml"
wait_for "--follow: prints an event that comes after it started" \
    grep -q '"address":"late-complainer@example.net"' "$tmp/follow"
kill -INT "$fpid"
wait "$fpid"; rc=$?
is "--follow: SIGINT ends it, exit 0" "$rc" 0
is "--follow: nothing on stderr" "$(cat "$tmp/follow.err")" ""

# --follow into a pipe whose reader goes away: the next event ends it.
( events --follow --format plain; echo "$?" >"$tmp/pipe.rc" ) | head -1 >"$tmp/first" &
wait_for "--follow | head -1: the first line" test -s "$tmp/first"
arf a3 pipe@example.net 7
import "$tmp/a3.eml"
wait_for "--follow | head -1: ends once its reader is gone" test -s "$tmp/pipe.rc"
is "--follow | head -1: exit 0 (EPIPE is the end, not an error)" \
    "$(cat "$tmp/pipe.rc")" 0

# reboundd publishes a pending address.dead by itself once it is due,
# not before: the delay (2 s) counted from before the bounce arrived.
md=$tmp/Maildir
mkdir -p "$md/tmp" "$md/new" "$md/cur"
cat >"$tmp/daemon.conf" <<CONF
[store]
path = $tmp/daemon.db
[maildir]
path = $md
[events]
delay = 2
CONF
"$REBOUNDD" --config "$tmp/daemon.conf" --foreground 2>"$tmp/log" &
dpid=$!
wait_for "reboundd starts" started "$tmp/log"
certain m1 daemon@example.org 8
t0=$(date +%s)
cp "$tmp/m1.eml" "$md/tmp/m1" && mv "$md/tmp/m1" "$md/new/m1"
wait_for "reboundd records the bounce" test -f "$md/cur/m1:2,S"
devents() { "$REBOUND" events --config "$tmp/daemon.conf" "$@"; }
wait_for "reboundd publishes the death once due" \
    sh -c "'$REBOUND' events --config '$tmp/daemon.conf' | grep -q '\"type\":\"address.dead\"'"
t1=$(date +%s)
check "reboundd: not before the delay ($t0 -> $t1)" test $((t1 - t0)) -ge 2
check "reboundd: the log says so" grep -q "events: 1 published" "$tmp/log"
kill -TERM "$dpid"
wait "$dpid"; rc=$?
is "reboundd stops with 0" "$rc" 0

done_testing
