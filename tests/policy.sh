#!/bin/sh
# policy.sh: the removal policy as a list operator meets it: synthetic
# bounce timelines imported, then "rebound prune", its --dry-run, forget
# and expire.  Bounces are dated October 2025 by their Date header.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
scratch

n=0
# dsn ADDRESS STATUS DAY [ACTION [DIAGNOSTIC [HOUR]]]: a minimal DSN
# dated day DAY of October 2025, in a file of its own in $dir.
dsn() {
	n=$((n + 1))
	cat >"$dir/$n.eml" <<EOF
Date: $3 Oct 2025 ${6:-10}:00:00 +0000
From: MAILER-DAEMON@mx.example.com
To: bounces@lists.example.com
Subject: Delivery Status Notification
Message-Id: <bounce-$n@mx.example.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

A report on message $n.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; $1
Action: ${4:-failed}
Status: $2
Diagnostic-Code: smtp; ${5:-550 $2 failed}

--b--
EOF
}
soft() { dsn "$1" 4.2.2 "$2" failed "452 4.2.2 Mailbox full" "$3"; }
hard() { dsn "$1" 5.1.1 "$2" failed "550 5.1.1 User unknown"; }
delivered() { dsn "$1" 2.0.0 "$2" delivered "250 2.0.0 OK"; }
blocked() {
	dsn "$1" 5.7.1 "$2" failed "554 5.7.1 Service unavailable; Client \
host [192.0.2.10] blocked using zen.spamhaus.org"
}
# arf ADDRESS DAY: a minimal ARF complaint.
arf() {
	n=$((n + 1))
	cat >"$dir/$n.eml" <<EOF
Date: $2 Oct 2025 16:00:00 +0000
From: fbl@fbl.example.net
To: abuse@lists.example.com
Subject: Abuse report $n
Message-Id: <fbl-$n@fbl.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="f"

--f
Content-Type: text/plain

A user marked a message as spam.

--f
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: TestFBL/1.0
Version: 1
Original-Rcpt-To: $1

--f--
EOF
}

dir=$tmp/bounces
mkdir "$dir"
for d in 1 3 5 7; do soft soft4@example.org $d; done		# (a)
for d in 1 3 5 7 9; do soft soft5@example.org $d; done		# (a)
for h in 08 09 10 11 12; do soft sameday@example.org 2 $h; done	# (b)
for d in 1 2 3; do soft reset@example.org $d; done		# (c)
delivered reset@example.org 4
for d in 5 6; do soft reset@example.org $d; done
for d in 1 2 3 4 5 6; do blocked blocked@example.org $d; done	# (d)
for d in 1 2 3 4 13; do soft quiet@example.org $d; done		# (e)
hard hard@example.org 10					# (f)
arf complainer@example.net 11					# (g)

db=$tmp/db
"$REBOUND" import --db "$db" "$dir" >"$tmp/out" 2>"$tmp/err"; rc=$?
is "import of the timelines exits 0" "$rc" 0

"$REBOUND" prune --db "$db" >"$tmp/prune" 2>"$tmp/err"; rc=$?
is "prune exits 0" "$rc" 0
is "prune (plain) lists just the addresses to remove" "$(cat "$tmp/prune")" \
"complainer@example.net
hard@example.org
soft5@example.org"
listed() { grep -qx "$1" "$tmp/prune"; }
unlisted() { ! listed "$1"; }
check "(a) soft bounces on 4 days are not enough" unlisted soft4@example.org
check "(a) soft bounces on 5 days within 30 remove" listed soft5@example.org
check "(b) 5 soft bounces on one day count once" unlisted sameday@example.org
check "(c) a delivery resets the soft count" unlisted reset@example.org
check "(d) sender-side failures never count" unlisted blocked@example.org
check "(e) 7 quiet days reset the soft count" unlisted quiet@example.org
check "(f) one hard bounce removes at once" listed hard@example.org
check "(g) a complaint removes" listed complainer@example.net

"$REBOUND" prune --db "$db" --format csv >"$tmp/csv"; rc=$?
is "prune --format csv exits 0" "$rc" 0
check "(g) csv has a header" grep -q '^"address","state","reason","last_seen"' \
    "$tmp/csv"
check "(g) csv shows the complaint as complained" \
    grep -q '^"complainer@example.net","complained","complaint","2025-10-11 16:00:00"' \
    "$tmp/csv"
check "csv shows why a hard bounce removes" \
    grep -q '^"hard@example.org","dead","hard bounce: userunknown"' "$tmp/csv"
"$REBOUND" prune --db "$db" --format json >"$tmp/json"; rc=$?
is "prune --format json exits 0" "$rc" 0
check "json has the soft reason" \
    grep -q '"state":"dead","reason":"soft bounces on 5 days' "$tmp/json"

out=$("$REBOUND" prune --db "$db" --dry-run --policy hard_threshold=2); rc=$?
is "(h) --dry-run exits 0" "$rc" 0
is "(h) hard_threshold=2 spares the single hard bounce" "$out" \
    "- hard@example.org"
# quiet@ too had 4 soft days in a row before its quiet spell.
out=$("$REBOUND" prune --db "$db" --dry-run --policy soft_threshold=4)
is "(h) soft_threshold=4 adds the 4-day addresses" "$out" \
"+ quiet@example.org
+ soft4@example.org"
out=$("$REBOUND" prune --db "$db" --dry-run --policy soft_threshold=4 \
    --policy hard_threshold=2 --format csv)
is "(h) --policy repeats; csv gives change, address, state, reason" "$out" \
"$(printf '"change","address","state","reason"\r\n"-","hard@example.org","dead","hard bounce: userunknown"\r\n"+","quiet@example.org","dead","soft bounces on 4 days within 30 days, last: mailboxfull"\r\n"+","soft4@example.org","dead","soft bounces on 4 days within 30 days, last: mailboxfull"\r')"
out=$("$REBOUND" prune --db "$db" --dry-run); rc=$?
is "(h) --dry-run under the configured policy changes nothing" "$rc:$out" 0:
"$REBOUND" prune --db "$db" --dry-run --policy bogus=1 2>"$tmp/err"; rc=$?
is "(h) an unknown policy key exits 2" "$rc" 2
check "(h) the unknown key is named" grep -q "unknown policy key 'bogus'" \
    "$tmp/err"
"$REBOUND" prune --db "$db" --dry-run --policy soft_window=x 2>"$tmp/err"
rc=$?
is "(h) a bad policy value exits 2" "$rc" 2
"$REBOUND" prune --db "$db" --policy hard_threshold=2 2>"$tmp/err"; rc=$?
is "(h) --policy without --dry-run exits 2" "$rc" 2
check "(h) ... and says to change the config" grep -q "change the config" \
    "$tmp/err"
is "(h) --dry-run changed nothing" "$("$REBOUND" prune --db "$db")" \
    "$(cat "$tmp/prune")"

messages=$(sqlite3 "$db" "select count(*) from messages")
out=$("$REBOUND" forget --db "$db" hard@EXAMPLE.org); rc=$?
is "(i) forget exits 0" "$rc" 0
is "(i) forget says what it removed" "$out" "forgot hard@example.org: 1 outcomes"
"$REBOUND" prune --db "$db" >"$tmp/prune"
check "(i) a forgotten address is no longer listed" unlisted hard@example.org
is "(i) its outcomes are gone" "$(sqlite3 "$db" \
    "select count(*) from outcomes where address='hard@example.org'")" 0
is "(i) its message is gone" "$(sqlite3 "$db" \
    "select count(*) from messages")" $((messages - 1))
"$REBOUND" forget --db "$db" hard@example.org >"$tmp/out" 2>&1; rc=$?
is "(i) forgetting it again exits 1" "$rc" 1
check "(i) ... saying nothing is recorded" \
    grep -q "nothing recorded for hard@example.org" "$tmp/out"
"$REBOUND" forget --db "$db" 2>/dev/null; rc=$?
is "(i) forget without ADDRESS exits 2" "$rc" 2

# (j) Bounces dated weeks ago, imported now, and one dated now.
dir=$tmp/old
mkdir "$dir"
hard old-hard@example.org 2
for d in 1 2 3 4 5; do soft old-soft@example.org $d; done
n=$((n + 1))
now=$(LC_ALL=C date -u '+%d %b %Y %H:%M:%S +0000')
sed -e "s/^Date: .*/Date: $now/" -e "s/bounce-[0-9]*@/bounce-$n@/" \
    -e 's/Final-Recipient: .*/Final-Recipient: rfc822; recent@example.org/' \
    "$dir/$((n - 1)).eml" >"$dir/$n.eml"
old=$tmp/old.db
"$REBOUND" import --db "$old" "$dir" >/dev/null
is "(j) the old bounces are listed before expire" \
    "$("$REBOUND" prune --db "$old" | tr '\n' ' ')" \
    "old-hard@example.org old-soft@example.org "
is "(j) before expire, the old hard bounce's diagnostic is a text" \
    "$(sqlite3 "$old" "select count(*) from texts where text like '%User unknown%'")" 1
out=$("$REBOUND" expire --db "$old" --older-than 1d); rc=$?
is "(j) expire exits 0" "$rc" 0
is "(j) expire says what it did" "$out" \
    "expired 6 messages, 6 outcomes; 2 addresses updated"
is "(j) prune lists nothing after expire" "$("$REBOUND" prune --db "$old")" ""
is "(j) the recent bounce stays" "$(sqlite3 "$old" \
    "select address from outcomes")" recent@example.org
is "(j) expired addresses lose their rows" "$(sqlite3 "$old" \
    "select address from addresses")" recent@example.org
is "(j) expire drops the texts only expired rows used" "$(sqlite3 "$old" \
    "select count(*) from texts where text like '%User unknown%'")" 0
is "(j) ... and the recent bounce's stay" "$(sqlite3 "$old" \
    "select count(*) from texts where text like '%Mailbox full%'")" 1
is "(j) ... so no text is left unused" "$(sqlite3 "$old" "$TEXTS_UNUSED")" 0
is "(j) ... and none still named is gone" \
    "$(sqlite3 "$old" "$TEXTS_MISSING")" 0
"$REBOUND" show --db "$old" recent@example.org >"$tmp/out" 2>&1
check "(j) ... show still prints the recent diagnostic" \
    grep -q 'Mailbox full' "$tmp/out"
"$REBOUND" expire --db "$old" --older-than soon 2>"$tmp/err"; rc=$?
is "(j) expire --older-than soon exits 2" "$rc" 2
check "(j) ... naming the bad age" grep -q "'soon'" "$tmp/err"
"$REBOUND" expire --db "$old" 2>/dev/null; rc=$?
is "(j) expire without --older-than exits 2" "$rc" 2

done_testing
