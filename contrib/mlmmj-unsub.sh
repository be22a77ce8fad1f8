#!/bin/sh
# mlmmj-unsub.sh: unsubscribe, from mlmmj lists, the addresses rebound
# finds dead or complaining.  A recipe to copy and adapt: it reads
#     rebound events --follow --format plain --since ID
# and for each address.dead and address.complained event (never any
# other type) runs
#     /usr/bin/mlmmj-unsub -L LISTDIR -a ADDRESS -q -s
# mlmmj-unsub(1): without -c or -C the subscriber is told nothing, -q
# tells the owner nothing, -s mails nobody who is not subscribed; it
# removes the address from the normal, digest and nomail versions, and
# an address that is not a member is no error, so an event done twice
# does no harm.  mlmmj's tools refuse to run unless called by their full
# path: MLMMJ_BIN (/usr/bin) is where they are.
#
# Which list: the event's list is the id of the bounced message's
# List-Id (news.lists.example.org).  mlmmj writes none by itself: give
# each list one in LISTDIR/control/customheaders, e.g.
#     List-Id: <news.lists.example.org>
# Its directory is, first found:
#   - the map file (--map FILE): lines "LIST-ID LISTDIR", # comments;
#   - BASE/NAME (--base BASE, default /var/spool/mlmmj), NAME the List-Id's
#     first label (news), only when that list's control/listaddress says
#     it is NAME@REST (news@lists.example.org; mlmmj-make-ml writes it),
#     so that a List-Id of another domain never reaches a list of the
#     same name.
# An event with no list, or a list with no directory here, is logged and
# skipped.
#
# Restarts: after each event the id handled is written to the state file
# (--state, default /var/lib/rebound/mlmmj-unsub.state) and a restart
# asks for the events after it: each is handled at least once.  When
# mlmmj-unsub fails the recipe stops with status 1 before the state
# moves on, and the next run tries that event again (Restart=on-failure
# under systemd); "echo ID >STATE" skips it.  With no state file it
# starts at the first event; to start from now instead:
#     rebound events --format plain | tail -n 1 | cut -f 1 >STATE
# One instance per state file; under systemd, a service of its own:
#     [Service]
#     ExecStart=/usr/local/bin/mlmmj-unsub.sh --config /etc/rebound.conf
#     Restart=on-failure
#     RestartSec=60
#
# Usage: mlmmj-unsub.sh [--dry-run] [--once] [--state FILE] [--map FILE]
#            [--base DIR] [--log FILE] [--config FILE] [--db PATH]
#   --dry-run   say what it would do; run nothing, write no state
#   --once      handle the events there are, then exit (for a timer)
#   --log FILE  append the log there rather than to stderr
#   --config, --db   for rebound events (REBOUND: the program, "rebound")
# Run it as root or as the owner of the list directories.  Each action is
# a line of the log: "event 12 address.dead alice@example.org
# news.lists.example.org: unsubscribed from /var/spool/mlmmj/news".
set -u
me=mlmmj-unsub
REBOUND=${REBOUND:-rebound}
MLMMJ_BIN=${MLMMJ_BIN:-/usr/bin}
state=/var/lib/rebound/mlmmj-unsub.state
base=/var/spool/mlmmj
map='' logfile='' dry_run='' follow=--follow
set --  "$@" --end--
while [ "$1" != --end-- ]; do
	case $1 in
	--dry-run) dry_run=1 ;;
	--once) follow= ;;
	--state|--map|--base|--log|--config|--db)
		[ "$2" != --end-- ] || { echo "$me: $1 needs a value" >&2; exit 2; }
		case $1 in
		--state) state=$2 ;;
		--map) map=$2 ;;
		--base) base=$2 ;;
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

# list_dir LIST-ID: the list's directory on stdout, or nothing.
list_dir() {
	if [ -n "$map" ]; then
		while read -r m_id m_dir _; do
			case $m_id in ''|'#'*) continue ;; esac
			[ "$m_id" = "$1" ] && { echo "$m_dir"; return; }
		done <"$map"
	fi
	l_name=${1%%.*} l_domain=${1#*.}
	[ "$l_name" != "$1" ] && [ -n "$l_name" ] && [ -n "$l_domain" ] || return
	[ -r "$base/$l_name/control/listaddress" ] || return
	l_addr=$(head -n 1 "$base/$l_name/control/listaddress" | tr -d ' \r' |
	    tr '[:upper:]' '[:lower:]')
	[ "$l_addr" = "$(echo "$l_name@$l_domain" | tr '[:upper:]' '[:lower:]')" ] &&
	    echo "$base/$l_name"
}

# handle ID TYPE ADDRESS LIST: 0 done (acted or skipped), 1 failed.
handle() {
	h_what="event $1 $2 $3 $4"
	case $2 in address.dead|address.complained) ;; *) return 0 ;; esac
	case $3 in
	''|-*|@*|*@|*@*@*|*[[:space:]]*) log "$h_what: not an address: skipped"; return 0 ;;
	*@*) ;;
	*) log "$h_what: not an address: skipped"; return 0 ;;
	esac
	case $4 in
	-) log "$h_what: no list known: skipped"; return 0 ;;
	.*|*..*|*[!A-Za-z0-9._-]*) log "$h_what: not a List-Id: skipped"; return 0 ;;
	esac
	h_dir=$(list_dir "$4")
	if [ -z "$h_dir" ] || [ ! -d "$h_dir/subscribers.d" ]; then
		log "$h_what: no mlmmj list here: skipped"
		return 0
	fi
	if [ -n "$dry_run" ]; then
		log "$h_what: would unsubscribe from $h_dir (dry run)"
		return 0
	fi
	if h_out=$("$MLMMJ_BIN/mlmmj-unsub" -L "$h_dir" -a "$3" -q -s 2>&1); then
		log "$h_what: unsubscribed from $h_dir"
		return 0
	fi
	log "$h_what: mlmmj-unsub -L $h_dir failed: $(echo "$h_out" |
	    tr '\n' ' ' | sed 's/ *$//') (stopping: the next run tries it again)"
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
