#!/bin/sh
# query.sh: how fast the operator's questions are answered on a big
# database: OUTCOMES (default 1,000,000) outcomes over 90 days, written
# straight into a new database with SQL (the shape of rows that import
# writes; the schema's triggers keep the counts per day as they would),
# then "rebound show", "prune" and "stats --since 30d" timed, median of
# ROUNDS runs each.  The local part (i % 100,000) and the domain
# (i % 997) together name a new address for every outcome: prune lists
# a tenth of OUTCOMES addresses.
# Goals (issues "The bounce database", 13): show < 10 ms, prune < 1 s,
# stats --since 30d < 1 s, at 1,000,000 and at 10,000,000 outcomes.
#
# The rows go in with the indexes of outcomes and addresses dropped and
# a large page cache, and the indexes are made again from their own SQL
# at the end: one sort each, so the time grows with OUTCOMES (under five
# minutes for ten million on 2 loaded CPUs), where index pages written
# one row at a time grew worse than linearly above a million.
#
# list --limit 100 and prune --dry-run (every address's history replayed
# through the policy: DRY_ROUNDS runs, default 1) are timed too.  QUERY_PG=DIR times the same on a
# private PostgreSQL in DIR loaded with the same rows (bench/query-pg.sh),
# the two engines taking turns run by run.
#
# Usage: bench/query.sh [--write]    (--write adds a row to RESULTS.md;
# with QUERY_PG a row an engine, to their own section)
# QUERY_DB=PATH keeps the database there, and uses it as it is when it
# is there already: that is how two builds are timed on the same
# database.  QUERY_PG=DIR keeps the cluster likewise.
# REAL=N instead imports N real-format bounces, a month of them
# (bench/gen-real.pl), to weigh what an outcome costs on disk.
set -eu

. "$(dirname "$0")/lib.sh"
bench_args "$@"
rebound=${REBOUND:-$top/src/rebound}
rounds=${ROUNDS:-5}
dry_rounds=${DRY_ROUNDS:-1}
outcomes=${OUTCOMES:-1000000}
[ -n "${REBOUND:-}" ] || make -C "$top" -s >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/rebound-query.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
db=${QUERY_DB:-$work/db}

if [ -s "$db" ]; then
	echo "using $db as it is"
elif [ -n "${REAL:-}" ]; then
	perl "$top/bench/gen-real.pl" "$rebound" "$REAL" "$work/mail"
	printf '[store]\npath = %s\nsynchronous = full\n' "$db" >"$work/conf"
	"$rebound" import --config "$work/conf" "$work/mail" >/dev/null
	sqlite3 "$db" 'pragma wal_checkpoint(truncate)' >/dev/null
	rm -rf "$work/mail"
else
# An empty database with the schema, made by rebound itself.
printf 'From: a@example.org\nSubject: x\n\nx\n' >"$work/seed.eml"
"$rebound" import --db "$db" "$work/seed.eml" >/dev/null
now=$(date +%s)
indexed="type = 'index' AND tbl_name IN ('outcomes', 'addresses') AND sql IS NOT NULL"
drop=$(sqlite3 "$db" "SELECT 'DROP INDEX ' || name || ';' FROM sqlite_master WHERE $indexed")
remake=$(sqlite3 "$db" "SELECT sql || ';' FROM sqlite_master WHERE $indexed")
sqlite3 "$db" <<SQL
PRAGMA synchronous = OFF;
PRAGMA cache_size = -1000000;
BEGIN;
$drop
INSERT OR IGNORE INTO texts (text) VALUES ('bench'), ('dsn');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $outcomes / 2)
INSERT INTO messages (digest, received, source_text, kind_text)
SELECT CAST(printf('%032x', i) AS BLOB), $now - (i % 90) * 86400,
    (SELECT id FROM texts WHERE text = 'bench'),
    (SELECT id FROM texts WHERE text = 'dsn') FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $outcomes)
INSERT INTO outcomes (message, idx, address, at, class, reason, hard, status)
SELECT 1 + (i - 1) / 2, (i - 1) % 2, printf('user%d@d%d.example', i % 100000, i % 997),
    $now - (i % 90) * 86400 - (i % 86400),
    CASE WHEN i % 10 = 0 THEN 'hard' WHEN i % 3 = 0 THEN 'sender' ELSE 'soft' END,
    CASE WHEN i % 10 = 0 THEN 'userunknown' WHEN i % 3 = 0 THEN 'blocked' ELSE 'mailboxfull' END,
    i % 10 = 0, CASE WHEN i % 10 = 0 THEN '5.1.1' ELSE '4.2.2' END
FROM n;
$remake
INSERT OR REPLACE INTO addresses (address, state, state_reason, hard, soft, soft_days, complaints, first_seen, last_seen, last_reason)
SELECT address, CASE WHEN sum(hard) > 0 THEN 'dead' ELSE 'alive' END,
    CASE WHEN sum(hard) > 0 THEN 'hard bounce: userunknown' END,
    sum(hard), sum(class = 'soft'), '', 0, min(at), max(at), max(reason)
FROM outcomes GROUP BY address;
COMMIT;
ANALYZE;
SQL
sqlite3 "$db" 'pragma wal_checkpoint(truncate)' >/dev/null
fi
rows=$(sqlite3 "$db" 'select count(*) from outcomes')
# Whom show asks about: an address of the synthetic rows, else (REAL)
# the one with the most outcomes.
who=user4242@d254.example
[ -z "${REAL:-}" ] || who=$(sqlite3 "$db" 'select address from outcomes
    group by address order by count(*) desc, address limit 1')
bytes=$(stat -c %s "$db")

[ -z "${QUERY_PG:-}" ] || . "$here/query-pg.sh"

# one_us FILE COMMAND...: add one run's wall time, in us, to FILE.
one_us() {
	f=$1
	shift
	s=$(date +%s%N)
	"$@" >/dev/null
	echo $(( ($(date +%s%N) - s) / 1000 )) >>"$f"
}
# median_ms: the median of the times on stdin, in ms; "-" for none.
median_ms() {
	sort -n | awk '{ a[NR] = $1 }
	    END { if (NR == 0) print "-"; else printf "%.1f", a[int((NR + 1) / 2)] / 1000 }'
}
# paired N ARGS...: N runs of "rebound ARGS --db DB", the engines
# taking turns (SQLite, then PostgreSQL with QUERY_PG): "SQLITE PG",
# the median ms of each.
paired() {
	n=$1
	shift
	: >"$work/sqlite.us"
	: >"$work/pg.us"
	i=0
	while [ $i -lt "$n" ]; do
		one_us "$work/sqlite.us" "$rebound" "$@" --db "$db"
		[ -z "${PG_URL:-}" ] ||
		    one_us "$work/pg.us" "$rebound" "$@" --db "$PG_URL"
		i=$((i + 1))
	done
	echo "$(median_ms <"$work/sqlite.us") $(median_ms <"$work/pg.us")"
}
# shellcheck disable=SC2046  # "SQLITE PG", two words
set -- $(paired "$rounds" show "$who"); show=$1 show_pg=$2
set -- $(paired "$rounds" list --limit 100); list=$1 list_pg=$2
set -- $(paired "$rounds" prune --format plain); prune=$1 prune_pg=$2
set -- $(paired "$dry_rounds" prune --dry-run --format plain); dry=$1 dry_pg=$2
set -- $(paired "$rounds" stats --since 30d --format plain); stats=$1 stats_pg=$2
machine=$(bench_machine)
echo "database: $rows outcomes, $bytes bytes ($((bytes / rows)) bytes/outcome)"
echo "show: $show ms   prune: $prune ms   stats --since 30d: $stats ms (median of $rounds, whole process)"
echo "list --limit 100: $list ms   prune --dry-run: $dry ms (median of $dry_rounds)"
[ -z "${PG_URL:-}" ] ||
    echo "PostgreSQL: show: $show_pg ms   list --limit 100: $list_pg ms   prune: $prune_pg ms   prune --dry-run: $dry_pg ms   stats --since 30d: $stats_pg ms"
if [ "$write" -eq 1 ] && [ -n "${PG_URL:-}" ]; then
	for e in "SQLite $show $list $prune $dry $stats" \
	    "PostgreSQL $show_pg $list_pg $prune_pg $dry_pg $stats_pg"; do
		# shellcheck disable=SC2086  # the words are the row's cells
		printf '| %s | %s | %s | %s | %s | %s ms | %s ms | %s ms | %s ms | %s ms |\n' \
		    "$(date -u +%Y-%m-%d)" "$(bench_commit)" "$machine" "$rows" $e |
		    bench_row "## rebound show, list, prune, stats: SQLite beside PostgreSQL"
	done
elif [ "$write" -eq 1 ]; then
	printf '| %s | %s | %s | %s ms | %s ms | %s ms |\n' \
	    "$(date -u +%Y-%m-%d)" "$machine" "$rows" "$show" "$prune" "$stats" | bench_row "## rebound show"
fi
