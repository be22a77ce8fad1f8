# lib.sh: shared by the benchmarks (sourced).  $here is bench/.

here=${here:-$(cd "$(dirname "$0")" && pwd)}

# bench_row HEADING: add the row on stdin at the end of the table under
# HEADING in RESULTS.md (before the next section).
bench_row() {
	awk -v head="$1" -v row="$(cat)" '
		index($0, head) == 1 { inside = 1 }
		inside && /^## / && index($0, head) != 1 && !done { print row; print ""; done = 1; inside = 0 }
		inside && /^$/ && seen_table && !done { print row; done = 1 }
		inside && /^\|/ { seen_table = 1 }
		{ print }
		END { if (!done) print row }' "$here/RESULTS.md" >"$here/RESULTS.md.new" &&
	    mv "$here/RESULTS.md.new" "$here/RESULTS.md"
}
