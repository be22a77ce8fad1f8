#!/bin/sh
# pg-user.sh: the PostgreSQL store as a site's operator names it: both
# URI schemes and libpq's key=value form, in --db and in [store] url; a
# percent-encoded password with @ : / # %, PGHOST and the rest, a
# ~/.pgpass, a service file, a schema other than public.  The password
# shows nowhere: not in an error (wrong password, no such database,
# server down, an unencoded one), the log, /healthz, /metrics nor ps.
# What cannot work says so before libpq: a typo in the scheme, quotes,
# a comment after the URI; a role that may not create the tables says
# who can.  A database not yet migrated: each reading command says so
# as on an empty SQLite file, a writing one migrates it.  migrate takes
# an older file and one it may only read, refuses one that reboundd is
# running on, and a counts mismatch says what to do.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/pg-lib.sh"
. "$top_srcdir/tests/hooks-lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
pg_test
data="$top_srcdir/tests/data"
sock=$tmp/pg

# The role op logs in with a password (SCRAM), the others as before.
pw='Pw@d:1/2#3%x'
enc='Pw%40d%3A1%2F2%233%25x'
psql_q "CREATE ROLE op LOGIN PASSWORD '$pw'"
psql_q "CREATE ROLE app LOGIN"
"$pg_bin/createdb" -h "$sock" -U rebound -O op opdb
"$pg_bin/createdb" -h "$sock" -U rebound other
sed -i '1i local all op scram-sha-256' "$tmp/pg/data/pg_hba.conf"
pg_as "$pg_bin/pg_ctl" -D "$tmp/pg/data" reload >/dev/null
url="postgresql://op:$enc@/opdb?host=$sock"
# hidden FILE: neither the password nor its encoded form, nor a piece.
hidden() { ! grep -q -e 'Pw@d' -e 'Pw%40' -e '1/2#3' -e '2%233' "$1"; }
wait_until "op's password to be asked" sh -c \
    "! '$REBOUND' list --db 'postgresql://op@/opdb?host=$sock' >/dev/null 2>&1"

"$REBOUND" import --db "$url" "$data"/*.eml >"$tmp/out" 2>&1
is "a percent-encoded password with @ : / # %: import exits 0" "$?" 0
"$REBOUND" stats --db "$url" >"$tmp/want" 2>&1
check "... stats answers" grep -q '^class	hard' "$tmp/want"
"$REBOUND" stats --db "postgres://op:$enc@/opdb?host=$sock&sslmode=disable&application_name=rb" \
    >"$tmp/got" 2>&1
check "postgres://, sslmode and application_name: the same" cmp -s "$tmp/want" "$tmp/got"
"$REBOUND" stats --db "host=$sock dbname=opdb user=op password='$pw'" >"$tmp/got" 2>&1
check "libpq's key=value form in --db: the same" cmp -s "$tmp/want" "$tmp/got"

# Where the password is kept instead of the URI.
printf '*:*:opdb:op:%s\n' 'Pw@d\:1/2#3%x' >"$tmp/pgpass"
chmod 600 "$tmp/pgpass"
PGHOST=$sock PGDATABASE=opdb PGUSER=op PGPASSFILE=$tmp/pgpass \
    "$REBOUND" stats --db postgresql:// >"$tmp/got" 2>&1
check "PGHOST, PGDATABASE, PGUSER, PGPASSFILE with --db postgresql://" \
    cmp -s "$tmp/want" "$tmp/got"
mkdir "$tmp/home"
cp "$tmp/pgpass" "$tmp/home/.pgpass"
HOME=$tmp/home "$REBOUND" stats --db "postgresql://op@/opdb?host=$sock" \
    >"$tmp/got" 2>&1
check "~/.pgpass" cmp -s "$tmp/want" "$tmp/got"
printf '[rb]\nhost=%s\ndbname=opdb\nuser=op\npassfile=%s\n' "$sock" \
    "$tmp/pgpass" >"$tmp/services"
PGSERVICEFILE=$tmp/services PGSERVICE=rb "$REBOUND" stats --db postgresql:// \
    >"$tmp/got" 2>&1
check "PGSERVICE" cmp -s "$tmp/want" "$tmp/got"
PGSERVICEFILE=$tmp/services "$REBOUND" stats --db service=rb >"$tmp/got" 2>&1
check "--db service=rb" cmp -s "$tmp/want" "$tmp/got"

# A schema of its own: options=-csearch_path=x.
psql_q "CREATE SCHEMA x AUTHORIZATION rebound"
"$REBOUND" import --db "$PG_URL&options=-csearch_path%3Dx" "$data"/a*.eml \
    >/dev/null 2>&1
is "options=-csearch_path%3Dx: the tables are made in schema x" \
    "$(psql_q "select count(*) > 10 from pg_tables where schemaname = 'x'")" t
is "... and none in public" \
    "$(psql_q "select count(*) from pg_tables where schemaname = 'public'")" 0

# Failures, each saying why, none showing the password.
"$REBOUND" stats --db "postgresql://op:wrong%40Pw%40d@/opdb?host=$sock" \
    >"$tmp/err" 2>&1
check "a wrong password: refused" grep -q 'password authentication failed' "$tmp/err"
check "... the password not shown" sh -c "! grep -q 'wrong' '$tmp/err'"
"$REBOUND" stats --db "postgresql://op:$enc@/nodb?host=$sock" >"$tmp/err" 2>&1
check "no such database: says so" grep -q 'database "nodb" does not exist' "$tmp/err"
check "... the password not shown" hidden "$tmp/err"
"$REBOUND" stats --db "postgresql://op:$enc@/opdb?host=$tmp/none" >"$tmp/err" 2>&1
check "server down: says so" grep -q 'cannot connect' "$tmp/err"
check "... the password not shown" hidden "$tmp/err"
"$REBOUND" stats --db "postgresql://op:$pw@/opdb?host=$sock" >"$tmp/err" 2>&1
is "a password not percent-encoded: exit 3" "$?" 3
check "... says to encode it" grep -q 'percent-encode the password' "$tmp/err"
check "... the password not shown" hidden "$tmp/err"
(cd "$tmp" && "$REBOUND" import --db "postgersql:///rebound?host=$sock" \
    "$data"/a*.eml) >"$tmp/err" 2>&1
is "a typo in the scheme: exit 3" "$?" 3
check "... says what a URI starts with" grep -q 'starts postgresql://' "$tmp/err"
check "... and made no file" sh -c "! ls -d '$tmp'/postgersql* 2>/dev/null"
"$REBOUND" import --db "postgresql:///other?host=$sock&user=app" "$data"/a*.eml \
    >"$tmp/err" 2>&1
is "a role that may not create the tables: exit 3" "$?" 3
check "... says who can" grep -q "permission denied.*database's owner can" "$tmp/err"

# An empty database (not yet migrated): what an empty SQLite file does.
"$pg_bin/createdb" -h "$sock" -U rebound empty
: >"$tmp/empty.db"
for c in list "show a@example.org" stats prune "prune --dry-run" incidents events; do
	# shellcheck disable=SC2086
	"$REBOUND" $c --db "$tmp/empty.db" 2>&1 |
	    sed 's/.*: database version/database version/' >"$tmp/want"
	# shellcheck disable=SC2086
	"$REBOUND" $c --db "postgresql:///empty?host=$sock&user=rebound" 2>&1 |
	    sed 's/.*: database version/database version/' >"$tmp/got"
	check "$c on an empty database: as on an empty SQLite file" sh -c \
	    "grep -q 'needs migrating' '$tmp/got' && cmp -s '$tmp/want' '$tmp/got'"
done
"$REBOUND" expire --older-than 1d --db "postgresql:///empty?host=$sock&user=rebound" \
    >/dev/null 2>&1
is "... a writing command migrates it, as on SQLite" \
    "$("$pg_bin/psql" -X -A -t -h "$sock" -U rebound -d empty -c 'select version from rebound_schema')" \
    "$("$pg_bin/psql" -X -A -t -h "$sock" -U rebound -d opdb -c 'select version from rebound_schema')"

# ps: a password given on the command line is blanked in argv.  The
# import (rebound-mail, in rebound's place) waits on a lock held here.
"$REBOUND" events --follow --db "$url" >/dev/null 2>&1 &
follow=$!
mkfifo "$tmp/fifo"
"$pg_bin/psql" -X -q -h "$sock" -U rebound -d opdb <"$tmp/fifo" >/dev/null 2>&1 &
locker=$!
exec 3>"$tmp/fifo"
echo 'BEGIN; LOCK TABLE messages;' >&3
locked() {
	[ "$("$pg_bin/psql" -X -A -t -h "$sock" -U rebound -d opdb -c "select
	    count(*) from pg_locks where mode = 'AccessExclusiveLock' and
	    relation = 'messages'::regclass and granted")" = 1 ]
}
wait_until "psql to lock the messages" locked
sed 's/Alice.Nobody@Example.ORG/ps.new@example.org/g' \
    "$data/postfix-user-unknown.eml" >"$tmp/new.eml"
"$REBOUND" import --db "$url" "$tmp/new.eml" >/dev/null 2>&1 &
mail=$!
argv_of() { tr '\0' ' ' <"/proc/$1/cmdline"; echo; }
waiting() {
	[ "$("$pg_bin/psql" -X -A -t -h "$sock" -U rebound -d opdb -c "select
	    count(*) from pg_locks where relation = 'messages'::regclass and
	    not granted")" -ge 1 ]
}
wait_until "the import to wait on the lock" waiting
argv_of $follow >"$tmp/ps"
argv_of $mail >>"$tmp/ps"
check "ps: both commands there, with the user" test "$(grep -c 'op:x*@' "$tmp/ps")" -eq 2
check "... the import's is rebound-mail's" sh -c \
    "readlink /proc/$mail/exe | grep -q 'rebound-mail$'"
check "... and no password" hidden "$tmp/ps"
echo 'ROLLBACK;' >&3
exec 3>&-
wait $locker
wait $mail
is "... the import goes on once the lock is gone" "$?" 0
kill $follow

# [store] url in the file.
conf() {
	printf '[store]\nurl = %s\n[lmtp]\nlisten = unix:%s/l.sock\n' "$1" \
	    "$tmp" >"$tmp/conf"
	"$REBOUNDD" --config "$tmp/conf" --check-config >"$tmp/err" 2>&1
}
conf "host=$sock dbname=opdb user=op   "
is "[store] url: libpq's key=value form, spaces after: accepted" "$?" 0
conf "\"$url\""
is "[store] url in quotes: refused" "$?" 78
check "... saying so" grep -q 'without quotes' "$tmp/err"
check "... the password not shown" hidden "$tmp/err"
conf "$url   # the site's database"
is "[store] url with a comment after it: refused" "$?" 78
check "... saying where a comment goes" grep -q 'a line of its own' "$tmp/err"
check "... the password not shown" hidden "$tmp/err"

# reboundd: the log, /healthz and /metrics, up and down.
port=$(free_port)
printf '[store]\nurl = %s\n[lmtp]\nlisten = unix:%s/l.sock\n[metrics]\nlisten = %s\n' \
    "$url" "$tmp" "$port" >"$tmp/conf"
"$REBOUNDD" --config "$tmp/conf" --foreground 2>"$tmp/log" &
pid=$!
trap 'kill $pid 2>/dev/null; pg_stop; rm -rf "$tmp"' EXIT
up_or_gone() { started "$tmp/log" || ! kill -0 $pid; }
wait_until "reboundd to start or exit" up_or_gone
check "reboundd starts with the password in [store] url" started "$tmp/log"
http_get "$port" /healthz >"$tmp/http"
http_get "$port" /metrics >>"$tmp/http"
pg_stop
hard_bounce "down@example.org" 1 >"$tmp/down.eml"
perl "$top_srcdir/tests/lmtp-send.pl" "$tmp/l.sock" "$tmp/down.eml" \
    "bounces@lists.example.org" >"$tmp/lmtp" 2>&1
check "PostgreSQL stopped: 451" grep -q '^451 4.3.0' "$tmp/lmtp"
http_get "$port" /healthz >>"$tmp/http"
http_get "$port" /metrics >>"$tmp/http"
pg_run
kill $pid
wait $pid
check "/healthz and /metrics answered, up and down" sh -c \
    "grep -q '^rebound_store_up 1' '$tmp/http' && grep -q '^rebound_store_up 0' '$tmp/http'"
check "... no password in them, up or down" hidden "$tmp/http"
check "... nor in the log" hidden "$tmp/log"

# Two sites' rebound in one database, each in its schema: each daemon
# leads its own duties (the probes), though advisory locks are the
# database's.  No probe is due: the relay is never reached.
relay=$(free_port)
cat >"$tmp/a.conf" <<CONF
[store]
url = $PG_URL&options=-csearch_path%3Dx
[lmtp]
listen = unix:$tmp/x.sock
[probe]
relay = smtp://127.0.0.1:$relay
secret = a secret of the test, $$
address = probe-{token}@x.test
from = owner@x.test
CONF
sed -e "s|%3Dx|%3Dpublic|; s|x.sock|public.sock|; s|x.test|public.test|g" \
    "$tmp/a.conf" >"$tmp/b.conf"
pg_two_daemons
leaders() {
	psql_q "select count(*) from pg_locks where locktype = 'advisory'
	    and classid = x'72656264'::int::oid and granted"
}
two_leaders() { [ "$(leaders)" = 2 ]; }
wait_for "two schemas of one database: each daemon leads its probes" two_leaders
kill $pid_a $pid_b
wait $pid_a $pid_b

# migrate: an older file; a reboundd on it; a mismatch.
sqlite3 "$tmp/old.db" <"$top_srcdir/tests/schema/sqlite-012.sql" 2>/dev/null
sqlite3 "$tmp/old.db" "pragma user_version = 12"
"$REBOUND" import --db "$tmp/cur.db" "$data"/a*.eml >/dev/null 2>&1
"$pg_bin/createdb" -h "$sock" -U rebound m1
"$REBOUND" migrate --from "$tmp/old.db" --to "postgresql:///m1?host=$sock&user=rebound" \
    >"$tmp/out" 2>&1
is "migrate from a file of schema 12: exit 0" "$?" 0
is "... the file migrated first" "$(sqlite3 "$tmp/old.db" 'pragma user_version')" \
    "$(sqlite3 "$tmp/cur.db" 'pragma user_version')"
printf '[store]\npath = %s/cur.db\n[lmtp]\nlisten = unix:%s/c.sock\n' "$tmp" \
    "$tmp" >"$tmp/conf"
"$REBOUNDD" --config "$tmp/conf" --foreground 2>"$tmp/log" &
pid=$!
wait_until "reboundd to start on the file" started "$tmp/log"
"$pg_bin/createdb" -h "$sock" -U rebound m2
m2="postgresql:///m2?host=$sock&user=rebound"
"$REBOUND" migrate --from "$tmp/cur.db" --to "$m2" >"$tmp/err" 2>&1
is "migrate with reboundd running on the file: exit 3" "$?" 3
check "... saying to stop it first" grep -q 'stop reboundd first' "$tmp/err"
kill $pid
wait $pid
if [ "$(id -u)" -eq 0 ]; then
	# A copy kept aside, that this user may read but not write.
	cp "$tmp/cur.db" "$tmp/ro.db"
	"$pg_bin/createdb" -h "$sock" -U rebound m3
	pg_as "$REBOUND" migrate --from "$tmp/ro.db" \
	    --to "postgresql:///m3?host=$sock&user=rebound" >"$tmp/out" 2>&1
	is "migrate from a file the user may only read: exit 0" "$?" 0
fi
# A trigger of the site's on the target drops every other outcome.
"$REBOUND" expire --older-than 1d --db "$m2" >/dev/null 2>&1
"$pg_bin/psql" -X -q -h "$sock" -U rebound -d m2 -c "
    CREATE FUNCTION skip() RETURNS trigger LANGUAGE plpgsql AS
    \$\$BEGIN IF NEW.id % 2 = 0 THEN RETURN NULL; END IF; RETURN NEW; END\$\$;
    CREATE TRIGGER skip BEFORE INSERT ON outcomes
    FOR EACH ROW EXECUTE FUNCTION skip()"
"$REBOUND" migrate --from "$tmp/cur.db" --to "$m2" >"$tmp/err" 2>&1
is "migrate: a count that differs: exit 3" "$?" 3
check "... says which table and what to do" \
    grep -q 'outcomes: .* rows copied, .* there: nothing kept.*run migrate again' "$tmp/err"
is "... and nothing was kept" \
    "$("$pg_bin/psql" -X -A -t -h "$sock" -U rebound -d m2 -c 'select count(*) from messages')" 0
done_testing
