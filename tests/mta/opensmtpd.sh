# opensmtpd.sh: OpenSMTPD (Debian's opensmtpd) for tests/mta/run.sh, in a
# root of its own (sourced; see tests/mta/README).  Mail to
# lists.example.org is submitted with the root's sendmail (smtpctl): an
# unknown local user bounces only so, over SMTP it is refused at RCPT.
mta_packages="opensmtpd"
mta_pid=

mta_setup() {
	mta_root=$1 mta_port=$2
	os_bdir=${4#"$1"}
	chroot "$1" id bounces >/dev/null 2>&1 || chroot "$1" useradd -m bounces
	mkdir -p "$4"
	chroot "$1" chown -R bounces "$(dirname "$(dirname "$os_bdir")")"
	{
		echo 'table vusers { "bounces@lists.example.org" = "bounces" }'
		echo "listen on 127.0.0.1 port $2"
		echo "queue ttl 90s"
		echo "bounce warn-interval 20s"
		echo "action \"local\" maildir \"$os_bdir\" virtual <vusers>"
		echo "action \"peer\" relay host smtp://127.0.0.1:$3"
		awk -v p="$3" '{ print "action \"" $1 "\" relay host smtp://" $2 ":" p }' \
		    "$PEER_ROUTES"
		awk '{ print "match from any for domain \"" $1 "\" action \"" $1 "\"" }' \
		    "$PEER_ROUTES"
		echo 'match from any for domain "lists.example.org" action "local"'
		echo 'match from local for any action "peer"'
		echo 'match from src 127.0.0.1 for any action "peer"'
	} >"$1/etc/smtpd-test.conf"
	chroot "$1" smtpd -n -f /etc/smtpd-test.conf >/dev/null
}

mta_start() {
	chroot "$mta_root" smtpd -d -f /etc/smtpd-test.conf >"$mta_root.log" 2>&1 &
	mta_pid=$!
	wait_until "smtpd to accept on $mta_port" smtp_ready "$mta_port" || return 1
}

# mta_kick (run.sh, while it waits for the bounces): OpenSMTPD's own
# retries back off for minutes, so a queue run every 5 s instead, as
# Exim's -q10s and Postfix's queue_run_delay do.
mta_kick() {
	mta_due 5 && chroot "$mta_root" smtpctl schedule all >/dev/null 2>&1
	return 0
}

mta_send() {
	case $2 in
	*@lists.example.org)
		chroot "$mta_root" sendmail -f "$1" "$2" <"$3" ;;
	*)	smtp_send "$mta_port" "$1" "$2" "$3" ;;
	esac
}

mta_stop() {
	[ -n "$mta_pid" ] && kill -TERM "$mta_pid" 2>/dev/null && wait "$mta_pid"
	mta_pid=
}

# OpenSMTPD 6.8 reports a message that expired in the queue (its final
# failure) as "delayed" (Action: delayed, Status 4.4.7, "Envelope
# expired"): that one is its last word, not a delay notice.
mta_is_delay() {
	grep -qi '^Action: *delayed' "$1" && ! grep -q 'Envelope expired' "$1"
}
