# corpus-score.awk: score "rebound parse" output against expected.tsv.
#
# Usage: awk -f corpus-score.awk [-v only=LISTFILE] expected.tsv got.tsv
# The order of recipients within a message does not matter, so each
# message is scored as multisets: found = min(expected rows, rows we
# give), and reason, hard and status count the values both sides share.
# status counts only expected codes that are real RFC 3463 codes, not
# the x.0.9xx placeholders some tools invent.  With "only", just the
# files named in LISTFILE (one base name a line) are scored.
# Prints "label found hard reason status" counts and percentages; with
# -v misses=1, then one line per message whose recipients differ:
# "miss FILE want REASON/HARD... got REASON/HARD...", reason or hard
# differing.
BEGIN { FS = "\t" }
FILENAME == only { want[$1] = 1; next }
FNR == 1 { next }
FILENAME == ARGV[ARGC - 2] {
	if (only != "" && !($1 in want)) next
	files[$1] = 1
	exp_n[$1]++
	exp_reason[$1, $5]++
	exp_hard[$1, $6]++
	if ($3 != "" && $3 !~ /^[245]\.0\.9[0-9][0-9]$/) {
		exp_status[$1, $3]++
		total_status++
	}
	exp_rows[$1] = exp_rows[$1] " " $5 "/" $6
	total++
	next
}
{
	if (!($1 in files) || $2 == "-") next
	got_n[$1]++
	got_reason[$1, $5]++
	got_hard[$1, $6]++
	got_status[$1, $3]++
	got_rows[$1] = got_rows[$1] " " $5 "/" $6
}
# The rows of one side, sorted, so that order does not count.
function sorted(rows,    a, n, i, j, t, out) {
	n = split(rows, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	for (i = 1; i <= n; i++)
		out = out " " a[i]
	return out
}
function shared(e, g, key,    n) {
	n = 0
	for (key in e) if (key in g) n += (e[key] < g[key] ? e[key] : g[key])
	return n
}
END {
	for (f in files) found += (exp_n[f] < got_n[f] ? exp_n[f] : got_n[f])
	reason = shared(exp_reason, got_reason)
	hard = shared(exp_hard, got_hard)
	status = shared(exp_status, got_status)
	printf "recipients %d\n", total
	printf "found %d %.1f\n", found, 100 * found / total
	printf "hard %d %.1f\n", hard, 100 * hard / total
	printf "reason %d %.1f\n", reason, 100 * reason / total
	printf "status %d %.1f (of %d real codes)\n", status,
	    total_status ? 100 * status / total_status : 100, total_status
	if (misses)
		for (f in files)
			if (sorted(exp_rows[f]) != sorted(got_rows[f]))
				printf "miss %s want%s got%s\n", f,
				    sorted(exp_rows[f]), sorted(got_rows[f])
}
