#!/bin/sh
# engine-pg.sh: engines-lib.sh on a private PostgreSQL.
ENGINE=pg
. "${top_srcdir:-$(dirname "$0")/..}/tests/engines-lib.sh"
