# sendmail.sh: Sendmail 8.17 (Debian's sendmail-bin) for the MTA bench
# (sourced by the harness; the interface is run.sh's).
#
# The configuration is a .mc compiled by m4 in the root with Debian's
# sendmail-cf: everything goes to SMART_HOST [127.0.0.1] on the peer's
# port (RELAY_MAILER_ARGS), no DNS (a service switch of files only),
# short queue timeouts (a warning after 20 s, the return after 90 s)
# and a queue run every 5 s; the domains of $PEER_ROUTES go to their
# own addresses (a mailertable).  lists.example.org is local; its local
# mailer is a small script that writes each message into BOUNCEDIR, so
# the bounce to bounces@lists.example.org lands there, and mail to an
# unknown local user gets Sendmail's own "User unknown".  The daemon
# runs in the foreground (-bD): mta_stop stops the pid started.  It
# listens on PORT only (no_default_msa: no submission port 587).  No
# HostStatusDirectory (Debian's default has one): with it one scenario's
# 4xx from the peer would defer every other message to the same host.

. "$top_srcdir/tests/mta/root.sh"

mta_packages="sendmail-bin sendmail-cf m4"

# mta_setup ROOT PORT PEERPORT BOUNCEDIR
mta_setup() {
	# BOUNCEDIR as the root sees it; the root's / walkable by the
	# daemons that drop privileges (a root unpacked from a tarball made
	# in a mktemp directory is 0700).
	set -- "$1" "$2" "$3" "$(mta_inside "$1" "$4")"
	chmod 755 "$1"
	sm_root=$1
	sm_port=$2
	mkdir -p "$sm_root$4/new" "$sm_root$4/cur" "$sm_root$4/tmp" \
	    "$sm_root/usr/local/sbin"
	grep -q '^bounces:' "$sm_root/etc/passwd" ||
	    echo 'bounces:x:2000:2000::/nonexistent:/usr/sbin/nologin' \
	        >>"$sm_root/etc/passwd"
	# Sendmail checks the queue's owner itself: it runs as root here.
	chown root:root "$sm_root/var/spool/mqueue"
	chmod 700 "$sm_root/var/spool/mqueue"
	printf '127.0.0.1\tlocalhost mx.lists.example.org\n' >"$sm_root/etc/hosts"
	printf 'hosts\tfiles\naliases\tfiles\n' >"$sm_root/etc/mail/bench.switch"
	cat >"$sm_root/usr/local/sbin/bench-maildir" <<SCRIPT
#!/bin/sh
# Sendmail's local mailer for the bench: the message into $4, less
# the mbox "From " line Sendmail puts first for a local mailer.
f=\$(date +%s).\$\$.bench
sed '1{/^From /d;}' >"$4/tmp/\$f" && mv "$4/tmp/\$f" "$4/new/\$f"
SCRIPT
	chmod 755 "$sm_root/usr/local/sbin/bench-maildir"
	cat >"$sm_root/etc/mail/bench.mc" <<MC
divert(-1)dnl
# The MTA bench's Sendmail (tests/mta/sendmail.sh).
divert(0)dnl
include(\`/usr/share/sendmail/cf/m4/cf.m4')dnl
VERSIONID(\`rebound MTA bench')dnl
OSTYPE(\`debian')dnl
define(\`confDOMAIN_NAME', \`mx.lists.example.org')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confSERVICE_SWITCH_FILE', \`/etc/mail/bench.switch')dnl
define(\`confBIND_OPTS', \`-DNSRCH -DEFNAMES')dnl
define(\`confTO_QUEUEWARN', \`20s')dnl
define(\`confTO_QUEUERETURN', \`90s')dnl
define(\`confMIN_QUEUE_AGE', \`0')dnl
define(\`confHOST_STATUS_DIRECTORY', \`')dnl
define(\`confTO_ICONNECT', \`10s')dnl
define(\`confTO_CONNECT', \`10s')dnl
define(\`confTO_INITIAL', \`10s')dnl
define(\`confTO_DATAFINAL', \`10s')dnl
define(\`confTO_DATABLOCK', \`10s')dnl
define(\`SMART_HOST', \`[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $3')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $3')dnl
define(\`LOCAL_MAILER_PATH', \`/usr/local/sbin/bench-maildir')dnl
define(\`LOCAL_MAILER_ARGS', \`bench-maildir \$u')dnl
define(\`LOCAL_MAILER_FLAGS', \`S')dnl
DAEMON_OPTIONS(\`Family=inet, Name=MTA-v4, Port=$2, Addr=127.0.0.1')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`mailertable', \`hash /etc/bench-mail/mailertable')dnl
FEATURE(\`promiscuous_relay')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`accept_unqualified_senders')dnl
LOCAL_DOMAIN(\`lists.example.org')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
MC
	# The map in a directory of root's: Sendmail refuses a map whose
	# directory its TrustedUser does not own (Debian's /etc/mail is
	# smmta's).
	mkdir -p "$sm_root/etc/bench-mail"
	{ [ -f "${PEER_ROUTES:-}" ] &&
	      awk '{ print $1 "\trelay:[" $2 "]" }' "$PEER_ROUTES"; } \
	    >"$sm_root/etc/bench-mail/mailertable"
	chroot "$sm_root" sh -c 'm4 /etc/mail/bench.mc >/etc/mail/bench.cf &&
	    makemap hash /etc/bench-mail/mailertable </etc/bench-mail/mailertable'
}

mta_start() {
	chroot "$sm_root" /usr/sbin/sendmail-mta -bD -q5s \
	    -C/etc/mail/bench.cf -L sm-bench </dev/null &
	sm_pid=$!
	WAIT_SECONDS=${WAIT_SECONDS:-60} wait_until \
	    "Sendmail to accept on $sm_port" mta_listening "$sm_port"
}

# mta_is_delay FILE: Sendmail's warning, by its own header (the returned
# message's Subject, below, may say anything).
mta_is_delay() {
	sed '/^$/q' "$1" | grep -q '^Auto-Submitted: auto-generated (warning-timeout)'
}

mta_send() {
	mta_smtp "$sm_port" "$@"
}

mta_stop() {
	[ -n "$sm_pid" ] && kill "$sm_pid" 2>/dev/null
	wait "$sm_pid" 2>/dev/null
	sm_pid=
	# A delivery it forked and that outlived it.
	mta_root_kill "$sm_root"
}
