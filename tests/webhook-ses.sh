#!/bin/sh
# webhook-ses.sh: Amazon SES bounces, complaints and deliveries posted by
# an SNS HTTPS subscription to reboundd's [webhook NAME] of kind ses.
# The SES notifications in tests/data/webhooks/ses-*.json are written
# from "Amazon SES notification contents" and "Event publishing"
# (docs.aws.amazon.com/ses/latest/dg/notification-contents.html,
# .../event-publishing-retrieving-sns-contents.html); tests/sns-sign.py
# wraps them as "HTTP/HTTPS notification JSON format" says and signs them
# as "Verifying the signatures of Amazon SNS messages" says
# (docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html),
# SignatureVersion 1 and 2, with a key whose certificate a private CA the
# test makes has signed (or an intermediate of it, left out as SNS leaves
# its own out); tests/sns-server.py serves that certificate over
# HTTPS (localhost, a certificate of the same CA), which reboundd trusts
# through ca_file and cert_hosts.
# Asserted: a signed bounce is recorded with the right verdicts, each
# recipient once, under source ses; a complaint, a delivery (which
# clears a suspect), the event-publishing form; a bad signature, a
# changed message, a wrong topic, a self-signed certificate, a
# certificate URL on another host or over http, raw message delivery,
# malformed JSON, an unknown SignatureVersion, a certificate URL that
# answers 404 (401) or a host that does not answer (503): the right
# status and nothing recorded; the certificate is fetched once; a
# SubscriptionConfirmation is confirmed (the server sees the GET) or,
# with confirm_subscription = no, only logged; a burst of 5.1.1 from one
# domain opens an incident and removes nobody; SIGTERM while a post
# waits for its certificate finishes it first; "rebound parse
# --format-in ses" reads a saved body.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
: "${REBOUND:=$top_builddir/src/rebound}"
scratch
data="$top_srcdir/tests/data/webhooks"
q() { sqlite3 "$tmp/db" "$1"; }
topic=arn:aws:sns:us-east-1:123456789012:rebound-bounces

# A private CA; a certificate for the HTTPS server (localhost) and the
# SNS signing certificate, both of it; another key that signs nothing of ours.
ssl() { openssl "$@" >/dev/null 2>&1; }
ssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ca.key" -out "$tmp/ca.pem" \
    -days 2 -subj "/CN=rebound test CA"
ssl req -newkey rsa:2048 -nodes -keyout "$tmp/srv.key" -out "$tmp/srv.csr" -subj "/CN=localhost"
printf 'subjectAltName = DNS:localhost\n' >"$tmp/srv.ext"
ssl x509 -req -in "$tmp/srv.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
    -CAcreateserial -days 2 -extfile "$tmp/srv.ext" -out "$tmp/srv.pem"
mkdir "$tmp/www"
ssl req -newkey rsa:2048 -nodes -keyout "$tmp/sns.key" -out "$tmp/sns.csr" -subj "/CN=sns.amazonaws.com"
ssl x509 -req -in "$tmp/sns.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
    -CAcreateserial -days 2 -out "$tmp/www/SimpleNotificationService-test.pem"
ssl genrsa -out "$tmp/other.key" 2048
# As SNS serves its own: a certificate of an intermediate CA, without it.
ssl req -newkey rsa:2048 -nodes -keyout "$tmp/int.key" -out "$tmp/int.csr" -subj "/CN=rebound test intermediate"
printf 'basicConstraints = critical, CA:true\nkeyUsage = keyCertSign\n' >"$tmp/int.ext"
ssl x509 -req -in "$tmp/int.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
    -CAcreateserial -days 2 -extfile "$tmp/int.ext" -out "$tmp/int.pem"
ssl req -newkey rsa:2048 -nodes -keyout "$tmp/leaf.key" -out "$tmp/leaf.csr" -subj "/CN=sns.amazonaws.com"
ssl x509 -req -in "$tmp/leaf.csr" -CA "$tmp/int.pem" -CAkey "$tmp/int.key" \
    -CAcreateserial -days 2 -out "$tmp/www/SimpleNotificationService-leaf.pem"
# A certificate of no CA at all.
ssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/self.key" \
    -out "$tmp/www/SimpleNotificationService-self.pem" -days 2 -subj "/CN=sns.amazonaws.com"
check "the test's CA signed the SNS certificate" \
    openssl verify -CAfile "$tmp/ca.pem" "$tmp/www/SimpleNotificationService-test.pem"

python3 "$top_srcdir/tests/sns-server.py" "$tmp/www" "$tmp/srv.pem" "$tmp/srv.key" &
server=$!
pid=
trap 'kill $server $pid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
wait_until "the HTTPS server to listen" test -s "$tmp/www/port"
sport=$(cat "$tmp/www/port")
cert="https://localhost:$sport/SimpleNotificationService-test.pem"

# sign VERSION FILE [KEY [TOPIC [CERTURL]]]: FILE as SNS posts it.
sign() {
	python3 "$top_srcdir/tests/sns-sign.py" "${3:-$tmp/sns.key}" "$1" \
	    "${5:-$cert}" "${4:-$topic}" Notification "$2"
}

# rebound parse --format-in ses: a saved SNS body, no daemon.
sign 1 "$data/ses-bounce.json" >"$tmp/saved.json"
"$REBOUND" parse --format-in ses "$tmp/saved.json" >"$tmp/parse"
is "parse --format-in ses: a row per bounced recipient" \
    "$(cut -f 3,5,6,7,9 "$tmp/parse" | tail -n +2)" \
    "$(printf '5.1.1\tuserunknown\t1\tursula@example.org\tdsn\n5.2.2\tmailboxfull\t0\tvictor@example.net\tdsn')"
"$REBOUND" parse --format-in ses --format json "$tmp/saved.json" >"$tmp/parse"
check "parse: SES's type is kept as evidence beside what decided" \
    grep -q '"decided_by":"status 5.1.1 (remote)","category":"ses:permanent/general"' "$tmp/parse"
"$REBOUND" parse --format-in ses --format json "$data/ses-event-noemail.json" >"$tmp/parse"
check "parse: SES's subtype decides when nothing else says" \
    grep -q '"reason":"userunknown","hard":1,"confidence":"weak","decided_by":"category ses:permanent/noemail"' "$tmp/parse"
printf '{"Type": "Notification", "Message": "{not json"' >"$tmp/half.json"
"$REBOUND" parse --format-in ses "$tmp/half.json" >/dev/null 2>"$tmp/err"
is "parse: a broken body is an input error (exit 1)" "$?" 1

cat >"$tmp/conf" <<CONF
[store]
path = $tmp/db
[http]
listen = 127.0.0.1:$(free_port)
[metrics]
listen = $(free_port)
[webhook ses]
kind = ses
path = /ses
topic_arn = arn:aws:sns:eu-west-1:123456789012:elsewhere, $topic
topic_arn = arn:aws:sns:us-east-1:123456789012:another
cert_hosts = sns.*.amazonaws.com localhost
ca_file = $tmp/ca.pem
confirm_subscription = yes
[webhook ses-manual]
kind = ses
path = /ses-manual
topic_arn = $topic
cert_hosts = localhost
ca_file = $tmp/ca.pem
CONF
port=$(sed -n 's/^listen = 127.0.0.1://p' "$tmp/conf")
mport=$(sed -n '/^\[metrics\]/{n;s/^listen = //p}' "$tmp/conf")

printf '[http]\nlisten = 127.0.0.1:%s\n[webhook s]\nkind = ses\npath = /s\n' "$port" >"$tmp/bad.conf"
"$REBOUNDD" --config "$tmp/bad.conf" --check-config >/dev/null 2>"$tmp/err"
is "config: ses without topic_arn exits 78" "$?" 78
check "config: the missing key is named" grep -q "topic_arn: missing" "$tmp/err"
printf '[http]\nlisten = 127.0.0.1:%s\n[webhook s]\nkind = ses\npath = /s\ntopic_arn = sns-topic\n' "$port" >"$tmp/bad.conf"
"$REBOUNDD" --config "$tmp/bad.conf" --check-config >/dev/null 2>"$tmp/err"
is "config: a topic_arn that is no ARN exits 78" "$?" 78

"$REBOUNDD" --config "$tmp/conf" --foreground 2>"$tmp/log" &
pid=$!
up() { started "$tmp/log" || ! kill -0 "$pid" 2>/dev/null; }
wait_until "reboundd to start or exit" up
check "reboundd started" started "$tmp/log"

post() { python3 "$top_srcdir/tests/webhook-post.py" "$port" "${2:-/ses}" "$1"; }
messages() { q 'select count(*) from messages'; }
outcomes_of() { q "select count(*) from outcomes where address = '$1'"; }

sign 1 "$data/ses-bounce.json" >"$tmp/bounce.json"
is "a bounce signed with SignatureVersion 1: 200" "$(post "$tmp/bounce.json")" 200
is "ursula: hard, userunknown, from the remote's reply" \
    "$(q "select class || ' ' || reason || ' ' || decided from history where address = 'ursula@example.org'")" \
    "hard userunknown status 5.1.1 (remote)"
is "victor: soft, mailboxfull" "$(q "select class || ' ' || reason from outcomes where address = 'victor@example.net'")" "soft mailboxfull"
is "one message a recipient, under source ses" "$(q "select count(*) || ' ' || group_concat(distinct (select text from texts where id = source_text)) from messages")" "2 ses"
is "the list is the notification's List-Id" "$(q "select distinct list from history where address = 'ursula@example.org'")" \
    "news.lists.example.com"
is "the same bounce again: 200" "$(post "$tmp/bounce.json")" 200
sign 2 "$data/ses-bounce.json" >"$tmp/bounce2.json"
is "... and SNS's retry, signed anew (version 2): 200" "$(post "$tmp/bounce2.json")" 200
is "each recipient counts once" "$(outcomes_of ursula@example.org)$(outcomes_of victor@example.net)" 11

SNS_SUBJECT="Amazon SES Email Event Notification" sign 2 "$data/ses-complaint.json" >"$tmp/complaint.json"
check "the complaint's envelope has a Subject, which the signature covers" grep -q '"Subject": "Amazon SES' "$tmp/complaint.json"
is "a complaint (version 2, with a Subject): 200" "$(post "$tmp/complaint.json")" 200
is "it is a complaint" "$(q "select class from outcomes where address = 'wendy@example.com'")" complaint
is "a delivery: 200" "$(post "$(sign 1 "$data/ses-delivery.json" >"$tmp/d.json"; echo "$tmp/d.json")")" 200
is "it is a delivery" "$(q "select class from outcomes where address = 'xavier@example.com'")" delivered
sign 1 "$data/ses-event-noemail.json" >"$tmp/event.json"
is "event publishing (eventType): 200" "$(post "$tmp/event.json")" 200
is "NoEmail and no diagnostic: SES's subtype decides" \
    "$(q "select reason || ' ' || decided from history where address = 'yolanda@example.org'")" \
    "userunknown category ses:permanent/noemail"
state() { "$REBOUND" show --db "$tmp/db" "$1" | sed -n 's/^state: //p'; }
is "... a weak sign: yolanda is a suspect" "$(state yolanda@example.org)" "suspect (hard bounce of weak confidence, to be confirmed: userunknown)"
sed -e 's/xavier@example.com/yolanda@example.org/g' -e 's/delivery-message-000001/delivery-message-000002/' \
    "$data/ses-delivery.json" | sign 2 - >"$tmp/d2.json"
is "a delivery to yolanda: 200" "$(post "$tmp/d2.json")" 200
is "the delivery cleared the suspect" "$(state yolanda@example.org)" alive
sign 1 "$data/ses-open.json" >"$tmp/open.json"
is "an open: 200, recorded nowhere" "$(post "$tmp/open.json")$(outcomes_of zack@example.com)" 2000
is "the certificate was fetched once" "$(grep -c 'SimpleNotificationService-test.pem' "$tmp/www/requests.log")" 1
sed 's/ursula@example.org/leaf@example.org/' "$data/ses-bounce.json" | \
    sign 2 - "$tmp/leaf.key" "" "https://localhost:$sport/SimpleNotificationService-leaf.pem" >"$tmp/leaf.json"
is "a certificate served without its intermediate, as SNS does: 200" "$(post "$tmp/leaf.json")" 200
is "... and recorded" "$(outcomes_of leaf@example.org)" 1

n=$(messages)
# A refusal is logged once a minute per source and status: the first
# 401 and the first 403 are checked in the log.
sed 's/ursula@example.org/u2@example.org/' "$data/ses-bounce.json" | sign 1 - "$tmp/other.key" >"$tmp/forged.json"
is "signed by another key: 401" "$(post "$tmp/forged.json")" 401
check "the refusal is logged with its source" grep -q "webhook ses: 401 to 127.0.0.1: SNS message .*: the signature does not verify" "$tmp/log"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["Message"]=d["Message"].replace("ursula@", "u3@"); print(json.dumps(d))' \
    "$tmp/bounce.json" >"$tmp/changed.json"
is "the message changed after signing: 401" "$(post "$tmp/changed.json")" 401
is "raw message delivery (SES's JSON alone): 403" "$(post "$data/ses-bounce.json")" 403
check "raw delivery is logged saying what to change" grep -q "webhook ses: 403 to 127.0.0.1: raw message delivery: .*turn off RawMessageDelivery" "$tmp/log"
sed 's/ursula@example.org/u4@example.org/' "$data/ses-bounce.json" | sign 2 - "" arn:aws:sns:us-east-1:123456789012:not-ours >"$tmp/topic.json"
is "a topic not in topic_arn: 403" "$(post "$tmp/topic.json")" 403
sed 's/ursula@example.org/u5@example.org/' "$data/ses-bounce.json" | \
    sign 1 - "" "" "https://127.0.0.1:$sport/SimpleNotificationService-test.pem" >"$tmp/host.json"
is "the certificate URL on another host: 403" "$(post "$tmp/host.json")" 403
sed 's/ursula@example.org/u6@example.org/' "$data/ses-bounce.json" | \
    sign 1 - "" "" "http://localhost:$sport/SimpleNotificationService-test.pem" >"$tmp/http.json"
is "the certificate URL over http: 403" "$(post "$tmp/http.json")" 403
# cert_hosts' '*' is one label: never two, never a suffix of another name,
# never an S3 endpoint's (a bucket named "sns" is anyone's).
for host in sns.s3.us-east-1.amazonaws.com sns.us-east-1.amazonaws.com.evil.example \
    sns.s3.amazonaws.com sns.s3-us-west-2.amazonaws.com; do
	sed 's/ursula@example.org/u8@example.org/' "$data/ses-bounce.json" | \
	    sign 1 - "" "" "https://$host/SimpleNotificationService-test.pem" >"$tmp/star.json"
	is "the certificate URL on $host: 403" "$(post "$tmp/star.json")" 403
done
sed 's/ursula@example.org/u7@example.org/' "$data/ses-bounce.json" | \
    sign 1 - "$tmp/self.key" "" "https://localhost:$sport/SimpleNotificationService-self.pem" >"$tmp/self.json"
is "a self-signed certificate: 401" "$(post "$tmp/self.json")" 401
printf '{"Type": "Notification", "MessageId": ' >"$tmp/broken.json"
is "malformed JSON: 400" "$(post "$tmp/broken.json")" 400
sed 's/"SignatureVersion": "1"/"SignatureVersion": "3"/' "$tmp/forged.json" >"$tmp/v3.json"
is "SignatureVersion 3: 401" "$(post "$tmp/v3.json")" 401
is "nothing refused was recorded" "$(messages)" "$n"
sed -e 's/ursula@example.org/other@example.org/' -e 's/feedback-000001/feedback-other/' \
    "$data/ses-bounce.json" | sign 2 - "" arn:aws:sns:us-east-1:123456789012:another >"$tmp/another.json"
is "a topic of the second topic_arn line: 200" "$(post "$tmp/another.json")" 200

# SubscriptionConfirmation: confirmed through SubscribeURL, or logged.
sub="https://localhost:$sport/?Action=ConfirmSubscription&TopicArn=$topic"
python3 "$top_srcdir/tests/sns-sign.py" "$tmp/sns.key" 1 "$cert" "$topic" \
    SubscriptionConfirmation "$sub" manual-0001 >"$tmp/sub-manual.json"
is "confirm_subscription = no: 200" "$(post "$tmp/sub-manual.json" /ses-manual)" 200
check "... the SubscribeURL is logged for a person" \
    grep -q "webhook ses-manual: SNS asks to confirm a subscription to $topic; confirm_subscription = no: to confirm it, visit https://localhost:$sport/?Action=ConfirmSubscription" "$tmp/log"
python3 "$top_srcdir/tests/sns-sign.py" "$tmp/sns.key" 2 "$cert" "$topic" \
    SubscriptionConfirmation "$sub" auto-0001 >"$tmp/sub.json"
is "confirm_subscription = yes: 200" "$(post "$tmp/sub.json")" 200
token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Token"])' "$tmp/sub.json")
wait_until "the server to see the SubscribeURL's GET" grep -q "Token=$token" "$tmp/www/requests.log"
check "the SubscribeURL was fetched" grep -q "GET /?Action=ConfirmSubscription&TopicArn=$topic&Token=$token" "$tmp/www/requests.log"
wait_until "the confirmation to be logged" grep -q "topic $topic: subscription confirmed" "$tmp/log"
mtoken=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Token"])' "$tmp/sub-manual.json")
check "the one not to confirm was not fetched" sh -c "! grep -q 'Token=$mtoken' '$tmp/www/requests.log'"
python3 "$top_srcdir/tests/sns-sign.py" "$tmp/sns.key" 1 "$cert" "$topic" \
    UnsubscribeConfirmation "$sub" unsub-0001 >"$tmp/unsub.json"
is "an UnsubscribeConfirmation: 200" "$(post "$tmp/unsub.json")" 200
check "... logged for a person" grep -q "webhook ses: SNS says the subscription to $topic was removed" "$tmp/log"

# A burst: 25 addresses of one domain, 5.1.1 each within minutes, as
# mail would bring them: an incident opens, nobody is removed.
for i in $(seq 1 25); do
	sed -e "s/ursula@example.org/reader$i@bigmail.example/g" \
	    -e "s/feedback-000001/feedback-burst$i/" "$data/ses-bounce.json" |
	    sign 1 - >"$tmp/burst.json"
	post "$tmp/burst.json" >>"$tmp/burst"
done
is "the burst: 25 posts answered 200" "$(grep -c '^200$' "$tmp/burst")" 25
"$REBOUND" incidents --db "$tmp/db" --format csv >"$tmp/inc"
check "an incident opened for bigmail.example" grep -q '"domain","bigmail.example","open"' "$tmp/inc"
"$REBOUND" prune --db "$tmp/db" >"$tmp/prune"
check "prune lists no bigmail.example reader" sh -c "! grep -q bigmail.example '$tmp/prune'"
check "prune still lists ursula (an ordinary dead address)" grep -qx 'ursula@example.org' "$tmp/prune"

python3 -c 'import urllib.request,sys; print(urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1]).read().decode())' "$mport" >"$tmp/metrics"
check "/metrics counts the 401s" grep -q 'rebound_webhook_requests_total{webhook="ses",status="401"} 4' "$tmp/metrics"
check "/metrics counts the 403s" grep -q 'rebound_webhook_requests_total{webhook="ses",status="403"} 8' "$tmp/metrics"

# SIGTERM while a post waits for its certificate: the post is finished
# (recorded, answered 200) before reboundd exits.
sed -e 's/ursula@example.org/late@example.org/' -e 's/feedback-000001/feedback-late/' \
    "$data/ses-bounce.json" | sign 2 - "" "" \
    "https://localhost:$sport/slow/SimpleNotificationService-test.pem" >"$tmp/late.json"
post "$tmp/late.json" >"$tmp/late" &
late=$!
wait_until "reboundd to fetch the slow certificate" grep -q 'GET /slow/' "$tmp/www/requests.log"
# The certificate's host: a 404 is a refusal (401), and the URL is not
# fetched again for a minute; no answer at all is SNS's to retry (503).
n=$(messages)
for i in 1 2; do
	sed "s/ursula@example.org/nf$i@example.org/" "$data/ses-bounce.json" | \
	    sign 1 - "" "" "https://localhost:$sport/SimpleNotificationService-gone.pem" >"$tmp/gone.json"
	post "$tmp/gone.json" >>"$tmp/gone"
done
is "a certificate URL that answers 404: 401, twice" "$(cat "$tmp/gone" | tr '\n' ' ')" "401 401 "
is "... fetched once" "$(grep -c 'SimpleNotificationService-gone.pem' "$tmp/www/requests.log")" 1
sed 's/ursula@example.org/dead@example.org/' "$data/ses-bounce.json" | \
    sign 1 - "" "" "https://localhost:$(free_port)/SimpleNotificationService-test.pem" >"$tmp/dead.json"
is "a certificate host that does not answer: 503 (SNS retries)" "$(post "$tmp/dead.json")" 503
check "... logged" grep -q "webhook ses: 503 to 127.0.0.1: SNS message .*: certificate https://localhost:[0-9]*/SimpleNotificationService-test.pem: " "$tmp/log"
is "nothing of them was recorded" "$(messages)" "$n"

kill -TERM "$pid"
wait_until "reboundd to start stopping" grep -q 'stop: signal' "$tmp/log"
touch "$tmp/www/release"
wait "$late"
is "the post that waited is answered 200" "$(cat "$tmp/late")" 200
wait "$pid"
is "reboundd stops with 0" "$?" 0
is "... having recorded it" "$(outcomes_of late@example.org)" 1
done_testing
