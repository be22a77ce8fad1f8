#!/bin/sh
# run.sh: the bench of real MTAs.  Usage:
#   tests/mta/run.sh [--regen] [--only ID,ID...] [--wait SECONDS]
#                    [--markdown FILE] [--out DIR] [--keep] MTA...
# For each MTA (tests/mta/<mta>.sh, see tests/mta/README) it builds or
# unpacks the MTA's root, starts the scripted peer (peer.py) on a free
# port, sends one message per scenario of scenarios.tab through the MTA,
# waits until the MTA's bounce for every scenario is in its maildir (a
# delay notice before it is kept too), and prints, per MTA and per kind of
# scenario, what "rebound parse" makes of them against the scenario's
# truth.  --regen writes the messages and their expectations as the
# golden samples tests/data/mta/<mta>/ (tests/mta-golden.sh reads them),
# with known.tab, what rebound gets wrong on them today; --out copies them
# to DIR/<mta>/ instead; --keep keeps the scratch directory.
# Needs root (chroot, mounts), debootstrap, python3; the MTAs run as
# private instances on loopback, the machine's mail system is untouched.
. "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mta_dir=$top_srcdir/tests/mta
. "$mta_dir/root.sh"
: "${PYTHON:=python3}"

regen= only= wait=300 markdown= keep= out=
while [ $# -gt 0 ]; do
	case $1 in
	--regen) regen=1 ;;
	--keep) keep=1 ;;
	--out) out=$2; shift ;;
	--only) only=$2; shift ;;
	--wait) wait=$2; shift ;;
	--markdown) markdown=$2; shift ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
[ $# -gt 0 ] || { echo "usage: run.sh [--regen] [--only IDS] [--wait S] MTA..." >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "run.sh: needs root (chroot)" >&2; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rebound-mta.XXXXXX")
chmod 0755 "$tmp"
peer_pid=
cleanup() {
	[ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null && wait "$peer_pid" 2>/dev/null
	# Every mount under the directory goes before the directory does.
	awk -v t="$tmp/" 'index($2, t) == 1 { print $2 }' /proc/mounts |
	    sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
	[ -n "$keep" ] && { echo "run.sh: kept $tmp" >&2; return; }
	awk -v t="$tmp/" 'index($2, t) == 1 { f = 1 } END { exit !f }' /proc/mounts ||
	    rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The scenarios, in the order of the table, --only picks some.
awk -F '\t' -v only=",$only," '!/^#/ && NF >= 8 &&
    (only == ",," || index(only, "," $1 ",")) { print }' \
    "$mta_dir/scenarios.tab" >"$tmp/scenarios.tab"

# The peer, on a free port (taken meanwhile: the next one).
for attempt in 1 2 3 4 5; do
	peer_port=$(free_port)
	: >"$tmp/peer.log"
	"$PYTHON" "$mta_dir/peer.py" --port "$peer_port" --scenarios \
	    "$tmp/scenarios.tab" --log "$tmp/peer.log" --routes "$tmp/routes" \
	    2>"$tmp/peer.err" &
	peer_pid=$!
	WAIT_SECONDS=20 wait_until "the peer to listen" grep -q listening "$tmp/peer.log" &&
	    break
	kill "$peer_pid" 2>/dev/null; wait "$peer_pid"; peer_pid=
done
[ -n "$peer_pid" ] || { cat "$tmp/peer.err" >&2; exit 1; }
export PEER_ROUTES="$tmp/routes"

smtp_ready() { "$PYTHON" "$mta_dir/send.py" --ready "$1"; }
smtp_send() { "$PYTHON" "$mta_dir/send.py" "$@"; }

# msg ID MTA PHASE: the returned post, as a list sends it.
msg() {
	printf 'Return-Path: <bounces@lists.example.org>\nFrom: News <news@lists.example.org>\n'
	printf 'To: %s\nSubject: [news] mta bench %s\n' "$4" "$1"
	printf 'Message-ID: <mtabench.%s.%s@lists.example.org>\n' "$1" "$2"
	printf 'Date: %s\nList-Id: <news.lists.example.org>\n' "$(date -R)"
	printf 'Precedence: list\nMIME-Version: 1.0\nContent-Type: text/plain\n\n'
	printf 'A post to the news list, for the MTA bench, scenario %s.\n' "$1"
	# Over the peer's SIZE (20,000 bytes): the message that is too big.
	[ "$3" = size ] && awk 'BEGIN { for (i = 0; i < 400; i++)
	    printf "%072d\n", i }'
}
rcpt_of() {	# ID PHASE
	case $2 in
	local) echo "$1@lists.example.org" ;;
	greeting|ehlo|mail|nogreeting|refuse) echo "$1@$1.peer.test" ;;
	*) echo "$1@peer.test" ;;
	esac
}

# index DIR MAILDIR: each new message of MAILDIR once into DIR/index:
# FILE ID final|delay.
index() {
	touch "$1/index"
	for f in "$2"/new/* "$2"/cur/*; do
		[ -f "$f" ] || continue
		grep -q "^$f " "$1/index" && continue
		id=$(sed -n 's/.*<mtabench\.\([^.]*\)\.[^@]*@lists\.example\.org>.*/\1/p' "$f" | head -1)
		kind=final
		if command -v mta_is_delay >/dev/null; then
			mta_is_delay "$f" && kind=delay
		elif grep -Eqi '^Action: *delayed' "$f" || sed '/^$/q' "$f" |
		    grep -Eqi '^Subject:.*(delay|warning)'; then
			kind=delay
		fi
		echo "$f ${id:-unknown} $kind" >>"$1/index"
	done
}
# mta_due SECONDS: true once SECONDS have passed since it was last true
# (first call true): the pace of an MTA's optional mta_kick, which runs
# its queue where the MTA's own retries wait for minutes.  Called from
# all_final, so the kick rides on the wait for the bounces, not a timer.
mta_due_at=0
mta_due() {
	md_now=$(date +%s)
	[ "$md_now" -ge "$mta_due_at" ] || return 1
	mta_due_at=$((md_now + $1))
}
# all_final DIR MAILDIR: every scenario sent has its final bounce.
all_final() {
	command -v mta_kick >/dev/null && mta_kick
	index "$1" "$2"
	[ "$(awk '$3 == "final" { print $2 }' "$1/index" | sort -u |
	    grep -cxFf "$1/sent")" -ge "$(wc -l <"$1/sent")" ]
}

run_mta() {
	run_m=$1
	run_d=$tmp/$1
	run_root=$run_d/root
	run_bdir=$run_root/var/mail/bounces/Maildir
	mkdir -p "$run_d/msg" "$run_d/out"
	. "$mta_dir/$run_m.sh" || return 1
	if [ -n "$mta_packages" ]; then
		mta_root "$run_root" $mta_packages || { echo "$run_m: no root" >&2; return 1; }
	else
		mkdir -p "$run_root"
	fi
	run_port=$(free_port)
	mta_setup "$run_root" "$run_port" "$peer_port" "$run_bdir" >"$run_d/setup.log" 2>&1 ||
	    { echo "$run_m: setup failed" >&2; cat "$run_d/setup.log" >&2; return 1; }
	trap 'mta_stop' EXIT
	trap 'exit 1' INT TERM
	mta_start || { echo "$run_m: does not start" >&2; return 1; }
	: >"$run_d/sent"
	while IFS='	' read -r id phase rest; do
		rcpt=$(rcpt_of "$id" "$phase")
		msg "$id" "$run_m" "$phase" "$rcpt" >"$run_d/msg/$id.eml"
		if mta_send bounces@lists.example.org "$rcpt" "$run_d/msg/$id.eml" \
		    >>"$run_d/send.log" 2>&1; then
			echo "$id" >>"$run_d/sent"
		fi
	done <"$tmp/scenarios.tab"
	WAIT_SECONDS=$wait wait_until "$run_m: a bounce for each scenario" \
	    all_final "$run_d" "$run_bdir" || echo "$run_m: not all bounces came" >&2
	mta_stop
	trap - EXIT
	index "$run_d" "$run_bdir"
	# The last final bounce and the first delay notice of each scenario.
	sort -k2,2 -k3,3 -k1,1 "$run_d/index" | while read -r f id kind; do
		[ "$id" = unknown ] && continue
		case $kind in
		final) cp "$f" "$run_d/out/$id.eml" ;;
		delay) [ -f "$run_d/out/$id.delay.eml" ] || cp "$f" "$run_d/out/$id.delay.eml" ;;
		esac
	done
	"$PYTHON" "$mta_dir/score.py" expect "$tmp/scenarios.tab" "$run_d/out" \
	    "$run_d/sent" >"$run_d/out/expect.tab"
}

for m in "$@"; do
	[ -f "$mta_dir/$m.sh" ] || { echo "run.sh: no $mta_dir/$m.sh" >&2; exit 2; }
	( run_mta "$m" ) >"$tmp/$m.log" 2>&1 &
	eval "pid_$(echo "$m" | tr -c 'a-z0-9\n' _)=$!"
done
for m in "$@"; do
	eval "wait \$pid_$(echo "$m" | tr -c 'a-z0-9\n' _)"
	sed "s/^/# $m: /" "$tmp/$m.log" >&2
done

tables=
for m in "$@"; do
	[ -f "$tmp/$m/out/expect.tab" ] || continue
	if [ -n "$regen" ]; then
		g=$top_srcdir/tests/data/mta/$m
		rm -rf "$g"
		mkdir -p "$g"
		cp "$tmp/$m/out/"* "$g/"
		# What rebound gets wrong today, for tests/mta-golden.sh.
		"$PYTHON" "$mta_dir/score.py" table --known --rebound "$REBOUND" "$g" \
		    >"$g/known.tab"
	fi
	if [ -n "$out" ]; then
		mkdir -p "$out/$m"
		cp "$tmp/$m/out/"* "$tmp/$m/sent" "$out/$m/"
	fi
	tables="$tables $tmp/$m/out"
done
"$PYTHON" "$mta_dir/score.py" table --rebound "$REBOUND" ${markdown:+--markdown "$markdown"} $tables
