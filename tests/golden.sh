#!/bin/sh
# golden.sh: every hand-written sample in tests/data gives exactly the
# rows in its .tsv; the JSON output carries the same facts.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
scratch

header='file	index	status	replycode	reason	hard	recipient	action	kind'
for eml in "$top_srcdir"/tests/data/*.eml; do
	name=$(basename "$eml" .eml)
	"$REBOUND" parse "$eml" >"$tmp/out"; rc=$?
	is "$name: exit 0" "$rc" 0
	is "$name: header line" "$(head -1 "$tmp/out")" "$header"
	tail -n +2 "$tmp/out" >"$tmp/rows"
	if diff -u "$top_srcdir/tests/data/$name.tsv" "$tmp/rows" >"$tmp/diff"; then
		ok "$name: rows as in $name.tsv"
	else
		not_ok "$name: rows as in $name.tsv"
		sed 's/^/#   /' "$tmp/diff"
	fi
done

# One run over the directory gives the same rows as file by file (those of
# its own files: tests/data/mta/ has its own expectations, mta-golden.sh).
(cd "$top_srcdir/tests/data" && ls *.eml) >"$tmp/top"
"$REBOUND" parse "$top_srcdir/tests/data" |
    awk -F '\t' 'NR == FNR { top[$1] = 1; next } $1 in top' "$tmp/top" - |
    sort >"$tmp/all"
cat "$top_srcdir"/tests/data/*.tsv | sort >"$tmp/want"
check "directory run equals the golden rows" cmp -s "$tmp/all" "$tmp/want"

# JSON: one object per message with the evidence behind each reason.
"$REBOUND" parse --format json "$top_srcdir/tests/data/postfix-user-unknown.eml" >"$tmp/json"
check "json is an array" grep -q '^\[' "$tmp/json"
check "json records what decided" grep -q '"decided_by":"status 5.1.1 (remote)"' "$tmp/json"
check "json keeps the unfolded diagnostic" \
    grep -q '"diagnostic":"550 5.1.1 <Alice.Nobody@Example.ORG>: Recipient address rejected: User unknown in virtual mailbox table"' "$tmp/json"
check "json keeps the returned Message-ID" grep -q '"message_id":"<' "$tmp/json"
"$REBOUND" parse --format json "$top_srcdir/tests/data/arf-abuse.eml" >"$tmp/json"
check "json keeps the feedback type" grep -q '"feedback_type":"abuse"' "$tmp/json"
# A transcript's positive replies are no evidence: the failed RCPT's
# own reply decides, as the remote's words.
"$REBOUND" parse --format json "$top_srcdir/tests/data/mdaemon-permanent-rcpt.eml" >"$tmp/json"
check "mdaemon: the 550 to RCPT decides, not the 250 to MAIL" \
    grep -q '"decided_by":"status 5.1.1 (remote)"' "$tmp/json"
# The address the receiver rewrote stands for the one the list sent to.
"$REBOUND" parse "$top_srcdir/tests/data/sun-messaging-over-quota.eml" >"$tmp/out"
check "sun: the original address, not the rewritten one" \
    grep -q '	Jan.Olsen@example.edu	' "$tmp/out"
"$REBOUND" parse --format json "$tmp/nothing-here" >"$tmp/json" 2>/dev/null
is "json with no message is an empty array" "$(cat "$tmp/json")" "[]"

done_testing
