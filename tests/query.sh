#!/bin/sh
# query.sh: rebound list, show and stats on the golden samples, as a
# user would run them.  What to expect is counted from tests/data/*.tsv
# (columns: file index status replycode reason hard recipient action
# kind), so adding a sample does not break this test.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
scratch

data=$top_srcdir/tests/data
LC_ALL=C
export LC_ALL

# The .tsv rows that record an outcome: every row but reason "none" and
# those naming no recipient (a complaint nobody is named for).
cat "$data"/*.tsv | awk -F'\t' '$5 != "none" && $7 != ""' >"$tmp/rows"
want_rows=$(wc -l <"$tmp/rows")
awk -F'\t' '$6 == 1 { print $7 }' "$tmp/rows" | sort >"$tmp/hard.want"
want_hard=$(wc -l <"$tmp/hard.want")
# rows of one column value: count COLUMN VALUE
count() { awk -F'\t' -v c="$1" -v v="$2" '$c == v' "$tmp/rows" | wc -l; }

# tests/data's own samples (tests/data/mta/ has expectations of its own).
"$REBOUND" import --db "$tmp/db" "$data"/*.eml >/dev/null; rc=$?
is "import of tests/data exits 0" "$rc" 0
# rb COMMAND ARG...: rebound COMMAND on the test database.
rb() { rb_cmd=$1; shift; "$REBOUND" "$rb_cmd" --db "$tmp/db" "$@"; }

# list
rb list >"$tmp/out"; rc=$?
is "list exits 0" "$rc" 0
is "list prints one row per outcome" "$(wc -l <"$tmp/out")" "$want_rows"
is "list is newest first" "$(cut -f1 "$tmp/out")" \
    "$(cut -f1 "$tmp/out" | sort -r)"

rb list --class hard | cut -f2 | sort >"$tmp/hard.got"
is "list --class hard lists the hard rows" "$(cat "$tmp/hard.got")" \
    "$(cat "$tmp/hard.want")"
is "list --class hard prints only class hard" \
    "$(rb list --class hard | cut -f3 | sort -u)" hard

awk -F'\t' '$7 ~ /@example\.net$/ { print $7 }' "$tmp/rows" | sort \
    >"$tmp/domain.want"
rb list --domain EXAMPLE.Net | cut -f2 | sort >"$tmp/domain.got"
is "list --domain matches the domain in any case" \
    "$(cat "$tmp/domain.got")" "$(cat "$tmp/domain.want")"
is "list --domain does not match a subdomain" \
    "$(rb list --domain example.com | cut -f2 | sort)" \
    "$(awk -F'\t' '$7 ~ /@example\.com$/ { print $7 }' "$tmp/rows" | sort)"

is "list --reason mailboxfull" \
    "$(rb list --reason mailboxfull | wc -l)" \
    "$(count 5 mailboxfull)"
is "list --reason and --class combine" \
    "$(rb list --reason expired --class delay | wc -l)" \
    "$(awk -F'\t' '$5 == "expired" && $8 == "delayed"' "$tmp/rows" | wc -l)"
is "list --limit 2" "$(rb list --limit 2 | wc -l)" 2
is "list --since a date long ago lists all" \
    "$(rb list --since 2000-01-01 | wc -l)" "$want_rows"
is "list --since a duration lists all" \
    "$(rb list --since 5200w | wc -l)" "$want_rows"
is "list --since a date to come lists none" \
    "$(rb list --since 2999-01-01 | wc -l)" 0

rb list --since yesterday-ish >"$tmp/out" 2>"$tmp/err"; rc=$?
is "list --since yesterday-ish exits 2" "$rc" 2
check "list --since names the bad value" grep -q "'yesterday-ish'" "$tmp/err"
check "list --since says what it takes" grep -q "7d.*YYYY-MM-DD" "$tmp/err"
rb list --class bouncy 2>"$tmp/err"; rc=$?
is "list --class bouncy exits 2" "$rc" 2
check "list --class names the bad class" grep -q "'bouncy'" "$tmp/err"
"$REBOUND" list --db "$tmp/nothing" 2>"$tmp/err"; rc=$?
is "list of a missing database exits 3" "$rc" 3

rb list --format json >"$tmp/out"; rc=$?
is "list --format json exits 0" "$rc" 0
is "list --format json is an array" "$(head -c 1 "$tmp/out")" "["
is "list --format json has one object per outcome" \
    "$(grep -c '^{' "$tmp/out")" "$want_rows"
if command -v python3 >/dev/null; then
	check "list --format json parses" python3 -c 'import json, sys
sys.exit(len(json.load(open(sys.argv[1]))) != int(sys.argv[2]))' \
	    "$tmp/out" "$want_rows"
fi
rb list --format csv >"$tmp/out"; rc=$?
is "list --format csv exits 0" "$rc" 0
is "list --format csv has a header line" "$(head -n 1 "$tmp/out")" \
    "$(printf '"time","address","class","reason","status","replycode","confidence","list","diagnostic","node"\r')"
is "list --format csv has a line per outcome" \
    "$(($(wc -l <"$tmp/out") - 1))" "$want_rows"
# Empty values (no status, no list) once crashed the table format.
rb list --format table >"$tmp/out"; rc=$?
is "list --format table exits 0" "$rc" 0
is "list --format table has a header and the rows" "$(wc -l <"$tmp/out")" \
    "$((want_rows + 1))"

# show: the first hard-bounced address of the samples.
addr=$(head -n 1 "$tmp/hard.want")
reason=$(awk -F'\t' -v a="$addr" '$7 == a { print $5; exit }' "$tmp/rows")
times=$(awk -F'\t' -v a="$addr" '$7 == a' "$tmp/rows" | wc -l)
rb show "$addr" >"$tmp/out"; rc=$?
is "show $addr exits 0" "$rc" 0
is "show names the address" "$(head -n 1 "$tmp/out")" "address: $addr"
check "show says the address is dead" grep -q "^state: dead (.*$reason" \
    "$tmp/out"
check "show counts its hard bounces" grep -q "^hard: $times " "$tmp/out"
is "show lists the history with its reason" \
    "$(sed '1,/^$/d' "$tmp/out" | cut -f3 | sort -u)" "$reason"
is "show lists every outcome of the address" \
    "$(sed '1,/^$/d' "$tmp/out" | wc -l)" "$times"
upper=$(echo "$addr" | awk -F@ '{ print $1 "@" toupper($2) }')
rb show "<$upper>" >"$tmp/out2"; rc=$?
is "show finds the address with its domain in capitals" "$rc" 0
is "... the same answer" "$(cat "$tmp/out2")" "$(cat "$tmp/out")"

rb show nobody@nowhere.example >"$tmp/out" 2>"$tmp/err"; rc=$?
is "show of an unknown address exits 1" "$rc" 1
check "show of an unknown address says so" \
    grep -q "no outcomes for nobody@nowhere.example" "$tmp/err"
rb show 2>/dev/null; rc=$?
is "show without an address exits 2" "$rc" 2

rb show --format json "$addr" >"$tmp/out"; rc=$?
is "show --format json exits 0" "$rc" 0
is "show --format json is an object" "$(head -c 1 "$tmp/out")" "{"
check "show --format json has a history array" grep -q '"history":\[' \
    "$tmp/out"
if command -v python3 >/dev/null; then
	check "show --format json parses, one history entry each" python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
sys.exit(not (isinstance(o, dict) and o["state"] == "dead" and
    len(o["history"]) == int(sys.argv[2])))' "$tmp/out" "$times"
fi
rb show --format csv "$addr" >"$tmp/out"; rc=$?
is "show --format csv prints only the history" "$(wc -l <"$tmp/out")" \
    "$((times + 1))"
check "show --format csv starts with the address" \
    grep -q "^\"address\",\"time\"" "$tmp/out"

# stats
rb stats >"$tmp/out"; rc=$?
is "stats exits 0" "$rc" 0
is "stats counts the hard bounces" "$(grep "^class	hard	" "$tmp/out")" \
    "$(printf 'class\thard\t%s' "$want_hard")"
is "stats counts reasons" "$(grep "^reason	userunknown	" "$tmp/out")" \
    "$(printf 'reason\tuserunknown\t%s' "$(count 5 userunknown)")"
is "stats classes add up to the outcomes" \
    "$(awk -F'\t' '$1 == "class" { n += $3 } END { print n }' "$tmp/out")" \
    "$want_rows"
is "stats days add up to the outcomes" \
    "$(awk -F'\t' '$1 == "day" { n += $3 } END { print n }' "$tmp/out")" \
    "$want_rows"
check "stats has domains" grep -q "^domain	example.net	" "$tmp/out"
is "stats --since a date to come counts nothing" \
    "$(rb stats --since 2999-01-01 | wc -l)" 0

# stats --since counts what a row-by-row count counts, when the bound
# falls inside a day (read from the outcomes) as well as on one (read
# from the counts per day).  Outcomes every 7 minutes over 4 days, made
# with sqlite3, each 210 s from a whole minute: the seconds this test
# takes do not move a bound past one.
"$REBOUND" import --db "$tmp/days.db" "$data/postfix-user-unknown.eml" >/dev/null
now=$(date +%s)
sqlite3 "$tmp/days.db" "
    insert into messages (id, digest, received, source, kind) values (1000, 'days', $now, 'import', 'dsn');
    with recursive k(i) as (select 0 union all select i + 1 from k where i < 822)
    insert into outcomes (message, idx, address, at, class, reason, hard)
    select 1000, i, 'u' || (i % 13) || '@d' || (i % 5) || '.example', $now - 210 - 420 * i,
        case i % 3 when 0 then 'hard' when 1 then 'soft' else 'delay' end,
        case i % 4 when 0 then 'userunknown' when 1 then 'mailboxfull' else 'expired' end,
        i % 3 = 0 from k"
rowwise() {
	sqlite3 -separator '	' "$tmp/days.db" "
	select 'class', class, count(*) from outcomes where at >= $1 group by 2 order by 3 desc, 2;
	select 'reason', reason, count(*) from outcomes where at >= $1 group by 2 order by 3 desc, 2;
	select 'domain', substr(address, instr(address, '@') + 1), count(*) from outcomes
	    where at >= $1 group by 2 order by 3 desc, 2 limit 20;
	select 'day', date(at / 86400 * 86400, 'unixepoch'), count(*) from outcomes
	    where at >= $1 group by at / 86400 order by at / 86400"
}
# Bounds 1 to 22 hours ago fall in both halves of a day, whatever the
# time now: the store reads the shorter part of the day they cut.
for since in 1m 90m 200m 370m 550m 700m 900m 1100m 1320m 1d 2d 3000m 4d 5d; do
	secs=$(echo "$since" | awk '/m$/ { print $1 * 60 } /d$/ { print $1 * 86400 }')
	is "stats --since $since counts as a row-by-row count does" \
	    "$("$REBOUND" stats --db "$tmp/days.db" --since "$since")" \
	    "$(rowwise $((now - secs)))"
done
day=$(date -u -d "@$((now - 2 * 86400))" +%Y-%m-%d)
is "stats --since $day (a midnight) counts as a row-by-row count does" \
    "$("$REBOUND" stats --db "$tmp/days.db" --since "$day")" \
    "$(rowwise $((now / 86400 * 86400 - 2 * 86400)))"
is "stats counts as a row-by-row count does" \
    "$("$REBOUND" stats --db "$tmp/days.db")" "$(rowwise -9223372036854775808)"

rb stats --since soon 2>"$tmp/err"; rc=$?
is "stats --since soon exits 2" "$rc" 2

# A database the user may not write.  Tests run as root, whom chmod does
# not stop, so this only shows that queries open the file read-only (the
# mode bits of the file are 0444); as another user it is the real test.
chmod 0444 "$tmp/db"
rb list >"$tmp/out"; rc=$?
is "list of a read-only database exits 0" "$rc" 0
is "list of a read-only database lists all" "$(wc -l <"$tmp/out")" \
    "$want_rows"
rb stats >/dev/null; rc=$?
is "stats of a read-only database exits 0" "$rc" 0

# As root, the true case can be tried as nobody: a read-only file in a
# read-only directory, where no -shm file can be created (store.c then
# reads the file as immutable).
desc="list of a read-only database in a read-only directory, as nobody"
as_nobody="setpriv --reuid=$(id -u nobody 2>/dev/null) \
    --regid=$(id -g nobody 2>/dev/null) --clear-groups"
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1 &&
    command -v setpriv >/dev/null && chmod 0755 "$tmp" &&
    $as_nobody "$REBOUND" --version >/dev/null 2>&1; then
	# The readers above, as root, left an -shm behind; a database
	# copied or published read-only has none.
	[ -s "$tmp/db-wal" ] || rm -f "$tmp/db-wal" "$tmp/db-shm"
	chmod 0555 "$tmp"
	$as_nobody "$REBOUND" list --db "$tmp/db" >"$tmp/out" 2>&1; rc=$?
	chmod 0755 "$tmp"
	is "$desc: exit 0" "$rc" 0
	is "$desc: lists all" "$(wc -l <"$tmp/out")" "$want_rows"
else
	ok "$desc # SKIP not root, or no setpriv"
fi

done_testing
