#!/bin/sh
# pg-migrate.sh: "rebound migrate --from FILE --to URL": a SQLite
# database copied into an empty private PostgreSQL answers every
# question as the file does; the ids go on after the copy; a target
# that is not empty, or a missing option, is refused and left as it was.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/pg-lib.sh"
. "$top_srcdir/tests/hooks-lib.sh"
pg_skip_unless
scratch
pg_start || { echo "Bail out! private PostgreSQL did not start"; exit 1; }
data="$top_srcdir/tests/data"
db=$tmp/db
"$REBOUND" import --db "$db" "$data"/*.eml >/dev/null 2>&1
"$REBOUND" forget --db "$db" amy@example.net >/dev/null 2>&1
# A provider's burst, for an incident.
mkdir "$tmp/burst"
i=1
while [ $i -le 25 ]; do
	hard_bounce "reader$i@bigmail.example" $i >"$tmp/burst/$i.eml"
	i=$((i + 1))
done
"$REBOUND" import --db "$db" "$tmp/burst" >/dev/null 2>&1
incidents=$(sqlite3 "$db" 'select count(*) from incidents')
check "the source has incidents ($incidents), the burst's among them" \
    [ "$(sqlite3 "$db" "select count(*) from incidents where grp = 'bigmail.example'")" -eq 1 ]

"$REBOUND" migrate --from "$db" >/dev/null 2>"$tmp/err"
is "no --to: a usage error" "$?" 2
"$REBOUND" migrate --from "$db" --to "$PG_URL" >"$tmp/out" 2>&1
is "migrate exits 0" "$?" 0
check "it names each table with its rows, copied and there" \
    grep -q '^outcomes  *[1-9][0-9]* rows copied, [1-9][0-9]* there$' "$tmp/out"
is "... the same count on both sides of every table" \
    "$(awk '/rows copied/ && $2 != $5' "$tmp/out" | wc -l)" 0
check "... and the total" grep -q '^copied [0-9]* rows of 13 tables from ' "$tmp/out"
is "the messages are there" "$(psql_q 'select count(*) from messages')" \
    "$(sqlite3 "$db" 'select count(*) from messages')"
# Without statistics the planner took a prune of many addresses for few.
is "the copy is analyzed: the planner knows the addresses" \
    "$(psql_q "select reltuples::bigint from pg_class where relname = 'addresses'")" \
    "$(sqlite3 "$db" 'select count(*) from addresses')"

# same WHAT ARGS...: the command says the same of both databases.
same() {
	s_what=$1
	shift
	"$REBOUND" "$@" --db "$db" >"$tmp/want" 2>&1
	"$REBOUND" "$@" --db "$PG_URL" >"$tmp/got" 2>&1
	if [ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/got"; then
		ok "$s_what: as in the file"
	else
		not_ok "$s_what: as in the file"
		diff "$tmp/want" "$tmp/got" | head -6 | sed 's/^/# /'
	fi
}
same "list" list
same "show" show Alice.Nobody@example.org
same "stats (the counts per day made again)" stats
same "prune" prune
same "prune --suspect" prune --suspect
same "events" events
same "incidents" incidents

# Both go on: a new message's outcome and events after the copied ones.
printf '[events]\ndelay = 0\n' >"$tmp/conf"
new="$tmp/new.eml"
sed 's/Alice.Nobody@Example.ORG/zed.new@example.org/g' \
    "$data/postfix-user-unknown.eml" >"$new"
"$REBOUND" import --config "$tmp/conf" --db "$db" "$new" >/dev/null 2>&1
"$REBOUND" import --config "$tmp/conf" --db "$PG_URL" "$new" >"$tmp/out" 2>&1
is "after the copy, an import into PostgreSQL exits 0" "$?" 0
same "list after a new import" list
same "events after a new import: ids go on" events
check "... the new one's event among them" grep -q 'zed.new@example.org' "$tmp/got"

"$REBOUND" migrate --from "$db" --to "$PG_URL" >"$tmp/out" 2>&1
is "into a database that is not empty: exit 3" "$?" 3
check "... saying so" grep -q 'not empty' "$tmp/out"
same "... and left as it was" list
done_testing
