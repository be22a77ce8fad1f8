#!/bin/sh
# build.sh: generate, configure and build rebound in the source tree.
# Extra arguments go to configure (e.g. --enable-asan).
set -e
cd "$(dirname "$0")/.."
[ -x configure ] && [ configure -nt configure.ac ] ||
    ./autogen.sh >/dev/null 2>&1
if [ ! -f Makefile ] || [ -n "$*" ]; then
	./configure --enable-debug "$@" >/dev/null
fi
make -j"$(nproc)" >/dev/null
