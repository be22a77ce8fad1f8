# probe-lib.sh: what tests/probe.sh and tests/probe-mailman3.sh share
# (sourced after lib.sh and scratch): a scripted remote mail server, a
# private Postfix that is both the probes' relay and the bounce domain's
# MTA (tests/postfix-lib.sh's), and hand-written Postfix DSNs.
. "$top_srcdir/tests/postfix-lib.sh"
#
# probe_peer DIR [ARGS...]: tests/probe-peer.py in DIR (its spool DIR,
# its port in DIR/port), started in the background; PEER_PID is its pid.
probe_peer() {
	mkdir -p "$1"
	pp_dir=$1
	shift
	python3 "$top_srcdir/tests/probe-peer.py" "$pp_dir/port" "$pp_dir" "$@" &
	PEER_PID=$!
	wait_until "the peer in $pp_dir to listen" test -s "$pp_dir/port"
}

# probe_dsn ADDRESS TO: Postfix's DSN, as it writes one, saying that the
# remote server refused ADDRESS with 550 5.1.1 User unknown, sent to TO.
probe_dsn() {
	cat <<DSN
Return-Path: <>
Received: by mx.elsewhere.test (Postfix)
	id 4F2A1C0123; Sun, 06 Dec 2026 09:14:27 +0000 (UTC)
Date: Sun, 06 Dec 2026 09:14:27 +0000 (UTC)
From: MAILER-DAEMON@mx.elsewhere.test (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: $2
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="3B7E8C0119.1773134067/mx.elsewhere.test"
Content-Transfer-Encoding: 8bit
Message-Id: <20261206091427.$$.$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')@mx.elsewhere.test>

This is a MIME-encapsulated message.

--3B7E8C0119.1773134067/mx.elsewhere.test
Content-Description: Notification
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

This is the mail system at host mx.elsewhere.test.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

<$1>: host mx.${1#*@}[192.0.2.25] said: 550 5.1.1
    <$1>: Recipient address rejected: User unknown in
    virtual mailbox table (in reply to RCPT TO command)

--3B7E8C0119.1773134067/mx.elsewhere.test
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.elsewhere.test
X-Postfix-Queue-ID: 3B7E8C0119
X-Postfix-Sender: rfc822; $2
Arrival-Date: Sun, 06 Dec 2026 09:14:25 +0000 (UTC)

Final-Recipient: rfc822; $1
Original-Recipient: rfc822;$1
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.${1#*@}
Diagnostic-Code: smtp; 550 5.1.1 <$1>: Recipient address
    rejected: User unknown in virtual mailbox table

--3B7E8C0119.1773134067/mx.elsewhere.test
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

Return-Path: <$2>
From: News <news@lists.test>
To: $1
Subject: News, issue 42
Message-ID: <news-42.$$@lists.test>
List-Id: News <news.lists.test>

--3B7E8C0119.1773134067/mx.elsewhere.test--
DSN
}

# probe_postfix PEERPORT: a private Postfix (pf_init: in $tmp/postfix,
# its smtpd on a free port of 127.0.0.1, PF_PORT) that relays for 127.0.0.0/8 to remote.test
# through the peer on PEERPORT, and delivers mail to lists.test's
# bounces, bounces+anything@lists.test, over LMTP to PF_SOCK (in its
# queue, for reboundd): what contrib/postfix.md sets up for probes.
# Returns non-zero, having printed its log, if it did not start.
probe_postfix() {
	pf_init
	PF_SOCK="$spool/private/rebound-lmtp"
	printf '%s\n' '/^bounces(\+.*)?@lists\.test$/ OK' >"$cf/mailboxes.regexp"
	printf '%s\n' "/@remote\\.test\$/ smtp:[127.0.0.1]:$1" >"$cf/transport.regexp"
	cat >>"$cf/main.cf" <<MAIN
myhostname = mx.lists.test
mydomain = lists.test
mydestination = \$myhostname, localhost
recipient_delimiter = +
virtual_mailbox_domains = lists.test
virtual_mailbox_maps = regexp:$cf/mailboxes.regexp
virtual_transport = lmtp:unix:private/rebound-lmtp
transport_maps = regexp:$cf/transport.regexp
MAIN
	pf_start probe_postfix_ports && return 0
	sed 's/^/#   /' "$tmp/postfix-start" "$plog"
	return 1
}

# master.cf: the smtpd on a free port, PF_PORT, and the services.
probe_postfix_ports() {
	PF_PORT=$(free_port)
	{
		echo "127.0.0.1:$PF_PORT inet n - n - - smtpd"
		pf_services
	} >"$cf/master.cf"
}

probe_postfix_stop() {
	pf_stop
}

# smtp_answers HOST:PORT: a server there greets with 220.
smtp_answers() {
	perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(PeerAddr => $ARGV[0]) or exit 1;
	exit((<$s> // "") =~ /^220 / ? 0 : 1)' "$1"
}

# peer_got DIR ADDRESS [N]: the peer in DIR took at least N (default 1)
# messages for ADDRESS.
peer_got() {
	[ "$(grep -l "^X-Peer-To: $2" "$1"/*.eml 2>/dev/null | wc -l)" -ge "${3:-1}" ]
}
# peer_token DIR ADDRESS: the token of the probe the peer took for ADDRESS.
peer_token() {
	sed -n 's/^X-Peer-From: bounces+probe-\([^@]*\)@.*/\1/p' \
	    $(grep -l "^X-Peer-To: $2" "$1"/*.eml) | head -1
}
