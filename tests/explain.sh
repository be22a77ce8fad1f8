#!/bin/sh
# explain.sh: "rebound explain CODE...": what a status or reply code
# means and what rebound makes of it, in each format; a bad CODE is
# named and exits 2 while the others are still printed; what the policy
# in force (no config, the shipped one, one's own, --policy) does with
# it; and "rebound show" prints the meaning beside an outcome's codes.
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

# What this installation's policy does with each code: the words follow
# the configuration (none, the shipped one, one's own) and --policy, as
# prune takes it.
# field LABEL: the text of the field LABEL in $tmp/out, unwrapped.
field() {
	awk -v l="$1" '
	/^[^ ]/ { on = 0; next }
	/^  [^ ]/ { f = substr($0, 3, 10); sub(/ +$/, "", f); on = f == l
		if (on) text = substr($0, 13); next }
	on && /^            / { text = text " " substr($0, 13) }
	END { print text }' "$tmp/out"
}
# has_field LABEL ERE: the field's text matches.
has_field() { field "$1" | grep -Eq -- "$2"; }
sysconf=$("$REBOUND" explain --help | sed -n 's/.*(default \(.*\))$/\1/p')
check "--help names the system file read without --config" \
    test -n "$sysconf"
suspect='^suspect until a second hard bounce on another day within 30 days makes it dead \(confirm_hard = likely, soft_window = 30d\)\.'
if [ -e "$sysconf" ]; then
	diag "$sysconf exists: the built-in defaults are not tried"
else
	explain 5.1.1
	is "no config file: the built-in defaults" "$(field policy)" \
	    "the built-in defaults (there is no $sysconf)"
	is "defaults: 5.1.1 alone is likely" "$(field alone)" \
	    'a failure with only this code is userunknown, hard, of likely confidence (decided_by "status 5.1.1 (reporter)"); the policy at each confidence:'
	check "defaults: likely makes it suspect (issue 20)" \
	    has_field likely "$suspect"
	check "defaults: so does weak" has_field weak "$suspect"
	check "defaults: certain is dead at once" has_field certain \
	    '^dead at once \(confirm_hard = likely, hard_threshold = 1\)\. When the receiving server'
	check "defaults: the guard, with its values" has_field guard \
	    'more than 20 distinct .* within 1h and more than 10 times .* until 6h pass .*\(guard.enabled = yes, '
	cp "$tmp/out" "$tmp/builtin"
fi
explain --config "$top_srcdir/etc/rebound.conf" 5.1.1
is "the shipped rebound.conf: named" "$(field policy)" \
    "$top_srcdir/etc/rebound.conf"
check "the shipped rebound.conf: likely makes it suspect" \
    has_field likely "$suspect"
if [ -e "$tmp/builtin" ]; then
	# Every field but policy (which names the file, and may wrap onto
	# continuation lines where the path is long, as under distcheck).
	no_policy() {
		awk '/^  [^ ]/ { skip = $1 == "policy" } !skip' "$1"
	}
	is "the shipped rebound.conf says what the built-in defaults say" \
	    "$(no_policy "$tmp/out")" "$(no_policy "$tmp/builtin")"
fi
explain 5.4.4
check "5.4.4 may be weak" has_field weak '^suspect until'
is "... but not certain (only a 5.1.x code can)" "$(field certain)" ""

printf '[policy]\nconfirm_hard = none\nsoft_threshold = 3\nsoft_window = 10d\n[guard]\nwindow = 2h\nquiet = 30m\n' \
    >"$tmp/none.conf"
explain --config "$tmp/none.conf" 5.1.1
is "confirm_hard = none: the file is named" "$(field policy)" \
    "$tmp/none.conf"
check "confirm_hard = none: likely is dead at once" has_field likely \
    '^dead at once \(confirm_hard = none, hard_threshold = 1\)\.'
check "confirm_hard = none: so is weak" has_field weak \
    '^dead at once \(confirm_hard = none'
check "the guard's values from the file" has_field guard \
    'within 2h .* until 30m pass .*guard.window = 2h'
explain --config "$tmp/none.conf" 4.2.2
is "a soft code: the soft rule, with the file's values" "$(field alone)" \
    'a failure with only this code is mailboxfull, soft: counts as a soft bounce, once a day: soft bounces on 3 distinct days within 10 days make the address dead (soft_threshold = 3, soft_window = 10d); a delivery, or 7 days without one, starts the count again (soft_stale = 7d) (decided_by "status 4.2.2 (reporter)")'
is "a soft code: no line per confidence" "$(field likely)" ""

printf '[policy]\nconfirm_hard = weak\nhard_threshold = 2\n[guard]\nenabled = Off\n' \
    >"$tmp/weak.conf"
explain --config "$tmp/weak.conf" 5.1.1
check "confirm_hard = weak: likely counts, at hard_threshold" \
    has_field likely '^dead once 2 hard bounces are recorded \(confirm_hard = weak, hard_threshold = 2\)'
check "confirm_hard = weak: weak waits for a second" has_field weak \
    '^suspect until .*\(confirm_hard = weak, soft_window = 30d\)'
is "[guard] enabled = Off: the guard is off" "$(field guard)" \
    "off (guard.enabled = no): a provider's burst of hard bounces counts like any other"

explain --config "$tmp/none.conf" --policy confirm_hard=likely \
    --policy 'guard.enabled = no' 5.1.1
is "--policy over the file: both named" "$(field policy)" \
    "$tmp/none.conf, with --policy confirm_hard=likely guard.enabled = no"
check "--policy over the file: likely waits again" has_field likely \
    '^suspect until a second hard bounce on another day within 10 days'
check "--policy guard.enabled = no: the guard is off" has_field guard \
    '^off \(guard.enabled = no\)'
explain --format json --config "$tmp/none.conf" 5.1.1 4.2.2
if command -v python3 >/dev/null; then
	check "json: the confidence and the policy of each row" python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
sys.exit(not (a[0]["confidence"] == "likely" and
    a[0]["policy"].startswith("dead at once (confirm_hard = none") and
    a[0]["if_weak"].startswith("dead at once") and
    a[0]["if_certain"] is not None and
    "guard.window = 2h" in a[0]["guard"] and
    a[1]["policy"].startswith("counts as a soft bounce") and
    a[1]["if_likely"] is None and a[1]["guard"] is None))' "$tmp/out"
fi
explain --policy confirm_hard=sometimes 5.1.1
is "a bad --policy exits 2" "$rc" 2
check "... naming the key and its values" grep -q \
    "policy confirm_hard: 'sometimes' is not none, weak or likely" "$tmp/err"
printf '[policy]\nconfirm_hard = likely\n[guard]\nenabled = maybe\n' \
    >"$tmp/bad.conf"
explain --config "$tmp/bad.conf" 5.1.1
is "a bad config exits 3" "$rc" 3
check "... naming the file, line and key" grep -qF \
    "$tmp/bad.conf:4: [guard] enabled: guard enabled: 'maybe' is not a boolean" \
    "$tmp/err"
is "... and printing nothing" "$(cat "$tmp/out")" ""

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

# With [probe]: what would make an address dead makes it probing.
printf '[probe]\nrelay = smtp://127.0.0.1:25\nsecret = 0123456789abcdef0123\naddress = b+probe-{token}@l.example\nfrom = l@l.example\nwhen = doubtful\n' \
    >"$tmp/probe.conf"
explain --config "$tmp/probe.conf" 5.1.1
check "when = doubtful: certain is still dead at once" has_field certain \
    '^dead at once \(confirm_hard = likely'
check "when = doubtful: likely is probed after its second bounce" has_field likely \
    'makes it probing .*its probe.s own bounce makes it dead.*when = doubtful'
sed -i 's/^when = doubtful$/when = always/' "$tmp/probe.conf"
explain --config "$tmp/probe.conf" 5.1.1
check "when = always: certain is probing at once" has_field certain \
    '^probing at once \(confirm_hard = likely, hard_threshold = 1\); then its probe'

done_testing
