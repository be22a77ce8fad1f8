#!/bin/sh
# db-pg.sh: test_db, the engine seam's unit test, on a private
# PostgreSQL (tests/pg-lib.sh) instead of a SQLite file.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/pg-lib.sh"
pg_skip_unless
scratch
pg_start || { echo "Bail out! private PostgreSQL did not start"; exit 1; }
REBOUND_TEST_DB=$PG_URL "$top_builddir/tests/test_db" --tap
