#!/bin/sh
# deps.sh: install the Debian 12 packages rebound needs, as root.
#   contrib/deps.sh build   what building needs
#   contrib/deps.sh test    that, and what the tests need
# Packages already installed are left alone; apt's index is refreshed
# only when an install fails without it.
set -e
want="gcc make libc6-dev autoconf automake libtool pkg-config
libgmime-3.0-dev libevent-dev libsqlite3-dev libcurl4-openssl-dev libpsl-dev sqlite3
libjson-glib-dev libssl-dev
groff-base"
# The PostgreSQL store ([store] url): libpq, unless configure
# --without-postgresql.
want="$want libpq-dev"
[ "${1:-build}" = test ] && want="$want valgrind postfix swaks time perl"
# tests/hooks.sh: python3 for the receivers (and contrib/webhook-receiver.py);
# tests/mailman3.sh: a real Mailman 3 core; tests/mlmmj.sh: mlmmj.
[ "${1:-build}" = test ] && want="$want python3 mailman3 mlmmj"
# tests/webhooks.sh and tests/webhook-ses.sh: the openssl command makes
# the test's keys, its private CA and certificates, and signs the posts.
[ "${1:-build}" = test ] && want="$want openssl"
# tests/engine-pg.sh, tests/test_db (tests/pg-lib.sh): a private
# PostgreSQL server per test, Debian's binaries run directly (the
# package's own cluster is not started: policy-rc.d below).
[ "${1:-build}" = test ] && want="$want postgresql-15"
# tests/pg-bouncer.sh: a private PgBouncer (its own configuration and
# unix socket in the test's directory, no TCP) in front of that server.
# The package's own service is not started (policy-rc.d below), and one
# running on port 6432 would not be in the test's way.
[ "${1:-build}" = test ] && want="$want pgbouncer"
# tests/sandbox.sh: systemd-analyze (not in a base image); strace for it,
# tests/crash.sh and tests/fsync-order.sh.
[ "${1:-build}" = test ] && want="$want systemd strace"
# The fuzz step of contrib/check.sh: clang and its libFuzzer runtime.
[ "${1:-build}" = test ] && want="$want clang libclang-rt-14-dev"
# tests/dashboard.sh: jq reads the Grafana dashboard; promtool (in
# Debian's prometheus, which also installs the Prometheus server, not
# started: see policy-rc.d below) checks the rules.
[ "${1:-build}" = test ] && want="$want jq prometheus"
# contrib/package.sh and tests/systemd-nspawn.sh: the packaging tools, a
# container and a Debian root for it.
[ "${1:-build}" = test ] &&
    want="$want dpkg-dev debhelper fakeroot lintian systemd-container debootstrap zstd"
# tests/mta/haraka.sh (the MTA bench): Haraka from npm wants Node 20 or
# later and npm; Debian 12's nodejs is 18, so the bench skips Haraka
# where nothing newer is installed.  (The other MTAs of the bench are
# installed by apt in Debian roots of their own, by tests/mta/root.sh,
# with debootstrap and zstd above.)
[ "${1:-build}" = test ] && want="$want nodejs"
# tests/webhook-proxy.sh: README's TLS reverse proxy lines for the
# webhook listener, run as private instances of nginx and Caddy.
[ "${1:-build}" = test ] && want="$want nginx-light caddy"

missing=
for p in $want; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Postfix asks questions when installed: local only, on loopback.
case " $missing " in *" postfix "*)
	echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
	echo "postfix postfix/mailname string $(hostname)" | debconf-set-selections
esac
# Mailman 3: sqlite, no questions.
case " $missing " in *" mailman3 "*)
	printf '%s\n' 'mailman3 mailman3/dbconfig-install boolean true' \
	    'mailman3 mailman3/database-type select sqlite3' \
	    'mailman3 mailman3/config_hyperkitty boolean false' |
	    debconf-set-selections
esac
# No service is started by the install (Postfix, Mailman 3, Prometheus,
# Dovecot...): the tests run private instances on free ports, and a
# machine that had none should not have one listening afterwards.
# policy-rc.d forbids starting them for the install's duration.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
# systemd-container at the version of the installed systemd, which is
# then not upgraded with it.
case " $missing " in *" systemd-container "*)
	sv=$(dpkg-query -W -f '${Version}' systemd 2>/dev/null) &&
	    missing=$(echo "$missing" | sed "s/ systemd-container\b/ systemd-container=$sv/")
esac
echo "deps.sh: installing$missing"
apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confold \
    $missing >/dev/null ||
    { apt-get update >/dev/null &&
      apt-get install -y --no-install-recommends \
          -o Dpkg::Options::=--force-confold $missing >/dev/null; }
