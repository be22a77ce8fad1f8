#!/bin/sh
# check.sh: from a fresh Debian 12 machine (as root): install what the
# tests need, build, and run every test (make check, then make
# distcheck).  Ends with the automake summary and "N passed, M failed".
cd "$(dirname "$0")/.." || exit 1
contrib/deps.sh test || exit 1
contrib/build.sh || exit 1
make -j"$(nproc)" check >check.out 2>&1
check_rc=$?
grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP)' check.out | grep -v '^PASS' || true
make distcheck >distcheck.out 2>&1
distcheck_rc=$?
if [ $distcheck_rc -ne 0 ]; then
	echo "make distcheck failed:"
	tail -30 distcheck.out
fi
echo "distcheck: $([ $distcheck_rc -eq 0 ] && echo passed || echo FAILED)"
grep -E '^(=+$|Testsuite summary|# [A-Z]+: )' check.out | tail -10
passed=$(sed -n 's/^# PASS: *//p' check.out)
failed=$(awk '/^# (FAIL|ERROR|XPASS):/ { n += $3 } END { print n + 0 }' check.out)
[ $distcheck_rc -ne 0 ] && failed=$((failed + 1))
echo "${passed:-0} passed, $failed failed"
[ $check_rc -eq 0 ] && [ $distcheck_rc -eq 0 ]
