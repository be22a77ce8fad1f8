#!/bin/sh
# webhook-guard.sh: a burst of hard bounces that comes by webhook meets
# the incident guard as mail does (tests/guard.sh).  gmail.com's
# directory says "550 5.1.1" for eight live subscribers in a minute,
# reported by Mailgun (the body of tests/data/webhooks'
# mailgun-failed-permanent.json, one event each, answered by
# alt1..alt3.gmail-smtp-in.l.google.com: provider google.com), then for
# three more in a SendGrid batch (its "Event Webhook Reference" bounce
# event, signed with the test's EC key), which names no host: gmail.com
# being google.com's by src/core/providers.tab, they join its incident,
# whatever the daemon saw before; two more at corp.example, whose mail
# Google receives by the site's [guard] providers file, join it too;
# sgmail.example's directory says it
# for five, in one SendGrid batch: the group is their domain.  With
# [guard] min_addresses = 3: two incidents, naming the provider and the
# domain; every reader's bounce is held, none is listed by prune and no
# address.dead waits for a list manager; an ordinary dead address at
# another domain, posted the same way, is still removed.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
: "${REBOUND:=$top_builddir/src/rebound}"
scratch
data="$top_srcdir/tests/data/webhooks"
post="$top_srcdir/tests/webhook-post.py"
q() { sqlite3 "$tmp/db" "$1"; }
port=$(free_port)
key=$(python3 -c 'import secrets; print("key-" + secrets.token_hex(16))')
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/sg.pem" 2>/dev/null
cat >"$tmp/conf" <<CONF
[store]
path = $tmp/db
[policy]
confirm_hard = none
[guard]
min_addresses = 3
providers = $tmp/providers
[http]
listen = 127.0.0.1:$port
[webhook mg]
kind = mailgun
path = /mg
signing_key = $key
[webhook sg]
kind = sendgrid
path = /sg
public_key = $(openssl ec -in "$tmp/sg.pem" -pubout 2>/dev/null | tr -d '\n' | sed 's/-----[A-Z ]*-----//g')
CONF
cat >"$tmp/providers" <<'TAB'
# Our own domains, hosted by Google Workspace.
corp.example	google.com
TAB
"$REBOUNDD" --config "$tmp/conf" --foreground 2>"$tmp/log" &
pid=$!
up() { started "$tmp/log" || ! kill -0 "$pid" 2>/dev/null; }
wait_until "reboundd to start or exit" up
check "reboundd started" started "$tmp/log"

# mailgun ADDRESS MX ID: Mailgun's permanent failure for ADDRESS, signed.
mailgun() {
	sed -e "s/alice@example.org/$1/g" -e "s/mx.example.org/$2/" \
	    -e "s/\"id\": \"Xq3bqVYAT3OyGwqm6QkbwA\"/\"id\": \"$3\"/" \
	    "$data/mailgun-failed-permanent.json" >"$tmp/mg.json"
	python3 "$post" "$port" /mg "$tmp/mg.json" mailgun "$key" now \
	    "$(python3 -c 'import secrets; print(secrets.token_hex(25))')"
}
is "an ordinary dead address, posted: 200" \
    "$(mailgun gone@small.example mx.small.example small0001)" 200
st=
for i in 1 2 3 4 5 6 7 8; do
	st="$st$(mailgun "reader$i@gmail.com" "alt$((i % 3 + 1)).gmail-smtp-in.l.google.com" "burst000$i") "
done
is "the burst, eight Mailgun posts: all 200" "$st" "200 200 200 200 200 200 200 200 "
wait_for "the daemon logs the incident's opening" \
    grep -q 'incident 1 opened: provider google.com' "$tmp/log"

# sendgrid DOMAIN FIRST LAST: a SendGrid batch of bounces for readers
# FIRST to LAST at DOMAIN; the status.
sendgrid() {
	python3 - "$data/sendgrid-batch.json" "$@" >"$tmp/sg.json" <<'PY'
import json, sys
bounce = json.load(open(sys.argv[1]))[0]
out = []
for i in range(int(sys.argv[3]), int(sys.argv[4]) + 1):
    e = dict(bounce)
    e["email"] = "reader%d@%s" % (i, sys.argv[2])
    e["sg_event_id"] = "burst-%s-%d" % (sys.argv[2], i)
    out.append(e)
print(json.dumps(out))
PY
	python3 "$post" "$port" /sg "$tmp/sg.json" sendgrid "$tmp/sg.pem" now
}
is "three more gmail.com readers, by SendGrid: 200" \
    "$(sendgrid gmail.com 9 11)" 200
is "held by the provider's incident though SendGrid names no host" \
    "$(q "select count(*) from outcomes where address like 'reader%@gmail.com' and incident = 1")" 11
is "two corp.example readers, by SendGrid: 200" \
    "$(sendgrid corp.example 1 2)" 200
is "held by google.com's incident by the [guard] providers file" \
    "$(q "select count(*) from outcomes where address like 'reader%@corp.example' and incident = 1")" 2
is "the SendGrid burst at sgmail.example, one batch: 200" \
    "$(sendgrid sgmail.example 1 5)" 200
wait_for "the daemon logs the second incident's opening" \
    grep -q 'incident 2 opened: domain sgmail.example' "$tmp/log"

is "eighteen readers recorded, each hard 5.1.1" \
    "$(q "select count(distinct address) from outcomes where address like 'reader%' and status = '5.1.1' and class = 'hard'")" 18
is "two incidents" "$(q 'select count(*) from incidents')" 2
is "every reader's bounce is held" \
    "$(q "select count(*) from outcomes where address like 'reader%' and incident is not null")" 18
"$REBOUND" prune --config "$tmp/conf" >"$tmp/prune" 2>&1
check "prune lists the ordinary dead address" grep -qx 'gone@small.example' "$tmp/prune"
check "prune lists no reader" sh -c "! grep -q '^reader' '$tmp/prune'"
is "no address.dead waits for a reader (nobody is removed)" \
    "$(q "select count(*) from events_pending where address like 'reader%'")" 0
is "the ordinary dead address's does" \
    "$(q "select count(*) from events_pending where type = 'address.dead' and address = 'gone@small.example'")" 1
"$REBOUND" show --config "$tmp/conf" reader3@sgmail.example >"$tmp/show" 2>&1
check "show says the SendGrid bounce is held by its incident" grep -q 'held by incident 2' "$tmp/show"

kill -TERM "$pid"
wait "$pid"
is "reboundd stops with 0" "$?" 0
done_testing
