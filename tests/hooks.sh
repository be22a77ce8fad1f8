#!/bin/sh
# hooks.sh: reboundd delivers events to hooks, end to end: bounces over
# LMTP make events (events.sh), and reboundd sends them to a webhook
# receiver and to a stand-in for listmonk (tests/hook-receiver.py, which
# checks each request; listmonk itself is not packaged for Debian).
# Signed and with the promised headers; in order per address; a 503
# retried, a 400 parked and listed by "rebound events --failed", then
# sent again by "rebound events retry ID"; a refused connection, a
# server that never answers, one that answers after [hooks] timeout and
# one that closes the connection mid-answer retried; a 401 parked; a
# SIGKILL while the receiver is down loses nothing; max_actions_per_hour
# pauses a hook, across a restart, until "rebound events resume"; bad
# [hook NAME] settings refused with file, line and key; the metrics the
# dashboard reads.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/hooks-lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
scratch
if ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP python3 is not installed (contrib/deps.sh test)"
	exit 0
fi
q() { sqlite3 "$tmp/db" "$1"; }
web="$tmp/web" lm="$tmp/lm" lm2="$tmp/lm2"
mkdir -p "$web" "$lm" "$lm2"

# Bad settings: file, line and key; exit 78.
refused() {
	printf '[lmtp]\nlisten = unix:%s/s\n[hook x]\n%s\n' "$tmp" "$1" >"$tmp/bad.conf"
	"$REBOUNDD" --config "$tmp/bad.conf" --check-config >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 78 ] && grep -q -- "$2" "$tmp/err"; then
		ok "refused: $3"
	else
		not_ok "refused: $3"
		diag "exit $rc: $(cat "$tmp/err")"
	fi
}
refused 'kind = smtp' 'bad.conf:4: \[hook x\] kind: .smtp. is not webhook' "unknown kind"
refused "$(printf 'kind = webhook\nurl = ftp://example.org/\nsecret = s')" \
    'bad.conf:5: \[hook x\] url: .ftp://example.org/. is not an http' "a URL that is not http(s)"
refused "$(printf 'kind = webhook\nurl = http://127.0.0.1:9/')" \
    'bad.conf:3: \[hook x\]: secret: missing' "a webhook without a secret"
refused "$(printf 'kind = mailman3\nurl = http://127.0.0.1:9/\nuser = u\npassword = p\naction = drop')" \
    'bad.conf:8: \[hook x\] action: .drop. is not remove or disable' "a bad action"
refused "$(printf 'kind = webhook\nurl = http://127.0.0.1:9/\nsecret = s\ntypes = address.gone')" \
    'bad.conf:7: \[hook x\] types: .address.gone. is not an event type' "an unknown event type"
refused "$(printf 'kind = webhook\nurl = http://127.0.0.1:9/\nsecret = s\n[hooks]\nmax_age = 3 days')" \
    'bad.conf:8: \[hooks\] max_age: .3 days. is not a duration' "a bad max_age"
refused "$(printf 'kind = listmonk\nurl = http://127.0.0.1:9/\nuser = u\npassword = p\ntypes = address.dead,address.suspect')" \
    'bad.conf:8: \[hook x\] types: a listmonk hook acts on address.dead,address.complained only, not on address.suspect' \
    "a list manager that would act on a suspect address"
refused "$(printf 'kind = webhook\nurl = http://127.0.0.1:9/\nsecret = s\nmax_actions_per_hour = lots')" \
    'bad.conf:7: \[hook x\] max_actions_per_hour: .lots. is not a number' "a bad max_actions_per_hour"

# The receivers, each on a free port it writes down.
python3 "$top_srcdir/tests/hook-receiver.py" "$web" webhook 'the s3cret' &
web_pid=$!
python3 "$top_srcdir/tests/hook-receiver.py" "$lm" listmonk 'api:t0ken' &
lm_pid=$!
# A second listmonk: the brake's (max_actions_per_hour), and the one
# that answers 401 to a hook with a wrong password.
python3 "$top_srcdir/tests/hook-receiver.py" "$lm2" listmonk 'api:t0ken' &
lm2_pid=$!
trap 'kill $web_pid $lm_pid $lm2_pid $pid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
# A server that takes connections and never answers: the timeout.
python3 -c 'import os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(3600)' "$tmp/mute.port" &
mute_pid=$!
# contrib/webhook-receiver.py, as an operator would run it.
cport=$(free_port)
REBOUND_SECRET=contrib-s3cret python3 "$top_srcdir/contrib/webhook-receiver.py" \
    "$cport" >"$tmp/contrib.out" 2>"$tmp/contrib.err" &
contrib_pid=$!
trap 'kill $web_pid $lm_pid $lm2_pid $mute_pid $contrib_pid $pid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
wait_until "the receivers listen" test -f "$web/port" -a -f "$lm/port" -a -f "$lm2/port" -a -f "$tmp/mute.port"
mport=$(free_port)
cat >"$tmp/conf" <<CONF
[store]
path = $tmp/db
node = mx1.example
[lmtp]
listen = unix:$tmp/lmtp.sock
[events]
delay = 0
[metrics]
listen = $mport
[hooks]
connect_timeout = 2s
timeout = 5s
[hook web]
kind = webhook
url = http://127.0.0.1:$(cat "$web/port")/rebound
secret = the s3cret
types = all
[hook lm]
kind = listmonk
url = http://127.0.0.1:$(cat "$lm/port")/
user = api
password = t0ken
[hook closed]
kind = webhook
url = http://127.0.0.1:$(free_port)/
secret = s
types = address.dead
[hook mute]
kind = listmonk
url = http://127.0.0.1:$(cat "$tmp/mute.port")/
user = u
password = p
[hook contrib]
kind = webhook
url = http://127.0.0.1:$cport/
secret = contrib-s3cret
[hook dry]
kind = mailman3
url = http://127.0.0.1:$(free_port)/3.1
user = u
password = p
dry_run = yes
max_actions_per_hour = 1
[hook brake]
kind = listmonk
url = http://127.0.0.1:$(cat "$lm2/port")/
user = api
password = t0ken
max_actions_per_hour = 3
[hook auth]
kind = listmonk
url = http://127.0.0.1:$(cat "$lm2/port")/
user = api
password = wrong
CONF
"$REBOUNDD" --config "$tmp/conf" --check-config >/dev/null
is "good hooks: --check-config exits 0" "$?" 0

# start N [WRAPPER...]: the Nth start of reboundd.
start() {
	nth=$1
	shift
	"$@" "$REBOUNDD" --config "$tmp/conf" --foreground 2>>"$tmp/log" &
	pid=$!
	wait_until "reboundd to start" started "$tmp/log" "$nth"
}
# After the SIGKILL, reboundd runs under valgrind memcheck when it can
# (not in an AddressSanitizer build, which checks the same itself): its
# exit status at the end says whether it found an error or a definite
# leak in the hooks' requests, retries and stop.
memcheck=
if command -v valgrind >/dev/null && ! asan_build "$REBOUNDD"; then
	memcheck="$top_builddir/libtool --mode=execute valgrind -q
	    --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
	    --suppressions=$top_srcdir/tests/valgrind.supp"
fi
# bounce ADDRESS...: a certain hard bounce each, over LMTP: dead at once.
n=0
bounce() {
	for a in "$@"; do
		n=$((n + 1))
		hard_bounce "$a" "$n" >"$tmp/dsn"
		lmtp_bounce "$tmp/lmtp.sock" "$tmp/dsn" ||
		    diag "LMTP: $(cat "$tmp/dsn.lmtp")"
	done
}
# got DIR LINE: the receiver in DIR logged a line that matches LINE.
got() { grep -q -- "$2" "$1/log" 2>/dev/null; }
# metric NAME{LABELS}: its value on /metrics.
metric() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ARGV[0]") or die;
		print $s "GET /metrics HTTP/1.0\r\n\r\n";
		while (<$s>) { s/\r?\n$//; print "$1\n" if index($_, "$ARGV[1] ") == 0 && /(\S+)$/ }' \
	    "$mport" "$1"
}

start 1
bounce ann@example.com bob@example.com flaky1@example.com refused1@example.com
wait_for "webhook: ann's death delivered" got "$web" ' ann@example.com address.dead ok 200$'
wait_for "webhook: bob's death delivered" got "$web" ' bob@example.com address.dead ok 200$'
wait_for "webhook: a 503 is retried, then delivered" got "$web" ' flaky1@example.com address.dead ok 200$'
is "webhook: the 503 came first" "$(grep -c ' flaky1@example.com address.dead ok 503$' "$web/log")" 1
parked() { [ "$(q "select state from hook_deliveries where hook = 'web'")" = failed ]; }
wait_for "webhook: a 400 is parked as failed" parked
wait_until "a retry to the closed port" grep -q "hook closed: .*attempt 1 failed" "$tmp/log"
is "webhook: every request signed, with the promised headers" \
    "$(grep -v -c ' ok [0-9a-z]*$' "$web/log")" 0
check "a refused connection: retried, the log says why" grep -q \
    "hook closed: event [0-9]* address.dead ann@example.com: attempt 1 failed, will retry: webhook: .*onnect" "$tmp/log"
wait_for "no answer within [hooks] timeout: retried, the log says why" grep -q \
    "hook mute: event [0-9]* address.dead ann@example.com: attempt 1 failed, will retry: listmonk: .*imed out" "$tmp/log"
wait_for "contrib/webhook-receiver.py: checks the signature, prints the event" \
    grep -q '"address": "ann@example.com"' "$tmp/contrib.out"
check "dry run: logged, not sent" grep -q \
    "hook dry: dry run: would send event [0-9]* address.dead ann@example.com list news.lists.example.org to http" "$tmp/log"
check "the log says it was parked, and why" \
    grep -q "hook web: event [0-9]* address.dead refused1@example.com: failed, parked .*webhook: HTTP 400" "$tmp/log"
wait_for "a 401: parked, the log says 401" grep -q \
    "hook auth: event [0-9]* address.dead ann@example.com: failed, parked .*listmonk: HTTP 401" "$tmp/log"

# The brake: 3 actions an hour at most, then paused until an operator
# resumes it; the 4th death waits.
braked() { [ "$(grep -c ' hard rebound ok$' "$lm2/log" 2>/dev/null)" -eq "$1" ]; }
wait_for "max_actions_per_hour: the hook pauses, the log says why" grep -q \
    "hook brake: paused: 3 actions in the last hour reached max_actions_per_hour (3); nothing is delivered until \"rebound events resume --hook brake\"" "$tmp/log"
check "max_actions_per_hour: 3 actions, no more" braked 3
is "max_actions_per_hour: the 4th death waits" \
    "$(q "select count(*) from hook_deliveries where hook = 'brake' and state = 'pending'")" 1
is "a hook.paused event, the hook's name its evidence" \
    "$("$REBOUND" events --db "$tmp/db" --type hook.paused --format plain | cut -f2,6,14)" "hook.paused	paused	brake"
is "metrics: the hook paused" "$(metric 'rebound_hook_paused{hook="brake"}')" 1
is "metrics: another not" "$(metric 'rebound_hook_paused{hook="lm"}')" 0

# The operator sees it, and sends it again once the receiver takes it.
# (auth's are parked for good: its password is wrong.)
"$REBOUND" events --failed --db "$tmp/db" --format plain | grep -v '	auth	' >"$tmp/failed"
check "events --failed: event, hook, address and error" \
    grep -q "^[0-9]*	web	address.dead	refused1@example.com	news.lists.example.org	1	.*HTTP 400" "$tmp/failed"
is "events --failed: the node that tried it last" \
    "$(awk -F'\t' '{ print $NF }' "$tmp/failed")" mx1.example
id=$(cut -f1 "$tmp/failed")
touch "$web/accept"
"$REBOUND" events retry "$id" --db "$tmp/db" >/dev/null
is "events retry ID: exit 0" "$?" 0
wait_for "events retry ID: delivered" got "$web" "^$id refused1@example.com address.dead ok 200$"
"$REBOUND" events retry "$id" --hook web --db "$tmp/db" >/dev/null 2>&1
is "events retry ID of nothing failed: exit 1" "$?" 1
is "events --failed: none left (but auth's)" \
    "$("$REBOUND" events --failed --db "$tmp/db" --format plain | grep -v '	auth	')" ""

# A receiver that closes the connection mid-answer, and one that
# answers after [hooks] timeout: both retried, the log says why.
bounce cut1@example.com slow1@example.com
wait_for "closed mid-answer: retried, the log says why" grep -q \
    "hook web: event [0-9]* address.dead cut1@example.com: attempt 1 failed, will retry: webhook: transfer closed" "$tmp/log"
wait_for "closed mid-answer: then delivered" got "$web" ' cut1@example.com address.dead ok 200$'
wait_for "an answer after [hooks] timeout: retried, the log says timeout" grep -q \
    "hook web: event [0-9]* address.dead slow1@example.com: attempt 1 failed, will retry: webhook: .*imed out after 5" "$tmp/log"
wait_for "an answer after [hooks] timeout: then delivered" got "$web" ' slow1@example.com address.dead ok 200$'

# Order per address: alive after dead, though dead needed a retry.
bounce flaky2@example.com
wait_for "order: flaky2's death tried" got "$web" ' flaky2@example.com address.dead ok 503$'
"$REBOUND" forget flaky2@example.com --db "$tmp/db" >/dev/null
wait_for "order: flaky2 alive again, delivered" got "$web" ' flaky2@example.com address.alive ok 200$'
is "order: for one address, as published" \
    "$(grep ' flaky2@example.com ' "$web/log" | cut -d' ' -f3,5 | tr '\n' ' ')" \
    "address.dead 503 address.dead 200 address.alive 503 address.alive 200 "

# listmonk: each death, as its documentation says.
posted() { [ "$(grep -c ' hard rebound ok$' "$lm/log" 2>/dev/null)" -ge 5 ]; }
wait_for "listmonk: deaths posted" posted
is "listmonk: every request as documented" "$(grep -v -c ' ok$' "$lm/log")" 0
is "listmonk: not sent what it does not act on (alive)" \
    "$(grep -c 'flaky2@example.com' "$lm/log")" 1

check "metrics: delivered" test "$(metric 'rebound_hook_deliveries_total{hook="web",result="delivered"}')" -ge 6
check "metrics: retried" test "$(metric 'rebound_hook_deliveries_total{hook="web",result="retried"}')" -ge 2
is "metrics: failed" "$(metric 'rebound_hook_deliveries_total{hook="web",result="failed"}')" 1
is "metrics: nothing pending" "$(metric 'rebound_hook_events_pending{hook="web"}')" 0
is "metrics: oldest pending" "$(metric 'rebound_hook_oldest_pending_seconds{hook="lm"}')" 0

# The receiver is down, reboundd is killed while it retries: after a
# restart (the receiver up again) every event arrives.
touch "$web/down"
bounce carl@example.com dave@example.com
wait_for "down: carl's death tried" got "$web" ' carl@example.com address.dead ok 503$'
wait_for "down: dave's death tried" got "$web" ' dave@example.com address.dead ok 503$'
check "metrics: pending while down" test "$(metric 'rebound_hook_events_pending{hook="web"}')" -ge 2
kill -9 $pid
wait $pid 2>/dev/null
rm "$web/down"
start 2 $memcheck
wait_for "max_actions_per_hour: still paused after a restart" grep -q \
    "hook brake: paused by max_actions_per_hour: nothing is delivered until" "$tmp/log"
wait_for "after SIGKILL: carl's death delivered" got "$web" ' carl@example.com address.dead ok 200$'
wait_for "after SIGKILL: dave's death delivered" got "$web" ' dave@example.com address.dead ok 200$'
"$REBOUND" events --db "$tmp/db" --format plain | cut -f1 | sort -n >"$tmp/published"
grep ' 200$' "$web/log" | cut -d' ' -f1 | sort -n -u >"$tmp/delivered"
is "no event lost: each published one was delivered" \
    "$(comm -23 "$tmp/published" "$tmp/delivered" | tr '\n' ' ')" ""
check "max_actions_per_hour: nothing sent while paused" braked 3

# The operator resumes it: a new hour's allowance, 3 more, paused again.
"$REBOUND" events resume --hook brake --db "$tmp/db" >"$tmp/out"
is "events resume --hook: exit 0" "$?" 0
is "events resume --hook: says so" "$(cat "$tmp/out")" "hook brake: resumed"
wait_for "resumed: the log says so" grep -q "hook brake: resumed" "$tmp/log"
wait_for "resumed: 3 more actions, then paused again" logged 2 \
    "hook brake: paused: 3 actions in the last hour" "$tmp/log"
check "resumed: 6 actions in all" braked 6
is "a hook.resumed event, the hook's name its evidence" \
    "$("$REBOUND" events --db "$tmp/db" --type hook.resumed --format plain | cut -f2,6,14)" "hook.resumed	active	brake"
"$REBOUND" events resume --hook web --db "$tmp/db" >/dev/null 2>"$tmp/err"
is "events resume of a hook not paused: exit 1" "$?" 1
check "... and says so" grep -q "hook web is not paused" "$tmp/err"
check "dry run: counts nothing, never paused" sh -c \
    "! grep -q 'hook dry: paused' '$tmp/log' && [ \"\$(sqlite3 '$tmp/db' \"select count(*) from hook_actions where hook = 'dry'\")\" = 0 ]"
others="'closed', 'mute', 'auth', 'brake'"
drained() { [ "$(q "select count(*) from hook_deliveries where hook not in ($others)")" = 0 ]; }
wait_until "the hooks' state is empty" drained
is "nothing left to deliver (but to the closed port, the mute server, a wrong password and a paused hook)" \
    "$(q "select count(*) from hook_deliveries where hook not in ($others)")" 0

kill $pid
wait $pid
rc=$?
is "SIGTERM: exit 0${memcheck:+ (under valgrind: no error, no definite leak)}" "$rc" 0
[ "$rc" -eq 0 ] || grep '^==[0-9]*==' "$tmp/log" | head -40 | sed 's/^/#   /'
done_testing
