#!/bin/sh
# demo.sh: from a fresh Debian 12 machine (as root) to rebound at work:
# install what it needs, build it, show "rebound parse" on the bundled
# sample bounces, then start reboundd in the foreground on a demo maildir
# (demo/Maildir, seeded with those samples) and database (demo/rebound.db).
# Ctrl-C stops it.
set -e
cd "$(dirname "$0")/.."
contrib/deps.sh build
contrib/build.sh
top=$(pwd)

echo "== rebound parse tests/data (one row per recipient)"
src/rebound parse tests/data/*.eml | column -t -s "$(printf '\t')" 2>/dev/null ||
    src/rebound parse tests/data/*.eml
echo

mkdir -p demo/Maildir/tmp demo/Maildir/new demo/Maildir/cur
cp tests/data/*.eml demo/Maildir/new/
cat >demo/rebound.conf <<CONF
# The demo's settings (see etc/rebound.conf for every key).
[store]
path = $top/demo/rebound.db
[maildir]
path = $top/demo/Maildir
[lmtp]
listen = unix:$top/demo/lmtp.sock
CONF
cat <<TEXT
== reboundd: recording demo/Maildir into demo/rebound.db (Ctrl-C stops)
In another terminal, from $top:
  src/rebound list  --config demo/rebound.conf     # what was recorded
  src/rebound show  --config demo/rebound.conf Alice.Nobody@example.org
  src/rebound prune --config demo/rebound.conf     # the addresses to remove
  cp tests/data/exim-mailbox-full.eml demo/Maildir/new/another   # more mail
  swaks --protocol LMTP --socket demo/lmtp.sock --from '<>' \\
      --to bounces@example.org --data @tests/data/qmail-no-dsn.eml  # over LMTP
TEXT
exec src/reboundd --config demo/rebound.conf --foreground
