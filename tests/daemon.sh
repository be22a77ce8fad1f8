#!/bin/sh
# daemon.sh: reboundd on a maildir, as an operator runs it: start-up scan,
# new arrivals, non-bounces kept aside, exactly once, a burst, a locked
# database (nothing acknowledged, recovery without a restart), a second
# reboundd on the same file refused, reload on
# SIGHUP, configuration errors, and a clean stop on SIGTERM.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
scratch
data="$top_srcdir/tests/data"
md="$tmp/Maildir"
q() { sqlite3 "$tmp/db" "$1"; }
port=$(perl -MIO::Socket::INET -e \
    'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0")->sockport')
cat >"$tmp/conf" <<CONF
[store]
path = $tmp/db
busy_timeout = 200
[maildir]
path = $md
[intake]
delay = 5
[metrics]
listen = $port
[lmtp]
listen = unix:$tmp/lmtp.sock
CONF
# http PATH: GET it from the metrics listener; the status line, then the body.
http() { http_get "$port" "$1"; }

files_in() { ls "$1" 2>/dev/null | wc -l | tr -d ' '; }
is_n() { [ "$(eval "$1")" = "$2" ]; }
# deliver NAME FILE: as a delivery agent does: write in tmp/, rename to new/.
deliver() {
	cp "$2" "$md/tmp/$1" && mv "$md/tmp/$1" "$md/new/$1"
}

# Configuration errors: file, line and key; exit 78.
printf '[maildir]\npath = %s\n[lmtp]\nlisten = unix:%s/s\nmax_sesions = 3\n' "$md" "$tmp" >"$tmp/bad.conf"
"$REBOUNDD" --config "$tmp/bad.conf" --check-config >/dev/null 2>"$tmp/err"; rc=$?
is "bad config: exit 78" "$rc" 78
check "bad config: file, line and key" grep -q "bad.conf:5: \[lmtp\] max_sesions: unknown key" "$tmp/err"
"$REBOUNDD" --config "$tmp/conf" --check-config >"$tmp/out"; rc=$?
is "good config: --check-config exits 0" "$rc" 0
"$REBOUNDD" --version | grep -q '^reboundd [0-9]'
is "--version" "$?" 0

# Mail already waiting is taken at start.
mkdir -p "$md/tmp" "$md/new" "$md/cur"
cp "$data/postfix-user-unknown.eml" "$md/new/early1"
cp "$data/not-bounce.eml" "$md/new/early2"
"$REBOUNDD" --config "$tmp/conf" --foreground 2>"$tmp/log" &
pid=$!
wait_for "start-up scan: the bounce moves to cur/" test -f "$md/cur/early1:2,S"
wait_for "start-up scan: a non-bounce goes to .NotBounce/new" test -f "$md/.NotBounce/new/early2"
is "the bounce is recorded" "$(q "select reason from outcomes where address='Alice.Nobody@example.org'")" userunknown
is "the non-bounce is recorded as such" "$(q "select (select text from texts where id = kind_text) from messages where (select text from texts where id = source_text)='maildir' and (select text from texts where id = kind_text)='none'")" none
check "the log says what happened to which message" grep -q "maildir early1: recorded .*userunknown (hard)" "$tmp/log"

# Metrics on loopback, for Prometheus.
http /metrics >"$tmp/metrics"
check "metrics: 200" grep -q '^HTTP/1.[01] 200' "$tmp/metrics"
check "metrics: messages by source and kind" \
    grep -q '^rebound_messages_total{source="maildir",kind="dsn"} 1$' "$tmp/metrics"
check "metrics: recipients by class and reason" \
    grep -q '^rebound_recipients_total{class="hard",reason="userunknown"} 1$' "$tmp/metrics"
check "metrics: commits" grep -q '^rebound_commits_total [1-9]' "$tmp/metrics"
check "metrics: backlog" grep -q '^rebound_backlog 0$' "$tmp/metrics"
is "healthz" "$(http /healthz | tail -1)" ok
http /nothing | head -1 | grep -q ' 404 '
is "other paths: 404" "$?" 0

# One reboundd a SQLite file: each would keep half a burst in its guard.
printf '[store]\npath = %s\n[lmtp]\nlisten = unix:%s/lmtp2.sock\n' "$tmp/db" "$tmp" >"$tmp/conf2"
"$REBOUNDD" --config "$tmp/conf2" --foreground 2>"$tmp/log2"
is "a second reboundd on the file: refused, exit 70" "$?" 70
check "... naming the first one's pid" grep -q "another reboundd (pid $pid) has this database" "$tmp/log2"
check "... and PostgreSQL for several" grep -q 'several daemons need PostgreSQL' "$tmp/log2"

# New arrivals, and the same bytes twice: recorded once, both moved.
deliver new1 "$data/exim-mailbox-full.eml"
deliver new2 "$data/exim-mailbox-full.eml"
wait_for "new arrivals leave new/" is_n 'files_in "$md/new"' 0
is "the same bytes are recorded once" "$(q "select count(*) from outcomes where reason='mailboxfull'")" 1
is "the log says which was recorded, which already was" \
    "$(grep -oE 'maildir new[12]: (already )?recorded' "$tmp/log" | sed 's/new[12]/newN/' | sort | tr '\n' ,)" \
    "maildir newN: already recorded,maildir newN: recorded,"

# burst DIR PREFIX N: N distinct bounces into DIR/new, each written in
# tmp/ and renamed, as a delivery agent does.
burst() {
	perl -e '
		my ($md, $prefix, $n, $src) = @ARGV;
		open(my $in, "<", $src) or die; local $/; my $m = <$in>;
		for my $i (1 .. $n) {
			open(my $o, ">", "$md/tmp/$prefix$i") or die;
			print $o "X-Burst: $prefix$i\n", $m; close $o;
			rename("$md/tmp/$prefix$i", "$md/new/$prefix$i") or die;
		}' "$1" "$2" "$3" "$data/multi-recipient.eml"
}

# A burst of 5,000 distinct bounces while running.
burst "$md" b 5000
WAIT_SECONDS=60 wait_for "a burst of 5,000 leaves new/" is_n 'files_in "$md/new"' 0
is "a burst of 5,000: all recorded" "$(q "select count(*) from messages where (select text from texts where id = source_text)='maildir'")" 5003
is "a burst of 5,000: all in cur/" "$(files_in "$md/cur")" 5003

# Another writer holds the database: nothing is moved while it does, and
# everything is recorded once it lets go, without a restart.
lock_db "$tmp/db" 'begin exclusive' 'commit'
deliver locked "$data/sendmail-host-unknown.eml"
wait_for "locked database: the log says it was not recorded" \
    grep -q "maildir locked: not recorded" "$tmp/log"
is "locked database: the file stays in new/" "$(files_in "$md/new")" 1
if [ -S "$tmp/lmtp.sock" ] && command -v swaks >/dev/null; then
	swaks --protocol LMTP --socket "$tmp/lmtp.sock" --from '<>' \
	    --to 'a@example.org,b@example.org' --data "$data/delay-no-dsn.eml" \
	    >"$tmp/swaks-locked" 2>&1
	is "locked database: LMTP answers 451 4.3.0 per recipient" \
	    "$(grep -c '^<\*\* 451 4.3.0 ' "$tmp/swaks-locked")" 2
fi
unlock_db
wait_for "after the lock: recorded and moved" test -f "$md/cur/locked:2,S"
is "after the lock: recorded once" "$(q "select count(*) from outcomes where reason='hostunknown'")" 1

# LMTP beside the maildir: one reply per recipient after the commit; the
# recipient that decodes as VERP names the subscriber, wherever it is.
if command -v swaks >/dev/null; then
	wait_for "the LMTP socket is there" test -S "$tmp/lmtp.sock"
	swaks --protocol LMTP --socket "$tmp/lmtp.sock" --from '<>' \
	    --to 'second@example.net,list-bounces+dora=example.com@lists.example.net' \
	    --data "$data/qmail-no-dsn.eml" >"$tmp/swaks" 2>&1
	is "LMTP: one 250 per recipient" "$(grep -c '^<-  250 2.0.0 <.*> recorded' "$tmp/swaks")" 2
	is "LMTP: the VERP subscriber is recorded" \
	    "$(q "select address from outcomes where address='dora@example.com'")" dora@example.com
	# Not a bounce: kept beside the database for a person, once.
	for i in 1 2; do
		swaks --protocol LMTP --socket "$tmp/lmtp.sock" --from 'person@example.com' \
		    --to 'list-bounces@lists.example.net' --data "$data/not-bounce.eml" \
		    >"$tmp/swaks-person" 2>&1
	done
	check "LMTP, not a bounce: 250" grep -q '^<-  250 2.0.0 <.*> recorded' "$tmp/swaks-person"
	is "LMTP, not a bounce: kept in NotBounce/new, once" "$(files_in "$tmp/NotBounce/new")" 1
	check "LMTP, not a bounce: the log says where" grep -q "lmtp#.*: not a bounce: kept as $tmp/NotBounce/new/" "$tmp/log"
else
	ok "LMTP with swaks # SKIP swaks not installed"
fi

# Files that arrive while the start-up scan of a backlog is under way.
kill -TERM $pid; wait $pid
burst "$md" s 3000
"$REBOUNDD" --config "$tmp/conf" --foreground 2>>"$tmp/log" &
pid=$!
burst "$md" d 500
WAIT_SECONDS=60 wait_for "backlog and arrivals during the scan leave new/" \
    is_n 'files_in "$md/new"' 0
is "backlog and arrivals: each recorded once" \
    "$(q "select count(*) from messages where (select text from texts where id = source_text)='maildir'")" 8504

# SIGHUP: a broken file is reported and the running settings kept.
cp "$tmp/conf" "$tmp/conf.good"
printf '[policy]\nsoft_treshold = 2\n' >>"$tmp/conf"
kill -HUP $pid
wait_for "reload with a bad file: reported" \
    grep -q "reload: .*soft_treshold: unknown key (keeping the running settings)" "$tmp/log"
cp "$tmp/conf.good" "$tmp/conf"
kill -HUP $pid
wait_for "reload with a good file: done" grep -q "reload: settings re-read" "$tmp/log"
check "still running after reloads" kill -0 $pid

# SIGTERM: a clean stop, exit 0, not held up by an idle LMTP client: it
# is told 421 at once rather than waited for (up to 30 s).  The client,
# greeted and past LHLO, writes "ready", then what it hears next.
if [ -S "$tmp/lmtp.sock" ]; then
	perl -MIO::Socket::UNIX -e '
		my ($path, $out) = @ARGV;
		my $s = IO::Socket::UNIX->new(Peer => $path) or die;
		alarm 600;
		<$s> =~ /^220 / or die "no greeting";
		print $s "LHLO test\r\n";
		while (<$s>) { last if /^250 / }
		open(my $o, ">", "$out.part") or die; print $o "ready\n";
		$o->flush; rename("$out.part", $out) or die;
		print $o scalar(<$s>) // "EOF\n"; close $o;' "$tmp/lmtp.sock" "$tmp/idle" &
	idle=$!
	wait_until "the idle LMTP client to be past LHLO" test -f "$tmp/idle"
fi
start=$(date +%s%N)
kill -TERM $pid
wait $pid
is "SIGTERM: exit 0" "$?" 0
diag "stopped in $(( ($(date +%s%N) - start) / 1000000 )) ms"
if [ -n "${idle:-}" ]; then
	wait $idle
	check "SIGTERM: an idle LMTP client is told 421 4.3.2" \
	    grep -q '^421 4.3.2 ' "$tmp/idle"
	check "SIGTERM: an idle LMTP client does not hold the stop" \
	    sh -c "! grep -q 'stop: giving up' '$tmp/log'"
fi
check "SIGTERM: logged" grep -q "reboundd: stopped" "$tmp/log"
is "integrity after the run" "$(q 'pragma integrity_check')" ok

# Started as root with [daemon] user: binds first, then runs as that user.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1 && command -v swaks >/dev/null; then
	chmod 0755 "$tmp"	# nobody must reach $tmp/priv
	mkdir -m 0777 "$tmp/priv"
	printf '[store]\npath = %s/priv/db\n[lmtp]\nlisten = unix:%s/lmtp2.sock\nsocket_mode = 0666\n[daemon]\nuser = nobody\n' \
	    "$tmp" "$tmp" >"$tmp/priv.conf"
	"$REBOUNDD" --config "$tmp/priv.conf" --foreground 2>"$tmp/priv.log" &
	ppid=$!
	wait_for "as root with user = nobody: starts" started "$tmp/priv.log"
	is "runs as nobody" "$(awk '/^Uid:/ { print $2 }' /proc/$ppid/status)" "$(id -u nobody)"
	check "... with nobody's home, where libpq looks for ~/.pgpass" \
	    grep -q "running as user nobody, home $(getent passwd nobody | cut -d: -f6)\$" "$tmp/priv.log"
	# Real, effective, saved and file-system ids; root's groups gone.
	u=$(id -u nobody) g=$(id -g nobody)
	is "uids all nobody's" "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' /proc/$ppid/status)" "$u $u $u $u"
	is "gids all nobody's" "$(awk '/^Gid:/ { print $2, $3, $4, $5 }' /proc/$ppid/status)" "$g $g $g $g"
	is "supplementary groups: nobody's, none of root's" \
	    "$(awk '/^Groups:/ { $1 = ""; print }' /proc/$ppid/status | tr ' ' '\n' | sort -n | xargs)" \
	    "$(id -G nobody | tr ' ' '\n' | sort -n | xargs)"
	is "no capabilities left" "$(awk '/^CapPrm:/ { print $2 }' /proc/$ppid/status)" 0000000000000000
	is "the socket was bound as root" "$(stat -c %U "$tmp/lmtp2.sock")" root
	swaks --protocol LMTP --socket "$tmp/lmtp2.sock" --from '<>' --to b@example.org \
	    --data "$data/postfix-user-unknown.eml" >"$tmp/swaks2" 2>&1
	check "as nobody: a message is recorded" grep -q '^<-  250 ' "$tmp/swaks2"
	is "the database belongs to nobody" "$(stat -c %U "$tmp/priv/db")" nobody
	kill -TERM $ppid; wait $ppid
	is "as nobody: a clean stop" "$?" 0
else
	ok "privilege drop # SKIP not root, or no nobody or swaks"
fi

# A commit slower than [lmtp] reply_timeout (another writer holds the
# lock until the test lets go, and busy_timeout lets SQLite wait it
# out): the client hears 451 4.3.0 while the lock is held, other clients
# are served while the commit waits (on its own thread), the late commit
# still lands, and the MTA's retry is recorded once.
if command -v swaks >/dev/null; then
	printf '[store]\npath = %s/slow.db\nbusy_timeout = 60000\n[lmtp]\nlisten = unix:%s/slow.sock\nreply_timeout = 1\nother = %s/notadir/keep\n[maildir]\npath = %s/md2\ndone = .Processed\n' \
	    "$tmp" "$tmp" "$tmp" "$tmp" >"$tmp/slow.conf"
	: >"$tmp/notadir"	# so the keep maildir cannot be made
	"$REBOUNDD" --config "$tmp/slow.conf" --foreground 2>"$tmp/slow.log" &
	spid=$!
	wait_for "reply timeout: the daemon starts" started "$tmp/slow.log"
	# [maildir] done = a folder: recorded bounces go to its cur/.
	md="$tmp/md2" deliver proc "$data/postfix-user-unknown.eml"
	wait_for "done = .Processed: the bounce moves to .Processed/cur/" \
	    test -f "$tmp/md2/.Processed/cur/proc:2,S"
	lock_db "$tmp/slow.db" 'begin exclusive' 'commit'
	slow() {
		swaks --protocol LMTP --socket "$tmp/slow.sock" --from '<>' \
		    --to 'c@example.org,d@example.org' --data "$data/exim-mailbox-full.eml"
	}
	start=$(date +%s%N)
	slow >"$tmp/swaks-slow" 2>&1
	slow_ms=$(( ($(date +%s%N) - start) / 1000000 ))
	is "reply timeout: 451 4.3.0 per recipient, while the lock is held" \
	    "$(grep -c '^<\*\* 451 4.3.0 <.*> not recorded in time' "$tmp/swaks-slow")" 2
	wait_for "reply timeout: logged" \
	    grep -q "no commit within 1 s: 451 to 2 recipients" "$tmp/slow.log"
	# The commit is still waiting for the lock, on its own thread.
	is "reply timeout: not recorded yet" \
	    "$(sqlite3 "$tmp/slow.db" "select count(*) from messages where (select text from texts where id = source_text)='lmtp'")" 0
	start=$(date +%s%N)
	swaks --protocol LMTP --socket "$tmp/slow.sock" --quit-after LHLO \
	    >"$tmp/swaks-other" 2>&1
	other_ms=$(( ($(date +%s%N) - start) / 1000000 ))
	check "reply timeout: another client is served while the commit waits" \
	    grep -q '^<-  250 SMTPUTF8' "$tmp/swaks-other"
	diag "451 after ${slow_ms} ms; then another client's LHLO in ${other_ms} ms"
	check "reply timeout: the commit was still waiting meanwhile" \
	    sh -c "! grep -q 'recorded after the reply timeout' '$tmp/slow.log'"
	unlock_db
	wait_for "reply timeout: the late commit lands" \
	    grep -q "recorded after the reply timeout" "$tmp/slow.log"
	slow >"$tmp/swaks-retry" 2>&1
	is "reply timeout: the retry gets 250 per recipient" \
	    "$(grep -c '^<-  250 2.0.0 ' "$tmp/swaks-retry")" 2
	is "reply timeout: recorded once" \
	    "$(sqlite3 "$tmp/slow.db" "select count(*) from messages where (select text from texts where id = source_text)='lmtp'")" 1
	# A non-bounce that cannot be kept is not acknowledged.
	swaks --protocol LMTP --socket "$tmp/slow.sock" --from 'person@example.com' \
	    --to 'list-bounces@lists.example.net' --data "$data/not-bounce.eml" \
	    >"$tmp/swaks-nokeep" 2>&1
	check "not a bounce, cannot be kept: 451 4.3.0" grep -q '^<\*\* 451 4.3.0 ' "$tmp/swaks-nokeep"
	check "not a bounce, cannot be kept: logged" \
	    grep -q "lmtp#.*: not recorded: not a bounce, and not kept: $tmp/notadir/keep" "$tmp/slow.log"
	is "not a bounce, cannot be kept: nothing recorded" \
	    "$(sqlite3 "$tmp/slow.db" "select count(*) from messages where (select text from texts where id = kind_text)='none'")" 0
	kill -TERM $spid; wait $spid
	is "reply timeout: a clean stop" "$?" 0
else
	ok "reply timeout # SKIP swaks not installed"
fi

done_testing
