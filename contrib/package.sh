#!/bin/sh
# package.sh OUTDIR: build the Debian package rebound_VERSION-1_ARCH.deb
# into OUTDIR with Debian's own tools (dpkg-buildpackage, debhelper),
# then run lintian on it.  As root it installs what it needs with
# apt-get (contrib/deps.sh build, and the packaging tools).
#
# The package is built from the distributed sources ("make distdir",
# from the build tree in $top_builddir, default this one, built first
# if it is not) in a temporary directory, with contrib/debian as its
# debian/ (the top level of this repository stays as it is): nothing
# here is written.
set -e
[ $# -eq 1 ] || { echo "usage: contrib/package.sh OUTDIR" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."
top=$(pwd)

contrib/deps.sh build
want="dpkg-dev debhelper fakeroot lintian"
missing=
for p in $want; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	[ "$(id -u)" -eq 0 ] ||
	    { echo "package.sh: missing packages:$missing (run as root)" >&2; exit 1; }
	export DEBIAN_FRONTEND=noninteractive
	echo "package.sh: installing$missing"
	apt-get install -y --no-install-recommends $missing >/dev/null ||
	    { apt-get update >/dev/null &&
	      apt-get install -y --no-install-recommends $missing >/dev/null; }
fi

build=${top_builddir:-$top}
[ -f "$build/Makefile" ] || contrib/build.sh
version=$(sed -n 's/^VERSION = //p' "$build/Makefile")
deb_version=$(dpkg-parsechangelog -l contrib/debian/changelog -S Version)
case $deb_version in "$version"-*) ;; *)
	echo "package.sh: contrib/debian/changelog says $deb_version, the sources $version" >&2
	exit 1
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/rebound-package.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
src=$work/rebound-$version
make -C "$build" distdir distdir="$src" >/dev/null
cp -R contrib/debian "$src/debian"
cp contrib/rebound.sysusers "$src/debian/rebound.sysusers"
(cd "$src" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1 ||
    { tail -40 "$work/build.log" >&2; echo "package.sh: dpkg-buildpackage failed" >&2; exit 1; }

arch=$(dpkg-architecture -q DEB_HOST_ARCH)
deb=rebound_${deb_version}_$arch.deb
cp "$work/$deb" "$out/"
echo "package.sh: $out/$deb ($(du -k "$out/$deb" | cut -f1) KiB)"
# lintian: errors fail the build; warnings are printed.
lintian --fail-on error "$out/$deb" || { echo "package.sh: lintian found errors" >&2; exit 1; }
