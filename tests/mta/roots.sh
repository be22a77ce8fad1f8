# roots.sh: a Debian root per MTA, for tests/mta/run.sh (sourced).
#
# Debian installs one MTA at a time (each provides mail-transport-agent),
# so each MTA gets a root of its own in the test's directory, run with
# chroot on loopback: nothing of the machine's mail system is touched.
# The minbase root (debootstrap bookworm, from the archive apt uses) and
# each MTA's root (the base and its packages, installed there with apt)
# are kept as tarballs in $REBOUND_ROOTFS_CACHE (default
# /var/cache/rebound-test-rootfs, shared with tests/systemd-nspawn.sh),
# named by month and by what they hold, so a second run only unpacks.

roots_cache=${REBOUND_ROOTFS_CACHE:-/var/cache/rebound-test-rootfs}
roots_mounted=

roots_mirror() {
	m=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null)
	[ -n "$m" ] || m=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list)
	echo "${m:-http://deb.debian.org/debian}"
}

# roots_base: the minbase tarball's path, debootstrapped when missing.
roots_base() {
	rb=$roots_cache/mta-base-bookworm-$(date -u +%Y%m).tar.zst
	if [ ! -f "$rb" ]; then
		mkdir -p "$roots_cache"
		find "$roots_cache" -maxdepth 1 -name 'mta-*.tar.zst' -mtime +31 \
		    -delete 2>/dev/null
		rm -rf "$tmp/debootstrap"
		debootstrap --variant=minbase bookworm "$tmp/debootstrap" \
		    "$(roots_mirror)" >"$tmp/debootstrap.log" 2>&1 &&
		    rm -f "$tmp"/debootstrap/var/cache/apt/archives/*.deb &&
		    tar --zstd -C "$tmp/debootstrap" -cf "$rb.$$" . &&
		    mv "$rb.$$" "$rb" ||
		    { tail -5 "$tmp/debootstrap.log" >&2; rm -f "$rb.$$"; }
		rm -rf "$tmp/debootstrap"
	fi
	[ -f "$rb" ] && echo "$rb"
}

roots_mount() {
	mount --bind /proc "$1/proc" && mount --bind /dev "$1/dev" &&
	    roots_mounted="$roots_mounted $1"
}

# roots_umount: at exit, every root this run mounted.
roots_umount() {
	for r in $roots_mounted; do
		umount "$r/proc" "$r/dev" 2>/dev/null ||
		    umount -l "$r/proc" "$r/dev" 2>/dev/null
	done
	roots_mounted=
}

# roots_make DIR PACKAGES...: DIR holds a root with PACKAGES installed,
# /proc and /dev mounted; no service starts in it (policy-rc.d).
roots_make() {
	rd=$1
	shift
	base=$(roots_base) || return 1
	key=$(echo "$base $*" | sha256sum | cut -c1-12)
	rt=$roots_cache/mta-$(echo "$1" | tr -c 'a-z0-9\n' -)-$(date -u +%Y%m)-$key.tar.zst
	mkdir -p "$rd"
	if [ -f "$rt" ]; then
		tar --zstd -C "$rd" -xf "$rt" || return 1
		roots_mount "$rd"
		return
	fi
	tar --zstd -C "$rd" -xf "$base" || return 1
	cp /etc/resolv.conf "$rd/etc/resolv.conf"
	printf '#!/bin/sh\nexit 101\n' >"$rd/usr/sbin/policy-rc.d"
	chmod +x "$rd/usr/sbin/policy-rc.d"
	roots_mount "$rd" || return 1
	chroot "$rd" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $*" \
	    >"$rd.apt.log" 2>&1 || { tail -5 "$rd.apt.log" >&2; return 1; }
	rm -f "$rd"/var/cache/apt/archives/*.deb
	rm -rf "$rd"/var/lib/apt/lists/*
	# Cached without what the mounts show.
	tar --zstd -C "$rd" --exclude=./proc/* --exclude=./dev/* \
	    -cf "$rt.$$" . && mv "$rt.$$" "$rt"
}
