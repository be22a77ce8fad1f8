#!/bin/sh
# webhooks.sh: reboundd's HTTP intake for a sending service's webhooks
# ([http], [webhook NAME]), as the service posts to it.  Postmark: the
# bodies written from its "Bounce webhook", "Spam complaint webhook" and
# "Delivery webhook", "Open tracking webhook" pages (postmarkapp.com/developer/webhooks/),
# posted with HTTP Basic credentials as its webhook URL carries them.
# SparkPost: a batch written from its "Webhooks" and "Event types"
# API pages (developers.sparkpost.com/api/webhooks/, .../events/),
# posted with HTTP Basic credentials as its webhook's basic auth sends.
# SendGrid: a batch written from its "Event Webhook Reference"
# (docs.sendgrid.com/for-developers/tracking-events/event), signed with
# an EC P-256 key the test makes with openssl.
# Mailgun: the
# bodies in tests/data/webhooks are written from its documentation
# ("Webhook Payloads", documentation.mailgun.com/docs/mailgun/user-manual/
# webhooks/webhook-payloads; "Securing Webhooks" for the signature) and
# signed here with a key the test makes (tests/webhook-post.py).
# Asserted: a valid post is recorded with the right verdict; a bad
# signature, an expired timestamp, a replayed token, malformed JSON, a
# body over the limit are refused with their status and record nothing;
# the same event posted twice counts once; a store that cannot commit
# answers 503 and the retry is recorded; a slow client is cut off; the
# refusals are counted in /metrics; the daemon stops cleanly.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
: "${REBOUND:=$top_builddir/src/rebound}"
scratch
data="$top_srcdir/tests/data/webhooks"
q() { sqlite3 "$tmp/db" "$1"; }
port=$(free_port)
mport=$(free_port)
key=$(python3 -c 'import secrets; print("key-" + secrets.token_hex(16))')
pw=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/sg.pem" 2>/dev/null
openssl ec -in "$tmp/sg.pem" -pubout -outform DER 2>/dev/null | base64 -w0 >"$tmp/sg.pub"
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/other.pem" 2>/dev/null
cat >"$tmp/conf" <<CONF
[store]
path = $tmp/db
busy_timeout = 200
[metrics]
listen = $mport
[http]
listen = 127.0.0.1:$port
max_body_size = 8192
read_timeout = 2
[webhook mg]
kind = mailgun
path = /hooks/mailgun
signing_key = $key
[webhook pm]
kind = postmark
path = /hooks/postmark
user = rebound
password = $pw
[webhook sg]
kind = sendgrid
path = /hooks/sendgrid
public_key = $(cat "$tmp/sg.pub")
[webhook sp]
kind = sparkpost
path = /hooks/sparkpost
user = rebound
password = $pw
CONF

# Configuration: a kind not built is refused, as is a mailgun endpoint
# without its key, with file, line and key.
printf '[http]\nlisten = 127.0.0.1:%s\n[webhook sg]\nkind = sesame\npath = /sg\n' "$port" >"$tmp/bad1.conf"
"$REBOUNDD" --config "$tmp/bad1.conf" --check-config >/dev/null 2>"$tmp/err"; rc=$?
is "config: an unknown kind exits 78" "$rc" 78
check "config: the kind at fault is named" grep -q "bad1.conf:4: \[webhook sg\] kind: 'sesame' is not mailgun, postmark, sparkpost, sendgrid or ses" "$tmp/err"
printf '[http]\nlisten = 127.0.0.1:%s\n[webhook mg]\nkind = mailgun\npath = /mg\n' "$port" >"$tmp/bad2.conf"
"$REBOUNDD" --config "$tmp/bad2.conf" --check-config >/dev/null 2>"$tmp/err"; rc=$?
is "config: mailgun without signing_key exits 78" "$rc" 78
check "config: the missing key is named" grep -q "signing_key: missing" "$tmp/err"
"$REBOUNDD" --config "$tmp/conf" --check-config >/dev/null; rc=$?
is "config: the test's configuration is valid" "$rc" 0

# rebound parse --format-in: what a saved body would record, no daemon.
"$REBOUND" parse --format-in mailgun "$data/mailgun-failed-permanent.json" >"$tmp/parse"
is "parse --format-in mailgun: one row, userunknown, hard" \
    "$(cut -f 3,5,6,7,9 "$tmp/parse" | tail -n +2)" "$(printf '5.1.1\tuserunknown\t1\talice@example.org\tdsn')"
"$REBOUND" parse --format-in postmark --format json "$data/postmark-bounce-hard.json" >"$tmp/parse"
check "parse --format-in postmark: json, decided by the status" grep -q '"reason":"userunknown","hard":1' "$tmp/parse"
printf '{"RecordType": ' >"$tmp/half.json"
"$REBOUND" parse --format-in postmark "$tmp/half.json" >/dev/null 2>"$tmp/err"; rc=$?
is "parse --format-in: a broken body is an input error (exit 1)" "$rc" 1
check "and says which file" grep -q "half.json: not a postmark webhook body" "$tmp/err"
"$REBOUND" parse --format-in sparkpost "$data/sparkpost-batch.json" >"$tmp/parse"
is "parse --format-in sparkpost: a row per event" "$(cut -f 5,7 "$tmp/parse" | tail -n +2 | tr '\t\n' ' /')" \
    "userunknown kim@example.org/feedback lee@example.net/delivered mia@example.com/none /"

"$REBOUNDD" --config "$tmp/conf" --foreground 2>"$tmp/log" &
pid=$!
up() { started "$tmp/log" || ! kill -0 "$pid" 2>/dev/null; }
wait_until "reboundd to start or exit" up
check "reboundd started with only the HTTP intake" started "$tmp/log"
check "it logs where it listens" grep -q "http: listening on 127.0.0.1:$port for 4 webhooks" "$tmp/log"

# post FILE [KEY [TIMESTAMP [TOKEN]]]: sign FILE and post it; the status.
post() {
	python3 "$top_srcdir/tests/webhook-post.py" "$port" /hooks/mailgun "$1" \
	    mailgun "${2:-$key}" "${3:-now}" "${4:-$(python3 -c 'import secrets; print(secrets.token_hex(25))')}"
}
messages() { q 'select count(*) from messages'; }
outcomes_of() { q "select count(*) from outcomes where address = '$1'"; }

is "valid permanent failure: 200" "$(post "$data/mailgun-failed-permanent.json")" 200
is "it is recorded once" "$(messages)" 1
is "under its source, mailgun" "$(q 'select (select text from texts where id = source_text) from messages')" mailgun
"$REBOUND" show --db "$tmp/db" alice@example.org >"$tmp/show" 2>&1
check "rebound show: alice is userunknown" grep -q "userunknown" "$tmp/show"
is "the verdict is hard" "$(q "select class from outcomes where address = 'alice@example.org'")" hard
is "from the remote server's reply" "$(q "select status || ' ' || replycode || ' ' || (select text from texts where id = remote_mta_text) from outcomes where address = 'alice@example.org'")" "5.1.1 550 mx.example.org"

is "the same event again (a new signature): 200" "$(post "$data/mailgun-failed-permanent.json")" 200
is "the same event counts once" "$(outcomes_of alice@example.org)" 1

is "a temporary failure: 200" "$(post "$data/mailgun-failed-temporary.json")" 200
# Mailgun retries a temporary failure itself (it says "permanent" once
# it gives up): a delay, as a DSN with Action: delayed is.
is "it is a delay" "$(q "select class from outcomes where address = 'bob@example.org'")" delay
is "a complaint: 200" "$(post "$data/mailgun-complained.json")" 200
is "it is a complaint" "$(q "select class from outcomes where address = 'carol@example.net'")" complaint
is "an open: 200" "$(post "$data/mailgun-opened.json")" 200
is "an open records nothing" "$(outcomes_of dave@example.com)" 0
n=$(messages)

is "bad signature: 401" "$(post "$data/mailgun-failed-permanent.json" key-not-ours)" 401
check "the refusal is logged with its source" grep -q "webhook mg: 401 to 127.0.0.1: signature does not match" "$tmp/log"
old=$(( $(date +%s) - 3600 ))
is "a timestamp an hour old: 401" "$(post "$data/mailgun-failed-temporary.json" "$key" "$old")" 401
token=$(python3 -c 'import secrets; print(secrets.token_hex(25))')
sed 's/"id": "tmp4Xq3bqVYAT3OyGwqm6Q"/"id": "replay0000000000000001"/; s/bob@/erin@/g' \
    "$data/mailgun-failed-temporary.json" >"$tmp/replay.json"
ts=$(date +%s)
is "a fresh token: 200" "$(post "$tmp/replay.json" "$key" "$ts" "$token")" 200
n=$(messages)
is "the same token again (a replayed post): 403" "$(post "$tmp/replay.json" "$key" "$ts" "$token")" 403
printf '{"signature": {"timestamp": "1", ' >"$tmp/broken.json"
is "malformed JSON: 400" "$(python3 "$top_srcdir/tests/webhook-post.py" "$port" /hooks/mailgun "$tmp/broken.json")" 400
printf '{"signature": {"timestamp": "@TIMESTAMP@", "token": "@TOKEN@", "signature": "@SIGNATURE@"}, "event-data": {"event": "failed"}}' >"$tmp/noid.json"
is "a signed body that is no event: 400" "$(post "$tmp/noid.json")" 400
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["event-data"]["padding"]="x"*9000; print(json.dumps(d))' \
    "$data/mailgun-failed-temporary.json" >"$tmp/big.json"
is "a body over max_body_size: 413" "$(post "$tmp/big.json")" 413
is "another path: 404" "$(python3 "$top_srcdir/tests/webhook-post.py" "$port" /nowhere "$data/mailgun-opened.json")" 404
is "nothing refused was recorded" "$(messages)" "$n"

# Headers over max_header_size (8 KiB by default): 431.
python3 - "$port" >"$tmp/bighead" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(60)
s.sendall(b"POST /hooks/mailgun HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 10000 +
          b"\r\nContent-Length: 2\r\n\r\n{}")
print(s.recv(100).split(b" ")[1].decode())
PY
is "headers over max_header_size: 431" "$(cat "$tmp/bighead")" 431

# A client that never finishes its headers is cut off at read_timeout,
# and the daemon goes on answering.
python3 - "$port" >"$tmp/slow" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /hooks/mailgun HTTP/1.1\r\nHost: x\r\n")
s.settimeout(60)
t = time.time()
try:
    data = s.recv(100)
except OSError:
    data = b""
print("closed" if time.time() - t < 30 else "open")
PY
is "a slow client is cut off at read_timeout" "$(cat "$tmp/slow")" closed

# The store cannot commit: 503, nothing recorded; the service's retry
# (the same signed post) is then taken.
sed 's/"id": "tmp4Xq3bqVYAT3OyGwqm6Q"/"id": "locked00000000000000001"/; s/bob@/frank@/g' \
    "$data/mailgun-failed-temporary.json" >"$tmp/locked.json"
token=$(python3 -c 'import secrets; print(secrets.token_hex(25))')
ts=$(date +%s)
lock_db "$tmp/db" "begin exclusive" "rollback"
is "store locked: 503" "$(post "$tmp/locked.json" "$key" "$ts" "$token")" 503
unlock_db
is "nothing of it recorded" "$(outcomes_of frank@example.org)" 0
is "the retry, once the store is back: 200" "$(post "$tmp/locked.json" "$key" "$ts" "$token")" 200
is "the retry is recorded" "$(outcomes_of frank@example.org)" 1

# Postmark: HTTP Basic credentials, one record a post.
pm() {
	python3 "$top_srcdir/tests/webhook-post.py" "$port" /hooks/postmark \
	    "$data/postmark-$1.json" basic "${2:-rebound}" "${3:-$pw}"
}
n=$(messages)
is "postmark: wrong password: 401" "$(pm bounce-hard rebound wrong)" 401
is "postmark: wrong user: 401" "$(pm bounce-hard someone "$pw")" 401
is "postmark: no credentials: 401" "$(python3 "$top_srcdir/tests/webhook-post.py" "$port" /hooks/postmark "$data/postmark-bounce-hard.json")" 401
is "postmark: nothing refused was recorded" "$(messages)" "$n"
is "postmark: a hard bounce: 200" "$(pm bounce-hard)" 200
is "postmark: it is hard, userunknown" "$(q "select class || ' ' || reason from outcomes where address = 'grace@example.org'")" "hard userunknown"
is "postmark: under its source" "$(q "select distinct (select text from texts where id = m.source_text) from messages m join outcomes o on o.message = m.id where o.address = 'grace@example.org'")" postmark
is "postmark: the same bounce again: 200" "$(pm bounce-hard)" 200
is "postmark: it counts once" "$(outcomes_of grace@example.org)" 1
is "postmark: a spam complaint: 200" "$(pm spam-complaint)" 200
is "postmark: it is a complaint" "$(q "select class from outcomes where address = 'heidi@example.net'")" complaint
is "postmark: a delivery: 200" "$(pm delivery)" 200
is "postmark: it is a delivery" "$(q "select class from outcomes where address = 'judy@example.com'")" delivered
is "postmark: an open: 200" "$(pm open)" 200
is "postmark: an open records nothing" "$(outcomes_of ivan@example.com)" 0
printf '{"RecordType": "Bounce", "ID": ' >"$tmp/pm-broken.json"
is "postmark: malformed JSON: 400" "$(python3 "$top_srcdir/tests/webhook-post.py" "$port" /hooks/postmark "$tmp/pm-broken.json" basic rebound "$pw")" 400

# SparkPost: a batch of events, one post; HTTP Basic credentials.
sp() {
	python3 "$top_srcdir/tests/webhook-post.py" "$port" /hooks/sparkpost \
	    "$data/sparkpost-batch.json" basic rebound "${1:-$pw}"
}
n=$(messages)
is "sparkpost: wrong password: 401" "$(sp wrong)" 401
is "sparkpost: nothing refused was recorded" "$(messages)" "$n"
is "sparkpost: a batch: 200" "$(sp)" 200
is "sparkpost: the bounce is hard, userunknown" "$(q "select class || ' ' || reason from outcomes where address = 'kim@example.org'")" "hard userunknown"
is "sparkpost: the complaint" "$(q "select class from outcomes where address = 'lee@example.net'")" complaint
is "sparkpost: the delivery" "$(q "select class from outcomes where address = 'mia@example.com'")" delivered
is "sparkpost: the open records nothing" "$(outcomes_of ned@example.com)" 0
is "sparkpost: three events, three messages" "$(( $(messages) - n ))" 3
is "sparkpost: the batch again: 200" "$(sp)" 200
is "sparkpost: each event counts once" "$(( $(messages) - n ))" 3
printf '{"msys": {}}' >"$tmp/sp-obj.json"
is "sparkpost: not an array: 400" "$(python3 "$top_srcdir/tests/webhook-post.py" "$port" /hooks/sparkpost "$tmp/sp-obj.json" basic rebound "$pw")" 400

# SendGrid: a signed batch; a forged copy, an old one, no signature.
sg() {
	python3 "$top_srcdir/tests/webhook-post.py" "$port" /hooks/sendgrid \
	    "$data/sendgrid-batch.json" sendgrid "${1:-$tmp/sg.pem}" "${2:-now}"
}
n=$(messages)
is "sendgrid: signed by another key: 401" "$(sg "$tmp/other.pem")" 401
is "sendgrid: signed an hour ago: 401" "$(sg "$tmp/sg.pem" $(( $(date +%s) - 3600 )))" 401
is "sendgrid: no signature: 401" "$(python3 "$top_srcdir/tests/webhook-post.py" "$port" /hooks/sendgrid "$data/sendgrid-batch.json")" 401
is "sendgrid: nothing refused was recorded" "$(messages)" "$n"
is "sendgrid: a signed batch: 200" "$(sg)" 200
is "sendgrid: the bounce is hard, userunknown" "$(q "select class || ' ' || reason from outcomes where address = 'olga@example.org'")" "hard userunknown"
is "sendgrid: the complaint" "$(q "select class from outcomes where address = 'pete@example.net'")" complaint
is "sendgrid: the delivery" "$(q "select class from outcomes where address = 'quinn@example.com'")" delivered
is "sendgrid: the open records nothing" "$(outcomes_of rita@example.com)" 0
is "sendgrid: the batch again: 200" "$(sg)" 200
is "sendgrid: each event counts once" "$(( $(messages) - n ))" 3

metrics() {
	python3 -c 'import urllib.request,sys; print(urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1]).read().decode())' "$mport"
}
metrics >"$tmp/metrics"
check "/metrics counts the 401s" grep -q 'rebound_webhook_requests_total{webhook="mg",status="401"} 2' "$tmp/metrics"
check "/metrics counts postmark's 401s" grep -q 'rebound_webhook_requests_total{webhook="pm",status="401"} 3' "$tmp/metrics"
check "/metrics counts the 503" grep -q 'rebound_webhook_requests_total{webhook="mg",status="503"} 1' "$tmp/metrics"
check "/metrics counts the mailgun messages" grep -q 'rebound_messages_total{source="mailgun"' "$tmp/metrics"

kill -TERM "$pid"
wait "$pid"
is "reboundd stops with 0" "$?" 0

# max_requests: one post waits for a commit a lock holds up; the next is
# answered 503 at once; the first is recorded once the lock goes.
sed -e 's/^busy_timeout = 200$/busy_timeout = 120000/' \
    -e 's/^read_timeout = 2$/read_timeout = 2\nmax_requests = 1/' "$tmp/conf" >"$tmp/busy.conf"
"$REBOUNDD" --config "$tmp/busy.conf" --foreground 2>"$tmp/log2" &
pid=$!
up2() { started "$tmp/log2" || ! kill -0 "$pid" 2>/dev/null; }
wait_until "reboundd to start again" up2
sed 's/"id": "tmp4Xq3bqVYAT3OyGwqm6Q"/"id": "busy000000000000000001"/; s/bob@/gina@/g' \
    "$data/mailgun-failed-temporary.json" >"$tmp/busy1.json"
lock_db "$tmp/db" "begin exclusive" "rollback"
post "$tmp/busy1.json" >"$tmp/first" &
first=$!
waiting() { metrics | grep -q '^rebound_webhook_pending 1$'; }
wait_for "max_requests: the first post waits for its commit" waiting
is "max_requests: one more post is answered 503" "$(pm bounce-hard)" 503
unlock_db
wait "$first"
is "max_requests: the first is answered 200 once committed" "$(cat "$tmp/first")" 200
is "max_requests: and recorded" "$(outcomes_of gina@example.org)" 1
metrics >"$tmp/metrics"
check "/metrics counts the busy 503" grep -q 'rebound_webhook_requests_total{webhook="pm",status="503"} 1' "$tmp/metrics"
kill -TERM "$pid"
wait "$pid"
is "reboundd stops with 0 again" "$?" 0
done_testing
