#!/bin/sh
# mta.sh: the bench of real MTAs, every scenario of tests/mta/scenarios.tab
# through every MTA of tests/mta/ (or those named), as tests/mta/run.sh
# runs them; prints the table (per MTA and per kind of scenario: found,
# hard, reason, status right, soft recipients called hard) and, with
# --write, adds it to bench/RESULTS.md with the machine and the date.
# Needs root, debootstrap, python3 (tests/mta/README).  Knob: WAIT=360,
# the seconds to wait for the last bounces after the last message.
set -eu
. "$(dirname "$0")/lib.sh"
args=
mtas=
for a in "$@"; do
	case $a in
	--write) write=1 ;;
	-*) echo "usage: $0 [--write] [MTA...]" >&2; exit 2 ;;
	*) mtas="$mtas $a" ;;
	esac
done
if [ -z "$mtas" ]; then
	for f in "$top"/tests/mta/*.sh; do
		case $(basename "$f") in run.sh|root.sh) continue ;; esac
		mtas="$mtas $(basename "$f" .sh)"
	done
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
REBOUND=${REBOUND:-$top/src/rebound} sh "$top/tests/mta/run.sh" \
    --wait "${WAIT:-360}" --markdown "$tmp/table.md" $mtas
[ "$write" -eq 1 ] || exit 0
[ -s "$tmp/table.md" ] || die "no table"
{
	echo
	echo "### $(date -u +%Y-%m-%d), $(bench_commit), $(bench_machine)"
	echo
	echo "MTAs:$mtas; $(grep -vc '^#' "$top/tests/mta/scenarios.tab") scenarios."
	echo
	cat "$tmp/table.md"
} >>"$here/RESULTS.md"
