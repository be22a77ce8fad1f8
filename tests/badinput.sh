#!/bin/sh
# badinput.sh: bad input gets a clear error, and the rest still runs.
# Large inputs run under a memory limit and a time limit: bounded, or fail.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
scratch
good="$top_srcdir/tests/data/postfix-user-unknown.eml"
LIMIT_KB=${LIMIT_KB:-1048576}	# 1 GiB of address space
LIMIT_S=${LIMIT_S:-60}		# CPU seconds: the work, whatever else runs
HANG_S=${HANG_S:-300}		# wall-clock seconds before it counts as hung

# An AddressSanitizer build maps terabytes of shadow memory: it cannot
# run under an address-space limit, nor under valgrind.
asan=0
ldd "$REBOUND" 2>/dev/null | grep -q libasan && asan=1
[ $asan -eq 1 ] && diag "AddressSanitizer build: no memory limit, no valgrind"

# bounded OUT COMMAND...: run with the limits, stdout to OUT; prints seconds.
bounded() {
	b_out=$1
	shift
	b_start=$(date +%s%N)
	( [ $asan -eq 1 ] || ulimit -v "$LIMIT_KB"
	  ulimit -t "$LIMIT_S" && exec timeout "$HANG_S" "$@" ) >"$b_out" 2>"$tmp/err"
	b_rc=$?
	diag "$(basename "$b_out"): exit $b_rc in $(( ($(date +%s%N) - b_start) / 1000000 )) ms"
	return $b_rc
}
rows() { tail -n +2 "$1" | wc -l | tr -d ' '; }
reason_of() { tail -n +2 "$1" | cut -f5 | sort -u | tr '\n' ' ' | sed 's/ $//'; }

# A missing path: named on stderr, exit 1, the other paths still parsed.
"$REBOUND" parse "$tmp/missing.eml" "$good" >"$tmp/out" 2>"$tmp/err"; rc=$?
is "missing path exits 1" "$rc" 1
check "missing path is named" grep -q "missing.eml: No such file" "$tmp/err"
is "other paths still parsed" "$(rows "$tmp/out")" 1

# Something that is not a file or directory (a FIFO): clear error.
mkfifo "$tmp/fifo"
"$REBOUND" parse "$tmp/fifo" "$good" >"$tmp/out" 2>"$tmp/err"; rc=$?
is "fifo exits 1" "$rc" 1
check "fifo is named" grep -q "fifo: not a regular file" "$tmp/err"
is "fifo: other paths still parsed" "$(rows "$tmp/out")" 1

# A directory holding one empty file.
mkdir "$tmp/dir"
: >"$tmp/dir/a.eml"
"$REBOUND" parse "$tmp/dir" >"$tmp/out" 2>"$tmp/err"; rc=$?
is "directory of one empty file exits 0" "$rc" 0

# Empty file, no MIME, binary garbage: one "none" row each, exit 0.
: >"$tmp/empty.eml"
printf 'just some words\nand no headers at all\n' >"$tmp/nomime.eml"
awk 'BEGIN { srand(7); for (i = 0; i < 65536; i++) printf "%c", int(rand() * 256) }' \
    >"$tmp/garbage.eml"
for f in empty nomime garbage; do
	"$REBOUND" parse "$tmp/$f.eml" >"$tmp/out" 2>"$tmp/err"; rc=$?
	is "$f: exit 0" "$rc" 0
	is "$f: reason none" "$(reason_of "$tmp/out")" none
done

# A 20 MB returned message: the body is never decoded.
{
	printf 'From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered Mail Returned to Sender\n'
	printf 'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n'
	printf -- '--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n'
	printf 'Final-Recipient: rfc822; gone@example.net\nAction: failed\nStatus: 5.1.1\n\n'
	printf -- '--B\nContent-Type: message/rfc822\n\nFrom: list@example.org\nTo: gone@example.net\n'
	printf 'Subject: big\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n'
	head -c 15000000 /dev/zero | base64
	printf -- '--B--\n'
} >"$tmp/big.eml"
diag "big.eml: $(wc -c <"$tmp/big.eml") bytes"
bounded "$tmp/big.out" "$REBOUND" parse "$tmp/big.eml"; rc=$?
is "20 MB message: exit 0 within limits" "$rc" 0
is "20 MB message: the recipient is found" "$(reason_of "$tmp/big.out")" userunknown

# A 20 MB Diagnostic-Code line.
{
	printf 'From: MAILER-DAEMON@mx.example.org\nSubject: failure notice\n'
	printf 'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n'
	printf -- '--B\nContent-Type: message/delivery-status\n\n'
	printf 'Final-Recipient: rfc822; full@example.net\nAction: failed\nStatus: 5.2.2\nDiagnostic-Code: smtp; 552 '
	head -c 20000000 /dev/zero | tr '\0' 'x'
	printf '\n\n--B--\n'
} >"$tmp/longline.eml"
bounded "$tmp/longline.out" "$REBOUND" parse "$tmp/longline.eml"; rc=$?
is "20 MB diagnostic line: exit 0 within limits" "$rc" 0
is "20 MB diagnostic line: classified" "$(reason_of "$tmp/longline.out")" mailboxfull

# 10,000 recipients in one report.
{
	printf 'From: MAILER-DAEMON@mx.example.org\nSubject: failure notice\n'
	printf 'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n'
	printf -- '--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n'
	awk 'BEGIN { for (i = 0; i < 10000; i++)
	    printf "\nFinal-Recipient: rfc822; u%d@example.net\nAction: failed\nStatus: 5.1.1\n", i }'
	printf -- '--B--\n'
} >"$tmp/many.eml"
bounded "$tmp/many.out" "$REBOUND" parse "$tmp/many.eml"; rc=$?
is "10,000 recipients: exit 0 within limits" "$rc" 0
is "10,000 recipients: all reported" "$(rows "$tmp/many.out")" 10000

# 100 nested multiparts around a report: walked without recursion.
{
	printf 'From: MAILER-DAEMON@mx.example.org\nSubject: failure notice\nMIME-Version: 1.0\n'
	awk 'BEGIN { for (i = 0; i < 100; i++)
	    printf "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i }'
	printf 'Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; deep@example.net\n'
	printf 'Action: failed\nStatus: 5.1.1\n\n'
	awk 'BEGIN { for (i = 99; i >= 0; i--) printf "--b%d--\n", i }'
} >"$tmp/nested.eml"
bounded "$tmp/nested.out" "$REBOUND" parse "$tmp/nested.eml"; rc=$?
is "100 nested multiparts: exit 0 within limits" "$rc" 0
is "100 nested multiparts: one row" "$(rows "$tmp/nested.out")" 1

# 5,000 nested multiparts: deeper than the walk goes, still no crash.
{
	printf 'From: a@example.org\nSubject: deep\nMIME-Version: 1.0\n'
	awk 'BEGIN { for (i = 0; i < 5000; i++)
	    printf "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i }'
	printf 'Content-Type: text/plain\n\nhello\n'
} >"$tmp/deeper.eml"
bounded "$tmp/deeper.out" "$REBOUND" parse "$tmp/deeper.eml"; rc=$?
is "5,000 nested multiparts: exit 0 within limits" "$rc" 0

# The same inputs under valgrind memcheck: no error, no definite leak.
if command -v valgrind >/dev/null && [ $asan -eq 0 ]; then
	for f in empty nomime garbage longline many nested deeper; do
		valgrind -q --error-exitcode=99 --leak-check=full \
		    --trace-children=yes \
		    --errors-for-leak-kinds=definite \
		    --suppressions="$top_srcdir/tests/valgrind.supp" \
		    "$REBOUND" parse "$tmp/$f.eml" >/dev/null 2>"$tmp/vg"; rc=$?
		is "$f: valgrind clean" "$rc" 0
		[ "$rc" -eq 0 ] || sed 's/^/#   /' "$tmp/vg" | head -30
	done
else
	diag "valgrind not installed, or an ASan build: memory checks skipped"
fi

done_testing
