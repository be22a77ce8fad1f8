#!/bin/sh
# sympa-del.sh: remove, from Sympa lists, the members rebound finds dead
# or complaining.  A recipe to copy and adapt: it reads
#     rebound events --follow --format plain --since ID
# and for each address.dead and address.complained event (never any
# other type) runs
#     sympa del --quiet --force LIST@DOMAIN      (the address on stdin)
# as sympa-del(1) documents it for Sympa 6.2.67b.2 and later (Debian 12
# has 6.2.70; https://manpages.ubuntu.com/manpages/noble/man1/sympa-del.1.html
# is that page of 6.2.70), the same as sympa(1)'s older form
# "sympa.pl --del=LIST@DOMAIN --quiet --force":
# --quiet sends the member no "removed" notice, --force removes even
# from a list that is not open; the owners are told nothing without
# --notify.  A member is removed with exit 0.  A non-member is refused,
# exit 1, with a report line "del [user] E-mail address ... was not
# found in list ..." (Sympa::Request::Handler::del): that is done, not
# a failure, so an event done twice does no harm.  SYMPA is the program
# (sympa, /usr/bin/sympa on Debian); it needs root or the sympa user.
#
# Which list: the event's list is the id of the bounced message's
# List-Id, which Sympa always writes as <NAME.DOMAIN> for NAME@DOMAIN
# (Sympa::List::add_list_header).  The list is, first found:
#   - the map file (--map FILE): lines "LIST-ID LIST@DOMAIN", # comments;
#   - NAME@DOMAIN, NAME the List-Id's first label, when DOMAIN is one of
#     this Sympa's robots (--robot DOMAIN, as many as there are).
# An event with no list, or a list of no robot here, is logged and
# skipped.
#
# Restarts: after each event the id handled is written to the state file
# (--state, default /var/lib/rebound/sympa-del.state) and a restart asks
# for the events after it: each is handled at least once.  When sympa
# fails otherwise the recipe stops with status 1 before the state moves
# on, and the next run tries that event again (Restart=on-failure under
# systemd); "echo ID >STATE" skips it.  With no state file it starts at
# the first event; to start from now instead:
#     rebound events --format plain | tail -n 1 | cut -f 1 >STATE
# One instance per state file; under systemd, a service of its own:
#     [Service]
#     ExecStart=/usr/local/bin/sympa-del.sh --config /etc/rebound.conf \
#         --robot lists.example.org
#     Restart=on-failure
#     RestartSec=60
#
# Usage: sympa-del.sh [--dry-run] [--once] [--state FILE] [--map FILE]
#            [--robot DOMAIN]... [--log FILE] [--config FILE] [--db PATH]
#   --dry-run   say what it would do; run nothing, write no state
#   --once      handle the events there are, then exit (for a timer)
#   --log FILE  append the log there rather than to stderr
#   --config, --db   for rebound events (REBOUND: the program, "rebound")
# Each action is a line of the log: "event 12 address.dead
# alice@example.org news.lists.example.org: removed from
# news@lists.example.org".
set -u
me=sympa-del
REBOUND=${REBOUND:-rebound}
SYMPA=${SYMPA:-sympa}
state=/var/lib/rebound/sympa-del.state
map='' robots='' logfile='' dry_run='' follow=--follow
set --  "$@" --end--
while [ "$1" != --end-- ]; do
	case $1 in
	--dry-run) dry_run=1 ;;
	--once) follow= ;;
	--state|--map|--robot|--log|--config|--db)
		[ "$2" != --end-- ] || { echo "$me: $1 needs a value" >&2; exit 2; }
		case $1 in
		--state) state=$2 ;;
		--map) map=$2 ;;
		--robot) robots="$robots $2" ;;
		--log) logfile=$2 ;;
		*) set -- "$@" "$1" "$2" ;;	# for rebound events
		esac
		shift ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "$me: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
shift	# --end--: what is left is for rebound events

log() {
	if [ -n "$logfile" ]; then
		echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $me: $*" >>"$logfile"
	else
		echo "$me: $*" >&2
	fi
}

# list_of LIST-ID: LIST@DOMAIN on stdout, or nothing.
list_of() {
	if [ -n "$map" ]; then
		while read -r m_id m_list _; do
			case $m_id in ''|'#'*) continue ;; esac
			[ "$m_id" = "$1" ] && { echo "$m_list"; return; }
		done <"$map"
	fi
	l_name=${1%%.*} l_domain=${1#*.}
	[ "$l_name" != "$1" ] && [ -n "$l_name" ] || return
	for r in $robots; do
		[ "$r" = "$l_domain" ] && { echo "$l_name@$l_domain"; return; }
	done
}

# handle ID TYPE ADDRESS LIST: 0 done (acted or skipped), 1 failed.
handle() {
	h_what="event $1 $2 $3 $4"
	case $2 in address.dead|address.complained) ;; *) return 0 ;; esac
	case $3 in
	''|-*|'#'*|@*|*@|*@*@*|*[[:space:]]*) log "$h_what: not an address: skipped"; return 0 ;;
	*@*) ;;
	*) log "$h_what: not an address: skipped"; return 0 ;;
	esac
	case $4 in
	-) log "$h_what: no list known: skipped"; return 0 ;;
	.*|*..*|*[!A-Za-z0-9._-]*) log "$h_what: not a List-Id: skipped"; return 0 ;;
	esac
	h_list=$(list_of "$4")
	if [ -z "$h_list" ]; then
		log "$h_what: not a list of this Sympa: skipped"
		return 0
	fi
	if [ -n "$dry_run" ]; then
		log "$h_what: would remove from $h_list (dry run)"
		return 0
	fi
	h_out=$(printf '%s\n' "$3" | "$SYMPA" del --quiet --force "$h_list" 2>&1)
	h_rc=$?
	h_out=$(printf '%s' "$h_out" | tr '\n' ' ' | sed 's/ *$//')
	case $h_out in
	*"del [user] "*)
		log "$h_what: not a member of $h_list: ${h_out%% Failed to delete*}"
		return 0 ;;
	esac
	if [ "$h_rc" -eq 0 ]; then
		log "$h_what: removed from $h_list"
		return 0
	fi
	log "$h_what: sympa del failed: $h_out (stopping: the next run tries it again)"
	return 1
}

save() {
	[ -n "$dry_run" ] && return 0
	if ! { printf '%s\n' "$1" >"$state.tmp" && mv -f "$state.tmp" "$state"; }
	then
		log "cannot write the state file $state"
		return 1
	fi
}

last=0
if [ -f "$state" ]; then
	last=$(cat "$state")
	case $last in ''|*[!0-9]*)
		log "the state file $state holds '$last', not an event id"; exit 2 ;;
	esac
fi
if [ -z "$dry_run" ] && ! (: >"$state.tmp") 2>/dev/null; then
	log "cannot write the state file $state"
	exit 2
fi
rm -f "$state.tmp"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/$me.XXXXXX") || exit 1
pid=''
stop() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
	exit "$1"
}
trap 'stop 0' INT TERM HUP
mkfifo "$tmp/events" || stop 1
"$REBOUND" events $follow --format plain --since "$last" "$@" >"$tmp/events" &
pid=$!
exec 3<"$tmp/events"
log "reading events after $last${dry_run:+ (dry run)}"
tab=$(printf '\t')
while IFS=$tab read -r id type _ address list _ <&3; do
	handle "$id" "$type" "$address" "$list" || stop 1
	save "$id" || stop 1
done
wait "$pid"
rc=$?
exec 3<&-
rm -rf "$tmp"
[ "$rc" -eq 0 ] || log "rebound events exited with status $rc"
exit "$rc"
