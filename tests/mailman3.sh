#!/bin/sh
# mailman3.sh: reboundd drives a real Mailman 3 core (Debian's mailman3,
# a private instance of it: its own directory, REST port and password,
# on loopback, REST only, as ../shared/recipes/mailman3.md runs it).
# A list news@lists.example.org with members; certain hard bounces over
# LMTP make them dead; the mailman3 hook removes the member (action =
# remove), then, after a SIGHUP to action = disable, disables another
# (delivery_status by_bounces); a member whose mailbox is full is
# untouched; a dead address that is not a member is done and logged.
# Never an action for a suspect address (a likely hard bounce) or for
# one an incident holds: with [guard] min_addresses = 3 and [events]
# delay = 20 (seconds), five members at one domain bouncing 5.1.1 at
# once open an incident and none is removed, while a dead member at
# another domain, after them, is.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/hooks-lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
. "$top_srcdir/tests/mailman3-lib.sh"
mailman3_skip
scratch
mailman3_start
trap 'kill $pid 2>/dev/null; stop_mailman; rm -rf "$tmp"' EXIT INT TERM
mailman3_ready

is "a domain" "$(status POST domains mail_host=lists.example.org)" 201
is "a list" "$(status POST lists fqdn_listname=news@lists.example.org)" 201
list=news.lists.example.org
is "a quiet list" "$(status PATCH lists/$list/config send_welcome_message=false \
    send_goodbye_message=false)" 204
burst="reader1@bigmail.example reader2@bigmail.example reader3@bigmail.example
    reader4@bigmail.example reader5@bigmail.example"
for a in ann@example.com bob@example.com carl@example.com dora@example.com \
    eve@suspect.example fay@elsewhere.example $burst; do
	is "member $a" "$(status POST members list_id=$list \
	    subscriber=$a pre_verified=true pre_confirmed=true \
	    pre_approved=true)" 201
done
member() {
	rest GET lists/$list/roster/member fields=email >"$tmp/roster"
	grep -q "\"$1\"" "$tmp/roster"
}
delivery() {
	rest GET members/find list_id=$list subscriber="$1" >"$tmp/rest"
	id=$(sed -n 's/.*"member_id": "\([0-9a-f]*\)".*/\1/p' "$tmp/rest")
	rest GET "members/$id/all/preferences" >"$tmp/rest"
	sed -n 's/.*"delivery_status": "\([a-z_]*\)".*/\1/p' "$tmp/rest"
}

write_conf() {
	cat >"$tmp/conf" <<CONF
[store]
path = $tmp/db
[lmtp]
listen = unix:$tmp/lmtp.sock
[intake]
dating = arrival
[guard]
min_addresses = 3
window = 10m
[events]
delay = 20
[hook mailman]
kind = mailman3
url = http://127.0.0.1:$rest_port/3.1
user = restadmin
password = $pass
action = $1
CONF
}
write_conf remove
"$REBOUNDD" --config "$tmp/conf" --foreground 2>"$tmp/log" &
pid=$!
wait_until "reboundd to start" started "$tmp/log"

# ann: dead at once (a certain hard bounce): removed.  bob: a full
# mailbox, soft: untouched.  zed: dead, but not a member: done, logged.
n=0
send() {
	n=$((n + 1))
	"$1" "$2" "$n" >"$tmp/dsn"
	lmtp_bounce "$tmp/lmtp.sock" "$tmp/dsn"
	is "$2: bounce taken over LMTP" "$?" 0
}
send full_bounce bob@example.com
send hard_bounce ann@example.com
send hard_bounce zed@example.com
wait_for "remove: the hook says ann was removed" grep -q \
    "hook mailman: event [0-9]* address.dead ann@example.com: delivered: removed from $list" "$tmp/log"
if member ann@example.com; then not_ok "remove: ann is no longer a member"; else ok "remove: ann is no longer a member"; fi
wait_for "not a member: done and logged" \
    grep -q "hook mailman: event [0-9]* address.dead zed@example.com: delivered: not a member" "$tmp/log"
check "a full mailbox: bob is still a member" member bob@example.com
is "a full mailbox: bob still gets mail" "$(delivery bob@example.com)" enabled

# eve: Postfix's own "unknown user", no remote server's word: suspect.
# The burst: five readers at bigmail.example within a second, more than
# min_addresses: an incident, and their address.dead events, waiting
# out [events] delay, are dropped.  fay, dead at another domain after
# them, is removed: once she is, the readers' turn has passed.
send local_bounce eve@suspect.example
suspect() {
	"$REBOUND" events --db "$tmp/db" --type address.suspect --format plain |
	    grep -q '	eve@suspect.example	'
}
wait_for "eve is suspect" suspect
for a in $burst; do send hard_bounce "$a"; done
send hard_bounce fay@elsewhere.example
wait_for "after the burst: fay, dead at another domain, is removed" grep -q \
    "hook mailman: event [0-9]* address.dead fay@elsewhere.example: delivered: removed from $list" "$tmp/log"
"$REBOUND" incidents --db "$tmp/db" --format csv >"$tmp/inc"
is "the burst: one incident" "$(tail -n +2 "$tmp/inc" | wc -l | tr -d ' ')" 1
check "... for bigmail.example" grep -q '"bigmail.example"' "$tmp/inc"
is "the burst: no address.dead event for a reader" \
    "$("$REBOUND" events --db "$tmp/db" --type address.dead --format plain | grep -c '@bigmail.example')" 0
kept=0
for a in $burst; do member "$a" && kept=$((kept + 1)); done
is "the burst: all five readers are still members" "$kept" 5
check "the burst: the hook never touched a reader" sh -c "! grep -q 'hook mailman: .*@bigmail.example' '$tmp/log'"
check "suspect: eve is still a member" member eve@suspect.example
is "suspect: eve still gets mail" "$(delivery eve@suspect.example)" enabled
check "suspect: the hook never touched eve" sh -c "! grep -q 'hook mailman: .*eve@suspect.example' '$tmp/log'"

# SIGHUP: action = disable, for the next ones.
write_conf disable
kill -HUP $pid
wait_until "the reload" grep -q "reload: settings re-read" "$tmp/log"
send hard_bounce carl@example.com
wait_for "disable: the hook says carl was disabled" grep -q \
    "hook mailman: event [0-9]* address.dead carl@example.com: delivered: disabled (by_bounces) from $list" "$tmp/log"
is "disable: carl is disabled by bounces" "$(delivery carl@example.com)" by_bounces
check "disable: carl is still a member" member carl@example.com
check "dora, who never bounced, is untouched" member dora@example.com
is "dora still gets mail" "$(delivery dora@example.com)" enabled
is "nothing pending, nothing failed" \
    "$(sqlite3 "$tmp/db" 'select count(*) from hook_deliveries')" 0

kill $pid
wait $pid
is "reboundd: SIGTERM exits 0" "$?" 0
pid=
done_testing
