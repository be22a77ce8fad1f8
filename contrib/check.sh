#!/bin/sh
# check.sh: from a fresh Debian 12 machine (as root): install what the
# tests need, build, and run every test (make check, make distcheck,
# make check again in an ASan+UBSan build, the fuzz targets for a
# minute each, and the Debian package under systemd in a container,
# tests/systemd-nspawn.sh).  Ends with the automake summary and "N
# passed, M failed" (a failed distcheck, ASan run or fuzz run counts as
# one more failure; the container test's checks count one by one).
cd "$(dirname "$0")/.." || exit 1
contrib/deps.sh test || exit 1
contrib/build.sh || exit 1
make -j"$(nproc)" check >check.out 2>&1
check_rc=$?
grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP)' check.out | grep -v '^PASS' || true
# The real-MTA bench's table (issue 21): rebound on the bounces that
# Postfix, Exim, OpenSMTPD, Sendmail, Courier, dma and Haraka wrote
# (tests/data/mta/, checked by tests/mta-golden.sh).
echo "MTA bench (tests/mta-golden.sh): mta, n, found, hard, reason, status, soft called hard"
sed -n 's/^# \([a-z]* *all .*\)/  \1/p' tests/mta-golden.log 2>/dev/null
make distcheck >distcheck.out 2>&1
distcheck_rc=$?
if [ $distcheck_rc -ne 0 ]; then
	echo "make distcheck failed:"
	tail -30 distcheck.out
fi
echo "distcheck: $([ $distcheck_rc -eq 0 ] && echo passed || echo FAILED)"

# The whole suite again, built with AddressSanitizer and UBSan, from the
# distributed sources in a directory of its own.
corpus=$(cd .. && pwd)/shared/corpus
rm -rf _asan && mkdir _asan
make distdir distdir=_asan/rebound >/dev/null 2>&1 &&
    (cd _asan/rebound && ./configure --enable-asan >/dev/null &&
     make -j"$(nproc)" >/dev/null 2>&1 &&
     REBOUND_CORPUS=$corpus make -j"$(nproc)" check) >asan.out 2>&1
asan_rc=$?
if [ $asan_rc -ne 0 ]; then
	echo "ASan/UBSan build: FAILED"
	grep -E '^(FAIL|ERROR)' asan.out | head -20
	tail -20 asan.out
fi
echo "ASan/UBSan build: $(grep -E '^# (PASS|FAIL|ERROR):' asan.out | tr '\n' ' ')"

# The libFuzzer targets (clang, ASan+UBSan), a minute each on every CPU,
# from the distributed sources in a directory of their own: a crash, a
# leak, a hang or fewer than 300,000 executions in all is one failure
# (a floor that says every target ran its minute; how fast they run is
# the machine's load, and a test times nothing: see tests/fuzz/README).
rm -rf _fuzz && mkdir _fuzz
make distdir distdir=_fuzz/rebound >/dev/null 2>&1 &&
    (cd _fuzz/rebound && ./configure CC=clang --enable-fuzzing >/dev/null &&
     FUZZ_TIME=60 FUZZ_JOBS="$(nproc)" FUZZ_MIN_EXECS=300000 \
     REBOUND_CORPUS=$corpus \
     make -j"$(nproc)" fuzz) >fuzz.out 2>&1
fuzz_rc=$?
grep -E '^fuzz(_[a-z]+)?: ' fuzz.out
[ $fuzz_rc -ne 0 ] && tail -40 fuzz.out
echo "fuzz: $([ $fuzz_rc -eq 0 ] && echo passed || echo FAILED)"

# The Debian package under a real systemd, in a container
# (tests/systemd-nspawn.sh): a step of its own, since it builds the
# package and boots a Debian 12 (debootstrapped once, then cached).  Its
# checks count with make check's; skipped where nspawn cannot run.
top_srcdir=$(pwd) top_builddir=$(pwd) sh tests/systemd-nspawn.sh >nspawn.out 2>&1
nspawn_rc=$?
nspawn_ok=$(grep -c '^ok ' nspawn.out)
nspawn_failed=$(grep -c '^not ok ' nspawn.out)
case $nspawn_rc in
0) echo "systemd-nspawn: passed ($nspawn_ok checks)" ;;
77) echo "systemd-nspawn: skipped ($(sed -n 's/^1\.\.0 # SKIP //p' nspawn.out))" ;;
*) echo "systemd-nspawn: FAILED"; grep -E '^(not ok|#)' nspawn.out | head -30
   [ "$nspawn_failed" -eq 0 ] && nspawn_failed=1 ;;
esac
grep -E '^(=+$|Testsuite summary|# [A-Z]+: )' check.out | tail -10
passed=$(sed -n 's/^# PASS: *//p' check.out)
passed=$((${passed:-0} + nspawn_ok))
failed=$(awk '/^# (FAIL|ERROR|XPASS):/ { n += $3 } END { print n + 0 }' check.out)
failed=$((failed + nspawn_failed))
[ $distcheck_rc -ne 0 ] && failed=$((failed + 1))
[ $asan_rc -ne 0 ] && failed=$((failed + 1))
[ $fuzz_rc -ne 0 ] && failed=$((failed + 1))
echo "${passed:-0} passed, $failed failed"
[ $check_rc -eq 0 ] && [ $distcheck_rc -eq 0 ] && [ $asan_rc -eq 0 ] &&
    [ $fuzz_rc -eq 0 ] && [ "$nspawn_failed" -eq 0 ]
