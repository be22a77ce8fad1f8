# lib.sh: TAP helpers for the shell tests (sourced, not run).
#
# Each test prints "ok N - what" or "not ok N - what" and, at the end,
# the plan "1..N".  REBOUND, top_srcdir and top_builddir come from the
# Makefile (AM_TESTS_ENVIRONMENT); run by hand they default to the tree.

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${REBOUND:=$top_builddir/src/rebound}"
: "${REBOUND_CORPUS:=$top_srcdir/../shared/corpus}"
tap_n=0
tap_failed=0

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	tap_desc=$1
	shift
	if "$@"; then ok "$tap_desc"; else not_ok "$tap_desc"; fi
}
# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   got:  '$2'"
		echo "#   want: '$3'"
	fi
}
diag() { echo "# $*"; }
done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
# wait_for DESCRIPTION COMMAND...: ok once COMMAND succeeds, polling
# every 0.1 s for up to WAIT_SECONDS (default 10), else not ok.
wait_for() {
	w_desc=$1
	shift
	w_i=0
	while [ $w_i -lt $(( ${WAIT_SECONDS:-10} * 10 )) ]; do
		if "$@" >/dev/null 2>&1; then ok "$w_desc"; return 0; fi
		sleep 0.1
		w_i=$((w_i + 1))
	done
	not_ok "$w_desc"
	return 1
}

# A scratch directory removed on exit.
scratch() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/rebound-test.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT INT TERM
}

# asan_build PROGRAM: whether it was built with AddressSanitizer, which
# maps terabytes of shadow memory: no memory limit or RSS bound applies.
asan_build() { ldd "$1" 2>/dev/null | grep -q libasan; }
