# root.sh: a Debian 12 root per MTA (sourced by tests/mta/run.sh and the
# MTA files, not run).
#
# Debian installs one mail-transport-agent at a time, so each MTA of the
# bench lives in a root of its own under the test's directory, run with
# chroot on a loopback port (../shared/recipes/mta-chroot.md).  The base
# is the minbase root tests/systemd-nspawn.sh makes the same way
# (debootstrap from the archive apt uses); each root with its packages is
# kept as a tarball named by month and by its package list, so a second
# run only unpacks.  Cache: $REBOUND_ROOTFS_CACHE (default
# /var/cache/rebound-test-rootfs).  Needs root, debootstrap and zstd.
#
#   mta_root DIR PACKAGE...	DIR becomes a root with PACKAGEs installed
#				(no service started), /proc mounted
#   mta_root_release DIR	unmounts DIR's /proc (call before rm -rf)
#   mta_root_pids DIR		the processes running in DIR (their /proc/PID/
#				root is DIR): what an MTA that forks left there
#   mta_root_kill DIR		TERM, then KILL, to those processes only
#   mta_inside ROOT PATH	PATH as seen inside ROOT (PATH may be given
#				with or without ROOT in front)
#   mta_listening PORT		something accepts on 127.0.0.1:PORT
#   mta_smtp PORT FROM RCPT FILE	FILE sent over SMTP to 127.0.0.1:PORT

mta_cache=${REBOUND_ROOTFS_CACHE:-/var/cache/rebound-test-rootfs}

# mta_mirror: the archive the machine's apt uses.
mta_mirror() {
	m=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null)
	[ -n "$m" ] || m=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
	echo "${m:-http://deb.debian.org/debian}"
}

# mta_key WORDS...: the cache file for a root that holds WORDS this month.
mta_key() {
	echo "$mta_cache/bookworm-$(date -u +%Y%m)-$(echo "bookworm $*" |
	    sha256sum | cut -c1-12).tar.zst"
}

# Every tar is --numeric-owner: the root's users are not the machine's.
# mta_tar DIR FILE: DIR into the cache as FILE, atomically (two runs at
# once each write their own and the last rename wins).
mta_tar() {
	rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*
	tar --zstd --numeric-owner -C "$1" --exclude=./proc/'*' -cf "$2.$$" . && mv "$2.$$" "$2" ||
	    { rm -f "$2.$$"; return 1; }
}

# mta_base: the minbase root's tarball, debootstrapped when missing.
mta_base() {
	mb_file=$(mta_key minbase)
	[ -f "$mb_file" ] && return 0
	mkdir -p "$mta_cache"
	# Roots of earlier months are not used again.
	find "$mta_cache" -maxdepth 1 -name 'bookworm-*.tar.zst' -mtime +31 \
	    -delete 2>/dev/null
	mb_dir=$(mktemp -d "${TMPDIR:-/tmp}/rebound-base.XXXXXX")
	debootstrap --variant=minbase bookworm "$mb_dir" "$(mta_mirror)" \
	    >"$mb_dir.log" 2>&1 && mta_tar "$mb_dir" "$mb_file"
	mb_rc=$?
	[ $mb_rc -eq 0 ] || tail -5 "$mb_dir.log" | sed 's/^/# debootstrap: /'
	rm -rf "$mb_dir" "$mb_dir.log"
	return $mb_rc
}

mta_root() {
	mr_dir=$1
	shift
	mr_file=$(mta_key minbase "$@")
	mkdir -p "$mr_dir"
	if [ -f "$mr_file" ]; then
		tar --zstd --numeric-owner -C "$mr_dir" -xf "$mr_file" || return 1
		# Its / as a root's (mktemp made the base's 0700), after tar
		# restored it: daemons that drop privileges must walk it.
		chmod 755 "$mr_dir"
		mount -t proc proc "$mr_dir/proc"
		return
	fi
	mta_base || return 1
	tar --zstd --numeric-owner -C "$mr_dir" -xf "$(mta_key minbase)" || return 1
	chmod 755 "$mr_dir"
	cp /etc/resolv.conf "$mr_dir/etc/resolv.conf"
	# No service of the root starts when its package is set up.
	printf '#!/bin/sh\nexit 101\n' >"$mr_dir/usr/sbin/policy-rc.d"
	chmod +x "$mr_dir/usr/sbin/policy-rc.d"
	mount -t proc proc "$mr_dir/proc"
	chroot "$mr_dir" sh -c 'apt-get update -qq &&
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends "$@"' sh "$@" >"$mr_dir.apt.log" 2>&1 &&
	    mta_tar "$mr_dir" "$mr_file"
	mr_rc=$?
	[ $mr_rc -eq 0 ] || tail -5 "$mr_dir.apt.log" | sed 's/^/# apt: /'
	rm -f "$mr_dir.apt.log"
	return $mr_rc
}

mta_root_release() {
	mountpoint -q "$1/proc" && umount -l "$1/proc"
	return 0
}

mta_root_pids() {
	mp_root=$(cd "$1" && pwd -P)
	for mp in /proc/[0-9]*; do
		[ "$(readlink "$mp/root" 2>/dev/null)" = "$mp_root" ] &&
		    echo "${mp#/proc/}"
	done
	return 0
}

mta_root_kill() {
	mk_pids=$(mta_root_pids "$1")
	[ -n "$mk_pids" ] || return 0
	kill -TERM $mk_pids 2>/dev/null
	mta_root_gone() { [ -z "$(mta_root_pids "$1")" ]; }
	WAIT_SECONDS=10 wait_until "the processes in $1 to end" \
	    mta_root_gone "$1" || kill -KILL $(mta_root_pids "$1") 2>/dev/null
	return 0
}

mta_inside() {
	case $2 in
	"$1"/*) echo "${2#"$1"}" ;;
	*) echo "$2" ;;
	esac
}

mta_listening() {
	python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2).close()' "$1"
}

# The client is Python's smtplib: it says EHLO, sends CRLF lines (Sendmail
# refuses bare LF), and a refusal at any step (exit 1, the reply on
# stderr) is the MTA's answer, not a fault here.
mta_smtp() {
	python3 - "$@" <<'PY'
import smtplib, sys
port, sender, rcpt, path = sys.argv[1:5]
with open(path, "rb") as f:
    msg = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
try:
    with smtplib.SMTP("127.0.0.1", int(port), local_hostname="client.lists.example.org", timeout=60) as s:
        s.sendmail(sender, [rcpt], msg)
except smtplib.SMTPException as e:
    sys.exit("mta_smtp: %s" % e)
PY
}
