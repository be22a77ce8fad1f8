#!/bin/sh
# mlmmj.sh: contrib/mlmmj-unsub.sh, the recipe that reads "rebound
# events" and unsubscribes dead and complaining members, against a real
# mlmmj list (Debian's mlmmj, made with mlmmj-make-ml in the temporary
# directory; skipped when mlmmj is not installed): the member
# a certain hard bounce makes dead and the one who complained leave the
# list, the others stay (a full mailbox, a suspect, a dead address of
# another domain's list of the same name); a restart resumes after the
# last event handled and does not do old ones again; --dry-run changes
# nothing; a failing mlmmj-unsub stops it with the event not marked
# done; only address.dead and address.complained are acted on.
# (contrib/sympa-del.sh: tests/sympa.sh.)
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
bin=${MLMMJ_BIN:-/usr/bin}
for t in mlmmj-make-ml mlmmj-sub mlmmj-unsub mlmmj-list; do
	if [ ! -x "$bin/$t" ]; then
		echo "1..0 # SKIP $bin/$t is missing: mlmmj is not installed (contrib/deps.sh test installs it)"
		exit 0
	fi
done
scratch
recipe=$top_srcdir/contrib/mlmmj-unsub.sh
. "$top_srcdir/tests/recipes-lib.sh"

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

# SIGKILL after mlmmj-unsub did its work, before the state moved: the
# next run does that event again (at least once), harmlessly.  The stub
# blocks on a FIFO until the test has killed the recipe.
mkdir -p "$tmp/slowbin"
cat >"$tmp/slowbin/mlmmj-unsub" <<EOF
#!/bin/sh
"$bin/mlmmj-unsub" "\$@" >/dev/null 2>&1 || exit 1
touch "$tmp/slow.acted"
read -r _ <"$tmp/slow.release"
EOF
mkfifo "$tmp/slow.release"
chmod +x "$tmp/slowbin/mlmmj-unsub"
dead d3 dave@example.org 4
import d3
was=$(cat "$state")
MLMMJ_BIN=$tmp/slowbin sh "$recipe" --config "$conf" --base "$spool" \
    --state "$state" --log "$log" --once &
kpid=$!
wait_for "SIGKILL: mlmmj-unsub has done its work" test -e "$tmp/slow.acted"
kill -KILL "$kpid"
wait "$kpid" 2>/dev/null
echo go >"$tmp/slow.release"	# the stub, still blocked, ends
is "SIGKILL: dave is gone, the state has not moved" "$(members)state $(cat "$state")" \
    "bob@example.org erin@example.org frank@example.org state $was"
run --once
is "SIGKILL: the next run does the event again, and moves on" \
    "$(grep -c 'address.dead dave@example.org news.lists.example.org: unsubscribed' "$log") $(cat "$state")" \
    "1 $(last_id)"

# A map file names the directory of a List-Id the convention does not
# find (and a bad state file is refused).
printf '# List-Id directory\nnews.other.example.net %s\n' "$list" >"$tmp/map"
# From just before erin's event.
events | awk -F '\t' '$4 == "erin@example.org" { print prev } { prev = $1 }' >"$state"
run --once --map "$tmp/map"
check "--map: the list of the map file" \
    logged_n "address.dead erin@example.org news.other.example.net: unsubscribed from $list"
is "--map: erin is gone; bob, back, stays" "$(members)" \
    "bob@example.org frank@example.org "

# Only deaths and complaints: bob, forgotten (address.alive), stays.
"$REBOUND" forget --config "$conf" bob@example.org >/dev/null
run --once
is "address.alive: read, not acted on" \
    "$(cat "$state") $(grep -c 'address.alive' "$log")" "$(last_id) 0"
is "address.alive: bob stays" "$(members)" "bob@example.org frank@example.org "

# rebound events failing (no database there): its status, logged.
run --once --db "$tmp/nothing/db" 2>"$tmp/err"; rc=$?
is "rebound events failing: its exit status (3)" "$rc" 3
check "rebound events failing: logged, its words on stderr" \
    sh -c "grep -q 'rebound events exited with status 3' '$log' && grep -q 'no such database' '$tmp/err'"
run --once --state "$tmp/nothing/state" 2>/dev/null; rc=$?
is "a state file that cannot be written: exit 2 before anything is done" \
    "$rc $(members)" "2 bob@example.org frank@example.org "
check "a state file that cannot be written: logged" \
    logged_n "cannot write the state file $tmp/nothing/state"
echo junk >"$state"
run --once 2>/dev/null; rc=$?
is "a state file that holds no id: exit 2" "$rc" 2

done_testing
