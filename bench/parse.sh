#!/bin/sh
# parse.sh: how fast "rebound parse" reads bounces, against two yardsticks:
#   floor    bench/floor.c: GMime parses each message and decodes every leaf
#            part once, and nothing else; no GMime-based parser can beat it.
#   sisimai  Sisimai 4.25 (Debian's libsisimai-perl), Sisimai->make(DIR).
# All three read the same directory of COPIES x the Sisimai corpus, in
# alternating rounds (A B C A B C ...), and the median wall time of each is
# reported, with messages/s, the two ratios and the peak RSS of one run.
# The median CPU time (user + system) of each is reported too, with the
# two ratios it gives: on a shared virtual machine the wall time of one
# run swings by a third with the neighbours' load, the CPU time far less.
# The goal: rebound >= 0.7 x the floor's rate and >= 8 x Sisimai's.
#
# Usage: bench/parse.sh [--write]
#   --write          also add the result as a row to bench/RESULTS.md
# Environment:
#   REBOUND_CORPUS   corpus root holding sisimai/maildir
#                    (default: ../shared/corpus beside the repository)
#   REBOUND          the binary to time (default: src/rebound, made first)
#   COPIES=10        how many copies of the corpus make the working set
#   ROUNDS=7         timed rounds (each runs all three programs once)
#   SISIMAI_SUBSET   copies Sisimai reads (default: all); its rate is then
#                    measured on fewer messages, which the output says
set -eu
. "$(dirname "$0")/lib.sh"

rebound=${REBOUND:-$top/src/rebound}
copies=${COPIES:-10}
rounds=${ROUNDS:-7}
subset=${SISIMAI_SUBSET:-$copies}
bench_args "$@"


maildir=$corpus/sisimai/maildir
[ -d "$maildir" ] || die "no corpus at $maildir (set REBOUND_CORPUS)"
if [ "$subset" -lt 1 ] || [ "$subset" -gt "$copies" ]; then
	die "SISIMAI_SUBSET must be between 1 and COPIES ($copies)"
fi
[ "$rounds" -ge 1 ] || die "ROUNDS must be at least 1"

# What the bench needs beyond the build: Sisimai, GNU time for peak RSS,
# and GMime's headers for the floor.  Installed only when missing.
missing=
for pkg in libsisimai-perl time libgmime-3.0-dev pkg-config gcc; do
	dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
	[ "$(id -u)" -eq 0 ] || die "missing packages:$missing (run as root)"
	echo "installing:$missing"
	apt-get update -qq
	# shellcheck disable=SC2086  # one word per package
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

# The tree's own binary is brought up to date first (a no-op when it is),
# so a row never times a stale build; a binary given by REBOUND is as is.
if [ -z "${REBOUND:-}" ]; then
	make -C "$top" -j2 >/dev/null || die "cannot build $rebound"
fi
[ -x "$rebound" ] || die "no binary at $rebound"
# The floor is rebuilt every time: it takes a second, and a stale one
# would measure something else.
floor=$here/floor
# shellcheck disable=SC2046  # pkg-config's words are meant to split
cc -O2 -o "$floor" "$here/floor.c" $(pkg-config --cflags --libs gmime-3.0) ||
	die "cannot build $floor"

# The working set lives in a temporary directory, never in the tree.
# Copies get distinct names (c01-arf-01.eml, ...) so every file is a new
# message to every program.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rebound-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
mkdir "$tmp/all" "$tmp/sub"
i=1
while [ "$i" -le "$copies" ]; do
	c=$(printf 'c%02d' "$i")
	for f in "$maildir"/*; do
		[ -f "$f" ] || continue
		cp "$f" "$tmp/all/$c-${f##*/}"
		if [ "$i" -le "$subset" ]; then
			ln "$tmp/all/$c-${f##*/}" "$tmp/sub/"
		fi
	done
	i=$((i + 1))
done
n_all=$(ls "$tmp/all" | wc -l)
sisdir=$tmp/all
if [ "$subset" -lt "$copies" ]; then
	sisdir=$tmp/sub
fi
n_sis=$(ls "$sisdir" | wc -l)

# Sisimai's whole job, as its documentation shows it; the count of
# records is printed only to show that it read something.
# shellcheck disable=SC2016  # Perl's variables, not the shell's
sis_pl='my $v = Sisimai->make($ARGV[0]) // []; print scalar(@$v), "\n";'

# timed NAME FORMAT FILE: one run of NAME over the working set under GNU
# time, which writes FORMAT to FILE; NAME's output goes to stdout.
timed() {
	t_fmt=$2 t_file=$3
	case $1 in
	rebound) set -- "$rebound" parse "$tmp/all" ;;
	floor) set -- "$floor" "$tmp/all" ;;
	sisimai) set -- perl -MSisimai -e "$sis_pl" "$sisdir" ;;
	esac
	/usr/bin/time -f "$t_fmt" -o "$t_file" "$@"
}

# One run of NAME, output to /dev/null: its milliseconds of wall time go
# to stdout, of CPU time (user + system, as GNU time reads them) to fd 3.
measure() {
	s=$(date +%s%N)
	timed "$1" '%U %S' "$tmp/cpu" >/dev/null
	e=$(date +%s%N)
	echo $(((e - s) / 1000000))
	awk '{ printf "%.0f\n", ($1 + $2) * 1000 }' "$tmp/cpu" >&3
}

echo "working set: $n_all messages ($copies x $(ls "$maildir" | wc -l)) in $tmp"

# One untimed run of each under GNU time: peak RSS, warm cache, sanity.
for p in rebound floor sisimai; do
	timed "$p" %M "$tmp/rss.$p" >"$tmp/out.$p"
done
got=$(awk -F '\t' 'NR > 1 { f[$1] } END { print length(f) }' "$tmp/out.rebound")
[ "$got" -eq "$n_all" ] || die "rebound reported $got messages of $n_all"
got=$(cat "$tmp/out.floor")
[ "$got" -eq "$n_all" ] || die "floor parsed $got messages of $n_all"
echo "sisimai: $(cat "$tmp/out.sisimai") records from $n_sis messages"

: >"$tmp/t.rebound"; : >"$tmp/t.floor"; : >"$tmp/t.sisimai"
: >"$tmp/c.rebound"; : >"$tmp/c.floor"; : >"$tmp/c.sisimai"
r=1
while [ "$r" -le "$rounds" ]; do
	for p in rebound floor sisimai; do
		measure "$p" >>"$tmp/t.$p" 3>>"$tmp/c.$p"
	done
	echo "round $r/$rounds (ms wall/cpu):" \
	    "rebound $(tail -n 1 "$tmp/t.rebound")/$(tail -n 1 "$tmp/c.rebound")" \
	    "floor $(tail -n 1 "$tmp/t.floor")/$(tail -n 1 "$tmp/c.floor")" \
	    "sisimai $(tail -n 1 "$tmp/t.sisimai")/$(tail -n 1 "$tmp/c.sisimai")"
	r=$((r + 1))
done

median() {
	sort -n "$1" | awk '{ v[NR] = $1 }
	    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ms_r=$(median "$tmp/t.rebound")
ms_f=$(median "$tmp/t.floor")
ms_s=$(median "$tmp/t.sisimai")
rate() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", n * 1000 / ms }'; }
rate_r=$(rate "$n_all" "$ms_r")
rate_f=$(rate "$n_all" "$ms_f")
rate_s=$(rate "$n_sis" "$ms_s")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
r_floor=$(ratio "$rate_r" "$rate_f")
r_sis=$(ratio "$rate_r" "$rate_s")
# The same ratios by CPU time (rates per CPU second).
cpu_r=$(median "$tmp/c.rebound")
cpu_f=$(median "$tmp/c.floor")
cpu_s=$(median "$tmp/c.sisimai")
c_floor=$(ratio "$(rate "$n_all" "$cpu_r")" "$(rate "$n_all" "$cpu_f")")
c_sis=$(ratio "$(rate "$n_all" "$cpu_r")" "$(rate "$n_sis" "$cpu_s")")
mib() { awk -v k="$(cat "$tmp/rss.$1")" 'BEGIN { printf "%.0f", k / 1024 }'; }
rss_r=$(mib rebound)
rss_f=$(mib floor)
rss_s=$(mib sisimai)

machine=$(bench_machine)
when=$(date -u '+%Y-%m-%d %H:%M UTC')
commit=$(bench_commit)
note=
if [ "$n_sis" -ne "$n_all" ]; then
	note=" (Sisimai read $n_sis of the $n_all messages: SISIMAI_SUBSET=$subset)"
fi

cat <<EOF

date:     $when
commit:   $commit
machine:  $machine
messages: $n_all, median of $rounds rounds$note
program   median ms   messages/s   peak RSS   median CPU ms
rebound   $(printf '%9s   %10s   %4s MiB   %13s' "$ms_r" "$rate_r" "$rss_r" "$cpu_r")
floor     $(printf '%9s   %10s   %4s MiB   %13s' "$ms_f" "$rate_f" "$rss_f" "$cpu_f")
sisimai   $(printf '%9s   %10s   %4s MiB   %13s' "$ms_s" "$rate_s" "$rss_s" "$cpu_s")
rebound / floor:   $r_floor  (goal >= 0.7: $(verdict "$r_floor" 0.7)); by CPU time $c_floor ($(verdict "$c_floor" 0.7))
rebound / sisimai: $r_sis  (goal >= 8: $(verdict "$r_sis" 8)); by CPU time $c_sis ($(verdict "$c_sis" 8))
EOF

[ "$write" -eq 1 ] || exit 0

# The row goes at the end of the "rebound parse" table of RESULTS.md
# (its explanation lives there, written once).
results=$here/RESULTS.md
sis_cell=$rate_s
[ -n "$note" ] && sis_cell="$rate_s ($n_sis msgs)"
printf '| %s | %s | %s | %s × %s | %s | %s | %s | %s | %s | %s / %s / %s | %s / %s |\n' \
    "$when" "$commit" "$machine" "$n_all" "$rounds" "$rate_r" "$rate_f" \
    "$sis_cell" "$r_floor" "$r_sis" "$rss_r" "$rss_f" "$rss_s" \
    "$c_floor" "$c_sis" |
    bench_row "## rebound parse"
echo "wrote $results"
