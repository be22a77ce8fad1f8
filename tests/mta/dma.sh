# dma.sh: the DragonFly Mail Agent (Debian's dma 0.13) for the MTA bench
# (sourced by the harness; the interface is run.sh's).
#
# dma has no listener: a message is injected by its sendmail command in
# the root, and each queued message gets a dma process of its own that
# delivers it (SMARTHOST: the peer) and, on a refusal, bounces it.  The
# bounce is local mail to the sender, whose domain is dma's MAILNAME, so
# dma writes it to an mbox, /var/mail/benchbox; dma cannot deliver to a
# maildir or a program, so mta_start runs a mover (dma-mbox.py) that
# takes each message of that mbox into BOUNCEDIR.
#
# dma writes no delay notice, and gives up on a temporary failure only
# when the queue file is older than MAX_TIMEOUT, five days compiled in.
# mta_expire (an extra of this file, for the harness to call where it is
# defined) ages the queue past that and flushes it (sendmail -q): the
# delivery process retries at once, fails again and writes dma's real
# "Could not deliver for the last 432000 seconds. Giving up." bounce.

. "$top_srcdir/tests/mta/root.sh"

mta_packages="dma"

# mta_setup ROOT PORT PEERPORT BOUNCEDIR (PORT unused: no listener)
mta_setup() {
	# BOUNCEDIR as the root sees it; the root's / walkable by the
	# daemons that drop privileges (a root unpacked from a tarball made
	# in a mktemp directory is 0700).
	set -- "$1" "$2" "$3" "$(mta_inside "$1" "$4")"
	chmod 755 "$1"
	dma_root=$1
	dma_bouncedir=$4
	cat >"$dma_root/etc/dma/dma.conf" <<CONF
SMARTHOST 127.0.0.1
PORT $3
SPOOLDIR /var/spool/dma
ALIASES /etc/aliases
MAILNAME lists.example.org
CONF
	# The bounce address's mailbox is the user benchbox's, by an alias:
	# /var/mail/bounces may be BOUNCEDIR's own parent.
	echo 'bounces: benchbox' >"$dma_root/etc/aliases"
	grep -q '^benchbox:' "$dma_root/etc/passwd" ||
	    echo 'benchbox:x:2000:2000::/nonexistent:/usr/sbin/nologin' \
	        >>"$dma_root/etc/passwd"
	mkdir -p "$dma_root/var/spool/dma" "$dma_root/var/mail" \
	    "$dma_root$dma_bouncedir/new" "$dma_root$dma_bouncedir/cur" \
	    "$dma_root$dma_bouncedir/tmp"
}

mta_start() {
	python3 "$top_srcdir/tests/mta/dma-mbox.py" \
	    "$dma_root/var/mail/benchbox" "$dma_root$dma_bouncedir" &
	dma_mover=$!
	dma_moving() { [ -e "$dma_root$dma_bouncedir/.mover" ]; }
	wait_until "dma's mbox mover to start" dma_moving
}

# mta_send FROM RCPT FILE: dma queues it and forks its delivery process.
mta_send() {
	chroot "$dma_root" /usr/sbin/sendmail -f "$1" "$2" <"$3"
}

mta_expire() {
	touch -d '6 days ago' "$dma_root"/var/spool/dma/[MQ]*
	chroot "$dma_root" /usr/sbin/sendmail -q
}

# mta_stop: the mover, then every dma process left in the root (those
# still retrying a temporary failure).
mta_stop() {
	[ -n "$dma_mover" ] && kill "$dma_mover" 2>/dev/null
	wait "$dma_mover" 2>/dev/null
	dma_mover=
	mta_root_kill "$dma_root"
}
