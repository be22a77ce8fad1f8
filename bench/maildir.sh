#!/bin/sh
# maildir.sh: how fast reboundd drains a backlog in a maildir's new/.
#
# N (default 20,000) distinct bounce files are written into new/ of a
# new maildir: the samples of tests/data (not-bounce.eml left out) in
# turn, each with an "X-Bench: N" line first, so every file has its own
# digest.  After a sync, reboundd starts on that maildir with
# synchronous=full and the default [intake] settings, and the clock runs
# from its start until new/ is empty (polled every 10 ms; a file leaves
# new/ only once its message is committed) and the database holds N
# messages.  Prints messages/s and reboundd's peak RSS.
# Goal (issue "reboundd"): >= 5,000 messages/s.
#
# Usage: bench/maildir.sh [--write]    (--write adds a row to RESULTS.md)
# Environment: N=20000, REBOUNDD (default src/reboundd, built if
# missing), TIMEOUT=170 (seconds to wait for the drain)
set -eu

. "$(dirname "$0")/lib.sh"

reboundd=${REBOUNDD:-$top/src/reboundd}
n=${N:-20000}
timeout=${TIMEOUT:-170}
bench_args "$@"


command -v sqlite3 >/dev/null || die "sqlite3 is missing (apt-get install sqlite3)"
[ -x "$reboundd" ] || make -C "$top" -j2 >/dev/null || die "cannot build $reboundd"

work=$(mktemp -d "${TMPDIR:-/tmp}/rebound-maildir.XXXXXX")
rpid=
cleanup() {
	[ -z "$rpid" ] || { kill "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null; } || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The backlog, written straight into new/ (the bench owns the maildir).
md=$work/Maildir
mkdir -p "$md/tmp" "$md/new" "$md/cur"
perl -e '
	my ($dst, $n, @files) = @ARGV;
	my @samples;
	for my $f (grep { !m{/not-bounce\.eml$} } @files) {
		open(my $in, "<:raw", $f) or die "$f: $!";
		local $/;
		push @samples, scalar <$in>;
	}
	my $t = time;
	for my $i (1 .. $n) {
		my $m = $samples[$i % @samples];
		my $name = sprintf "%s/%d.M%dP%d.bench", $dst, $t, $i, $$;
		open(my $out, ">", $name) or die "$name: $!";
		# an mbox "From " line stays first
		print $out $1 if $m =~ s/\A(From [^\n]*\n)//;
		print $out "X-Bench: $t-$i\n", $m;
		close $out or die "$name: $!";
	}' "$md/new" "$n" "$top"/tests/data/*.eml
[ "$(find "$md/new" -type f | wc -l)" -eq "$n" ] || die "could not write the backlog"
sync

printf '[store]\npath = %s/rebound.db\nsynchronous = full\n\n[maildir]\npath = %s\n' \
    "$work" "$md" >"$work/rebound.conf"
start=$(date +%s%N)
"$reboundd" --config "$work/rebound.conf" --foreground 2>"$work/reboundd.log" &
rpid=$!

# Until new/ is empty: one process polls every 10 ms, reading no more of
# the directory than its first entries.
perl -MTime::HiRes=sleep,time -e '
	my ($dir, $pid, $deadline) = @ARGV;
	for (;;) {
		opendir(my $d, $dir) or die "$dir: $!\n";
		my $e;
		while (defined($e = readdir $d)) { last if $e !~ /^\./ }
		exit 0 unless defined $e;
		exit 3 unless kill 0, $pid;
		exit 4 if time > $deadline;
		sleep 0.01;
	}' "$md/new" "$rpid" $(( start / 1000000000 + timeout )) || case $? in
	3) tail -5 "$work/reboundd.log" >&2; die "reboundd died" ;;
	4) die "new/ not drained in $timeout s: $(find "$md/new" -type f | wc -l) left" ;;
	*) die "cannot watch $md/new" ;;
	esac
drained=$(date +%s%N)
recorded=$(sqlite3 "$work/rebound.db" 'select count(*) from messages')
end=$(date +%s%N)
hwm=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$rpid/status")
kill "$rpid"
wait "$rpid" || die "reboundd exited $? on SIGTERM"
rpid=
[ "$recorded" -eq "$n" ] || die "new/ is empty but $recorded of $n messages are recorded"
moved=$(find "$md/cur" "$md/.NotBounce/new" -type f | wc -l)
[ "$moved" -eq "$n" ] || die "$moved of $n files in cur/ and .NotBounce/new/"

ms=$(( (drained - start) / 1000000 ))
rate=$(( n * 1000 / (ms > 0 ? ms : 1) ))
mib=$(awk -v k="$hwm" 'BEGIN { printf "%.1f", k / 1024 }')
echo "backlog: $n files in new/, drained and recorded in $ms ms: $rate messages/s (synchronous=full; goal >= 5000: $(verdict "$rate" 5000))"
echo "reboundd peak RSS (VmHWM): $mib MiB; checked: $recorded messages recorded, $moved files moved, $(( (end - drained) / 1000000 )) ms for the check"
[ $write -eq 1 ] || exit 0
machine=$(bench_machine)
commit=$(bench_commit)
printf '| %s | %s | %s | %s | %s ms | %s msg/s | %s |\n' \
    "$(date -u '+%Y-%m-%d %H:%M UTC')" "$commit" "$machine" "$n" "$ms" \
    "$rate" "$mib" | bench_row "## reboundd on a maildir backlog"
echo "wrote $here/RESULTS.md"
