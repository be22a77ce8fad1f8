#!/bin/sh
# webhook-once.sh: a post is answered 200 only after its commit, and the
# service's retry of a post whose answer was lost counts once.  reboundd
# is killed (SIGKILL) at the worst point: its outcome committed, the
# answer not yet sent.  A debug build (configure --enable-debug) stops
# itself there when REBOUND_TEST_STOP_AFTER_COMMIT is set (webhook.c);
# the test waits for that stop, checks that the row is on disk and the
# client has no answer, kills it, restarts it and posts the same event
# again, as Mailgun retries a post it got no answer to: 200, and still
# one outcome.  A release build has no such stop: the test skips.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
if ! grep -q '^#define REBOUND_TEST_HOOKS 1' "$top_builddir/config.h" 2>/dev/null; then
	echo "1..0 # SKIP not a debug build (configure --enable-debug): no stop point"
	exit 0
fi
scratch
data="$top_srcdir/tests/data/webhooks"
q() { sqlite3 "$tmp/db" "$1"; }
port=$(free_port)
key=$(python3 -c 'import secrets; print("key-" + secrets.token_hex(16))')
cat >"$tmp/conf" <<CONF
[store]
path = $tmp/db
[http]
listen = 127.0.0.1:$port
[webhook mg]
kind = mailgun
path = /mg
signing_key = $key
CONF
post() {
	python3 "$top_srcdir/tests/webhook-post.py" "$port" /mg \
	    "$data/mailgun-failed-permanent.json" mailgun "$key" now \
	    "$(python3 -c 'import secrets; print(secrets.token_hex(25))')"
}
outcomes() { q "select count(*) from outcomes where address = 'alice@example.org'"; }

REBOUND_TEST_STOP_AFTER_COMMIT=1 "$REBOUNDD" --config "$tmp/conf" \
    --foreground 2>"$tmp/log" &
pid=$!
up() { started "$tmp/log" || ! kill -0 "$pid" 2>/dev/null; }
wait_until "reboundd to start or exit" up
check "reboundd started" started "$tmp/log"
post >"$tmp/answer" &
client=$!
stopped() { ps -o stat= -p "$pid" | grep -q '^T'; }
wait_for "reboundd stops after the commit, before the answer" stopped
check "it says where it stopped" grep -q 'webhook mg: committed, stopping before the answer' "$tmp/log"
is "the outcome is on disk" "$(outcomes)" 1
kill -KILL "$pid"
wait "$pid" 2>/dev/null
wait "$client"
check "the service got no answer" grep -q '^error ' "$tmp/answer"

"$REBOUNDD" --config "$tmp/conf" --foreground 2>"$tmp/log2" &
pid=$!
up2() { started "$tmp/log2" || ! kill -0 "$pid" 2>/dev/null; }
wait_until "reboundd to start again" up2
check "reboundd started again, on the same database" started "$tmp/log2"
is "the service's retry, a new signature on the same event: 200" "$(post)" 200
is "the event still counts once" "$(outcomes)" 1
is "one message" "$(q 'select count(*) from messages')" 1
# digest LOG [already ]: the digest logged "recorded" (or "already
# recorded": the same bytes again) for the event.
digest() { sed -n "s/.*webhook mg#1 event .*: ${2:-}recorded \([0-9a-f]*\):.*/\1/p" "$1"; }
check "the first post's digest is logged" test -n "$(digest "$tmp/log")"
is "the retry is the same message (its digest), already recorded" \
    "$(digest "$tmp/log2" 'already ')" "$(digest "$tmp/log")"
kill -TERM "$pid"
wait "$pid"
is "reboundd stops with 0" "$?" 0
done_testing
