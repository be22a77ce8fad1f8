# lib.sh: TAP helpers for the shell tests (sourced, not run).
#
# Each test prints "ok N - what" or "not ok N - what" and, at the end,
# the plan "1..N".  REBOUND, top_srcdir and top_builddir come from the
# Makefile (AM_TESTS_ENVIRONMENT); run by hand they default to the tree.

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${REBOUND:=$top_builddir/src/rebound}"
: "${REBOUND_CORPUS:=$top_srcdir/../shared/corpus}"
# schema_sql ENGINE N: the SQL that makes schema version N (all without
# N) on ENGINE (sqlite or postgresql), as the build embeds it (sql2c.awk).
schema_sql() {
	"${AWK:-awk}" -v engine="$1" -v upto="$2" \
	    -f "$top_srcdir/src/store/sql2c.awk" \
	    "$top_srcdir"/sql/[0-9][0-9][0-9]-*.sql
}
# TEXTS_USED: the ids of texts (sql/014-texts.sql) a row names, as u.id;
# TEXTS_UNUSED and TEXTS_MISSING count the texts no row names and the
# ids named that are no text (both 0 after an expire).
TEXTS_USED="SELECT action_text AS id FROM outcomes
    UNION SELECT diagnostic_text / 2 FROM outcomes
    UNION SELECT decided_text / 2 FROM outcomes
    UNION SELECT remote_mta_text FROM outcomes
    UNION SELECT provider_text FROM outcomes
    UNION SELECT source_text FROM messages UNION SELECT kind_text FROM messages
    UNION SELECT envelope_to_text FROM messages
    UNION SELECT bounce_address_text FROM messages
    UNION SELECT list_address_text FROM messages
    UNION SELECT list_text FROM messages UNION SELECT subject_text FROM messages
    UNION SELECT sender_text FROM messages
    UNION SELECT returned_subject_text FROM messages
    UNION SELECT list_id_text FROM messages
    UNION SELECT reporting_mta_text FROM messages"
TEXTS_UNUSED="SELECT count(*) FROM texts WHERE NOT EXISTS
    (SELECT 1 FROM ($TEXTS_USED) u WHERE u.id = texts.id)"
TEXTS_MISSING="SELECT count(*) FROM ($TEXTS_USED) u
    WHERE u.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM texts WHERE id = u.id)"
tap_n=0
tap_failed=0

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
# not_ok returns 1, and so do check, is and wait_for when they fail:
# "check ... || diag_file ..." prints what explains a failure.
not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
	return 1
}
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	tap_desc=$1
	shift
	if "$@"; then ok "$tap_desc"; else not_ok "$tap_desc"; fi
}
# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   got:  '$2'"
		echo "#   want: '$3'"
		return 1
	fi
}
diag() { echo "# $*"; }
done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
# wait_until DESCRIPTION COMMAND...: poll COMMAND (output discarded)
# every 0.05 s until it succeeds.  Every wait in the tests is on the
# thing itself (a log line, a file, a row, a socket that answers), never
# a fixed sleep, so a loaded machine only makes them slower.  After
# WAIT_SECONDS of wall time (default 60) it says what it waited for and
# fails.
wait_until() {
	w_desc=$1
	shift
	w_end=$(( $(date +%s) + ${WAIT_SECONDS:-60} ))
	until "$@" >/dev/null 2>&1; do
		if [ "$(date +%s)" -ge "$w_end" ]; then
			diag "gave up after ${WAIT_SECONDS:-60} s waiting for: $w_desc"
			diag "  (still failing: $*)"
			return 1
		fi
		sleep 0.05
	done
}
# wait_for DESCRIPTION COMMAND...: wait_until, as a test: ok or not ok.
wait_for() {
	w_test=$1
	if wait_until "$@"; then ok "$w_test"; else not_ok "$w_test"; fi
}
# logged N PATTERN FILE: FILE has at least N lines that match PATTERN
# (a log appended to by several runs of the daemon).
logged() {
	[ "$(grep -c -- "$2" "$3" 2>/dev/null)" -ge "$1" ]
}
# empty DIR: nothing in DIR (a maildir's new/, emptied).
empty() { [ -z "$(ls -A "$1")" ]; }
# started LOG [N]: reboundd has logged its Nth (default first) start in
# LOG: it listens, has dropped privileges, opened the database and
# scans its maildir (a socket file exists before it accepts).
started() {
	logged "${2:-1}" ': reboundd [^ ]*: started, database ' "$1"
}
# lock_db DB BEGIN END: another program holds a write transaction on DB:
# sqlite3 runs BEGIN (e.g. "begin exclusive", or "begin immediate;
# delete from t") and keeps it open, until unlock_db runs END ("commit",
# "rollback").  Returns once the lock is held; one lock at a time.
lock_db() {
	lk_dir=$(mktemp -d "$tmp/lock.XXXXXX")
	printf '.bail on\n.timeout 60000\n%s;\n.shell touch %s/held\n.shell %s\n%s;\n' "$2" "$lk_dir" \
	    "while [ -d $lk_dir ] && [ ! -e $lk_dir/release ]; do sleep 0.05; done" \
	    "$3" | sqlite3 "$1" >/dev/null &
	lk_pid=$!
	wait_until "sqlite3 to hold a lock on $1" test -e "$lk_dir/held"
}
unlock_db() {
	touch "$lk_dir/release"
	wait $lk_pid
}

# lmtp_replay CONF DB DIR N ORDER: start reboundd on CONF (its LMTP
# socket $tmp/lmtp.sock), deliver the files of DIR over one session in
# the order of their names (tests/lmtp-replay.pl), wait until DB holds N
# messages, and stop it; tests named "daemon: ...", ORDER saying what
# order the names are in.  For the replays of a month (replay.sh,
# order.sh).  LR_SOCKETS (default $tmp/lmtp.sock) and LR_OPTS are
# lmtp-replay.pl's sockets and options.
lmtp_replay() {
	# Emptied here, not only by the child's redirection, which may come
	# after lr_up has read a previous replay's "started" in it.
	: >"$tmp/log"
	"$REBOUNDD" --config "$1" --foreground 2>"$tmp/log" &
	lr_pid=$!
	lr_up() { started "$tmp/log" || ! kill -0 "$lr_pid" 2>/dev/null; }
	wait_until "reboundd to start or exit" lr_up
	check "daemon: reboundd started" started "$tmp/log"
	started "$tmp/log" || diag "$(tail -3 "$tmp/log")"
	lr_start=$(date +%s%N)
	# shellcheck disable=SC2086
	perl "$top_srcdir/tests/lmtp-replay.pl" ${LR_OPTS:-} \
	    "${LR_SOCKETS:-$tmp/lmtp.sock}" "$3" >"$tmp/sent" 2>&1
	is "daemon: every message accepted over LMTP, $5" "$?" 0
	diag "daemon: $(cat "$tmp/sent") in $(( ($(date +%s%N) - lr_start) / 1000000 )) ms"
	lr_db=$2 lr_n=$4
	lr_recorded() {
		[ "$(sqlite3 "$lr_db" 'select count(*) from messages' 2>/dev/null)" = "$lr_n" ]
	}
	lr_done() { lr_recorded || ! kill -0 "$lr_pid" 2>/dev/null; }
	wait_until "reboundd to record all $4 messages" lr_done
	check "daemon: all $4 messages recorded" lr_recorded
	kill -TERM "$lr_pid" 2>/dev/null
	wait "$lr_pid"
	is "daemon: reboundd stops with 0" "$?" 0
}

# A scratch directory removed on exit.
scratch() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/rebound-test.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT INT TERM
}

# asan_build PROGRAM: whether it was built with AddressSanitizer, which
# maps terabytes of shadow memory: no memory limit or RSS bound applies.
asan_build() { ldd "$1" 2>/dev/null | grep -q libasan; }

# http_get PORT PATH: GET PATH from reboundd's metrics listener on
# 127.0.0.1:PORT; the status line, then the body.
http_get() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ARGV[0]") or die;
		print $s "GET $ARGV[1] HTTP/1.0\r\n\r\n";
		my $r = join("", <$s>); $r =~ s/\r//g;
		my ($head, $body) = split(/\n\n/, $r, 2);
		print((split(/\n/, $head))[0], "\n", $body);' "$1" "$2"
}

# free_port: a TCP port of 127.0.0.1 that nothing listens on just now,
# chosen at random below the kernel's ephemeral range: a port from it
# (what binding port 0 gives) can be taken, before the daemon binds it,
# as the local end of any client's connection, and a daemon that cannot
# bind exits at start (the likely cause of webhook-limits.sh's daemon
# exiting at start in a loaded ASan run of .ci/run).
free_port() {
	perl -MIO::Socket::INET -e '
	    my $lo = 32768;
	    if (open(my $f, "<", "/proc/sys/net/ipv4/ip_local_port_range")) {
		    ($lo) = split(" ", <$f>);
		    $lo = 32768 if $lo < 11000;
	    }
	    for (1 .. 1000) {
		    my $port = 10000 + int(rand($lo - 10000));
		    my $s = IO::Socket::INET->new(Listen => 1, ReuseAddr => 1,
			LocalAddr => "127.0.0.1:$port") or next;
		    print $port;
		    exit 0;
	    }
	    exit 1'
}
