# pg-lib.sh: a private PostgreSQL for a test (sourced after lib.sh and
# scratch, not run).
#
# pg_start: initdb a cluster in $tmp/pg/data and start it with its unix
# socket in $tmp/pg and no TCP (listen_addresses ''), then create the
# database "rebound"; PG_URL is then its libpq URI.  Never the system's
# cluster: Debian's binaries are run directly, not its pg_ctlcluster.
# PostgreSQL refuses to run as root: as root, the cluster runs as
# nobody (setpriv), in a directory chowned to it; nothing outside $tmp
# changes.  Waits on pg_isready, never a sleep.  Stopped at exit.
# pg_stop / pg_restart: stop it (fast), start it again on the same data.
# pg_skip_unless: skip the whole test (exit 77) without PostgreSQL 15+
# or a rebound built without it.
# psql_q SQL: one query's result, unaligned, on the test's database.
# pgb_start: a private PgBouncer in front of it (pgb_start's comment).

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

pg_skip_unless() {
	if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
		echo "1..0 # SKIP no PostgreSQL server binaries (postgresql-15)"
		exit 77
	fi
	if "$REBOUND" list --db 'postgresql:///none?host=/nonexistent' 2>&1 |
	    grep -q 'without PostgreSQL'; then
		echo "1..0 # SKIP rebound built --without-postgresql"
		exit 77
	fi
}

# pg_test: what a test of a private PostgreSQL starts with: skip
# without one (pg_skip_unless), scratch, and pg_start, or bail out.
pg_test() {
	pg_skip_unless
	scratch
	pg_start || { echo "Bail out! private PostgreSQL did not start"; exit 1; }
}

pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
	else
		"$@"
	fi
}

pg_ready() { "$pg_bin/pg_isready" -q -h "$tmp/pg" -d postgres -U rebound; }

pg_run() {
	pg_as "$pg_bin/pg_ctl" -D "$tmp/pg/data" -l "$tmp/pg/log" -W \
	    -o "-c listen_addresses='' -k $tmp/pg -c shared_buffers=32MB -c max_connections=40" \
	    start >/dev/null || return 1
	wait_until "PostgreSQL to accept on $tmp/pg" pg_ready
}

pg_start() {
	mkdir "$tmp/pg"
	if [ "$(id -u)" -eq 0 ]; then
		chmod 755 "$tmp"
		chown nobody:nogroup "$tmp/pg"
	fi
	pg_as "$pg_bin/initdb" -D "$tmp/pg/data" -U rebound -A trust \
	    -E UTF8 --locale=C --no-sync >"$tmp/pg/initdb.log" 2>&1 ||
	    { cat "$tmp/pg/initdb.log" >&2; return 1; }
	trap 'pg_stop; rm -rf "$tmp"' EXIT
	trap 'exit 1' INT TERM
	pg_run || return 1
	"$pg_bin/createdb" -h "$tmp/pg" -U rebound rebound || return 1
	PG_URL="postgresql:///rebound?host=$tmp/pg&user=rebound"
}

pg_stop() {
	[ -f "$tmp/pg/data/postmaster.pid" ] || return 0
	pg_as "$pg_bin/pg_ctl" -D "$tmp/pg/data" -m fast -w stop >/dev/null
}

pg_restart() {
	pg_stop && pg_run
}

# pg_two_daemons: start reboundd on $tmp/a.conf and on $tmp/b.conf
# (pid_a, pid_b; logs $tmp/a.log, $tmp/b.log), stopped at exit, and
# check that both started.
pg_two_daemons() {
	"$REBOUNDD" --config "$tmp/a.conf" --foreground 2>"$tmp/a.log" &
	pid_a=$!
	"$REBOUNDD" --config "$tmp/b.conf" --foreground 2>"$tmp/b.log" &
	pid_b=$!
	trap 'kill $pid_a $pid_b 2>/dev/null; pg_stop; rm -rf "$tmp"' EXIT
	both_up() {
		{ started "$tmp/a.log" || ! kill -0 $pid_a; } &&
		    { started "$tmp/b.log" || ! kill -0 $pid_b; }
	}
	wait_until "both reboundd to start or exit" both_up
	check "two reboundd start on one PostgreSQL" sh -c \
	    "grep -q 'started, database' '$tmp/a.log' && grep -q 'started, database' '$tmp/b.log'"
}

psql_q() {
	"$pg_bin/psql" -X -A -t -q -h "$tmp/pg" -U rebound -d rebound -c "$1"
}

# pg_hooks_start: what a test of reboundd on PostgreSQL with a webhook
# does first: skip without PostgreSQL (pg_skip_unless), scratch, start
# a private one (pg_start) and tests/hook-receiver.py in $tmp/web
# (web_pid; secret s3cret), wait until it listens, and stop both at exit
# until the test sets a trap of its own.  REBOUNDD: the daemon.
# pg_hooks_conf LEASE: the configuration's sections from [guard] on: no
# guard, events at once, hooks leased for LEASE, the receiver's webhook.
pg_hooks_start() {
	: "${REBOUNDD:=$top_builddir/src/reboundd}"
	pg_skip_unless
	scratch
	pg_start || { echo "Bail out! private PostgreSQL did not start"; exit 1; }
	mkdir "$tmp/web"
	python3 "$top_srcdir/tests/hook-receiver.py" "$tmp/web" webhook 's3cret' &
	web_pid=$!
	trap 'kill $web_pid 2>/dev/null; pg_stop; rm -rf "$tmp"' EXIT
	wait_until "the receiver listens" test -f "$tmp/web/port"
}

pg_hooks_conf() {
	cat <<CONF
[guard]
enabled = no
[events]
delay = 0
[hooks]
lease = $1
[hook web]
kind = webhook
url = http://127.0.0.1:$(cat "$tmp/web/port")/rebound
secret = s3cret
max_actions_per_hour = 1000
types = all
CONF
}

# pgb_start: a private PgBouncer (Debian's pgbouncer; pgb_skip_unless
# skips the test without it) in front of pg_start's server: its
# configuration, log and unix socket in $tmp/pgb, no TCP (listen_addr
# empty), never the package's service; as nobody when root (pgbouncer
# refuses root).  Three pools on the database: rebound (session mode),
# one (session mode, one server connection: commands in turn share it)
# and tx (transaction mode).  Waits until it listens.  pgb_stop: stop it
# (its pidfile: the process started is pg_as's shell, not pgbouncer),
# for the caller's trap.  pgb_url POOL: a pool's libpq URI.
pgb_bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)

pgb_skip_unless() {
	if [ ! -x "$pgb_bin" ]; then
		echo "1..0 # SKIP no pgbouncer (apt-get install pgbouncer)"
		exit 77
	fi
}

pgb_start() {
	mkdir "$tmp/pgb"
	[ "$(id -u)" -ne 0 ] || chown nobody:nogroup "$tmp/pgb"
	printf '"rebound" ""\n' >"$tmp/pgb/users"
	server="host=$tmp/pg dbname=rebound user=rebound"
	cat >"$tmp/pgb/pgbouncer.ini" <<INI
[databases]
rebound = $server
one = $server pool_size=1
tx = $server pool_mode=transaction
[pgbouncer]
listen_addr =
listen_port = 6432
unix_socket_dir = $tmp/pgb
auth_type = trust
auth_file = $tmp/pgb/users
pool_mode = session
default_pool_size = 10
pidfile = $tmp/pgb/pid
INI
	pg_as "$pgb_bin" "$tmp/pgb/pgbouncer.ini" >"$tmp/pgb/log" 2>&1 &
	wait_until "PgBouncer to listen" test -S "$tmp/pgb/.s.PGSQL.6432"
}

pgb_stop() {
	[ -s "$tmp/pgb/pid" ] && kill "$(cat "$tmp/pgb/pid")" 2>/dev/null
	return 0
}

pgb_url() { echo "postgresql:///$1?host=$tmp/pgb&port=6432&user=rebound"; }

# pg_month SEED EXTRA: what pg-month.sh and pg-split.sh start with: skip
# without PostgreSQL, scratch, a private one, issue 25's month
# (gen-month.pl --hostco --oldcorp --seed SEED) in $month, $n messages,
# fed in time order to one reboundd on a SQLite file, $tmp/one.db, the
# answer the two daemons must give; then $tmp/a.conf and $tmp/b.conf
# for two daemons on PostgreSQL, nodes a.test and b.test (each its own
# [store] node, which every outcome it records carries).
# pg_month_conf NAME STORE: a daemon's settings in $tmp/NAME.conf, its
# socket $tmp/NAME.sock, with dating = date and EXTRA (more settings,
# printf's format).
pg_month() {
	: "${REBOUNDD:=$top_builddir/src/reboundd}"
	pg_month_extra=$2
	pg_skip_unless
	scratch
	pg_start || { echo "Bail out! private PostgreSQL did not start"; exit 1; }
	month=$tmp/month
	perl "$top_srcdir/tests/gen-month.pl" --out "$month" --hostco \
	    --oldcorp --seed "$1" >"$tmp/gen" 2>&1
	is "gen-month.pl writes the month" "$?" 0
	n=$(ls "$month/new" | wc -l | tr -d ' ')
	diag "$n messages"
	pg_month_conf one "path = $tmp/one.db"
	sed -i "s|$tmp/one.sock|$tmp/lmtp.sock|" "$tmp/one.conf"
	lmtp_replay "$tmp/one.conf" "$tmp/one.db" "$month" "$n" "in time order"
	pg_month_conf a "url = $PG_URL
node = a.test"
	pg_month_conf b "url = $PG_URL
node = b.test"
}

pg_month_conf() {
	# shellcheck disable=SC2059
	printf "[store]\n%s\nsynchronous = normal\n[lmtp]\nlisten = unix:%s/%s.sock\n[intake]\ndating = date\n$pg_month_extra" \
	    "$2" "$tmp" "$1" >"$tmp/$1.conf"
}

# pg_same WHAT ARGS...: "rebound ARGS" says the same of $tmp/one.db and
# of PostgreSQL, after SAME_FILTER (a sed script) takes out what differs
# between any two runs.
pg_same() {
	s_what=$1
	shift
	"$REBOUND" "$@" --db "$tmp/one.db" 2>&1 | sed "${SAME_FILTER:-}" >"$tmp/want"
	"$REBOUND" "$@" --db "$PG_URL" 2>&1 | sed "${SAME_FILTER:-}" >"$tmp/got"
	if [ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/got"; then
		ok "$s_what: as one daemon on SQLite ($(wc -l <"$tmp/want" | tr -d ' ') lines)"
	else
		not_ok "$s_what: as one daemon on SQLite"
		diff "$tmp/want" "$tmp/got" | head -6 | sed 's/^/# /'
	fi
}
