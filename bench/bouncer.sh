#!/bin/sh
# bouncer.sh: rebound show, list --limit 100 and stats --since 30d on
# PostgreSQL through PgBouncer in session mode (A) beside directly (B),
# farm-bench --vs pairing the two run by run, on the databases that
# bench/query.sh keeps: make them first with
#   QUERY_DB=DIR/db QUERY_PG=DIR/pg ROUNDS=1 DRY_ROUNDS=0 bench/query.sh
# then QUERY_DB=DIR/db QUERY_PG=DIR/pg bench/bouncer.sh.  The pooler is
# tests/pg-lib.sh's (pgb_start): private, its pool kept open between
# runs as a site's is.  RUNS pairs a command (default 41).  Prints
# farm-bench's reports; RESULTS.md's rows are written from them.
set -eu

. "$(dirname "$0")/lib.sh"
bench_args "$@"
rebound=${REBOUND:-$top/src/rebound}
runs=${RUNS:-41}
db=${QUERY_DB:?the SQLite database bench/query.sh made}
: "${QUERY_PG:?the PostgreSQL directory bench/query.sh made}"
[ -s "$db" ] && [ -d "$QUERY_PG/pg/data" ] ||
    die "no database made by bench/query.sh in $db and $QUERY_PG"
work=$(mktemp -d "${TMPDIR:-/tmp}/rebound-bouncer.XXXXXX")
. "$here/query-pg.sh"
[ -x "$pgb_bin" ] || die "no pgbouncer (apt-get install pgbouncer)"
rm -rf "$tmp/pgb"
pgb_start
trap 'pgb_stop; pg_stop; rm -rf "$work"' EXIT
pooled=$(pgb_url rebound)

echo "$(bench_machine), $(bench_commit), load $(cut -d' ' -f1-3 /proc/loadavg)"
for cmd in "show user4242@d254.example" "list --limit 100" \
    "stats --since 30d --format plain"; do
	echo "== $cmd: through PgBouncer (A) against directly (B)"
	# shellcheck disable=SC2086  # cmd: its words
	farm-bench -n "$runs" --timeout 600 --vs "$rebound $cmd --db $PG_URL" \
	    -- "$rebound" $cmd --db "$pooled"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
