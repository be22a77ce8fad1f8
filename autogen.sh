#!/bin/sh
# autogen.sh: generate configure and the build-aux helpers from git.
set -e
cd "$(dirname "$0")"
mkdir -p build-aux m4
autoreconf --install --force
# automake does not copy its TAP driver on its own.
cp -f "$(automake --print-libdir)/tap-driver.sh" build-aux/tap-driver.sh
