#!/bin/sh
# webhook-limits.sh: the limits of reboundd's [http] listener, each
# answered with its status, counted in /metrics and logged, and the
# daemon fine after each (a signed Mailgun post is still recorded):
#   - a body over max_body_size: 413;
#   - headers over max_header_size: 431, whether the head comes at once
#     or a line at a time (evhttp itself would answer 400), while a head
#     just under it is read;
#   - a slowloris trickling its headers, or its body, a byte at a time:
#     408 at read_timeout (2 s here), though each byte comes well within
#     evhttp's idle timeout;
#   - a keep-alive connection left idle after its answer: closed at
#     read_timeout, with no 408 (no request had begun);
#   - connections over max_connections: 503 at once, while those open
#     are held; a post is taken again once they are gone;
#   - evhttp's interim "100 Continue" is not counted as an answer.
# (max_requests, posts waiting for their commit, is tests/webhooks.sh's.)
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
scratch
data="$top_srcdir/tests/data/webhooks"
slow="$top_srcdir/tests/webhook-slow.py"
q() { sqlite3 "$tmp/db" "$1"; }
port=$(free_port)
mport=$(free_port)
key=$(python3 -c 'import secrets; print("key-" + secrets.token_hex(16))')
conf() {
	cat <<CONF
[store]
path = $tmp/db
[metrics]
listen = $mport
[http]
listen = 127.0.0.1:$port
max_body_size = 8192
max_header_size = 4096
$1
[webhook mg]
kind = mailgun
path = /mg
signing_key = $key
CONF
}
conf "read_timeout = 2" >"$tmp/conf"
conf "max_connections = 0" >"$tmp/bad.conf"
"$REBOUNDD" --config "$tmp/bad.conf" --check-config >/dev/null 2>"$tmp/err"
is "max_connections = 0 is refused: exit 78" "$?" 78
check "naming file, line and key" grep -q "bad.conf:9: \[http\] max_connections: '0' is not a number from 1 to 100000" "$tmp/err"
n=0
# post: a new Mailgun event, signed; the status answered.
post() {
	n=$(date +%s%N)
	sed -e "s/\"id\": \"Xq3bqVYAT3OyGwqm6QkbwA\"/\"id\": \"limits$n\"/" \
	    -e "s/alice@example.org/user$n@example.org/g" \
	    "$data/mailgun-failed-permanent.json" >"$tmp/post.json"
	python3 "$top_srcdir/tests/webhook-post.py" "$port" /mg "$tmp/post.json" \
	    mailgun "$key" now "$(python3 -c 'import secrets; print(secrets.token_hex(25))')"
}
recorded=0
fine() {
	is "$1: the daemon still records a post" "$(post)" 200
	recorded=$((recorded + 1))
}
metrics() {
	python3 -c 'import urllib.request,sys; print(urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1]).read().decode())' "$mport"
}
start() {
	"$REBOUNDD" --config "$1" --foreground 2>"$2" &
	pid=$!
	st_log=$2
	up() { started "$st_log" || ! kill -0 "$pid" 2>/dev/null; }
	wait_until "reboundd to start or exit" up
	check "reboundd started ($1)" started "$2"
}
stop() {
	kill -TERM "$pid"
	wait "$pid"
	is "reboundd stops with 0" "$?" 0
}

start "$tmp/conf" "$tmp/log"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["event-data"]["padding"]="x"*9000; print(json.dumps(d))' \
    "$data/mailgun-failed-permanent.json" >"$tmp/big.json"
is "a body over max_body_size: 413" \
    "$(python3 "$top_srcdir/tests/webhook-post.py" "$port" /mg "$tmp/big.json" mailgun "$key" now abc)" 413
fine "after a 413"
is "headers over max_header_size, at once: 431" "$(python3 "$slow" "$port" bighead)" 431
check "the 431 is logged with its source" \
    grep -q 'webhook none: 431 to 127.0.0.1: headers over max_header_size' "$tmp/log"
fine "after a 431"
is "headers over max_header_size, a line at a time: 431" "$(python3 "$slow" "$port" headlines)" 431
is "a head just under max_header_size is read (400: no signature)" \
    "$(python3 "$slow" "$port" bighead 3900)" 400
is "a slowloris trickling its headers: 408" "$(python3 "$slow" "$port" headers)" 408
check "the 408 is logged with its source" \
    grep -q 'webhook none: 408 to 127.0.0.1: request not read within read_timeout' "$tmp/log"
fine "after a slow head"
is "a slowloris trickling its body: 408" "$(python3 "$slow" "$port" body)" 408
fine "after a slow body"
is "an idle keep-alive connection: answered, then closed without a 408" \
    "$(python3 "$slow" "$port" idle /mg)" "400 then closed"
is "Expect: 100-continue: the interim answer, then the post's own" \
    "$(python3 "$slow" "$port" expect /mg)" "100 then 400"
is "every good post was recorded" "$(q 'select count(*) from messages')" "$recorded"
metrics >"$tmp/metrics"
check "/metrics counts the 413" grep -q '^rebound_webhook_requests_total{webhook="none",status="413"} 1$' "$tmp/metrics"
check "/metrics counts the two 431s" grep -q '^rebound_webhook_requests_total{webhook="none",status="431"} 2$' "$tmp/metrics"
check "/metrics counts the two 408s" grep -q '^rebound_webhook_requests_total{webhook="none",status="408"} 2$' "$tmp/metrics"
check "/metrics counts no interim 100" sh -c "! grep -q 'status=\"100\"' '$tmp/metrics'"
check "/metrics counts the posts recorded" grep -q "^rebound_webhook_requests_total{webhook=\"mg\",status=\"200\"} $recorded\$" "$tmp/metrics"
stop

# max_connections = 3: three connections held open, a fourth is 503.
conf "read_timeout = 120
max_connections = 3" >"$tmp/conf2"
start "$tmp/conf2" "$tmp/log2"
mkfifo "$tmp/hold.in"
python3 "$slow" "$port" hold 3 <"$tmp/hold.in" >"$tmp/hold.out" &
holder=$!
exec 3>"$tmp/hold.in"
wait_until "the holder to connect" grep -q held "$tmp/hold.out"
held() { metrics | grep -q '^rebound_webhook_connections 3$'; }
wait_for "/metrics shows the three connections" held
is "a fourth connection: 503" "$(post)" 503
check "the 503 is logged" grep -q 'webhook none: 503 to 127.0.0.1: over max_connections' "$tmp/log2"
exec 3>&-
wait "$holder"
gone() { metrics | grep -q '^rebound_webhook_connections [01]$'; }
wait_until "the held connections to close" gone
is "once they are gone, a post: 200" "$(post)" 200
metrics >"$tmp/metrics"
check "/metrics counts the 503" grep -q '^rebound_webhook_requests_total{webhook="none",status="503"} 1$' "$tmp/metrics"
stop
done_testing
