#!/bin/sh
# sympa.sh: contrib/sympa-del.sh, the recipe that reads "rebound events"
# and removes dead and complaining members from Sympa lists, against a
# stub "sympa" on PATH: Sympa itself is heavy and not run here.  The
# stub takes the command line of sympa-del(1) ("sympa del --quiet
# --force LIST@DOMAIN", the addresses on stdin) and answers as Sympa's
# CLI does (a member removed: exit 0; a non-member: "del [user] ...",
# exit 1).  The lists of its --robot only, or of a --map; never a
# suspect; a restart does nothing again; a failing sympa stops it with
# the event not marked done; --dry-run.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
scratch
. "$top_srcdir/tests/recipes-lib.sh"

# A death, a complaint, a full mailbox (no event), a bare 5.1.1 (a
# suspect), a death on another domain's List-Id, a non-member's death,
# another death.
dead d1 bob@example.org 1
complaint c1 carol@example.org
dsn s1 dave@example.org 2 4.2.2 "452 4.2.2 <dave@example.org>: Mailbox full"
dsn l1 frank@example.org 2 5.1.1 "550 Rejected"
dead o1 erin@example.org 2 news.other.example.net
dead n1 nobody@example.org 2
dead d2 alice@example.org 3
import d1 c1 s1 l1 o1 n1 d2
is "the events: deaths, a complaint, a suspect" \
    "$(events | cut -f 2,4 | tr '\t\n' ' ;')" \
    "address.dead bob@example.org;address.complained carol@example.org;address.suspect frank@example.org;address.dead erin@example.org;address.dead nobody@example.org;address.dead alice@example.org;"

# The stub: "del --quiet --force LIST@DOMAIN" and the addresses on
# stdin, as sympa-del(1); a member is removed (exit 0), a non-member is
# refused as Sympa's CLI refuses it ("del [user] ...", exit 1).
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
