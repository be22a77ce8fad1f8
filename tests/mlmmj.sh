#!/bin/sh
# mlmmj.sh: the list-manager recipes of contrib/ that read "rebound
# events".  contrib/mlmmj-unsub.sh against a real mlmmj list (Debian's
# mlmmj, made with mlmmj-make-ml in the temporary directory): the member
# a certain hard bounce makes dead and the one who complained leave the
# list, the others stay (a full mailbox, a suspect, a dead address of
# another domain's list of the same name); a restart resumes after the
# last event handled and does not do old ones again; --dry-run changes
# nothing; a failing mlmmj-unsub stops it with the event not marked
# done.  contrib/sympa-del.sh against a stub "sympa" on PATH that checks
# the command line of sympa-del(1) (Sympa itself is not run here).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
bin=/usr/bin
for t in mlmmj-make-ml mlmmj-sub mlmmj-unsub mlmmj-list; do
	if [ ! -x "$bin/$t" ]; then
		echo "1..0 # SKIP $bin/$t is missing: mlmmj is not installed (contrib/deps.sh test installs it)"
		exit 0
	fi
done
scratch
recipe=$top_srcdir/contrib/mlmmj-unsub.sh
conf=$tmp/rebound.conf
printf '[store]\npath = %s\n[events]\ndelay = 0\n' "$tmp/db" >"$conf"
export REBOUND

# A list news@lists.example.org in $tmp/spool/news, made the way
# mlmmj-make-ml asks: the domain, the owner, the texts' language.
spool=$tmp/spool
mkdir -p "$spool"
printf 'lists.example.org\nowner@example.org\nen\n' |
    "$bin/mlmmj-make-ml" -L news -s "$spool" >"$tmp/make-ml.out" 2>&1
check "mlmmj-make-ml makes the list" \
    test "$(cat "$spool/news/control/listaddress" 2>/dev/null)" = news@lists.example.org
list=$spool/news
for a in alice bob carol dave erin frank; do
	"$bin/mlmmj-sub" -L "$list" -a "$a@example.org" -q -s -f >/dev/null 2>&1
done
members() { "$bin/mlmmj-list" -L "$list" | sort | tr '\n' ' '; }
is "six members" "$(members)" \
    "alice@example.org bob@example.org carol@example.org dave@example.org erin@example.org frank@example.org "

# dsn NAME ADDRESS DAY STATUS DIAGNOSTIC [LIST-ID]: a Postfix DSN of an
# issue of the list, its reply from the remote server.
dsn() {
	cat >"$tmp/$1.eml" <<EOF
Date: $3 Nov 2025 10:00 +0000
From: MAILER-DAEMON@mail.lists.example.org (Mail Delivery System)
To: news-bounces@lists.example.org
Subject: Undelivered Mail Returned to Sender
Message-Id: <$1@mail.lists.example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

This is the mail system at host mail.lists.example.org.

<$2>: host mx.example.org[192.0.2.25] said: $5 (in reply to RCPT TO command)

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.lists.example.org
Arrival-Date: $3 Nov 2025 10:00 +0000

Final-Recipient: rfc822; $2
Original-Recipient: rfc822;$2
Action: failed
Status: $4
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; $5

--b
Content-Type: text/rfc822-headers

From: News <news@lists.example.org>
To: $2
Subject: Issue $3
List-Id: <${6:-news.lists.example.org}>
Message-Id: <issue-$3-$1@lists.example.org>

--b--
EOF
}
dead() { dsn "$1" "$2" "$3" 5.1.1 "550 5.1.1 <$2>: Recipient address rejected: User unknown" "${4:-}"; }
# complaint NAME ADDRESS: the sample ARF, of ADDRESS, about the list.
complaint() {
	sed -e "s/complainer@example.net/$2/g" \
	    -e "s/weekly\.lists\.example\.com/news.lists.example.org/" \
	    "$top_srcdir/tests/data/arf-abuse.eml" >"$tmp/$1.eml"
}
import() {
	for f in "$@"; do
		"$REBOUND" import --config "$conf" "$tmp/$f.eml" >/dev/null || return 1
	done
}
events() { "$REBOUND" events --config "$conf" --format plain "$@"; }
last_id() { events | tail -n 1 | cut -f 1; }
state=$tmp/state
log=$tmp/log
logged_n() { [ "$(grep -c -- "$1" "$log" 2>/dev/null)" -ge "${2:-1}" ]; }
run() { sh "$recipe" --config "$conf" --base "$spool" --state "$state" --log "$log" "$@"; }

dead d1 bob@example.org 1
import d1
is "a certain hard bounce: address.dead at once ([events] delay = 0)" \
    "$(events --type address.dead | cut -f 2,4,5)" \
    "$(printf 'address.dead\tbob@example.org\tnews.lists.example.org')"

# Started as itself, not in a function, so that $! is its pid.
sh "$recipe" --config "$conf" --base "$spool" --state "$state" --log "$log" \
    >"$tmp/run.out" 2>&1 &
rpid=$!
wait_for "--follow: the dead member is unsubscribed" \
    logged_n "address.dead bob@example.org news.lists.example.org: unsubscribed from $list"
is "bob is gone, the others remain" "$(members)" \
    "alice@example.org carol@example.org dave@example.org erin@example.org frank@example.org "
is "the state file holds the event's id" "$(cat "$state")" "$(last_id)"

# While it follows: a complaint; a full mailbox (no event); a bare 5.1.1
# (suspect: an event, never acted on); a dead address on the List-Id of
# another domain (news.other.example.net: its listaddress does not say
# so); a dead address that is not a member.
complaint c1 carol@example.org
dsn s1 dave@example.org 2 4.2.2 "452 4.2.2 <dave@example.org>: Mailbox full"
dsn l1 frank@example.org 2 5.1.1 "550 Rejected"
dead o1 erin@example.org 2 news.other.example.net
dead n1 nobody@example.org 2
import c1 s1 l1 o1 n1
wait_for "--follow: it reaches the last event" \
    sh -c "[ \"\$(cat '$state')\" = '$(last_id)' ]"
check "the complainer is unsubscribed" \
    logged_n "address.complained carol@example.org news.lists.example.org: unsubscribed"
check "a suspect is not acted on" sh -c "! grep -q frank '$log'"
check "there was an address.suspect event for it" \
    sh -c "'$REBOUND' events --config '$conf' --type address.suspect | grep -q frank@example.org"
check "another domain's list of the same name: skipped, said so" \
    logged_n "address.dead erin@example.org news.other.example.net: no mlmmj list here: skipped"
check "a dead non-member: mlmmj-unsub -s is no error" \
    logged_n "address.dead nobody@example.org news.lists.example.org: unsubscribed"
is "only bob and carol are gone" "$(members)" \
    "alice@example.org dave@example.org erin@example.org frank@example.org "
kill -TERM "$rpid"
wait "$rpid"; rc=$?
is "SIGTERM ends it, exit 0" "$rc" 0
check "nothing on its stderr (the log has it all)" test ! -s "$tmp/run.out"

# A restart resumes after the state: bob subscribes again by himself,
# and the old event that removed him is not done again.
"$bin/mlmmj-sub" -L "$list" -a bob@example.org -q -s -f >/dev/null 2>&1
before=$(grep -c unsubscribed "$log")
run --once; rc=$?
is "--once: exit 0" "$rc" 0
check "a restart reads after the state file's id" \
    logged_n "reading events after $(last_id)"
is "a restart does not do old events again" "$(grep -c unsubscribed "$log")" "$before"
is "bob, back, stays" "$(members)" \
    "alice@example.org bob@example.org dave@example.org erin@example.org frank@example.org "

# --dry-run: says what it would do, does nothing, moves no state.
dead d2 alice@example.org 3
import d2
was=$(cat "$state")
run --once --dry-run
check "--dry-run: says what it would do" \
    logged_n "address.dead alice@example.org news.lists.example.org: would unsubscribe from $list (dry run)"
is "--dry-run: alice stays" "$(members)" \
    "alice@example.org bob@example.org dave@example.org erin@example.org frank@example.org "
is "--dry-run: the state does not move" "$(cat "$state")" "$was"

# mlmmj-unsub failing: exit 1, the event not marked done; the next run
# does it.
mkdir -p "$tmp/badbin"
printf '#!/bin/sh\necho "mlmmj-unsub: cannot write" >&2\nexit 1\n' >"$tmp/badbin/mlmmj-unsub"
chmod +x "$tmp/badbin/mlmmj-unsub"
MLMMJ_BIN=$tmp/badbin run --once; rc=$?
is "a failing mlmmj-unsub: exit 1" "$rc" 1
check "a failing mlmmj-unsub: the log says so, with its words" \
    logged_n "address.dead alice@example.org news.lists.example.org: mlmmj-unsub -L $list failed: mlmmj-unsub: cannot write (stopping: the next run tries it again)"
is "a failing mlmmj-unsub: the state does not move" "$(cat "$state")" "$was"
run --once; rc=$?
is "the next run: exit 0" "$rc" 0
is "the next run does it: alice is gone" "$(members)" \
    "bob@example.org dave@example.org erin@example.org frank@example.org "
is "the state is the last event" "$(cat "$state")" "$(last_id)"

# A map file names the directory of a List-Id the convention does not
# find (and a bad state file is refused).
printf '# List-Id directory\nnews.other.example.net %s\n' "$list" >"$tmp/map"
# From just before erin's event.
events | awk -F '\t' '$4 == "erin@example.org" { print prev } { prev = $1 }' >"$state"
run --once --map "$tmp/map"
check "--map: the list of the map file" \
    logged_n "address.dead erin@example.org news.other.example.net: unsubscribed from $list"
is "--map: erin is gone; bob, back, stays" "$(members)" \
    "bob@example.org dave@example.org frank@example.org "

# Only deaths and complaints: bob, forgotten (address.alive), stays.
"$REBOUND" forget --config "$conf" bob@example.org >/dev/null
run --once
is "address.alive: read, not acted on" \
    "$(cat "$state") $(grep -c 'address.alive' "$log")" "$(last_id) 0"
is "address.alive: bob stays" "$(members)" "bob@example.org dave@example.org frank@example.org "

# rebound events failing (no database there): its status, logged.
run --once --db "$tmp/nothing/db" 2>"$tmp/err"; rc=$?
is "rebound events failing: its exit status (3)" "$rc" 3
check "rebound events failing: logged, its words on stderr" \
    sh -c "grep -q 'rebound events exited with status 3' '$log' && grep -q 'no such database' '$tmp/err'"
echo junk >"$state"
run --once 2>/dev/null; rc=$?
is "a state file that holds no id: exit 2" "$rc" 2

# contrib/sympa-del.sh, with a stub "sympa" on PATH (Sympa is not run
# here): it takes "del --quiet --force LIST@DOMAIN" and the addresses
# on stdin, as sympa-del(1); a member is removed (exit 0), a non-member
# is refused as Sympa's CLI refuses it ("del [user] ...", exit 1).
stub=$tmp/stub
mkdir -p "$stub"
cat >"$stub/sympa" <<'EOF'
#!/bin/sh
# A stand-in for Sympa's CLI (sympa-del(1)): "sympa del [--force]
# [--notify] [--quiet] [--role=ROLE] LIST@DOMAIN", addresses on stdin.
[ "$1" = del ] || { echo "stub: want del, got $*" >&2; exit 2; }
shift
list=
for a; do
	case $a in
	--quiet|--force|--notify|--role=*) ;;
	-*) echo "stub: unknown option $a" >&2; exit 2 ;;
	*@*) list=$a ;;
	esac
done
[ -n "$list" ] || { echo "Missing argument (list is expected)" >&2; exit 1; }
echo "$* |$(cat | tr '\n' ' ')" >>"$SYMPA_STUB_LOG"
[ -n "${SYMPA_STUB_FAIL:-}" ] && { echo "del [intern] Database error." >&2; exit 1; }
addr=$(tail -n 1 "$SYMPA_STUB_LOG" | sed 's/.*|\([^ ]*\) $/\1/')
if grep -qx "$list $addr" "$SYMPA_STUB_MEMBERS"; then
	grep -vx "$list $addr" "$SYMPA_STUB_MEMBERS" >"$SYMPA_STUB_MEMBERS.new"
	mv "$SYMPA_STUB_MEMBERS.new" "$SYMPA_STUB_MEMBERS"
	echo "del [notice] The user $addr has been removed from the list $list." >&2
	exit 0
fi
echo "del [user] E-mail address $addr was not found in list $list." >&2
echo "Failed to delete email addresses from $list" >&2
exit 1
EOF
chmod +x "$stub/sympa"
SYMPA_STUB_LOG=$tmp/sympa.calls
SYMPA_STUB_MEMBERS=$tmp/sympa.members
export SYMPA_STUB_LOG SYMPA_STUB_MEMBERS
printf 'news@lists.example.org bob@example.org\nnews@lists.example.org carol@example.org\nnews@lists.example.org alice@example.org\nnews@lists.example.org dave@example.org\n' \
    >"$SYMPA_STUB_MEMBERS"
slog=$tmp/sympa.log sstate=$tmp/sympa.state
srun() {
	PATH=$stub:$PATH sh "$top_srcdir/contrib/sympa-del.sh" --config "$conf" \
	    --state "$sstate" --log "$slog" --robot lists.example.org "$@"
}
slogged() { [ "$(grep -c -- "$1" "$slog" 2>/dev/null)" -ge "${2:-1}" ]; }
PATH=$stub:$PATH sh "$top_srcdir/contrib/sympa-del.sh" --config "$conf" \
    --state "$sstate" --log "$slog" --follow-not-an-option 2>/dev/null; rc=$?
is "sympa-del.sh: an unknown option is a usage error" "$rc" 2
PATH=$stub:$PATH sh "$top_srcdir/contrib/sympa-del.sh" --config "$conf" \
    --state "$sstate" --log "$slog" --robot lists.example.org \
    >"$tmp/srun.out" 2>&1 &
spid=$!
wait_for "sympa-del.sh --follow: reaches the last event" \
    sh -c "[ \"\$(cat '$sstate' 2>/dev/null)\" = '$(last_id)' ]"
is "sympa-del.sh: sympa del --quiet --force LIST@DOMAIN, the address on stdin, for each death and complaint of the robot's lists" \
    "$(cat "$SYMPA_STUB_LOG")" \
    "--quiet --force news@lists.example.org |bob@example.org 
--quiet --force news@lists.example.org |carol@example.org 
--quiet --force news@lists.example.org |nobody@example.org 
--quiet --force news@lists.example.org |alice@example.org "
is "sympa-del.sh: the dead and the complainer are removed, the others stay" \
    "$(cat "$SYMPA_STUB_MEMBERS")" "news@lists.example.org dave@example.org"
check "sympa-del.sh: a removal is logged" \
    slogged "address.dead bob@example.org news.lists.example.org: removed from news@lists.example.org"
check "sympa-del.sh: a non-member is done, logged with Sympa's words" \
    slogged "address.dead nobody@example.org news.lists.example.org: not a member of news@lists.example.org: del \[user\] E-mail address nobody@example.org was not found"
check "sympa-del.sh: a list of another robot: skipped" \
    slogged "address.dead erin@example.org news.other.example.net: not a list of this Sympa: skipped"
check "sympa-del.sh: a suspect is not acted on" sh -c "! grep -q frank '$slog'"
dead d3 dave@example.org 4
import d3
wait_for "sympa-del.sh --follow: a new death" \
    slogged "address.dead dave@example.org news.lists.example.org: removed from news@lists.example.org"
kill -TERM "$spid"
wait "$spid"; rc=$?
is "sympa-del.sh: SIGTERM ends it, exit 0" "$rc" 0
calls=$(wc -l <"$SYMPA_STUB_LOG")
srun --once
is "sympa-del.sh: a restart does nothing again" "$(wc -l <"$SYMPA_STUB_LOG")" "$calls"
dead d4 zed@example.org 5
import d4
SYMPA_STUB_FAIL=1 srun --once; rc=$?
is "sympa-del.sh: sympa failing: exit 1" "$rc" 1
check "sympa-del.sh: sympa failing: the log says so" \
    slogged "address.dead zed@example.org news.lists.example.org: sympa del failed: del \[intern\] Database error\. (stopping: the next run tries it again)"
is "sympa-del.sh: sympa failing: the state does not move" \
    "$(cat "$sstate")" "$(events | tail -n 2 | head -n 1 | cut -f 1)"
srun --once --dry-run
check "sympa-del.sh --dry-run: says what it would do" \
    slogged "address.dead zed@example.org news.lists.example.org: would remove from news@lists.example.org (dry run)"
srun --once; rc=$?
is "sympa-del.sh: the next run does it, exit 0" "$rc" 0
is "sympa-del.sh: the state is the last event" "$(cat "$sstate")" "$(last_id)"
printf 'news.other.example.net other@lists.example.org\n' >"$tmp/smap"
printf 'other@lists.example.org erin@example.org\n' >>"$SYMPA_STUB_MEMBERS"
printf '0\n' >"$sstate"
srun --once --map "$tmp/smap"
check "sympa-del.sh --map: the list the map file names" \
    slogged "address.dead erin@example.org news.other.example.net: removed from other@lists.example.org"

done_testing
