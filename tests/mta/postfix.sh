# postfix.sh: Postfix for tests/mta/run.sh (sourced; see tests/mta/README).
# Debian's Postfix of the machine as a private instance, as
# tests/postfix.sh runs it: its own configuration, queue and data
# directories under ROOT, started with "postfix -c", no chroot needed.
# Mail to lists.example.org is submitted with sendmail (an unknown local
# user bounces only so: over SMTP Postfix refuses it at RCPT).
# tests/postfix-lib.sh writes what every private instance shares.
. "$top_srcdir/tests/postfix-lib.sh"
mta_packages=
mta_cf=

mta_setup() {
	mta_root=$1 mta_port=$2
	pf_dirs "$1"
	mta_cf=$cf
	mkdir -p "$4" "$1/vmail"
	chmod 0755 "$1"
	vuid=$(id -u nobody) vgid=$(id -g nobody)
	# local-quota's mailbox file is at virtual_mailbox_limit.
	head -c 99990 /dev/zero | tr '\0' x >"$1/vmail/quota"
	chown -R "$vuid:$vgid" "$1/vmail" "$4"
	chown "$vuid:$vgid" "$(dirname "$4")"
	printf '%s\n' "bounces@lists.example.org ${4#/}/" \
	    "local-quota@lists.example.org ${1#/}/vmail/quota" >"$mta_cf/mailboxes"
	awk -v p="$3" '{ print $1 "\tsmtp:[" $2 "]:" p }' "$PEER_ROUTES" \
	    >"$mta_cf/transport"
	cat >>"$mta_cf/main.cf" <<MAIN
myhostname = mx.lists.example.org
mydomain = lists.example.org
mydestination =
relayhost = [127.0.0.1]:$3
transport_maps = texthash:$mta_cf/transport
virtual_mailbox_domains = lists.example.org
virtual_mailbox_maps = texthash:$mta_cf/mailboxes
virtual_mailbox_base = /
virtual_mailbox_limit = 100000
message_size_limit = 100000
virtual_minimum_uid = 1
virtual_uid_maps = static:$vuid
virtual_gid_maps = static:$vgid
delay_warning_time = 20s
maximal_queue_lifetime = 90s
bounce_queue_lifetime = 90s
queue_run_delay = 10s
minimal_backoff_time = 10s
maximal_backoff_time = 20s
smtp_connect_timeout = 5s
smtp_helo_timeout = 10s
smtp_mail_timeout = 10s
smtp_rcpt_timeout = 10s
smtp_data_init_timeout = 10s
smtp_data_xfer_timeout = 10s
smtp_data_done_timeout = 10s
MAIN
	{
		echo "127.0.0.1:$2 inet n - n - - smtpd"
		pf_services
	} >"$mta_cf/master.cf"
	postfix -c "$mta_cf" check
}

mta_start() {
	postfix -c "$mta_cf" start >"$mta_root.start" 2>&1 || return 1
	wait_until "postfix to accept on $mta_port" smtp_ready "$mta_port"
}

mta_send() {
	case $2 in
	*@lists.example.org)
		MAIL_CONFIG=$mta_cf sendmail -f "$1" "$2" <"$3" ;;
	*)	smtp_send "$mta_port" "$1" "$2" "$3" ;;
	esac
}

mta_stop() {
	[ -f "$mta_root/spool/pid/master.pid" ] &&
	    postfix -c "$mta_cf" stop >/dev/null 2>&1
	rm -f "$mta_root/spool/pid/master.pid"
}
