#!/bin/sh
# contrib/funclen.sh [FILE.c ...]: the length of each C function, from the
# line of its name to its closing brace (ctags' line: and end:), and the
# median, p90 and max over them (default: every .c file below src/).
#   contrib/funclen.sh            figures for src/
#   contrib/funclen.sh -l 20      and the 20 longest
# Needs Universal Ctags.
set -eu
longest=0
if [ "${1:-}" = "-l" ]; then
	longest=$2
	shift 2
fi
[ $# -gt 0 ] || set -- $(find src -name '*.c' ! -name '*_tab.c' \
    ! -name 'sql_migrations.c' | sort)
ctags --c-kinds=f --fields=+ne -o - "$@" |
awk -F '\t' '{
	line = end = 0
	for (i = 4; i <= NF; i++) {
		if ($i ~ /^line:/) line = substr($i, 6)
		if ($i ~ /^end:/) end = substr($i, 5)
	}
	if (end > 0) print end - line + 1 "\t" $2 ":" line "\t" $1
}' | sort -n > "${TMPDIR:-/tmp}/funclen.$$"
trap 'rm -f "${TMPDIR:-/tmp}/funclen.$$"' EXIT
awk -F '\t' '{ n[NR] = $1 } END {
	if (NR == 0) exit 1
	printf "functions %d  median %d  p90 %d  max %d\n", NR,
	    n[int((NR + 1) / 2)], n[int(NR * 0.9 + 0.999)], n[NR]
}' "${TMPDIR:-/tmp}/funclen.$$"
[ "$longest" -eq 0 ] || sort -rn "${TMPDIR:-/tmp}/funclen.$$" | head -n "$longest"
