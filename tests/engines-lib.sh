# engines-lib.sh: the commands of rebound on one engine, the engine a
# parameter (sourced by engine-sqlite.sh and engine-pg.sh, not run).
# ENGINE=sqlite: a file; ENGINE=pg: a private PostgreSQL (pg-lib.sh).
# Each command's output is checked for what an operator looks at; on
# PostgreSQL it must also be, byte for byte, what the same command
# prints on a SQLite file fed the same mail.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/pg-lib.sh"
[ "$ENGINE" = pg ] && pg_skip_unless
scratch
data="$top_srcdir/tests/data"
if [ "$ENGINE" = pg ]; then
	pg_start || { echo "Bail out! private PostgreSQL did not start"; exit 1; }
	db=$PG_URL
else
	db="$tmp/db"
fi
ref="$tmp/ref.db"
R() { "$REBOUND" "$@" --db "$db"; }
Rref() { "$REBOUND" "$@" --db "$ref"; }
# unclock: an event a replay caused (reason "replay") is dated when it
# was published, by the clock, which ticks between the two imports: its
# time is left out of the comparison (an outcome's event has its date).
unclock() {
	sed 's/"time":"[^"]*"\(,.*"reason":"replay"\)/"time":-\1/'
}
# same NAME ARGS...: the command prints on this engine what it prints
# on SQLite (trivially so when the engine is SQLite).
same() {
	s_name=$1
	shift
	R "$@" 2>&1 | unclock >"$tmp/got"
	Rref "$@" 2>&1 | unclock >"$tmp/want"
	if grep '^rebound' "$tmp/want" | grep -qv 'did you mean'; then
		not_ok "$ENGINE: $s_name: an error on SQLite"
		head -3 "$tmp/want" | sed 's/^/# /'
	elif cmp -s "$tmp/got" "$tmp/want"; then
		ok "$ENGINE: $s_name: as on SQLite"
	else
		not_ok "$ENGINE: $s_name: as on SQLite"
		diff "$tmp/want" "$tmp/got" | head -5 | sed 's/^/# /'
	fi
}

R import "$data"/*.eml >"$tmp/out" 2>&1
is "$ENGINE: import exits 0" "$?" 0
Rref import "$data"/*.eml >/dev/null 2>&1
check "$ENGINE: import says what it recorded" grep -q ' recorded' "$tmp/out"
R import "$data"/*.eml >"$tmp/out" 2>&1
check "$ENGINE: importing again records nothing" grep -q ' 0 recorded' "$tmp/out"
Rref import "$data"/*.eml >/dev/null 2>&1

R list >"$tmp/out"
check "$ENGINE: list names the Postfix sample's recipient" \
    grep -q 'Alice.Nobody@example.org.*hard.*userunknown.*5.1.1' "$tmp/out"
same "list" list
same "list --class hard --limit 5" list --class hard --limit 5
same "list --domain" list --domain example.net
R show Alice.Nobody@example.org >"$tmp/out"
check "$ENGINE: show gives the address's history" grep -q userunknown "$tmp/out"
same "show" show Alice.Nobody@example.org
R show alice.nobody@EXAMPLE.org >"$tmp/out" 2>&1
check "$ENGINE: show, another case: the near match offered" \
    grep -q 'did you mean Alice.Nobody@example.org' "$tmp/out"
same "show, another case" show alice.nobody@EXAMPLE.org
# Each outcome names the node that took it: [store] node, by default the
# host name (the CLI's own when it imports).
R show --format plain Alice.Nobody@example.org >"$tmp/out"
is "$ENGINE: show: each outcome's node, the host name, last" \
    "$(grep '^20' "$tmp/out" | awk -F'\t' '{ print $NF }' | sort -u)" "$(uname -n)"
R list --format json --limit 1 >"$tmp/out"
check "$ENGINE: list --format json names the node" \
    grep -q "\"node\":\"$(uname -n)\"}" "$tmp/out"
same "list --format csv" list --format csv
same "show --format json" show --format json Alice.Nobody@example.org
R stats >"$tmp/out"
check "$ENGINE: stats counts hard outcomes" grep -q '^class.hard' "$tmp/out"
same "stats" stats
same "stats --since" stats --since 2026-01-01
R prune >"$tmp/out"
check "$ENGINE: prune lists a dead address" grep -q 'Alice.Nobody@example.org' "$tmp/out"
same "prune" prune
same "prune --suspect" prune --suspect
R prune --dry-run --policy guard.enabled=no >"$tmp/dry" 2>&1
is "$ENGINE: prune --dry-run exits 0" "$?" 0
same "prune --dry-run --policy" prune --dry-run --policy guard.enabled=no
R prune >"$tmp/after"
check "$ENGINE: prune --dry-run changes nothing" cmp -s "$tmp/out" "$tmp/after"
same "incidents" incidents
same "events" events
same "events --type address.dead" events --type address.dead

# events --follow: what comes after it started (on PostgreSQL, told by
# the commit that published it: LISTEN/NOTIFY).
"$REBOUND" events --follow --db "$db" >"$tmp/follow" 2>"$tmp/follow.err" &
fpid=$!
printed() { [ "$(wc -l <"$tmp/follow")" -ge "$(R events | wc -l)" ]; }
wait_until "events --follow to print what is there" printed
printf '[store]\nnode = engine.test\n[events]\ndelay = 0\n' >"$tmp/now.conf"
sed 's/Alice.Nobody@Example.ORG/follow.me@example.org/g' \
    "$data/postfix-user-unknown.eml" >"$tmp/follow.eml"
"$REBOUND" import --config "$tmp/now.conf" --db "$db" "$tmp/follow.eml" >/dev/null 2>&1
Rref import --config "$tmp/now.conf" "$tmp/follow.eml" >/dev/null 2>&1
wait_for "$ENGINE: events --follow prints an event published after it started" \
    grep -q 'follow.me@example.org' "$tmp/follow"
R show --format csv follow.me@example.org >"$tmp/out"
check "$ENGINE: an import records its configuration's [store] node" \
    grep -q '"engine.test"' "$tmp/out"
kill -INT $fpid
wait $fpid
is "$ENGINE: events --follow: SIGINT ends it, exit 0" "$?" 0
is "$ENGINE: events --follow: nothing on stderr" "$(cat "$tmp/follow.err")" ""

# On PostgreSQL another daemon's guard reads outcomes past the newest id
# it saw: an id forget frees (here the newest) is never given again.
newest=$(R show --format csv follow.me@example.org >/dev/null 2>&1 &&
    [ "$ENGINE" = pg ] && psql_q 'select max(id) from outcomes')
R forget follow.me@example.org >/dev/null 2>&1
Rref forget follow.me@example.org >/dev/null 2>&1
sed 's/Alice.Nobody@Example.ORG/after.forget@example.org/g' \
    "$data/postfix-user-unknown.eml" >"$tmp/after.eml"
R import "$tmp/after.eml" >/dev/null 2>&1
Rref import "$tmp/after.eml" >/dev/null 2>&1
[ "$ENGINE" = pg ] && check "$ENGINE: the newest outcome forgotten, its id is not given again" \
    test "$(psql_q 'select max(id) from outcomes')" -gt "$newest"
R forget Alice.Nobody@example.org >"$tmp/out" 2>&1
is "$ENGINE: forget exits 0" "$?" 0
Rref forget Alice.Nobody@example.org >/dev/null 2>&1
R show Alice.Nobody@example.org >"$tmp/out" 2>&1
check "$ENGINE: forgotten: show knows it no more" \
    sh -c "! grep -q userunknown '$tmp/out'"
same "events after forget" events
R expire --older-than 2025-06-01 >"$tmp/out" 2>&1
is "$ENGINE: expire exits 0" "$?" 0
Rref expire --older-than 2025-06-01 >/dev/null 2>&1
same "list after expire" list
same "stats after expire" stats
same "prune after expire" prune
# Q SQL: one query's result on this engine's database.
Q() {
	if [ "$ENGINE" = pg ]; then psql_q "$1"; else sqlite3 "$db" "$1"; fi
}
is "$ENGINE: expire leaves no text unused" "$(Q "$TEXTS_UNUSED")" 0
is "$ENGINE: ... and drops none still named" "$(Q "$TEXTS_MISSING")" 0
is "$ENGINE: ... as many texts as on SQLite" \
    "$(Q 'select count(*) from texts')" \
    "$(sqlite3 "$ref" 'select count(*) from texts')"
# More removed addresses than PostgreSQL reads at once (a cursor's
# chunk: db_pg_cursor.c), made by SQL in both databases: prune and its
# dry-run print them all, in chunks, the same bytes as on SQLite.
MANY="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
    WHERE i < 25000) INSERT INTO addresses (address, state, state_reason,
    hard, first_seen, last_seen) SELECT 'many' || i || '@example.com',
    'dead', 'hard bounce: userunknown', 1, 1700000000 + i, 1700000000 + i
    FROM n"
Q "$MANY"
sqlite3 "$ref" "$MANY"
is "$ENGINE: prune lists 25,000 addresses more" \
    "$(R prune --format plain | grep -c '^many')" 25000
same "prune, 25,000 addresses more" prune --format plain
same "prune --format json, 25,000 addresses more" prune --format json
same "prune --dry-run, 25,000 addresses more" \
    prune --dry-run --policy guard.enabled=no
done_testing
