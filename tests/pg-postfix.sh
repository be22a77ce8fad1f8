#!/bin/sh
# pg-postfix.sh: README's recipe for two hosts, with a real Postfix.  A
# private Postfix (tests/postfix-lib.sh) delivers the bounces it writes
# over LMTP to a transport that lists two reboundd (Postfix 3.5's list
# of next hops in its transport map, "lmtp:[10.0.0.1]:24, [10.0.0.2]:24"
# on loopback ports: not unix sockets, which take no list),
# both on one private PostgreSQL.  Postfix takes the first that answers:
# reboundd a while it runs; once a is killed (SIGKILL), b, with no
# change anywhere.  Every bounce is recorded once, under the node that
# took it, and Postfix's queue ends empty.  Needs root, postfix and
# PostgreSQL 15; skipped otherwise.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/pg-lib.sh"
. "$top_srcdir/tests/postfix-lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
pg_skip_unless
if ! pf_usable; then
	echo "1..0 # SKIP needs root, Debian's postfix and a user nobody"
	exit 77
fi
scratch
etc_postfix >"$tmp/etc-postfix.before"
pg_start || { echo "Bail out! private PostgreSQL did not start"; exit 1; }
pf_init
printf '%s\n' '/^bounces(\+.*)?@bounces\.test$/ OK' >"$cf/mailboxes.regexp"
cat >>"$cf/main.cf" <<MAIN
myhostname = mx.rebound.test
mydomain = rebound.test
mydestination = \$myhostname, localhost
virtual_mailbox_domains = bounces.test
virtual_mailbox_maps = regexp:$cf/mailboxes.regexp
transport_maps = regexp:$cf/transport.regexp
MAIN
port_a=$(free_port)
port_b=$(free_port)
printf '%s\n' "/@bounces\\.test\$/ lmtp:[127.0.0.1]:$port_a, [127.0.0.1]:$port_b" \
    >"$cf/transport.regexp"
services() { pf_services >"$cf/master.cf"; }
pid_a= pid_b=
trap 'kill $pid_a $pid_b 2>/dev/null; pf_stop; pg_stop; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

for d in a b; do
	cat >"$tmp/$d.conf" <<CONF
[store]
url = $PG_URL
node = $d.test
CONF
done
printf '[lmtp]\nlisten = 127.0.0.1:%s\n' "$port_a" >>"$tmp/a.conf"
printf '[lmtp]\nlisten = 127.0.0.1:%s\n' "$port_b" >>"$tmp/b.conf"
pf_start services
is "a private postfix starts" "$?" 0 || {
	sed 's/^/#   /' "$tmp/postfix-start" "$plog"
	is "the machine's /etc/postfix unchanged" "$(etc_postfix | cmp - "$tmp/etc-postfix.before" && echo same)" same
done_testing
	exit 1
}
pg_two_daemons

# send FIRST LAST: mail from the list to users FIRST..LAST, who do not
# exist: Postfix bounces each to its VERP address at bounces.test.
send() {
	for i in $(seq "$1" "$2"); do
		printf 'Subject: issue %s\nFrom: bounces@bounces.test\n\nhello\n' "$i" |
		    sendmail -f bounces@bounces.test -XV "nouser$i@localhost"
	done
	postqueue -f >/dev/null 2>&1
}
# recorded N: N bounces recorded.
recorded() { [ "$(psql_q 'select count(*) from messages' 2>/dev/null)" -ge "$1" ]; }
nodes() {
	psql_q "select node || ' ' || count(*) from outcomes group by node order by node" |
	    tr '\n' ' '
}

send 1 20
wait_for "the first 20 bounces recorded" recorded 20
is "all taken by the first reboundd listed" "$(nodes)" "a.test 20 "
check "reboundd a killed" kill -KILL $pid_a
wait $pid_a 2>/dev/null
pid_a=
send 21 40
wait_for "the next 20 recorded too, by the other" recorded 40
is "each bounce once, under the node that took it" "$(nodes)" "a.test 20 b.test 20 "
is "forty addresses, each bounced hard once" \
    "$(psql_q "select count(distinct address) || ' ' || count(*) from outcomes where address like 'nouser%@localhost' and class = 'hard'")" \
    "40 40"
wait_for "nothing left in Postfix's queue" \
    sh -c 'postqueue -p | tail -1 | grep -qx "Mail queue is empty"'
check "postfix logs a delivery to reboundd b (250)" \
    grep -q "relay=127.0.0.1\\[127.0.0.1\\]:$port_b.*status=sent (250" "$plog"
# Forty addresses of one domain within a minute are a burst to the
# guard, whichever daemon took each: one incident holds all forty, the
# twenty b took and the twenty a took before it died.
is "one incident, of the forty, across both daemons" \
    "$(psql_q "select count(*) || ' ' || max(addresses) from incidents")" "1 40"
is "the forty held: alive" "$(psql_q "select state || ' ' || count(*) from addresses
	where address like 'nouser%@localhost' group by state")" "alive 40"
is "the machine's /etc/postfix unchanged" "$(etc_postfix | cmp - "$tmp/etc-postfix.before" && echo same)" same
done_testing
