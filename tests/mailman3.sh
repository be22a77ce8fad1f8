#!/bin/sh
# mailman3.sh: reboundd drives a real Mailman 3 core (Debian's mailman3,
# a private instance of it: its own directory, REST port and password,
# on loopback, REST only, as ../shared/recipes/mailman3.md runs it).
# A list news@lists.example.org with members; certain hard bounces over
# LMTP make them dead; the mailman3 hook removes the member (action =
# remove; one whose display name is "member_id" too), then, after a SIGHUP to action = disable, disables another
# (delivery_status by_bounces); a member whose mailbox is full is
# untouched; a dead address that is not a member is done and logged.
# Never an action for a suspect address (a likely hard bounce) or for
# one an incident holds: with [guard] min_addresses = 3 and [events]
# delay = 20 (seconds), five members at one domain bouncing 5.1.1 at
# once open an incident and none is removed, while a dead member at
# another domain, after them, is.
#
# Then, as root with Postfix (a private instance, tests/postfix-lib.sh),
# the whole way: Mailman's in, pipeline and out runners send a real
# post of the list weekly with Mailman's own VERP
# ([mta] verp_delivery_interval: 1) through Postfix; a peer (a second
# smtpd of the same Postfix) refuses gone@d0.example with 550 5.1.1;
# Postfix's DSN to weekly-bounces+gone=d0.example@lists.example.org
# reaches reboundd over LMTP and the member leaves weekly, and only
# weekly.  Then Postfix DSNs of mail sent with sendmail: to the generic
# VERP bounces+gone=d1.example@lists.example.org with "List-Id: News
# <news.lists.example.org>" in the returned headers (gone@d1.example
# leaves news, and stays in sport), with a List-Id and no VERP, with
# news-bounces VERP and no List-Id (both leave news), and with the
# generic VERP and no List-Id: no list, untouched.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/hooks-lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
. "$top_srcdir/tests/mailman3-lib.sh"
mailman3_skip
. "$top_srcdir/tests/postfix-lib.sh"
scratch

# The private Postfix: Mailman submits to its smtpd on mx_port; mail to
# d0.example ... d9.example goes to "their server", a second smtpd on
# peer_port that refuses gone@ (550 5.1.1) and discards the rest; the
# bounces to lists.example.org's -bounces and bounces addresses go to
# reboundd over LMTP.
mm_smtp=9 runners_on=
if pf_usable; then
	etc_postfix >"$tmp/etc-postfix.before"
	pf_init
	pf_sock="$spool/private/rebound-lmtp"
	printf '%s\n' '/^([a-z]+-)?bounces(\+.*)?@lists\.example\.org$/ OK' \
	    >"$cf/bounces.regexp"
	printf '%s\n' '/^gone@/ 550 5.1.1 User unknown' >"$cf/peer.regexp"
	cat >>"$cf/main.cf" <<MAIN
myhostname = mx.lists.example.org
mydestination =
virtual_mailbox_domains = lists.example.org
virtual_mailbox_maps = regexp:$cf/bounces.regexp
virtual_transport = lmtp:unix:private/rebound-lmtp
transport_maps = regexp:$cf/transport.regexp
MAIN
	pf_ports() {
		mx_port=$(free_port) peer_port=$(free_port)
		while [ "$peer_port" = "$mx_port" ]; do peer_port=$(free_port); done
		{
			cat <<MASTER
127.0.0.1:$mx_port inet n - n - - smtpd
127.0.0.1:$peer_port inet n - n - - smtpd
  -o myhostname=mx.d.example -o content_filter=discard:
  -o smtpd_relay_restrictions=check_recipient_access,regexp:$cf/peer.regexp,permit_mynetworks,reject
MASTER
			pf_services
		} >"$cf/master.cf"
		echo "/@d[0-9]\\.example\$/ smtp:[127.0.0.1]:$peer_port" \
		    >"$cf/transport.regexp"
	}
	if pf_start pf_ports; then
		mm_smtp=$mx_port runners_on="in out pipeline"
		trap 'pf_stop; rm -rf "$tmp"' EXIT INT TERM
	else
		sed 's/^/# postfix: /' "$tmp/postfix-start" "$plog"
		pf_stop
	fi
fi
# Mailman's own VERP, every post (its schema.cfg): the envelope sender
# of a copy to ann@example.com is news-bounces+ann=example.com@...
mm_mta='verp_delivery_interval: 1
verp_personalized_deliveries: yes'
mailman3_start
trap 'kill $pid $pf_pid 2>/dev/null; stop_mailman; [ -n "$runners_on" ] && pf_stop; rm -rf "$tmp"' EXIT INT TERM
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
	# ann's display name is the word "member_id": Mailman writes it
	# before her member_id, and a scan of the answer for "member_id"
	# took it for the field (the hook reads the JSON).
	dn=
	[ "$a" = ann@example.com ] && dn=display_name=member_id
	is "member $a" "$(status POST members list_id=$list \
	    subscriber=$a $dn pre_verified=true pre_confirmed=true \
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

# mailman_hook ACTION: the [hook mailman] group of reboundd's settings.
mailman_hook() {
	cat <<CONF
[hook mailman]
kind = mailman3
url = http://127.0.0.1:$rest_port/3.1
user = restadmin
password = $pass
action = $1
CONF
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
CONF
	mailman_hook "$1" >>"$tmp/conf"
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
# hal (at a domain of its own, apart from the guard's count at
# example.com): dead, from a list Mailman does not have: done, logged.
LIST_ID=other.lists.example.org
send hard_bounce hal@nolist.example
unset LIST_ID
wait_for "a list Mailman does not have: done and logged" grep -q \
    "hook mailman: event [0-9]* address.dead hal@nolist.example: delivered: Mailman has no list other.lists.example.org: nothing to do" "$tmp/log"
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
# Her address.suspect waits [events] delay like a death: her state first.
wait_for "eve is suspect" sh -c \
    "[ \"\$(sqlite3 '$tmp/db' \"select state from addresses where address = 'eve@suspect.example'\")\" = suspect ]"
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
check "suspect: eve's address.suspect published, before fay's death" suspect
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

if [ -z "$runners_on" ]; then
	ok "Mailman through Postfix # SKIP needs root, Debian's postfix and a user nobody"
	done_testing
	exit 0
fi

# Through Postfix: a reboundd of its own on the private queue's socket,
# events at once.
cat >"$tmp/pf.conf" <<CONF
[store]
path = $tmp/pf.db
[lmtp]
listen = unix:$pf_sock
socket_mode = 0660
socket_group = postfix
[events]
delay = 0
CONF
mailman_hook remove >>"$tmp/pf.conf"
"$REBOUNDD" --config "$tmp/pf.conf" --foreground 2>"$tmp/pf.log" &
pf_pid=$!
wait_until "reboundd on Postfix's socket to start" started "$tmp/pf.log"

for l in weekly sport; do
	is "list $l" "$(status POST lists fqdn_listname=$l@lists.example.org)" 201
	is "$l is quiet" "$(status PATCH lists/$l.lists.example.org/config \
	    send_welcome_message=false send_goodbye_message=false)" 204
done
subscribe() {
	is "member $2 of $1" "$(status POST members list_id=$1.lists.example.org \
	    subscriber=$2 pre_verified=true pre_confirmed=true pre_approved=true)" 201
}
subscribe weekly ok@d0.example
subscribe weekly gone@d0.example
for a in gone@d1.example gone@d3.example gone@d4.example gone@d5.example; do
	subscribe news $a
done
subscribe sport gone@d1.example
in_list() {
	rest GET lists/$1.lists.example.org/roster/member fields=email >"$tmp/roster"
	grep -q "\"$2\"" "$tmp/roster"
}
removed_from() {
	grep -q "hook mailman: event [0-9]* address.dead $1: delivered: removed from $2" \
	    "$tmp/pf.log"
}
dead_event() {
	"$REBOUND" events --db "$tmp/pf.db" --type address.dead --format json |
	    grep "\"address\":\"$1\"" | grep -o '"list":[^,]*'
}

# A real post: Mailman's in, pipeline and out runners send each copy
# with its VERP return path through Postfix, whose peer refuses gone@.
cat >"$tmp/post" <<MSG
From: ok@d0.example
To: weekly@lists.example.org
Subject: This week
Message-ID: <week1.$$@d0.example>
Date: $(date -R)

The news of the week.
MSG
/usr/lib/mailman3/bin/mailman -C "$mm/mailman.cfg" --run-as-root inject \
    -f "$tmp/post" weekly@lists.example.org >"$tmp/inject" 2>&1
is "the post is injected into Mailman" "$?" 0 || sed 's/^/#   /' "$tmp/inject"
wait_for "Mailman's VERP: Postfix takes the copy to gone@d0.example" grep -q \
    "from=<weekly-bounces+gone=d0.example@lists.example.org>" "$plog"
wait_for "... the peer refuses it: bounced" grep -q \
    "to=<gone@d0.example>.*status=bounced .* said: 550 5.1.1 " "$plog"
wait_for "... and Postfix's DSN reaches reboundd over LMTP" grep -q \
    "to=<weekly-bounces+gone=d0.example@lists.example.org>.*status=sent (250 " "$plog"
wait_for "Mailman's VERP: gone@d0.example is removed from weekly" \
    removed_from gone@d0.example weekly.lists.example.org
is "... its list is weekly's list id" "$(dead_event gone@d0.example)" \
    '"list":"weekly.lists.example.org"'
is "... the bounce address is kept apart" \
    "$(sqlite3 "$tmp/pf.db" "select (select text from texts where id = bounce_address_text) from messages where subscriber = 'gone@d0.example'")" \
    weekly-bounces@lists.example.org
if in_list weekly gone@d0.example; then not_ok "gone@d0.example left weekly"; else ok "gone@d0.example left weekly"; fi
wait_for "the peer takes the copy to ok@d0.example" grep -q \
    "to=<ok@d0.example>.*relay=127.0.0.1.*status=sent" "$plog"
check "... who is still a member of weekly" in_list weekly ok@d0.example

# send_as_list FROM RCPT LIST-ID [-XV]: mail as a list sends it, through
# the same Postfix; LIST-ID "-" for none.
send_as_list() {
	{
		printf 'From: news@lists.example.org\nTo: %s\nSubject: News\n' "$2"
		[ "$3" = - ] || printf 'List-Id: %s\n' "$3"
		printf 'Message-ID: <%s.%s@lists.example.org>\n\nhello\n' "${2%@*}${2#*@}" $$
	} | sendmail -f "$1" $4 "$2"
}
# The issue's own case: a generic VERP address, the List-Id in the
# returned headers.
send_as_list bounces@lists.example.org gone@d1.example \
    'News <news.lists.example.org>' -XV
wait_for "generic VERP: Postfix's DSN to bounces+gone=d1.example@ reaches reboundd" grep -q \
    "to=<bounces+gone=d1.example@lists.example.org>.*status=sent (250 " "$plog"
wait_for "generic VERP + List-Id: gone@d1.example is removed from news" \
    removed_from gone@d1.example news.lists.example.org
is "... the event's list is the List-Id's" "$(dead_event gone@d1.example)" \
    '"list":"news.lists.example.org"'
if in_list news gone@d1.example; then not_ok "gone@d1.example left news"; else ok "gone@d1.example left news"; fi
check "... and is still a member of sport" in_list sport gone@d1.example
"$REBOUND" list --db "$tmp/pf.db" --format plain --list news@lists.example.org |
    cut -f2 >"$tmp/listed"
check "rebound list --list news@lists.example.org has it" grep -qx gone@d1.example "$tmp/listed"
"$REBOUND" show --db "$tmp/pf.db" --format json gone@d1.example >"$tmp/show"
check "rebound show: the list, and the bounce address apart" grep -q \
    '"list":"news.lists.example.org","bounce_address":"bounces@lists.example.org"' "$tmp/show"

# A List-Id and no VERP; a Mailman VERP and no List-Id.
send_as_list bounces@lists.example.org gone@d3.example \
    'News <news.lists.example.org>'
wait_for "List-Id, no VERP: gone@d3.example is removed from news" \
    removed_from gone@d3.example news.lists.example.org
send_as_list news-bounces@lists.example.org gone@d4.example - -XV
wait_for "VERP news-bounces+..., no List-Id: gone@d4.example is removed from news" \
    removed_from gone@d4.example news.lists.example.org
# A generic VERP and no List-Id names no list: nothing to do.
send_as_list bounces@lists.example.org gone@d5.example - -XV
wait_for "generic VERP, no List-Id: the hook has no list to act on" grep -q \
    "hook mailman: event [0-9]* address.dead gone@d5.example: delivered: no address.dead or address.complained of a list" \
    "$tmp/pf.log"
is "... its event has no list" "$(dead_event gone@d5.example)" '"list":null'
check "... and gone@d5.example is still a member of news" in_list news gone@d5.example

kill $pf_pid
wait $pf_pid
is "reboundd on Postfix's socket: SIGTERM exits 0" "$?" 0
pf_pid=
pf_stop
etc_postfix >"$tmp/etc-postfix.after"
check "/etc/postfix is unchanged" cmp -s "$tmp/etc-postfix.before" "$tmp/etc-postfix.after"
done_testing
