#!/bin/sh
# demo.sh: from a fresh Debian 12 machine (as root) to rebound at work:
# install what it needs, build it, and parse the bundled sample bounces.
set -e
cd "$(dirname "$0")/.."
contrib/deps.sh build
contrib/build.sh
echo "== rebound parse tests/data (one row per recipient)"
src/rebound parse tests/data/*.eml | column -t -s "$(printf '\t')" 2>/dev/null ||
    src/rebound parse tests/data/*.eml
echo
echo "== why the first one bounced (rebound parse --format json):"
src/rebound parse --format json tests/data/postfix-user-unknown.eml |
    tr ',' '\n' | grep -E '"(recipient|status|reason|hard|decided_by)"'
echo
echo "Try: src/rebound parse PATH...   (man ./src/rebound.1)"
