#!/bin/sh
# engine-sqlite.sh: engines-lib.sh on a SQLite file.
ENGINE=sqlite
. "${top_srcdir:-$(dirname "$0")/..}/tests/engines-lib.sh"
