# lib.sh: shared by the benchmarks (sourced, after "set -eu", with the
# script's arguments: ". lib.sh" then "bench_args "$@"").
#   here      bench/
#   top       the source tree
#   corpus    ../shared/corpus, or $REBOUND_CORPUS
#   write     1 with --write (add a row to RESULTS.md), else 0

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
corpus=${REBOUND_CORPUS:-$here/../../shared/corpus}
write=0

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# bench_args "$@": the only argument a benchmark takes is --write.
bench_args() {
	for arg in "$@"; do
		case $arg in
		--write) write=1 ;;
		*) echo "usage: $0 [--write]" >&2; exit 2 ;;
		esac
	done
}

# bench_machine: "x86_64, AMD EPYC ..., 2 CPUs", for a row.
bench_machine() {
	cpu=$(awk -F ': *' '/^(model name|Hardware|cpu model)/ { print $2; exit }' \
	    /proc/cpuinfo)
	echo "$(uname -m), ${cpu:-unknown CPU}, $(nproc) CPUs"
}

# bench_commit: the commit measured, with "+" if src/ has changes.
bench_commit() {
	c=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
	if [ -n "$(git -C "$top" status --porcelain -- src 2>/dev/null)" ]; then
		c="$c+"
	fi
	echo "$c"
}

# verdict GOT WANT: "met" when GOT >= WANT.
verdict() { awk -v g="$1" -v w="$2" 'BEGIN { print (g >= w) ? "met" : "NOT met" }'; }

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
