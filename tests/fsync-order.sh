#!/bin/sh
# fsync-order.sh: a SIGKILL cannot show a missing fsync (the kernel keeps
# what was written); a trace of the system calls can.  reboundd runs under
# strace while bounces arrive over LMTP and in its maildir, and
# tests/fsync-order.pl checks that every 250 and every rename out of new/
# started after an fsync of the WAL that followed the commit holding that
# message.  The checker is first shown traces in the wrong order, and a
# real run with synchronous = normal (no fsync at commit), so that its yes
# means something.  Skips (exit 77) only where strace cannot run.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
if ! command -v strace >/dev/null || ! strace -f -o /dev/null true 2>/dev/null; then
	echo "1..0 # SKIP strace is not installed or may not trace here (ptrace)"
	exit 77
fi
scratch
trap 'kill $tracer $clients 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM PIPE
t0=$(date +%s)
checker="$top_srcdir/tests/fsync-order.pl"
load="$top_srcdir/tests/crash-load.pl"

# Traces written by hand: one message over LMTP (its key in a WAL page,
# then its commit frame, whose header's bytes 4-7 are not zero) and one
# file (key: its digest).  The lines' times are not read: their order is.
hdr='\x00\x00\x00\x02\x00\x00\x00\x00saltsaltchecksum'
commit='\x00\x00\x00\x03\x00\x00\x00\x03saltsaltchecksum'
page='100 10:00:00.000002 pwrite64(5</t/db-wal>, "..k1@lists.crash.test..f1digest..", 4096, 56) = 4096'
h1="100 10:00:00.000001 pwrite64(5</t/db-wal>, \"$hdr\", 24, 32) = 24"
h2="100 10:00:00.000003 pwrite64(5</t/db-wal>, \"$commit\", 24, 4152) = 24"
p2='100 10:00:00.000004 pwrite64(5</t/db-wal>, "..another page..", 4096, 4176) = 4096'
sync='100 10:00:00.000005 fdatasync(5</t/db-wal>) = 0'
reply='100 10:00:00.000006 writev(9<socket:[7]>, [{iov_base="250 2.0.0 <k1@lists.crash.test> recorded\r\n", iov_len=42}], 1) = 42'
rename='100 10:00:00.000007 rename("/t/Maildir/new/f1", "/t/Maildir/cur/f1:2,S") = 0'
echo "f1 f1digest" >"$tmp/map"
# verdict LINE...: the checker's exit status and findings on that trace.
verdict() {
	printf '%s\n' "$@" >"$tmp/crafted"
	perl "$checker" --map "$tmp/map" "$tmp/crafted" >"$tmp/out"
	echo "$? $(grep -c '^line ' "$tmp/out")"
}
is "checker: the right order passes" \
    "$(verdict "$h1" "$page" "$h2" "$p2" "$sync" "$reply" "$rename")" "0 0"
check "checker: says what it checked" grep -q "checked 1 replies and 1 renames" "$tmp/out"
is "checker: a 250 before the fdatasync fails" \
    "$(verdict "$h1" "$page" "$h2" "$p2" "$reply" "$sync" "$rename")" "1 1"
is "checker: a rename before the fdatasync fails" \
    "$(verdict "$h1" "$page" "$h2" "$rename" "$p2" "$sync" "$reply")" "1 1"
is "checker: an fdatasync before the commit frame does not count" \
    "$(verdict "$h1" "$page" "$sync" "$h2" "$p2" "$reply" "$rename")" "1 2"
is "checker: an fsync of another file does not count" \
    "$(verdict "$h1" "$page" "$h2" "$p2" \
    "${sync%%fdatasync*}fsync(4</t/db>) = 0" "$reply" "$rename")" "1 2"
is "checker: a message never written fails" \
    "$(verdict "$h1" "$h2" "$p2" "$sync" "$reply" "$rename")" "1 2"
# A copy kept in a maildir (mail that is not a bounce): the file synced,
# then moved into new/, then new/ synced, all before the 250.
kw='100 10:00:00.000006 write(6</t/NotBounce/tmp/k1>, "To: <k1@lists.crash.test>\n", 27) = 27'
kf='100 10:00:00.000006 fsync(6</t/NotBounce/tmp/k1>) = 0'
km='100 10:00:00.000006 rename("/t/NotBounce/tmp/k1", "/t/NotBounce/new/k1") = 0'
kd='100 10:00:00.000006 fsync(7</t/NotBounce/new>) = 0'
is "checker: a kept copy on disk before the 250 passes" \
    "$(verdict "$h1" "$page" "$h2" "$p2" "$sync" "$kw" "$kf" "$km" "$kd" \
    "$reply" "$rename")" "0 0"
check "checker: counts the kept copy" grep -q "1 replies for a copy kept" "$tmp/out"
is "checker: a kept copy moved into new/ before its fsync fails" \
    "$(verdict "$h1" "$page" "$h2" "$p2" "$sync" "$kw" "$km" "$kf" "$kd" \
    "$reply" "$rename")" "1 1"
is "checker: a 250 before new/ is synced fails" \
    "$(verdict "$h1" "$page" "$h2" "$p2" "$sync" "$kw" "$kf" "$km" "$reply" \
    "$kd" "$rename")" "1 1"
# Threads: the reply starts while another thread's fdatasync is under way.
is "checker: a 250 during another thread's fdatasync fails" \
    "$(verdict "$h1" "$page" "$h2" "$p2" \
    '101 10:00:00.000005 fdatasync(5</t/db-wal> <unfinished ...>' "$reply" \
    '101 10:00:00.000008 <... fdatasync resumed>) = 0' "$rename")" "1 1"
is "checker: after the other thread's fdatasync returned it passes" \
    "$(verdict "$h1" "$page" "$h2" "$p2" \
    '101 10:00:00.000005 fdatasync(5</t/db-wal> <unfinished ...>' \
    '100 10:00:00.000005 epoll_wait(3<anon_inode:[eventpoll]>, [], 32, 1) = 0' \
    '101 10:00:00.000008 <... fdatasync resumed>) = 0' "$reply" "$rename")" "0 0"

# SQLite writes with pwrite64, libevent replies with writev: traced too.
syscalls=fsync,fdatasync,pwrite64,pwritev,write,writev,sendmsg,sendto,rename,renameat,renameat2
# traced_run SYNCHRONOUS: the daemon under strace in $tmp/SYNCHRONOUS with
# [store] synchronous as given: a maildir backlog at start, then files and
# three LMTP sessions at once.  Leaves trace and map there.
traced_run() {
	d="$tmp/$1"
	md="$d/Maildir"
	mkdir -p "$md/tmp" "$md/new" "$md/cur" "$d/stage/tmp" "$d/stage/new"
	printf '[store]\npath = %s\nsynchronous = %s\n[maildir]\npath = %s\n[lmtp]\nlisten = unix:%s\n' \
	    "$d/db" "$1" "$md" "$d/lmtp.sock" >"$d/conf"
	: >"$d/map"
	stage b 30 && deliver
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -tt -y -xx -s 8192 -o "$d/trace" -e trace=$syscalls \
	    "$REBOUNDD" --config "$d/conf" --foreground 2>"$d/log" &
	tracer=$!
	wait_for "$1: reboundd runs under strace" started "$d/log"
	stage d 30
	perl "$load" lmtp --socket "$d/lmtp.sock" --clients 3 --messages 20 \
	    --log "$d/lmtp.log" &
	clients=$!
	deliver
	wait $clients
	clients=
	is "$1: LMTP: 60 messages acknowledged" "$(grep -c '^ack ' "$d/lmtp.log")" 60
	wait_for "$1: maildir: 60 files out of new/" empty "$md/new"
	kill -TERM "$(cat /proc/$tracer/task/*/children)"
	wait $tracer
	is "$1: reboundd stops cleanly under strace" "$?" 0
	tracer=	# nothing for the trap to end
}
# Files are written in a maildir of their own first, to know their digests.
stage() {
	perl "$load" maildir --dir "$d/stage" --prefix "$1" --count "$2" \
	    --log "$d/drops"
	(cd "$d/stage/new" && sha256sum -- *) | awk '{ print $2, $1 }' >>"$d/map"
}
deliver() { mv "$d/stage/new/"* "$md/new/"; }

traced_run full
perl "$checker" --map "$d/map" "$d/trace" >"$d/out"
is "full: every 250 and every rename after the fdatasync of its commit" "$?" 0
head -20 "$d/out" | sed 's/^/# /'
is "full: all of them checked" "$(tail -1 "$d/out")" "checked 60 replies and 60 renames"

# synchronous = normal syncs the WAL only at checkpoints: the same run,
# traced the same way, must fail.
traced_run normal
perl "$checker" --map "$d/map" "$d/trace" >"$d/out"
is "normal (no fsync at commit): the check fails" "$?" 1
check "normal: acknowledgements before the sync are named" \
    grep -q '^line [0-9]*: .*before its commit was synced\|never synced' "$d/out"
diag "normal: $(grep -c '^line ' "$d/out") of 120 acknowledgements before their commit's sync"
diag "run time $(( $(date +%s) - t0 )) s"
done_testing
