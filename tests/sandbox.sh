#!/bin/sh
# sandbox.sh: contrib/rebound.service(.in) as systemd would judge it, and
# reboundd inside what it allows.  "systemd-analyze security" must score
# its exposure 1.5 or lower and "systemd-analyze verify" find nothing
# wrong.  No systemd runs the service here, so reboundd runs under strace
# through a whole working life (maildir, LMTP on a socket and on TCP,
# metrics, notify and watchdog, reload, stop), as the unit's user would
# run it (not root), and every system call it makes must be one the
# unit's SystemCallFilter= allows, every socket family one of
# RestrictAddressFamilies=, or reboundd must work without it.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
scratch
data="$top_srcdir/tests/data"
# The unit as installed from this build (as "make install" writes it),
# beside rebound.socket that names it: verify wants the programs it
# names to exist.
daemon=$(cd "$(dirname "$REBOUNDD")" && pwd)/$(basename "$REBOUNDD")
mkdir "$tmp/units"
sed -e "s|@sbindir@/reboundd|$daemon|" -e 's|@sysconfdir@|/etc|' \
    "$top_srcdir/contrib/rebound.service.in" >"$tmp/units/rebound.service"
cp "$top_srcdir/contrib/rebound.socket" "$tmp/units/"
unit="$tmp/units/rebound.service"
if ! command -v systemd-analyze >/dev/null ||
    ! systemd-analyze security --offline=yes "$unit" >/dev/null 2>&1; then
	echo "1..0 # SKIP needs systemd-analyze security --offline (systemd 252)"
	exit 77
fi

systemd-analyze security --offline=yes "$unit" >"$tmp/security" 2>&1
score=$(sed -n 's/.*Overall exposure level for rebound.service: \([0-9.]*\).*/\1/p' \
    "$tmp/security")
diag "systemd-analyze security: exposure ${score:-none}"
check "rebound.service: exposure ${score:-none}, at most 1.5" \
    awk -v s="$score" 'BEGIN { exit !(s != "" && s + 0 <= 1.5) }'

systemd-analyze verify --man=no "$tmp/units/rebound.service" \
    "$tmp/units/rebound.socket" >"$tmp/verify" 2>&1
is "systemd-analyze verify: the units are clean" "$?:$(cat "$tmp/verify")" "0:"

if ! command -v strace >/dev/null || ! strace -o /dev/null true 2>/dev/null; then
	ok "system calls and socket families # SKIP strace missing or not allowed"
	done_testing
	exit
fi
# Sanitizer builds make calls of their own that an installed reboundd
# does not.
if nm -D "$REBOUNDD" 2>/dev/null | grep -q '__[au]san'; then
	ok "system calls and socket families # SKIP sanitizer build"
	done_testing
	exit
fi

# The unit runs reboundd as its own user: so does strace, when root
# (SQLite, for one, calls fchown() as root only), with a copy of reboundd
# that user can reach wherever the build tree is.
as=
run_reboundd=$REBOUNDD
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	as="-u nobody"
	chmod 0777 "$tmp"
	run_reboundd=$tmp/reboundd
	cp "$REBOUNDD" "$run_reboundd"
fi
port() {
	perl -MIO::Socket::INET -e \
	    'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0")->sockport'
}
lport=$(port)
mport=$(port)
md="$tmp/Maildir"
mkdir -p "$md/new" "$md/cur" "$md/tmp"
chmod -R 0777 "$md"
cat >"$tmp/conf" <<CONF
[store]
path = $tmp/db
[maildir]
path = $md
[lmtp]
listen = unix:$tmp/lmtp.sock, 127.0.0.1:$lport
[metrics]
listen = $mport
CONF
get() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ARGV[0]") or exit 1;
		print $s "GET $ARGV[1] HTTP/1.0\r\n\r\n"; print <$s>;' "$mport" "$1"
}
healthy() { get /healthz | grep -q '^ok'; }
counting() { get /metrics | grep -q '^rebound_commits_total [1-9]'; }
# lmtp PEER: one message over LMTP; the replies.
lmtp() {
	perl -MIO::Socket::UNIX -MIO::Socket::INET -e '
		my ($peer, $file) = @ARGV;
		my $s = $peer =~ m{^/} ? IO::Socket::UNIX->new(Peer => $peer) :
		    IO::Socket::INET->new(PeerAddr => $peer);
		$s or exit 1;
		open(my $in, "<", $file) or die; local $/; my $m = <$in>;
		$m =~ s/\r?\n/\r\n/g; $m =~ s/^\./../mg;
		print $s "LHLO test\r\nMAIL FROM:<>\r\nRCPT TO:<b\@example.org>\r\n",
		    "DATA\r\n", $m, ".\r\nQUIT\r\n";
		print while <$s>;' "$1" "$data/postfix-user-unknown.eml"
}
# The service manager's notify socket, writable by the user; what it is
# told goes to $tmp/notified.
perl -MIO::Socket::UNIX -e '
	my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $ARGV[0])
	    or die "notify: $!";
	chmod 0666, $ARGV[0];
	open(my $o, ">>", $ARGV[1]) or die; $o->autoflush(1);
	while (defined $s->recv(my $m, 4096)) { print $o "$m\n" }' \
	    "$tmp/notify" "$tmp/notified" &
manager=$!
wait_for "a notify socket" test -f "$tmp/notified"

# run TRACE [STRACE-OPTION...]: reboundd under strace, through its life.
run() {
	trace=$1
	shift
	rm -f "$tmp/lmtp.sock"	# the same calls each time: no stale socket
	# shellcheck disable=SC2086
	NOTIFY_SOCKET="$tmp/notify" WATCHDOG_USEC=200000 \
	    strace $as -f -qq -o "$trace" "$@" \
	    "$run_reboundd" --config "$tmp/conf" --foreground 2>>"$tmp/log" &
	pid=$!
	wait_for "started" healthy
	cp "$data/exim-mailbox-full.eml" "$md/tmp/m$pid"
	mv "$md/tmp/m$pid" "$md/new/m$pid"
	cp "$data/not-bounce.eml" "$md/tmp/n$pid"
	mv "$md/tmp/n$pid" "$md/new/n$pid"
	wait_for "maildir: recorded and moved" test -f "$md/cur/m$pid:2,S"
	lmtp "$tmp/lmtp.sock" >"$tmp/lmtp1"
	check "LMTP on the socket: 250" grep -q '^250 2.0.0 <b@example.org>' "$tmp/lmtp1"
	lmtp "127.0.0.1:$lport" >"$tmp/lmtp2"
	check "LMTP on TCP: 250" grep -q '^250 2.0.0 <b@example.org>' "$tmp/lmtp2"
	check "metrics" counting
	# A watchdog ping, a reload and a stop, each seen through.
	pings=$(grep -c '^WATCHDOG=1' "$tmp/notified")
	wait_for "watchdog" logged $((pings + 1)) '^WATCHDOG=1' "$tmp/notified"
	reloads=$(grep -c 'settings reloaded' "$tmp/notified")
	pkill -HUP -P "$pid" -x reboundd
	wait_for "reloaded" logged $((reloads + 1)) 'settings reloaded' "$tmp/notified"
	pkill -TERM -P "$pid" -x reboundd
	wait "$pid"
	is "stopped: exit 0" "$?" 0
}
run "$tmp/trace"

# Every call, against the unit's filter as systemd expands it.
sed -n 's/^[0-9]* *\([a-z0-9_]*\)(.*/\1/p' "$tmp/trace" | sort -u >"$tmp/calls"
systemd-analyze syscall-filter >"$tmp/groups" 2>/dev/null
awk '
	function add(x, deny,   i) {
		if (x ~ /^@/)
			for (i = 1; i <= n[x]; i++)
				add(member[x, i], deny)
		else if (deny)
			delete allowed[x]
		else
			allowed[x] = 1
	}
	FILENAME == ARGV[1] && /^@/ { group = $1 }
	FILENAME == ARGV[1] && /^ +[-@a-z0-9_]+$/ { member[group, ++n[group]] = $1 }
	FILENAME == ARGV[2] && sub(/^SystemCallFilter=/, "") {
		deny = sub(/^~/, "")
		for (i = 1; i <= NF; i++)
			add($i, deny)
	}
	FILENAME == ARGV[3] && !($1 in allowed) { print }
' "$tmp/groups" "$unit" "$tmp/calls" >"$tmp/forbidden"
diag "$(wc -l <"$tmp/calls") distinct system calls"
is "every system call is allowed by SystemCallFilter=" \
    "$(tr '\n' ' ' <"$tmp/forbidden")" ""

# Socket families outside RestrictAddressFamilies= fail there with
# EAFNOSUPPORT: make them fail here (strace counts each process's calls)
# and reboundd must still do all of the above.
main=$(sed -n '1s/ .*//p' "$tmp/trace")
families=$(sed -n 's/^RestrictAddressFamilies=//p' "$unit")
awk -v main="$main" -v families=" $families " '
	$1 == main && $2 ~ /^socket\(/ {
		calls++
		f = $2; sub(/^socket\(/, "", f); sub(/,$/, "", f)
		if (index(families, " " f " ") == 0)
			print calls, f
	}' "$tmp/trace" >"$tmp/families"
diag "socket families outside the unit's: $(awk '{ print $2 }' "$tmp/families" | tr '\n' ' ')"
while read -r n family; do
	run "$tmp/trace.$n" -e trace=socket \
	    -e inject=socket:error=EAFNOSUPPORT:when="$n"
	check "without $family (refused as the unit refuses it)" \
	    grep -q "$family.*EAFNOSUPPORT.*INJECTED" "$tmp/trace.$n"
done <"$tmp/families"

kill "$manager"
wait "$manager" 2>/dev/null
done_testing
