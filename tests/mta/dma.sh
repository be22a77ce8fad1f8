# dma.sh: the DragonFly Mail Agent (Debian's dma 0.13) for the MTA bench
# (sourced by the harness; the interface is run.sh's).
#
# dma has no listener: a message is injected by its sendmail command in
# the root, and each queued message gets a dma process of its own that
# delivers it (SMARTHOST: the peer) and, on a refusal, bounces it.  The
# bounce is local mail to the sender, whose domain is dma's MAILNAME, so
# dma writes it to an mbox, /var/mail/benchbox; dma cannot deliver to a
# maildir or a program, so mta_start runs a mover (dma-mbox.py) that
# takes each message of that mbox into BOUNCEDIR.  One SMARTHOST, no
# route per domain: the domains of $PEER_ROUTES (the faults of a whole
# connection) reach the peer's main address like the others.
#
# dma writes no delay notice, and gives up on a temporary failure only
# when the queue file is older than MAX_TIMEOUT, five days compiled in.
# So that a test sees that bounce, mta_kick (below) dates a queued
# message still there after 40 s six days back and flushes the queue
# (sendmail -q); the delivery process retries, fails again and writes
# dma's own "Could not deliver for the last 432000 seconds. Giving up."

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

# dma writes no delay notice: every message it sends back is final.
mta_is_delay() {
	return 1
}

# mta_send FROM RCPT FILE: dma queues it and forks its delivery process.
mta_send() {
	chroot "$dma_root" /usr/sbin/sendmail -f "$1" "$2" <"$3"
}

# mta_kick (run.sh, while it waits for the bounces), every 5 s: the
# messages queued 40 s ago and not yet aged are dated back past dma's
# five days (compiled in), so that it gives up and writes its bounce.
mta_kick() {
	mta_due 5 || return 0
	de_old=$(find "$dma_root/var/spool/dma" -name '[MQ]*' \
	    -newermt '-5 days' ! -newermt '-40 seconds')
	if [ -n "$de_old" ]; then
		touch -d '6 days ago' $de_old
		chroot "$dma_root" /usr/sbin/sendmail -q
	fi
	return 0
}

# mta_stop: the mover, then every dma process left in the root (those
# still retrying a temporary failure).
mta_stop() {
	for p in $dma_mover; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	dma_mover=
	mta_root_kill "$dma_root"
}
