#!/bin/sh
# webhook.sh: how fast reboundd records webhook events, beside LMTP's
# messages, on the same machine, in one run, into one database.
#
# reboundd runs in a temporary directory with synchronous=full, the
# default [intake] settings, a unix LMTP socket and an [http] listener
# on 127.0.0.1 with a Postmark and a Mailgun endpoint.  In turn:
#   1. LMTP: bench/lmtp-client.c sends N distinct real bounces (those of
#      ../shared/corpus/postfix, each with its own "X-Bench:" line) on
#      K sessions, as bench/lmtp.sh does;
#   2. Postmark: bench/http-client.c posts N distinct hard bounces
#      (bench/webhook-postmark.json, its "Bounce webhook" body, a new ID
#      each, to ADDRESSES addresses in turn: 4 by default, as LMTP's four
#      samples; ADDRESSES=N makes every address new) over K keep-alive
#      connections, with HTTP Basic credentials;
#   3. Mailgun: the same with bench/webhook-mailgun.json (its "failed"
#      event), each signed (HMAC-SHA256, a fresh token each), so that
#      the signature check and the replay cache are in the time.
# The three take turns, ROUNDS times, so that the machine's load and the
# database's growth fall on each alike; the figures are each client's
# median round.  Each client is one process polling all its connections.
# Rates are events (messages) per second from the first byte to the last
# answer; p99 is the 99th percentile of one event's time, from its first
# byte to its answer (the 250 after the final dot; the 200, sent only
# after the commit).  Every event must be recorded.  reboundd's CPU time
# (all its threads, from /proc) per event of each client is printed too:
# unlike the rates, the load of a shared machine hardly moves it.
# Goal (issue 24): a webhook event at least at LMTP's rate per message.
#
# Usage: bench/webhook.sh [--write]    (--write adds a row to RESULTS.md)
# Environment: N=10000 (a round), K=16 (sessions and connections),
# ROUNDS=3, ADDRESSES=4, REBOUNDD
# (default src/reboundd, built if missing), REBOUND_CORPUS.
set -eu

. "$(dirname "$0")/lib.sh"

reboundd=${REBOUNDD:-$top/src/reboundd}
n=${N:-10000}
k=${K:-16}
rounds=${ROUNDS:-3}
addresses=${ADDRESSES:-4}
bench_args "$@"

set -- "$corpus"/postfix/*.eml
[ -f "$1" ] || die "no bounces at $corpus/postfix (set REBOUND_CORPUS)"
for tool in sqlite3 cc pkg-config python3; do
	command -v "$tool" >/dev/null || die "needs $tool"
done
[ -x "$reboundd" ] || make -C "$top" -j2 >/dev/null || die "cannot build $reboundd"
for c in lmtp-client http-client; do
	# shellcheck disable=SC2046  # pkg-config's words are meant to split
	cc -O2 -o "$here/$c" "$here/$c.c" $(pkg-config --cflags --libs glib-2.0) ||
	    die "cannot build $here/$c"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/rebound-webhook.XXXXXX")
rpid=
cleanup() {
	[ -z "$rpid" ] || { kill "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null; } || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

field() { printf '%s\n' "$2" | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
key=key-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
pw=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
db=$work/rebound.db
cat >"$work/rebound.conf" <<CONF
[store]
path = $db
synchronous = full

[lmtp]
listen = unix:$work/rebound.sock

[http]
listen = 127.0.0.1:$port

[webhook pm]
kind = postmark
path = /postmark
user = bench
password = $pw

[webhook mg]
kind = mailgun
path = /mailgun
signing_key = $key
CONF
# Its log (a few lines an event) goes to a file, as to the journal.
"$reboundd" --config "$work/rebound.conf" --foreground 2>"$work/reboundd.log" &
rpid=$!
i=0
until grep -q 'http: listening' "$work/reboundd.log" 2>/dev/null && [ -S "$work/rebound.sock" ]; do
	kill -0 "$rpid" 2>/dev/null && [ $i -lt 300 ] ||
	    { cat "$work/reboundd.log" >&2; die "reboundd did not start"; }
	sleep 0.1
	i=$((i + 1))
done
recorded() { sqlite3 -cmd '.timeout 10000' "$db" "select count(*) from messages where (select text from texts where id = source_text) = '$1'"; }

# ticks: reboundd's CPU time so far (all threads, user and system), in
# clock ticks; cpu_us TICKS: microseconds of it per event of a client.
ticks() { awk '{ print $14 + $15 }' "/proc/$rpid/stat"; }
hz=$(getconf CLK_TCK)
cpu_us() { awk -v t="$1" -v hz="$hz" -v e=$((n * rounds)) 'BEGIN { printf "%.0f", t * 1e6 / hz / e }'; }
lt=0 pt=0 mt=0
# median FILE FIELD: the median round's FIELD (its rate's round).
median() {
	sort -n -k 8 "$1" | awk -v k="$2" -v m=$(((rounds + 1) / 2)) 'NR == m {
		for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'
}
: >"$work/lmtp"; : >"$work/pm"; : >"$work/mg"
r=0
while [ $r -lt "$rounds" ]; do
	t0=$(ticks)
	"$here/lmtp-client" --socket "$work/rebound.sock" --rcpt bounces@bounces.test \
	    --sessions "$k" --messages "$n" "$@" >>"$work/lmtp" || die "lmtp-client failed"
	t1=$(ticks)
	"$here/http-client" --port "$port" --path /postmark --basic "bench:$pw" \
	    --connections "$k" --requests "$n" --addresses "$addresses" \
	    "$here/webhook-postmark.json" \
	    >>"$work/pm" || die "http-client, postmark, failed"
	t2=$(ticks)
	"$here/http-client" --port "$port" --path /mailgun --mailgun "$key" \
	    --connections "$k" --requests "$n" --addresses "$addresses" \
	    "$here/webhook-mailgun.json" \
	    >>"$work/mg" || die "http-client, mailgun, failed"
	t3=$(ticks)
	lt=$((lt + t1 - t0)) pt=$((pt + t2 - t1)) mt=$((mt + t3 - t2))
	r=$((r + 1))
done
kill "$rpid"
wait "$rpid" || die "reboundd exited $? on SIGTERM"
rpid=
for s in postmark mailgun; do
	got=$(recorded $s)
	[ "$got" = $((n * rounds)) ] ||
	    die "reboundd recorded ${got:-no} $s events, not $((n * rounds))"
done

lr=$(median "$work/lmtp" rate); lp=$(median "$work/lmtp" p99_ms)
pr=$(median "$work/pm" rate); pp=$(median "$work/pm" p99_ms)
mr=$(median "$work/mg" rate); mp=$(median "$work/mg" p99_ms)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
pratio=$(ratio "$pr" "$lr"); mratio=$(ratio "$mr" "$lr")
lc=$(cpu_us "$lt"); pc=$(cpu_us "$pt"); mc=$(cpu_us "$mt")
cat <<EOF
reboundd, synchronous=full, [intake] defaults; $n events each on $k sessions/connections, median of $rounds rounds
rounds (msg/s, req/s): LMTP $(field rate "$(cat "$work/lmtp")" | tr '\n' ' ')/ Postmark $(field rate "$(cat "$work/pm")" | tr '\n' ' ')/ Mailgun $(field rate "$(cat "$work/mg")" | tr '\n' ' ')
LMTP, distinct bounces      $(printf '%6s msg/s   p99 %6s ms   reboundd CPU %4s us/event' "$lr" "$lp" "$lc")
Postmark, HTTP Basic        $(printf '%6s req/s   p99 %6s ms   reboundd CPU %4s us/event' "$pr" "$pp" "$pc")  / LMTP: $pratio (goal >= 1: $(verdict "$pratio" 1))
Mailgun, HMAC signed        $(printf '%6s req/s   p99 %6s ms   reboundd CPU %4s us/event' "$mr" "$mp" "$mc")  / LMTP: $mratio (goal >= 1: $(verdict "$mratio" 1))
EOF
[ $write -eq 1 ] || exit 0
printf '| %s | %s | %s, load %s | %s / %s | %s / %s / %s | %s / %s / %s | %s / %s / %s | %s / %s |\n' \
    "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(bench_commit)" "$(bench_machine)" \
    "$(cut -d' ' -f1 /proc/loadavg)" "$n x $rounds" "$k, $addresses addresses" \
    "$lr" "$lp" "$lc" \
    "$pr" "$pp" "$pc" "$mr" "$mp" "$mc" "$pratio" "$mratio" \
    | bench_row "## reboundd webhooks beside LMTP"
echo "wrote $here/RESULTS.md"
