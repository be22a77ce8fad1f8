# hooks-lib.sh: bounces for the hooks' tests (sourced, not run).
#
# hard_bounce ADDRESS N: a DSN of a certain hard bounce (the remote
# server's own 550 5.1.1 "User unknown", from mx.DOMAIN of the address:
# one provider per domain for the incident guard), dead at once, of
# mail from the list news@lists.example.org (List-Id
# news.lists.example.org).  N makes each message distinct.  LIST_ID
# overrides the List-Id.
# full_bounce ADDRESS N: the same for a full mailbox (soft).
# local_bounce ADDRESS N: Postfix's own "unknown user" for a local
# mailbox, with no remote server's word: a likely hard bounce (rebound
# parse says "confidence": "likely"), which makes the address suspect,
# not dead.
# bounce_dsn ADDRESS N STATUS FIELDS: the DSN, FIELDS the recipient's
# lines after its Status.
bounce_dsn() {
	printf 'From: MAILER-DAEMON@mx.example.net
To: news-bounces@lists.example.org
Subject: Undelivered Mail Returned to Sender
Message-ID: <%s.%s@mx.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

This is the mail system at host mx.example.net.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; %s
Original-Recipient: rfc822; %s
Action: failed
Status: %s
%s

--B
Content-Type: text/rfc822-headers

From: news@lists.example.org
To: %s
Subject: News
List-Id: News <%s>
Message-ID: <n%s@lists.example.org>

--B--
' "$1" "$2" "$1" "$1" "$3" "$4" "$1" "${LIST_ID:-news.lists.example.org}" "$2"
}
hard_bounce() {
	bounce_dsn "$1" "$2" 5.1.1 "Remote-MTA: dns; mx.${1#*@}
Diagnostic-Code: smtp; 550 5.1.1 <$1>: Recipient address rejected: User unknown"
}
full_bounce() {
	bounce_dsn "$1" "$2" 4.2.2 "Remote-MTA: dns; mx.${1#*@}
Diagnostic-Code: smtp; 452 4.2.2 <$1>: Mailbox full, over quota"
}
local_bounce() {
	bounce_dsn "$1" "$2" 5.1.1 "Diagnostic-Code: X-Postfix; unknown user: \"${1%%@*}\""
}
# lmtp_bounce SOCKET FILE: deliver FILE to reboundd over LMTP; 0 on 250.
lmtp_bounce() {
	perl "$top_srcdir/tests/lmtp-send.pl" "$1" "$2" \
	    news-bounces@lists.example.org >"$2.lmtp" &&
	    grep -q '^250 ' "$2.lmtp"
}
