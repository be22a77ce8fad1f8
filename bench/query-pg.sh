# query-pg.sh: bench/query.sh's PostgreSQL (sourced by it when QUERY_PG
# names a directory, after the SQLite database $db is there; not run).
#
# A private PostgreSQL 15 (tests/pg-lib.sh: initdb, a unix socket, no
# TCP, shared_buffers 32MB) in QUERY_PG/pg, made and loaded from $db
# when it is not there, used as it is when it is; stopped at exit and
# kept.  PG_URL is its database.
#
# Loading: rebound makes the schema (an import of a one-line message),
# then every table with rows in $db is emptied and copied across as
# text (COPY), with the triggers off (session_replication_role =
# replica: the counts per day come as SQLite's triggers kept them) and
# the indexes that are not keys dropped, made again at the end with one
# sort each.  The generated rows hold no tab, newline or backslash; a
# blob goes in bytea's hex form (the seed's digest is 32 raw bytes).

top_srcdir=$top
REBOUND=$rebound
set +u
. "$top/tests/lib.sh"
. "$top/tests/pg-lib.sh"
set -u
[ -n "$pg_bin" ] || die "no PostgreSQL server binaries (apt-get install postgresql-15)"
mkdir -p "$QUERY_PG"
tmp=$(cd "$QUERY_PG" && pwd)

# The tables of $db that have rows, but SQLite's own.
query_pg_tables() {
	for t in $(sqlite3 "$db" "SELECT name FROM sqlite_master WHERE type = 'table'
	    AND name NOT LIKE 'sqlite_%' ORDER BY name"); do
		[ "$(sqlite3 "$db" "SELECT EXISTS (SELECT 1 FROM $t)")" = 1 ] &&
		    echo "$t"
	done
}

# query_pg_indexes WHAT TABLES: for the indexes of TABLES that no key
# owns, WHAT of each ("'DROP INDEX ' || indexname", "indexdef").
query_pg_indexes() {
	psql_q "SELECT $1 || ';' FROM pg_indexes i WHERE schemaname = 'public'
	    AND tablename IN ($(echo "$2" | sed "s/[a-z_0-9]*/'&'/g; s/ /, /g"))
	    AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
}

# query_pg_values TABLE: its columns as COPY's text reads them: a blob
# (a digest: bytea on PostgreSQL, sql/015-digest-bytes.sql) in bytea's
# hex form, its backslash doubled for COPY.
query_pg_values() {
	sqlite3 "$db" "SELECT group_concat(printf('CASE typeof(%s) WHEN ''blob''
	    THEN ''\\\\x'' || hex(%s) ELSE %s END', name, name, name), ', ')
	    FROM pragma_table_info('$1')"
}

query_pg_load() {
	printf 'From: a@example.org\nSubject: x\n\nx\n' >"$tmp/seed.eml"
	"$rebound" import --db "$PG_URL" "$tmp/seed.eml" >/dev/null
	tables=$(query_pg_tables | tr '\n' ' ' | sed 's/ $//')
	remake=$(query_pg_indexes indexdef "$tables")
	psql_q "TRUNCATE $(echo "$tables" | sed 's/ /, /g') CASCADE;
	    $(query_pg_indexes "'DROP INDEX ' || indexname" "$tables")"
	for t in $tables; do
		cols=$(sqlite3 "$db" "SELECT group_concat(name, ', ') FROM pragma_table_info('$t')")
		sqlite3 -batch -separator "$(printf '\t')" -nullvalue '\N' "$db" \
		    "SELECT $(query_pg_values "$t") FROM $t" |
		    "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$tmp/pg" -U rebound -d rebound \
		    -c 'SET session_replication_role = replica' \
		    -c "COPY $t ($cols) FROM STDIN"
	done
	psql_q "SET maintenance_work_mem = '1GB'; $remake
	    SELECT setval(pg_get_serial_sequence('messages', 'id'), max(id)) FROM messages;
	    SELECT setval(pg_get_serial_sequence('outcomes', 'id'), max(id)) FROM outcomes;
	    SELECT setval(pg_get_serial_sequence('texts', 'id'), max(id)) FROM texts;" >/dev/null
	"$pg_bin/vacuumdb" -q -z -h "$tmp/pg" -U rebound rebound
}

if [ -d "$tmp/pg/data" ]; then
	pg_run >/dev/null || die "PostgreSQL in $tmp/pg did not start"
	PG_URL="postgresql:///rebound?host=$tmp/pg&user=rebound"
	echo "using PostgreSQL in $tmp/pg as it is"
else
	pg_start >/dev/null || die "private PostgreSQL did not start"
	query_pg_load
fi
trap 'pg_stop; rm -rf "$work"' EXIT		# after pg_start's own
trap 'exit 130' INT TERM
