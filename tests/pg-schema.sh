#!/bin/sh
# pg-schema.sh: the schema of a PostgreSQL store, and its migration from
# every version a PostgreSQL store has had.
# - The migrations are written once (sql/NNN-*.sql; sql2c.awk translates
#   them for PostgreSQL).  Version 12 is, in pg_dump --schema-only, what
#   the PostgreSQL copies they replaced made: tests/schema/pg-012.sql was
#   dumped from a store migrated by the rebound of then.  A later
#   migration never changes it; one that does changes a store in use.
# - A fresh store is what schema_sql (the test's way to an older
#   version) makes, so that what follows holds for rebound's own.
# - PostgreSQL stores began at version 11 (the engine came with it;
#   0.1.0, the only release, had none): a store of each version since,
#   with rows, is migrated by rebound to the latest, to the schema a
#   fresh one has, and list and show read its rows.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/pg-lib.sh"
pg_skip_unless
scratch
pg_start || { echo "Bail out! private PostgreSQL did not start"; exit 1; }
data="$top_srcdir/tests/data"
first_pg=11
latest=$(ls "$top_srcdir"/sql/[0-9][0-9][0-9]-*.sql | wc -l | tr -d ' ')
url() { echo "postgresql:///$1?host=$tmp/pg&user=rebound"; }
psql_db() {
	"$pg_bin/psql" -X -A -t -q -v ON_ERROR_STOP=1 -h "$tmp/pg" \
	    -U rebound -d "$@"
}
# dump DB: its schema, less what differs from one dump to the next.
dump() {
	"$pg_bin/pg_dump" --schema-only -h "$tmp/pg" -U rebound "$1" |
	    grep -v '^-- Dumped \|^\\\(un\)\{0,1\}restrict '
}
# at N DB: create DB at schema version N, as db_pg.c records a version.
at() {
	"$pg_bin/createdb" -h "$tmp/pg" -U rebound "$2" &&
	    { schema_sql postgresql "$1"; echo "CREATE TABLE IF NOT EXISTS
	    rebound_schema (version integer NOT NULL);
	    INSERT INTO rebound_schema VALUES ($1);"; } |
	    psql_db "$2" -1 -f - >/dev/null
}

at 12 v12only
dump v12only >"$tmp/v12"
if cmp -s "$tmp/v12" "$top_srcdir/tests/schema/pg-012.sql"; then
	ok "version 12: the schema the PostgreSQL copies made"
else
	not_ok "version 12: the schema the PostgreSQL copies made"
	diff "$top_srcdir/tests/schema/pg-012.sql" "$tmp/v12" | head -20 |
	    sed 's/^/# /'
fi

"$REBOUND" import --db "$PG_URL" "$data/postfix-user-unknown.eml" >/dev/null 2>&1
dump rebound >"$tmp/fresh"
at "$latest" vlatest
dump vlatest >"$tmp/latest"
check "a fresh store: the schema schema_sql makes" \
    cmp -s "$tmp/fresh" "$tmp/latest"

# Each version's store, with a message, its outcome and its address as
# the rebound of that version recorded them, opened by this one.
n=$first_pg
while [ "$n" -le "$latest" ]; do
	at "$n" "v$n"
	# From version 14 on a message's words are ids of texts; from 15
	# on its digest is the SHA-256's 32 bytes, before 64 hex digits.
	digest="encode(sha256('old$n'), 'hex')"
	[ "$n" -lt 15 ] || digest="sha256('old$n')"
	message="INSERT INTO messages (digest, received, source,
	    envelope_to, kind, subject) VALUES ($digest, 1730000000, 'lmtp',
	    'bounces@lists.example.org', 'dsn', 'Undelivered $n');"
	[ "$n" -lt 14 ] || message="INSERT INTO texts (text) VALUES ('lmtp'),
	    ('bounces@lists.example.org'), ('dsn'), ('Undelivered $n');
	INSERT INTO messages (digest, received, source_text, envelope_to_text,
	    kind_text, subject_text) SELECT $digest, 1730000000, s.id, e.id,
	    k.id, u.id FROM texts s, texts e, texts k, texts u WHERE
	    s.text = 'lmtp' AND e.text = 'bounces@lists.example.org' AND
	    k.text = 'dsn' AND u.text = 'Undelivered $n';"
	psql_db "v$n" -c "$message
	INSERT INTO outcomes (message, idx, address, recipient, at, class,
	    reason, hard, status, confidence) SELECT id, 0,
	    'old$n@example.org', 'old$n@example.org', 1730000000, 'hard',
	    'userunknown', 1, '5.1.1', 'certain' FROM messages;
	INSERT INTO addresses (address, state, state_reason, hard,
	    first_seen, last_seen, last_reason) VALUES ('old$n@example.org',
	    'dead', 'hard bounce', 1, 1730000000, 1730000000, 'userunknown')"
	"$REBOUND" import --db "$(url "v$n")" "$data/postfix-user-unknown.eml" \
	    >"$tmp/out" 2>&1
	is "version $n: migrated by an import" "$?" 0
	is "version $n: now version $latest" \
	    "$(psql_db "v$n" -c 'SELECT version FROM rebound_schema')" "$latest"
	is "version $n: the message's digest, its 32 bytes" \
	    "$(psql_db "v$n" -c "SELECT count(*) FROM messages
	    WHERE digest = sha256('old$n')")" 1
	dump "v$n" >"$tmp/got"
	check "version $n: the schema of a fresh store" \
	    cmp -s "$tmp/got" "$tmp/fresh"
	"$REBOUND" list --db "$(url "v$n")" --format plain >"$tmp/out" 2>&1
	check "version $n: list shows the old outcome" grep -q \
	    "old$n@example.org	hard	userunknown	5\.1\.1" "$tmp/out"
	"$REBOUND" show --db "$(url "v$n")" "old$n@example.org" >"$tmp/out" 2>&1
	check "version $n: show gives its history" grep -q \
	    "userunknown.*5\.1\.1\|5\.1\.1.*userunknown" "$tmp/out"
	"$REBOUND" prune --db "$(url "v$n")" >"$tmp/out" 2>&1
	check "version $n: prune lists the old address" \
	    grep -q "old$n@example.org" "$tmp/out"
	"$REBOUND" stats --db "$(url "v$n")" >"$tmp/out" 2>&1
	is "version $n: stats reads it" "$?" 0
	n=$((n + 1))
done
done_testing
