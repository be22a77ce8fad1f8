#!/bin/sh
# systemd.sh: what reboundd tells systemd (READY, STATUS, RELOADING,
# STOPPING, WATCHDOG on $NOTIFY_SOCKET) and the LMTP socket systemd may
# hand it (socket activation, $LISTEN_FDS), played here by a small Perl
# program standing in for the service manager.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
if ! perl -MIO::Socket::UNIX -MPOSIX -e 1 2>/dev/null; then
	echo "1..0 # SKIP needs perl"
	exit 77
fi
scratch
printf '[store]\npath = %s/db\n' "$tmp" >"$tmp/conf"

# The "service manager": a datagram socket that writes what it gets, one
# datagram a paragraph; then it starts reboundd with a listening LMTP
# socket as fd 3, as rebound.socket would.
perl -MIO::Socket::UNIX -MPOSIX -e '
	my ($dir, $reboundd, $conf) = @ARGV;
	unlink "$dir/notify", "$dir/lmtp";
	my $n = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => "$dir/notify")
	    or die "notify: $!";
	my $l = IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => "$dir/lmtp",
	    Listen => 16) or die "lmtp: $!";
	my $pid = fork();
	if ($pid == 0) {
		POSIX::dup2(fileno($l), 3) or die;
		$ENV{NOTIFY_SOCKET} = "$dir/notify";
		$ENV{LISTEN_PID} = $$;
		$ENV{LISTEN_FDS} = 1;
		$ENV{WATCHDOG_USEC} = 400000;
		$ENV{WATCHDOG_PID} = $$;
		exec($reboundd, "--config", $conf, "--foreground") or die;
	}
	open(my $out, ">", "$dir/notified") or die;
	$out->autoflush(1);
	open(my $p, ">", "$dir/pid") or die; print $p "$pid\n"; close $p;
	$SIG{TERM} = sub { exit 0 };
	while (defined $n->recv(my $msg, 4096)) { print $out "$msg\n\n"; }
' "$tmp" "$REBOUNDD" "$tmp/conf" 2>"$tmp/perl.err" &
manager=$!

wait_for "READY=1 once started" grep -q '^READY=1' "$tmp/notified"
check "STATUS says what runs" grep -q '^STATUS=running: lmtp' "$tmp/notified"
pid=$(cat "$tmp/pid")
wait_for "WATCHDOG=1 at half the interval" grep -q '^WATCHDOG=1' "$tmp/notified"

# The socket systemd passed is served.
if command -v swaks >/dev/null; then
	swaks --protocol LMTP --socket "$tmp/lmtp" --from '<>' --to bounces@example.org \
	    --data "$top_srcdir/tests/data/postfix-user-unknown.eml" >"$tmp/swaks" 2>&1
	check "LMTP on the passed socket: 250 after the commit" \
	    grep -q '^<-  250 2.0.0 <bounces@example.org> recorded' "$tmp/swaks"
else
	ok "LMTP on the passed socket # SKIP swaks not installed"
fi

kill -HUP "$pid"
wait_for "RELOADING=1 on SIGHUP" grep -q '^RELOADING=1' "$tmp/notified"
kill -TERM "$pid"
wait_for "STOPPING=1 on SIGTERM" grep -q '^STOPPING=1' "$tmp/notified"
# The manager does not reap its child: gone or a zombie is exited.
wait_for "reboundd exits" sh -c "! ps -o stat= -p $pid | grep -qv Z"
kill "$manager" 2>/dev/null
wait "$manager" 2>/dev/null

done_testing
