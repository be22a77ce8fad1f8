# courier.sh: the Courier mail server 1.0 (Debian's courier-mta) for the
# MTA bench (sourced by the harness; the interface is run.sh's).
#
# esmtproutes sends every domain to [127.0.0.1],PEERPORT; the listener
# (couriertcpd with courieresmtpd) is on 127.0.0.1:PORT with loopback a
# RELAYCLIENT; the domains of $PEER_ROUTES to their own addresses;
# warntime 20 s, queuetime 90 s, retries every 5 s.
# lists.example.org is local: the user bounces (added to the root's
# passwd, found by courier-authdaemon's authpam) has a .courier file that
# delivers into the maildir BOUNCEDIR.  Courier's daemons fork: mta_stop
# asks them to stop, then ends what is left in the root.

. "$top_srcdir/tests/mta/root.sh"

mta_packages="courier-mta"

# cr_chroot CMD...: CMD in the root with a clean environment.
cr_chroot() {
	chroot "$cr_root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

# mta_setup ROOT PORT PEERPORT BOUNCEDIR
mta_setup() {
	# BOUNCEDIR as the root sees it; the root's / walkable by the
	# daemons that drop privileges (a root unpacked from a tarball made
	# in a mktemp directory is 0700).
	set -- "$1" "$2" "$3" "$(mta_inside "$1" "$4")"
	chmod 755 "$1"
	cr_root=$1
	cr_port=$2
	c=$1/etc/courier
	echo mx.lists.example.org >"$c/me"
	echo lists.example.org >"$c/defaultdomain"
	printf 'localhost\nlists.example.org\n' >"$c/locals"
	# The harness's routes (a domain to an address of its own) first,
	# then every other domain to the peer.
	{ [ -f "${PEER_ROUTES:-}" ] &&
	      awk -v p="$3" '{ print $1 ": [" $2 "]," p }' "$PEER_ROUTES"
	  printf ':[127.0.0.1],%s\n' "$3"; } >"$c/esmtproutes"
	echo 20 >"$c/warntime"
	echo 90 >"$c/queuetime"
	echo 5 >"$c/retryalpha"
	echo 3 >"$c/retrybeta"
	echo 5 >"$c/retrygamma"
	echo 1 >"$c/retrymaxdelta"
	echo 2 >"$c/esmtpdelay"
	echo 10 >"$c/esmtptimeoutconnect"
	echo 10 >"$c/esmtptimeout"
	echo 10 >"$c/esmtptimeoutdata"
	sed -i -e "s/^PORT=.*/PORT=$2/" -e 's/^BOFHCHECKDNS=.*/BOFHCHECKDNS=0/' \
	    -e 's/^TARPIT=.*/TARPIT=0/' -e 's/^ESMTPDSTART=.*/ESMTPDSTART=YES/' \
	    -e 's/^TCPDOPTS=.*/TCPDOPTS="-noidentlookup -nodnslookup"/' \
	    "$c/esmtpd"
	echo 'ADDRESS=127.0.0.1' >>"$c/esmtpd"
	sed -i -e 's/^ESMTP_USE_STARTTLS=.*/ESMTP_USE_STARTTLS=0/' "$c/courierd"
	grep -q '^bounces:' "$1/etc/passwd" || {
		echo 'bounces:x:2000:2000::/var/lib/bounces:/usr/sbin/nologin' \
		    >>"$1/etc/passwd"
		echo 'bounces:x:2000:' >>"$1/etc/group"
	}
	mkdir -p "$1/var/lib/bounces" "$1$4/new" "$1$4/cur" "$1$4/tmp"
	echo "$4/" >"$1/var/lib/bounces/.courier"
	chown -R 2000:2000 "$1/var/lib/bounces" "$1$4"
	chmod 644 "$1/var/lib/bounces/.courier"
	mkdir -p "$1/run/courier/authdaemon"
	cr_chroot sh -c 'chown daemon:daemon /run/courier/authdaemon 2>/dev/null
	    chown courier:courier /run/courier
	    makesmtpaccess && makealiases' >"$1/courier-setup.log" 2>&1
}

mta_start() {
	cr_chroot /usr/sbin/authdaemond start
	cr_chroot /usr/sbin/courier start
	cr_chroot /usr/lib/courier/esmtpd start
	WAIT_SECONDS=${WAIT_SECONDS:-60} wait_until \
	    "Courier to accept on $cr_port" mta_listening "$cr_port"
}

# mta_is_delay FILE: Courier's delay notice says so in its report only;
# its Subject is the same as a bounce's.
mta_is_delay() {
	grep -q '^Action: delayed' "$1"
}

mta_send() {
	mta_smtp "$cr_port" "$@"
}

mta_stop() {
	cr_chroot /usr/lib/courier/esmtpd stop
	cr_chroot /usr/sbin/courier stop
	cr_chroot /usr/sbin/authdaemond stop
	mta_root_kill "$cr_root"
}
