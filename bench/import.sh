#!/bin/sh
# import.sh: how fast "rebound import" records bounces, and what a
# recorded outcome costs on disk.
#
# The Sisimai corpus is copied COPIES times (default 100: 42,500
# messages), each copy made distinct by one added header so that every
# message has its own digest, and imported into a new database with
# synchronous=FULL.  Prints messages/s, outcomes and bytes per outcome.
# Goal (issue "The bounce database"): >= 5,000 messages/s.
#
# Usage: bench/import.sh [--write]    (--write adds a row to RESULTS.md)
# Environment: REBOUND_CORPUS, REBOUND, COPIES=100
set -eu

. "$(dirname "$0")/lib.sh"

rebound=${REBOUND:-$top/src/rebound}
copies=${COPIES:-100}
bench_args "$@"

[ -d "$corpus/sisimai/maildir" ] || { echo "import.sh: no corpus at $corpus" >&2; exit 1; }
[ -n "${REBOUND:-}" ] || make -C "$top" -s >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/rebound-import.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# Distinct copies: "X-Bench-Copy: N" first, then the message as it is.
mkdir "$work/mail"
perl -e '
	my ($src, $dst, $n) = @ARGV;
	opendir(my $d, $src) or die "$src: $!";
	my @files = grep { !/^\./ } readdir($d);
	for my $i (1 .. $n) {
		for my $f (@files) {
			open(my $in, "<", "$src/$f") or die;
			open(my $out, ">", sprintf("%s/c%03d-%s", $dst, $i, $f)) or die;
			local $/; my $m = <$in>;
			# an mbox "From " line stays first
			if ($m =~ s/\A(From [^\n]*\n)//) { print $out $1; }
			print $out "X-Bench-Copy: $i\n", $m;
		}
	}' "$corpus/sisimai/maildir" "$work/mail" "$copies"
n=$(ls "$work/mail" | wc -l)
printf '[store]\npath = %s/db\nsynchronous = full\n' "$work" >"$work/conf"

start=$(date +%s%N)
"$rebound" import --config "$work/conf" "$work/mail" >"$work/out"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
cat "$work/out"
outcomes=$(sqlite3 "$work/db" 'select count(*) from outcomes')
messages=$(sqlite3 "$work/db" 'select count(*) from messages')
sqlite3 "$work/db" 'pragma wal_checkpoint(truncate)' >/dev/null
bytes=$(stat -c %s "$work/db")
rate=$(( messages * 1000 / (ms > 0 ? ms : 1) ))
per=$(( bytes / (outcomes > 0 ? outcomes : 1) ))
machine=$(bench_machine)
echo "files: $n, messages recorded: $messages, outcomes: $outcomes"
echo "import: $ms ms, $rate messages/s (synchronous=full); database $bytes bytes, $per bytes/outcome"
if [ $write -eq 1 ]; then
	printf '| %s | %s | %s | %s msg/s | %s |\n' \
	    "$(date -u +%Y-%m-%d)" "$machine" "$messages" "$rate" "$per" \
	    | bench_row "## rebound import"
fi
