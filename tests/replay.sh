#!/bin/sh
# replay.sh: issue 14's replay.  A month of a mailing list's bounces
# (tests/gen-month.pl: Postfix, Exim and Exchange bounces, ARF
# complaints), with a large provider's 30-minute burst of "550 5.1.1"
# for 500 live subscribers, a hosting provider's burst spread over its
# customers' domains, and a corporate domain's week-long clean-up, is
# recorded twice: by "rebound import", and by reboundd over LMTP in time
# order (dating outcomes by the bounces' Date, [intake] dating = date).
# Each time, against the generator's truth: "rebound prune" lists no
# live subscriber and every dead or complained address; "rebound
# incidents" lists exactly one incident for each burst's provider,
# opened during the burst and holding its addresses, and none for any
# other group (an ordinary domain, a hosted domain, the clean-up).
# The guard's settings are the defaults ([guard]: 1 h, 20 addresses,
# 10 times the baseline of 30 days, 6 h quiet).  Without the guard (no
# "rebound incidents", no [intake] dating) this test fails; it does not
# skip.  Figures (live removed, dead kept, time to open) as comments.
# REPLAY_SEED=N generates another month of the same scenario (default 1).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
scratch
month=$tmp/month
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# What this replay needs of issue 14: said first, plainly.
"$REBOUND" incidents --help >/dev/null 2>"$tmp/err"; rc=$?
is "rebound incidents exists (issue 14's guard)" "$rc" 0
[ "$rc" -eq 0 ] || diag "$(head -1 "$tmp/err")"
cat >"$tmp/daemon.conf" <<CONF
[store]
path = $tmp/daemon.db
synchronous = normal
[lmtp]
listen = unix:$tmp/lmtp.sock
[intake]
dating = date
CONF
"$REBOUNDD" --config "$tmp/daemon.conf" --check-config >/dev/null 2>"$tmp/err"
rc=$?
is "reboundd takes [intake] dating = date (issue 14)" "$rc" 0
[ "$rc" -eq 0 ] || diag "$(head -1 "$tmp/err")"

start=$(date +%s%N)
perl "$top_srcdir/tests/gen-month.pl" --out "$month" --hostco --oldcorp \
    --seed "${REPLAY_SEED:-1}" >"$tmp/gen" 2>&1
is "gen-month.pl writes the month" "$?" 0
sed 's/^/# /' "$tmp/gen"
n=$(ls "$month/new" | wc -l | tr -d ' ')
diag "generated $n messages in $(ms "$start") ms"

# verdict NAME CONFIG: prune and incidents of the database of CONFIG,
# against the truth.
verdict() {
	v=$1
	"$REBOUND" prune --config "$2" >"$tmp/$v.prune" 2>"$tmp/err" ||
	    diag "$v: prune: $(head -1 "$tmp/err")"
	"$REBOUND" incidents --config "$2" --format csv >"$tmp/$v.incidents" \
	    2>"$tmp/err" || diag "$v: incidents: $(head -1 "$tmp/err")"
	perl "$top_srcdir/tests/replay-check.pl" "$month" "$tmp/$v.prune" \
	    "$tmp/$v.incidents" >"$tmp/$v.check"
	grep '^# ' "$tmp/$v.check" | sed "s/^# /# $v: /"
	is "$v: no live subscriber listed by prune" "$(val live_listed)" 0
	is "$v: every dead address listed" "$(val dead_kept)" 0
	is "$v: every complained address listed" "$(val complained_kept)" 0
	is "$v: the clean-up of oldcorp.example listed whole, not held" \
	    "$(val cleanup_listed)" "$(val cleanup)"
	is "$v: incidents --format csv: group, kind, opened, addresses" \
	    "$(val incidents_columns)" ok
	is "$v: no incident for an ordinary domain, a hosted one or the clean-up" \
	    "$(val incidents_elsewhere)" 0
	tab=$(printf '\t')
	while IFS=$tab read -r _ group domains victims length count kind delay held; do
		is "$v: one incident for the burst at $group" "$count" 1
		# Of the provider, even where it is its own only domain; a
		# provider of many domains: none crossed the threshold alone.
		is "$v: $group's incident is of its provider ($domains domains)" \
		    "$kind" provider
		check "$v: $group's incident opened during its burst ($delay s after its start)" \
		    in_range "$delay" 0 "$length"
		check "$v: $group's incident holds its $victims live addresses (holds $held)" \
		    in_range "$held" "$victims" 1000000
		diag "$v: burst at $group ($victims live addresses at $domains domains): incident opened $delay s after its start"
	done <<EOF
$(grep '^burst' "$tmp/$v.check")
EOF
	diag "$v: live subscribers removed: $(val live_listed) of $(val live); dead kept: $(val dead_kept) of $(val dead); complained kept: $(val complained_kept) of $(val complained)"
}
val() { awk -F '\t' -v k="$1" '$1 == k { print $2 }' "$tmp/$v.check"; }
in_range() {
	case $1 in *[!0-9-]* | *[!0-9]) return 1 ;; esac
	[ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

# rebound import: each outcome dated by its bounce's Date.
printf '[store]\npath = %s/import.db\nsynchronous = normal\n' "$tmp" >"$tmp/import.conf"
start=$(date +%s%N)
"$REBOUND" import --config "$tmp/import.conf" "$month" >"$tmp/out" 2>&1
is "import: exits 0" "$?" 0
diag "import: $n messages in $(ms "$start") ms"
is "import: every message recorded" \
    "$(sqlite3 "$tmp/import.db" 'select count(*) from messages')" "$n"
verdict import "$tmp/import.conf"

# reboundd over LMTP, in time order, one MTA session.
lmtp_replay "$tmp/daemon.conf" "$tmp/daemon.db" "$month" "$n" "in time order"
verdict daemon "$tmp/daemon.conf"
check "daemon and import: prune lists the same addresses" \
    cmp -s "$tmp/import.prune" "$tmp/daemon.prune"

done_testing
