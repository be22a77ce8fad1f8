#!/bin/sh
# systemd-nspawn.sh: the Debian package under a real systemd.  Builds
# the .deb (contrib/package.sh, or takes $REBOUND_DEB), boots a Debian 12
# container with systemd-nspawn --boot --volatile=overlay (the recipe in
# ../shared/recipes/systemd-nspawn.md), installs the package with
# dpkg -i (no network inside) and checks what systemd makes of it: the
# socket listening, the first LMTP connection starting the service,
# Type=notify reaching "running" with reboundd's STATUS, a bounce
# recorded and shown by "rebound list", reload, stop, the journal, the
# sandbox in force (NoNewPrivs, seccomp), the unit's exposure, the
# watchdog, Debian's Postfix set up both ways contrib/postfix.md
# documents for the package (each line run is one of the document's),
# writing bounces that reach reboundd through the socket unit, the bash
# completion and the examples the package ships, and remove and purge.
#
# Needs root with CAP_SYS_ADMIN, systemd-nspawn and debootstrap (contrib/
# deps.sh test); skips otherwise.  The Debian root is made once with
# debootstrap from the archive apt uses and kept as a tarball in
# $REBOUND_ROOTFS_CACHE (default /var/cache/rebound-test-rootfs), named
# by month and by what it holds; everything else lives in the test's
# temporary directory (and the container's two cgroups, removed on exit).
# Run by contrib/check.sh as a step of its own (package build and boot
# take minutes), or by hand: sh tests/systemd-nspawn.sh.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

skip() { echo "1..0 # SKIP $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
capeff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
[ $(( 0x$capeff >> 21 & 1 )) -eq 1 ] || skip "needs CAP_SYS_ADMIN"
for t in systemd-nspawn debootstrap nsenter zstd; do
	command -v $t >/dev/null || skip "needs $t (contrib/deps.sh test)"
done
[ -n "$REBOUND_DEB" ] || command -v dpkg-buildpackage >/dev/null ||
    skip "needs dpkg-buildpackage (contrib/deps.sh test)"
[ -d /sys/fs/cgroup/unified ] && [ -d /sys/fs/cgroup/systemd ] ||
    skip "needs the hybrid cgroup hierarchy the recipe uses"

scratch
name=rebound-t$$
cg="/sys/fs/cgroup/systemd/t-$name /sys/fs/cgroup/unified/t-$name"
nspawn=
leader=
nspawn_gone() { ! kill -0 "$nspawn" 2>/dev/null; }
teardown() {
	if [ -n "$leader" ] && kill -0 "$leader" 2>/dev/null; then
		nsenter -t "$leader" -a systemctl poweroff >/dev/null 2>&1
	fi
	if [ -n "$nspawn" ]; then
		# Its poweroff first, then TERM, then the cgroup killed.
		WAIT_SECONDS=10 wait_until "the container to power off" \
		    nspawn_gone ||
		    { kill -TERM "$nspawn" 2>/dev/null;
		      WAIT_SECONDS=5 wait_until "nspawn to end on TERM" \
		          nspawn_gone; }
		kill -0 "$nspawn" 2>/dev/null &&
		    echo 1 >"/sys/fs/cgroup/unified/t-$name/cgroup.kill" 2>/dev/null
		wait "$nspawn" 2>/dev/null
	fi
	for d in $cg; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	rm -rf "/run/systemd/nspawn/propagate/$name" "$tmp"
}
trap teardown EXIT
trap 'exit 1' INT TERM
export WAIT_SECONDS=60

# 1. The package.
mkdir "$tmp/deb"
if [ -n "$REBOUND_DEB" ]; then
	cp "$REBOUND_DEB" "$tmp/deb/"
else
	"$top_srcdir/contrib/package.sh" "$tmp/deb" >"$tmp/package.log" 2>&1 ||
	    { sed 's/^/# /' "$tmp/package.log"; }
fi
deb=$(ls "$tmp"/deb/rebound_*.deb 2>/dev/null | head -1)
check "the package is built" test -f "$deb"
[ -f "$deb" ] || { done_testing; exit; }
diag "$(basename "$deb"): $(du -k "$deb" | cut -f1) KiB"

# 2. A Debian 12 root: from the cache, or debootstrapped into it.
# What the package depends on (the container has no network: dpkg -i
# must find them there), so a new library makes a new root; Postfix is
# Debian's, configured by its own postinst (debconf's defaults: an
# Internet Site named after the host that built the root).
depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -e 's/|.*//' \
    -e 's/(.*)//' -e 's/[[:space:]]//g' | grep -v '^$' | sort -u | tr '\n' ',')
include=systemd,systemd-sysv,dbus,${depends}postfix
key=bookworm-$(date -u +%Y%m)-$(echo "bookworm $include" | sha256sum | cut -c1-12)
cache=${REBOUND_ROOTFS_CACHE:-/var/cache/rebound-test-rootfs}
if [ ! -f "$cache/$key.tar.zst" ]; then
	# Roots of earlier months or other contents are not used again.
	find "$cache" -maxdepth 1 -name 'bookworm-*.tar.zst' -mtime +31 -delete 2>/dev/null
	mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null)
	[ -n "$mirror" ] ||
	    mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list)
	diag "debootstrap bookworm from $mirror into $cache/$key.tar.zst"
	mkdir -p "$cache" "$tmp/boot"
	debootstrap --variant=minbase --include=$include bookworm "$tmp/boot" \
	    "$mirror" >"$tmp/debootstrap.log" 2>&1 &&
	    rm -f "$tmp"/boot/var/cache/apt/archives/*.deb &&
	    tar --zstd -C "$tmp/boot" -cf "$cache/$key.tar.zst.$$" . &&
	    mv "$cache/$key.tar.zst.$$" "$cache/$key.tar.zst" ||
	    { tail -5 "$tmp/debootstrap.log" | sed 's/^/# /'
	      rm -f "$cache/$key.tar.zst.$$"; }
	rm -rf "$tmp/boot"
fi
mkdir "$tmp/root"
check "a Debian 12 root" tar --zstd -C "$tmp/root" -xf "$cache/$key.tar.zst"

# 3. Boot it: a real systemd as PID 1 of the container.
export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1
mkdir -p $cg
(
	# This subshell (the parent of sh -c) into the container's cgroups.
	sh -c 'echo $PPID' >"/sys/fs/cgroup/systemd/t-$name/cgroup.procs"
	sh -c 'echo $PPID' >"/sys/fs/cgroup/unified/t-$name/cgroup.procs"
	exec timeout -k 10 900 systemd-nspawn -D "$tmp/root" --boot \
	    --volatile=overlay --register=no --keep-unit --private-network \
	    --console=pipe -M "$name" --bind-ro="$tmp/deb:/deb" \
	    --bind-ro="$top_srcdir/tests:/tests" </dev/null >"$tmp/nspawn.log" 2>&1
) &
nspawn=$!
# PID 1 inside: the systemd child of systemd-nspawn, child of timeout.
find_leader() {
	n=$(pgrep -P "$nspawn" -x systemd-nspawn) || return 1
	leader=$(pgrep -P "$n" -x systemd) || return 1
}
wait_for "systemd-nspawn starts systemd" find_leader
find_leader
if [ -z "$leader" ]; then
	sed 's/^/# /' "$tmp/nspawn.log"
	done_testing
	exit
fi
ct() { nsenter -t "$leader" -a "$@"; }
booted() { ct systemctl is-system-running 2>/dev/null | grep -Eq '^(running|degraded)$'; }
wait_for "the container boots" booted
diag "system: $(ct systemctl is-system-running 2>&1)"

# 4. dpkg -i: the user, the units enabled, the socket started.
ct dpkg -i "/deb/$(basename "$deb")" >"$tmp/dpkg.log" 2>&1
check "dpkg -i installs the package" grep -q 'Setting up rebound' "$tmp/dpkg.log" ||
    sed 's/^/# /' "$tmp/dpkg.log"
check "the user rebound exists" sh -c "nsenter -t $leader -a getent passwd rebound >/dev/null"
is "rebound.socket and rebound.service are enabled" \
    "$(ct systemctl is-enabled rebound.socket rebound.service | tr '\n' ' ')" \
    "enabled enabled "
is "rebound.socket is listening" \
    "$(ct systemctl show -p ActiveState -p SubState --value rebound.socket | tr '\n' ' ')" \
    "active listening "
check "on /run/rebound/lmtp.sock" ct test -S /run/rebound/lmtp.sock
check "the package ships the dashboard and the alert rules" ct sh -c \
    'cd /usr/share/doc/rebound/examples && ls rebound.json* rebound.rules.yml* >/dev/null'
comp=/usr/share/bash-completion/completions/rebound
check "the package ships bash completion for rebound" ct test -f $comp
is "... which completes in the container's bash" \
    "$(ct bash -c ". $comp && COMP_LINE='rebound li' COMP_POINT=10 && _rebound &&
        echo \"\${COMPREPLY[*]}\"" 2>&1)" list
is "rebound.service waits for a connection" \
    "$(ct systemctl show -p ActiveState --value rebound.service)" inactive

# 5. The first LMTP connection starts it; the bounce is recorded.
ct perl /tests/lmtp-send.pl /run/rebound/lmtp.sock \
    /tests/data/postfix-user-unknown.eml bounces@example.org >"$tmp/lmtp" 2>&1
check "LMTP: 250 after the commit (socket activation)" \
    grep -q '^250 2.0.0 <bounces@example.org>' "$tmp/lmtp" ||
    sed 's/^/# /' "$tmp/lmtp"
state() { ct systemctl show -p ActiveState -p SubState --value rebound.service | tr '\n' ' '; }
running() { [ "$(state)" = "active running " ]; }
wait_for "rebound.service is active (running)" running
status=$(ct systemctl show -p StatusText --value rebound.service)
diag "STATUS: $status"
check "with reboundd's STATUS text" sh -c "echo '$status' | grep -q '^running: lmtp'"
ct rebound list --format plain >"$tmp/list" 2>&1
check "rebound list shows the bounce" grep -qi 'alice.nobody@example.org' "$tmp/list" ||
    sed 's/^/# /' "$tmp/list"
check "the database is /var/lib/rebound/rebound.db" ct test -s /var/lib/rebound/rebound.db

# 6. The sandbox, seen from the process itself.
pid=$(ct systemctl show -p MainPID --value rebound.service)
ct cat "/proc/$pid/status" >"$tmp/status" 2>&1
is "NoNewPrivs" "$(awk '$1 == "NoNewPrivs:" { print $2 }' "$tmp/status")" 1
is "Seccomp: filter" "$(awk '$1 == "Seccomp:" { print $2 }' "$tmp/status")" 2
is "runs as rebound" "$(ct stat -c %U "/proc/$pid")" rebound
ct systemd-analyze security rebound.service >"$tmp/security" 2>&1
score=$(sed -n 's/.*Overall exposure level for rebound.service: \([0-9.]*\).*/\1/p' \
    "$tmp/security")
diag "systemd-analyze security rebound.service: ${score:-none}"
check "exposure ${score:-none}, at most 1.5" \
    awk -v s="$score" 'BEGIN { exit !(s != "" && s + 0 <= 1.5) }'

# 7. Reload: SIGHUP, the same process, running again.
ct systemctl reload rebound.service
reloaded() { ct journalctl -u rebound.service --no-pager -q | grep -q 'reload: settings re-read'; }
wait_for "systemctl reload: reboundd re-reads its settings" reloaded
wait_for "... and is running again" running
is "... the same process" "$(ct systemctl show -p MainPID --value rebound.service)" "$pid"

# 8. Stop: in-flight work finished, exit 0; the socket stays.
ct systemctl stop rebound.service 2>/dev/null
is "systemctl stop: a clean exit" \
    "$(ct systemctl show -p Result -p ExecMainStatus --value rebound.service | tr '\n' ' ')" \
    "success 0 "
is "the socket still listens" \
    "$(ct systemctl show -p SubState --value rebound.socket)" listening
ct journalctl -u rebound.service --no-pager -q >"$tmp/journal" 2>&1
check "the journal holds reboundd's lines" grep -q 'started, database /var/lib/rebound/rebound.db' "$tmp/journal" ||
    sed 's/^/# /' "$tmp/journal"
check "... and its stop" grep -q 'stop: signal' "$tmp/journal"

# 9. The watchdog: a reboundd that stops answering (SIGSTOP) is killed
# and restarted.  A drop-in shortens WatchdogSec= from 30 s to 2.
ct mkdir -p /run/systemd/system/rebound.service.d
printf '[Service]\nWatchdogSec=2\n' |
    ct sh -c 'cat >/run/systemd/system/rebound.service.d/watchdog.conf'
ct systemctl daemon-reload
ct systemctl start rebound.service
wait_for "started again" running
pid=$(ct systemctl show -p MainPID --value rebound.service)
ct sh -c "kill -STOP $pid"
restarted() {
	[ "$(ct systemctl show -p NRestarts --value rebound.service)" -ge 1 ] &&
	    running &&
	    [ "$(ct systemctl show -p MainPID --value rebound.service)" != "$pid" ]
}
wait_for "a stopped reboundd is restarted by the watchdog" restarted
check "... as the journal says" sh -c "nsenter -t $leader -a journalctl -u rebound.service --no-pager -q | grep -q 'Watchdog timeout'"
ct systemctl stop rebound.service 2>/dev/null

# 10. Postfix, Debian's, in the same container, set up for the package
# both ways contrib/postfix.md documents (each line run is checked to be
# a line of it): the lmtp client unchrooted and in the group rebound,
# delivering to /run/rebound/lmtp.sock; and the lmtp client chrooted, the
# socket moved under Postfix's queue directory by a drop-in.  Each time a
# list's VERP mail to a user who does not exist makes Postfix write a
# bounce, which it delivers over LMTP to the socket unit, which starts
# reboundd.
ct rm -rf /run/systemd/system/rebound.service.d
ct systemctl daemon-reload
pf_running() { ct postfix status; }
wait_for "Postfix runs in the container" pf_running
cat >"$tmp/unchrooted" <<'RECIPE'
postconf -F 'lmtp/unix/chroot = n'
adduser postfix rebound
RECIPE
cat >"$tmp/dropin" <<'RECIPE'
mkdir -p /etc/systemd/system/rebound.socket.d
printf '%s\n' '[Socket]' 'ListenStream=' \
  'ListenStream=/var/spool/postfix/private/rebound' 'SocketGroup=postfix' \
  > /etc/systemd/system/rebound.socket.d/postfix.conf
systemctl daemon-reload
systemctl stop rebound.service
systemctl restart rebound.socket
RECIPE
cat >"$tmp/route" <<'RECIPE'
postconf -e 'virtual_mailbox_domains = bounces.example.net' \
  'virtual_mailbox_maps = regexp:/etc/postfix/bounces.regexp' \
  'virtual_transport = lmtp:unix:private/rebound'
printf '%s\n' '/^list-bounces(\+.*)?@bounces\.example\.net$/ OK' \
  > /etc/postfix/bounces.regexp
postfix reload
RECIPE
undocumented=$(cat "$tmp/unchrooted" "$tmp/dropin" "$tmp/route" |
    while IFS= read -r line; do
	grep -qxF -- "$line" "$top_srcdir/contrib/postfix.md" || echo "$line"
done)
is "the recipes run are contrib/postfix.md's, line for line" "$undocumented" ""
# pf_bounce USER: the list's mail to USER@localhost, who does not exist.
pf_bounce() {
	printf 'From: list@lists.example.net\nTo: %s@localhost\nSubject: rebound container test\n\nhello\n' "$1" |
	    ct sendmail -f list-bounces@bounces.example.net -XV "$1@localhost"
}
pf_listed() {
	ct rebound list --format plain >"$tmp/pf-list" 2>&1 &&
	    grep -q "$1@localhost" "$tmp/pf-list"
}
# pf_sent USER SOCKET: Postfix's lmtp client delivered USER's bounce there.
pf_sent() {
	ct journalctl -q --no-pager SYSLOG_IDENTIFIER=postfix/lmtp >"$tmp/pf-log" 2>&1 &&
	    grep -q "to=<list-bounces+$1=localhost@bounces.example.net>, relay=[^ ]*\[$2\].*status=sent (250 " "$tmp/pf-log"
}
pf_empty() { ct postqueue -p | tail -1 | grep -qx 'Mail queue is empty'; }
# On a failure: the units, and what the container's journal says last.
pf_journal() {
	{ ct systemctl status --no-pager rebound.socket rebound.service
	  ct journalctl -q --no-pager -n 40; } 2>&1 | sed 's/^/# /'
}

# The recipes write /etc/postfix and /etc/systemd of the container: "ct"
# runs them in its mount namespace, on its volatile overlay.  The
# machine's own are never touched; checked after both.
host_etc() {
	ls -d /etc/postfix/bounces.regexp \
	    /etc/systemd/system/rebound.socket.d 2>/dev/null
	cksum </etc/postfix/main.cf 2>/dev/null
}
host_before=$(host_etc)

# 10a. Unchrooted, in the group rebound; step 2 names the socket by its
# full path, as the document says.
{ cat "$tmp/unchrooted"
  sed 's|lmtp:unix:private/rebound|lmtp:unix:/run/rebound/lmtp.sock|' "$tmp/route"
} | ct sh -e >"$tmp/recipe.out" 2>&1
is "unchrooted, in the group rebound: the recipe runs" "$?" 0 ||
    sed 's/^/# /' "$tmp/recipe.out"
is "... rebound.service waits for Postfix's connection" \
    "$(ct systemctl show -p ActiveState --value rebound.service)" inactive
pf_bounce nosuchuser
wait_for "... the bounce Postfix wrote is in rebound list" pf_listed nosuchuser ||
    { sed 's/^/# /' "$tmp/pf-list"; pf_journal; }
check "... hard, userunknown, 5.1.1" \
    grep -Eq 'nosuchuser@localhost.*hard.*userunknown.*5\.1\.1' "$tmp/pf-list"
ct rebound show --format json nosuchuser@localhost >"$tmp/pf-show" 2>&1
check "... taken over LMTP" grep -q '"source":"lmtp"' "$tmp/pf-show" ||
    sed 's/^/# /' "$tmp/pf-show"
wait_for "... Postfix logs status=sent (250 ...) to /run/rebound/lmtp.sock" \
    pf_sent nosuchuser /run/rebound/lmtp.sock || sed 's/^/# /' "$tmp/pf-log"
check "... the socket unit started rebound.service for it" running

# 10b. The chroot kept (Debian's default for lmtp put back first): the
# drop-in, then step 2 as written.
ct postconf -F 'lmtp/unix/chroot = y'
cat "$tmp/dropin" "$tmp/route" | ct sh -e >"$tmp/recipe.out" 2>&1
is "chrooted, the socket moved by a drop-in: the recipe runs" "$?" 0 ||
    { sed 's/^/# /' "$tmp/recipe.out"; pf_journal; }
is "... the machine's own /etc/postfix and /etc/systemd untouched" \
    "$(host_etc)" "$host_before"
is "... rebound.socket listens in Postfix's queue directory" \
    "$(ct systemctl show -p Listen --value rebound.socket)" \
    "/var/spool/postfix/private/rebound (Stream)"
is "... owned by rebound, group postfix, mode 0660" \
    "$(ct stat -c '%U %G %a' /var/spool/postfix/private/rebound)" \
    "rebound postfix 660"
is "... rebound.service waits for Postfix's connection" \
    "$(ct systemctl show -p ActiveState --value rebound.service)" inactive
pf_bounce nobody-here
wait_for "... the bounce Postfix wrote is in rebound list" pf_listed nobody-here ||
    { sed 's/^/# /' "$tmp/pf-list"; pf_journal; }
wait_for "... Postfix logs status=sent (250 ...) to private/rebound" \
    pf_sent nobody-here '[^]]*private/rebound' || sed 's/^/# /' "$tmp/pf-log"
check "... the socket unit started rebound.service for it" running
wait_for "nothing left in Postfix's queue" pf_empty
ct systemctl stop rebound.service 2>/dev/null

# 11. Remove keeps the database; purge deletes it.
ct dpkg -r rebound >"$tmp/remove" 2>&1
check "dpkg -r: removed" sh -c "! nsenter -t $leader -a test -e /usr/sbin/reboundd"
check "... /var/lib/rebound kept" ct test -s /var/lib/rebound/rebound.db
ct dpkg -P rebound >"$tmp/purge" 2>&1
check "dpkg -P: /var/lib/rebound deleted" \
    sh -c "! nsenter -t $leader -a test -e /var/lib/rebound"

done_testing
