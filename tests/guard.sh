#!/bin/sh
# guard.sh: the incident guard as a list operator meets it.  A provider
# answers "5.1.1 user unknown" for 30 live subscribers in 25 minutes:
# imported, and delivered to reboundd over LMTP, the burst opens one
# incident, no subscriber is listed by prune, show says why; closing it
# with --confirm or --discard says what the bounces were.  Ordinary dead
# addresses are still removed; a week-long clean-up of a dead domain is
# not held; a domain that vanished for good (hostunknown, every day) is
# removed by the soft rule after 5 days.  Bounces are dated November
# 2025 by their Date header.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
scratch

n=0
# dsn DIR ADDRESS DAY HH:MM STATUS REMOTE-HOST DIAGNOSTIC: a Postfix DSN
# for ADDRESS, answered by REMOTE-HOST, dated day DAY of November 2025.
dsn() {
	n=$((n + 1))
	cat >"$1/$(printf %05d $n).eml" <<EOF
Date: $3 Nov 2025 $4:00 +0000
From: MAILER-DAEMON@mail.lists.example.org (Mail Delivery System)
To: news-bounces@lists.example.org
Subject: Undelivered Mail Returned to Sender
Message-Id: <dsn-$n@mail.lists.example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b$n"

--b$n
Content-Type: text/plain

This is the mail system at host mail.lists.example.org.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<$2>: host $6[192.0.2.25] said: $7 (in reply to RCPT TO command)

--b$n
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.lists.example.org
Arrival-Date: $3 Nov 2025 $4:00 +0000

Final-Recipient: rfc822; $2
Original-Recipient: rfc822;$2
Action: failed
Status: $5
Remote-MTA: dns; $6
Diagnostic-Code: smtp; $7

--b$n
Content-Type: text/rfc822-headers

From: News <news@lists.example.org>
To: $2
Subject: Issue $3
List-Id: <news.lists.example.org>
Message-Id: <issue-$3-$n@lists.example.org>

--b$n--
EOF
}
unknown() {
	dsn "$1" "$2" "$3" "$4" 5.1.1 "$5" "550 5.1.1 <$2>: Recipient address rejected: User unknown in virtual mailbox table"
}
hostunknown() {
	dsn "$1" "$2" "$3" "$4" 5.1.2 "mx.$(echo "$2" | cut -d@ -f2)" "550 5.1.2 Host or domain name not found. Name service error for name=$(echo "$2" | cut -d@ -f2) type=MX: Host not found"
}

# The month: ordinary dead addresses, a slow clean-up, the burst.
mail=$tmp/mail
mkdir "$mail"
for d in 3 10; do
	unknown "$mail" gone1@small.example $d 09:00 mx.small.example
	unknown "$mail" gone2@other.example $d 09:05 mx.other.example
done
# oldcorp.example: 30 addresses bouncing over a week, a few a day.
for i in $(seq 1 30); do
	d=$((4 + i / 5))
	unknown "$mail" "staff$i@oldcorp.example" $d "1$((i % 10)):00" mx.oldcorp.example
done
# The burst: bigmail.example's directory says 5.1.1 for 30 live
# subscribers between 14:00 and 14:29 on the 20th (its MX hosts are
# mx1..mx3.bigmail.example: one provider).
for i in $(seq 1 30); do
	unknown "$mail" "reader$i@bigmail.example" 20 "14:$(printf %02d $((i - 1)))" "mx$((i % 3 + 1)).bigmail.example"
done

cat >"$tmp/conf" <<CONF
[store]
path = $tmp/db
[policy]
confirm_hard = none
CONF
R() { c=$1; shift; "$REBOUND" "$c" --config "$tmp/conf" "$@"; }

R import "$mail" >"$tmp/out" 2>&1
is "import exits 0" "$?" 0
check "import says an incident opened" grep -q '1 incidents opened' "$tmp/out"
R incidents --format csv >"$tmp/inc" 2>&1
is "one incident" "$(tail -n +2 "$tmp/inc" | wc -l | tr -d ' ')" 1
check "... for the provider bigmail.example" grep -q '^"1","provider","bigmail.example","closed",' "$tmp/inc"
check "... holding the 30 addresses" grep -q '"30","30",' "$tmp/inc"
R prune >"$tmp/prune"
check "prune lists no bigmail.example reader" sh -c "! grep -q bigmail.example '$tmp/prune'"
check "prune lists the ordinary dead addresses" grep -qx 'gone1@small.example' "$tmp/prune"
is "prune lists the 30 oldcorp addresses (not held)" "$(grep -c '@oldcorp.example$' "$tmp/prune")" 30
R show reader7@bigmail.example >"$tmp/show"
check "show says the bounce is held, by which incident" grep -q 'held by incident 1 (provider bigmail.example, 30 addresses in 29 min)' "$tmp/show"
check "show: the held address is alive" grep -q '^state: alive' "$tmp/show"
R show reader7@bigmail.example --format json >"$tmp/show.json"
check "show --format json has held" grep -q '"held":"held by incident 1 ' "$tmp/show.json"

# The dry-run replays the guard under other values.
R prune --dry-run --policy guard.enabled=no >"$tmp/dry"
is "dry-run without the guard: the 30 readers would be removed" "$(grep -c '^+ reader.*@bigmail.example$' "$tmp/dry")" 30
# A boolean as people write it (rebound.conf(5)): the same replay.
R prune --dry-run --policy 'guard.enabled = False' >"$tmp/dry-false"
is "guard.enabled=False is guard.enabled=no" "$(cat "$tmp/dry-false")" \
    "$(cat "$tmp/dry")"
R prune --dry-run --policy guard.enabled=nope 2>"$tmp/err"
is "guard.enabled=nope exits 2" "$?" 2
check "... naming the spellings" grep -q "guard enabled: 'nope' is not a \
boolean (yes, no, true, false, on, off, 1 or 0)" "$tmp/err"
R prune --dry-run --policy guard.min_addresses=40 >"$tmp/dry"
is "dry-run with min_addresses=40: the same" "$(grep -c '^+ reader.*@bigmail.example$' "$tmp/dry")" 30
R prune --dry-run >"$tmp/dry"
is "dry-run under the configured guard changes nothing" "$(wc -l <"$tmp/dry" | tr -d ' ')" 0
R prune --dry-run --policy guard.window=1x >/dev/null 2>"$tmp/err"
is "a bad guard value exits 2" "$?" 2
check "... naming it" grep -q "guard window: '1x' is not a duration" "$tmp/err"

# An operator's word.
cp "$tmp/db" "$tmp/db2"
R incidents close 1 --confirm >"$tmp/out"
is "close --confirm exits 0" "$?" 0
check "... and says so" grep -q 'incident 1 confirmed' "$tmp/out"
R prune >"$tmp/prune"
is "confirmed: the 30 readers are dead" "$(grep -c '@bigmail.example$' "$tmp/prune")" 30
R incidents --db "$tmp/db2" close 1 --discard >/dev/null
R show --db "$tmp/db2" reader7@bigmail.example >"$tmp/show"
check "discarded: the reader is alive, its bounce not counted" grep -q '^hard: 0  soft: 0' "$tmp/show"
check "... show says discarded" grep -q 'discarded by incident 1' "$tmp/show"
R incidents close 9 --confirm >/dev/null 2>"$tmp/err"
is "close of an unknown incident exits 1" "$?" 1
R incidents close 1 >/dev/null 2>&1
is "close without --confirm or --discard exits 2" "$?" 2

# A domain gone for good: 25 addresses, hostunknown every day.  Each
# day's burst is held; held bounces count as soft, so after 5 days the
# soft rule removes them: a few days late, never a live subscriber.
vanished=$tmp/vanished
mkdir "$vanished"
for d in 1 2 3 4; do
	for i in $(seq 1 25); do hostunknown "$vanished" "user$i@vanished.example" $d "09:$(printf %02d $i)"; done
done
R import --db "$tmp/v.db" "$vanished" >/dev/null 2>&1
is "vanished domain, 4 days: nobody removed yet" "$(R prune --db "$tmp/v.db" | wc -l | tr -d ' ')" 0
for i in $(seq 1 25); do hostunknown "$vanished" "user$i@vanished.example" 5 "09:$(printf %02d $i)"; done
R import --db "$tmp/v.db" "$vanished" >/dev/null 2>&1
is "vanished domain, 5 days: all 25 removed by the soft rule" "$(R prune --db "$tmp/v.db" | grep -c '@vanished.example$')" 25
is "... after 5 incidents" "$(R incidents --db "$tmp/v.db" --format csv | tail -n +2 | wc -l | tr -d ' ')" 5

# A bad [guard] value stops the daemon at start: file, line and key.
printf '[lmtp]\nlisten = unix:%s/x.sock\n[guard]\nwindow = 1h\nquiet = soon\n' "$tmp" >"$tmp/bad.conf"
"$REBOUNDD" --config "$tmp/bad.conf" --check-config >/dev/null 2>"$tmp/err"
is "bad [guard] value: exit 78" "$?" 78
check "... naming file, line and key" grep -q "bad.conf:5: \[guard\] quiet: guard quiet: 'soon' is not a duration" "$tmp/err"

# The same month through reboundd over LMTP, in time order, dated by
# the bounces ([intake] dating = date): the same verdicts.
port=$(perl -MIO::Socket::INET -e \
    'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0")->sockport')
cat >"$tmp/dconf" <<CONF
[store]
path = $tmp/d.db
[policy]
confirm_hard = none
[intake]
dating = date
[lmtp]
listen = unix:$tmp/lmtp.sock
[metrics]
listen = $port
CONF
"$REBOUNDD" --config "$tmp/dconf" --foreground 2>"$tmp/log" &
pid=$!
wait_until "reboundd to start" started "$tmp/log"
for f in "$mail"/*.eml; do
	perl "$top_srcdir/tests/lmtp-send.pl" "$tmp/lmtp.sock" "$f" news-bounces@lists.example.org >>"$tmp/lmtp.out" || break
done
is "every bounce accepted over LMTP" "$(grep -c '^250 2.0.0 <news-bounces' "$tmp/lmtp.out")" "$(ls "$mail" | wc -l | tr -d ' ')"
wait_for "the daemon logs the incident's opening" grep -q 'incident 1 opened: provider bigmail.example, 21 addresses' "$tmp/log"
metrics=$(perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ARGV[0]") or die;
	print $s "GET /metrics HTTP/1.0\r\n\r\n"; print <$s>;' "$port")
echo "$metrics" | grep -q '^rebound_incidents_opened_total 1'
is "/metrics counts the incident" "$?" 0
echo "$metrics" | grep -q '^rebound_outcomes_held_total 30'
is "/metrics counts the 30 held bounces" "$?" 0
R prune --db "$tmp/d.db" >"$tmp/dprune"
R prune --db "$tmp/db2" --dry-run --policy confirm_hard=none >/dev/null
is "daemon: prune lists the same as import" "$(sort "$tmp/dprune" | tr '\n' ' ')" "$(R prune --db "$tmp/db2" | sort | tr '\n' ' ')"
check "daemon: no bigmail.example reader listed" sh -c "! grep -q bigmail.example '$tmp/dprune'"
R events --db "$tmp/d.db" --type incident.opened >"$tmp/ev"
is "one incident.opened event" "$(wc -l <"$tmp/ev" | tr -d ' ')" 1
check "... naming the provider and its size" grep -q '"evidence":"provider bigmail.example: 2[0-9] addresses' "$tmp/ev"
is "no address.dead waits for a held reader (the burst reaches no list manager)" \
    "$(sqlite3 "$tmp/d.db" "select count(*) from events_pending where address like '%@bigmail.example'")" 0
is "... while the ordinary dead addresses' do" \
    "$(sqlite3 "$tmp/d.db" "select count(*) from events_pending where type = 'address.dead' and address = 'gone1@small.example'")" 1
kill -TERM $pid
wait $pid
is "reboundd stops cleanly" "$?" 0

done_testing
