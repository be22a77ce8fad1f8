# recipes-lib.sh: bounces and events for the tests of the list-manager
# recipes of contrib/, tests/mlmmj.sh and tests/sympa.sh (sourced after
# lib.sh's scratch).  $conf: rebound.conf with a database in $tmp and
# [events] delay = 0, so that an address.dead is published at once.
conf=$tmp/rebound.conf
printf '[store]\npath = %s\n[events]\ndelay = 0\n' "$tmp/db" >"$conf"
export REBOUND

# dsn NAME ADDRESS DAY STATUS DIAGNOSTIC [LIST-ID]: a Postfix DSN of an
# issue of the list, its reply from the remote server.
dsn() {
	cat >"$tmp/$1.eml" <<EOF
Date: $3 Nov 2025 10:00 +0000
From: MAILER-DAEMON@mail.lists.example.org (Mail Delivery System)
To: news-bounces@lists.example.org
Subject: Undelivered Mail Returned to Sender
Message-Id: <$1@mail.lists.example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

This is the mail system at host mail.lists.example.org.

<$2>: host mx.example.org[192.0.2.25] said: $5 (in reply to RCPT TO command)

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.lists.example.org
Arrival-Date: $3 Nov 2025 10:00 +0000

Final-Recipient: rfc822; $2
Original-Recipient: rfc822;$2
Action: failed
Status: $4
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; $5

--b
Content-Type: text/rfc822-headers

From: News <news@lists.example.org>
To: $2
Subject: Issue $3
List-Id: <${6:-news.lists.example.org}>
Message-Id: <issue-$3-$1@lists.example.org>

--b--
EOF
}
dead() { dsn "$1" "$2" "$3" 5.1.1 "550 5.1.1 <$2>: Recipient address rejected: User unknown" "${4:-}"; }
# complaint NAME ADDRESS: the sample ARF, of ADDRESS, about the list.
complaint() {
	sed -e "s/complainer@example.net/$2/g" \
	    -e "s/weekly\.lists\.example\.com/news.lists.example.org/" \
	    "$top_srcdir/tests/data/arf-abuse.eml" >"$tmp/$1.eml"
}
import() {
	for f in "$@"; do
		"$REBOUND" import --config "$conf" "$tmp/$f.eml" >/dev/null || return 1
	done
}
events() { "$REBOUND" events --config "$conf" --format plain "$@"; }
last_id() { events | tail -n 1 | cut -f 1; }
