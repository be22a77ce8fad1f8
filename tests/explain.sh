#!/bin/sh
# explain.sh: "rebound explain CODE...": what a status or reply code
# means and what rebound makes of it, in each format; a bad CODE is
# named and exits 2 while the others are still printed; and "rebound
# show" prints the meaning beside an outcome's codes.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
scratch
LC_ALL=C
export LC_ALL

"$REBOUND" --help >"$tmp/help"
check "--help lists explain" grep -q '^  explain ' "$tmp/help"

# explain CODE: the text block of one code, in $tmp/out.
explain() { "$REBOUND" explain "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
has() { grep -q -- "$1" "$tmp/out"; }

explain 5.1.1
is "5.1.1 exits 0" "$rc" 0
is "5.1.1: the block opens with the code" "$(head -n 1 "$tmp/out")" "5.1.1"
check "5.1.1 falls back to X.1.1" has '^  X\.1\.1 *Bad destination mailbox address (RFC 3463)'
check "5.1.1: its class" has '^  5\.X\.X *Permanent failure'
check "5.1.1: status.tab's reason" has '^  reason *userunknown (status.tab)'
check "5.1.1: the words may only make it soft" has 'may make it soft'
check "5.1.1 alone is hard" has 'only this code is userunknown, hard'
is "5.1.1: nothing on stderr" "$(cat "$tmp/err")" ""

explain "550 5.1.1"
is "'550 5.1.1' exits 0" "$rc" 0
check "'550 5.1.1': the status code" has '^  X\.1\.1 '
check "'550 5.1.1': the reply code" has '^  550 *Mailbox unavailable (RFC 5321)'
check "'550 5.1.1' is hard" has 'userunknown, hard'

explain X.1.2
check "X.1.2: as 5.1.2, a dead domain" has '^  as 5\.1\.2 .*hostunknown, hard'
check "X.1.2: as 4.1.2, a network error" has '^  as 4\.1\.2 .*networkerror, soft'

explain 550
check "550: status.tab's reason for the reply code" \
    has '^  reason *onhold (status.tab, for the reply code 550)'
check "550: a reply code counts last" has 'a reply code counts last'
check "550 alone is soft" has 'onhold, soft'

explain 5.7.1
check "5.7.1 is weak: the words decide" has '^  words *weak:'
check "5.7.1 is the sending side's" has 'never counts'

explain X.1.10 X.7.27 4.4.7 521 556 5.7.606 2.1.5
is "several codes exit 0" "$rc" 0
is "a block for each" "$(grep -c '^[^ ]' "$tmp/out")" 7
check "X.1.10: null MX (RFC 7505)" has 'X\.1\.10 *Recipient address has null MX (RFC 7505)'

explain 5.1.1 bogus 5.9.9 525 "550-" 452
is "a bad CODE exits 2" "$rc" 2
is "... the good ones are still printed" "$(grep '^[^ ]' "$tmp/out")" \
    "$(printf '5.1.1\n452')"
check "... a malformed one is named" grep -q "'bogus' is not a code" "$tmp/err"
check "... an unknown status code is named, with its subject" \
    grep -q '5\.9\.9: no such enhanced status code' "$tmp/err"
check "... an unknown reply code is named" \
    grep -q '525: not an SMTP reply code' "$tmp/err"
is "... one line for each" "$(wc -l <"$tmp/err")" 4
explain 5.7.999
check "an unregistered detail names its subject" \
    grep -q 'X\.7\.0, is "Other or undefined security status"' "$tmp/err"

explain
is "no CODE exits 2" "$rc" 2
explain --format xml 5.1.1
is "an unknown format exits 2" "$rc" 2
check "... and is named" grep -q "unknown format 'xml'" "$tmp/err"

# plain: code status replycode entry title source meaning reply_title
# reply_meaning reason weak words outcome hard class decided_by
explain --format plain "550 5.1.1" X.1.2
is "plain: one row per code of one class" \
    "$(cut -f1,10,13,14,15 "$tmp/out")" \
    "$(printf '550 5.1.1\tuserunknown\tuserunknown\t1\thard\n5.1.2\thostunknown\thostunknown\t1\thard\n4.1.2\thostunknown\tnetworkerror\t0\tsoft')"
explain --format csv 5.2.2
is "csv starts with a header" "$(head -n 1 "$tmp/out" | cut -d, -f1-3)" \
    '"code","status","replycode"'
explain --format json "550 5.1.1" 5.7.1 552
if command -v python3 >/dev/null; then
	check "json parses: one object each, numbers bare" python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
sys.exit(not (len(a) == 3 and a[0]["replycode"] == 550 and
    a[0]["hard"] == 1 and a[0]["entry"] == "X.1.1" and
    a[1]["weak"] == 1 and a[1]["class"] == "sender" and
    a[2]["status"] is None and a[2]["outcome"] == "mailboxfull"))' "$tmp/out"
fi

# show: the meaning beside each outcome's codes.
"$REBOUND" import --db "$tmp/db" "$top_srcdir/tests/data/postfix-user-unknown.eml" \
    >/dev/null 2>&1
"$REBOUND" show --db "$tmp/db" --format plain Alice.Nobody@example.org \
    >"$tmp/out"; rc=$?
is "show exits 0" "$rc" 0
is "show: the meaning beside the codes" \
    "$(sed '1,/^$/d' "$tmp/out" | cut -f4-6 | sort -u)" \
    "$(printf '5.1.1\t550\tBad destination mailbox address')"
"$REBOUND" show --db "$tmp/db" --format json Alice.Nobody@example.org \
    >"$tmp/out"
check "show --format json: the meaning" \
    grep -q '"meaning":"Bad destination mailbox address"' "$tmp/out"

done_testing
