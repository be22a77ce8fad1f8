#!/bin/sh
# lmtp.sh: how fast reboundd records bounces over LMTP, beside Dovecot's
# LMTP server delivering the same messages to a maildir, and what memory
# reboundd holds while it does.
#
# reboundd runs in a temporary directory with synchronous=full, a unix
# LMTP socket and the default [intake] settings, and is sent:
#   1. Postfix's smtp-source -L -d (sessions kept open between messages,
#      as Postfix's LMTP client caches them): N1 messages on 1 session,
#      then N on 16.  smtp-source sends the same bytes every time, and
#      reboundd records a digest once: every copy is parsed, committed and
#      answered 250, but one message is recorded.
#   2. bench/lmtp-client.c (built here with cc -O2; one process that
#      polls all its sessions, so it leaves the CPUs to the server, and
#      pipelines MAIL, RCPT and DATA as Postfix's LMTP client does):
#      distinct real bounces (the Postfix bounces of
#      ../shared/corpus/postfix, each with its own "X-Bench:" line), N1
#      on 1 session and N on 16; messages/s and p99 latency from MAIL to
#      the reply after the final dot.  VmRSS is sampled meanwhile.
#   3. Then more runs of the client on 16 sessions, 10,000 messages at a
#      time, until reboundd has taken SOAK messages in all, with VmRSS
#      after each: memory should stay flat.  (It grows for the first
#      ~50,000 messages while SQLite's page cache, cache_size = 32 MiB,
#      fills with the database's pages, then stays put: a shorter SOAK
#      shows only the growth.)
# Then the same client, with the same messages, against Dovecot's LMTP
# (dovecot-lmtpd, mail_fsync = optimized, its default) delivering to one
# user's maildir in a standalone Dovecot started in the temporary
# directory.
# Goals (issue "reboundd"): at 16 sessions reboundd >= Dovecot's rate and
# >= 3,000 messages/s; RSS at 16 busy sessions <= 64 MB and flat across
# 100,000 messages.
#
# Usage: bench/lmtp.sh [--write]    (--write adds a row to RESULTS.md)
# Environment: N=10000 (16 sessions), N1=1000 (1 session), SOAK=100000
# (messages in all, smtp-source's included, before the last RSS reading;
# the run takes about 2 minutes, 0 skips the soak), SESSIONS=16, REBOUNDD (default
# src/reboundd, built if missing), REBOUND_CORPUS, INTAKE_DELAY and
# INTAKE_BATCH (try other [intake] settings; no row is written then).
# LMTP_DB=PATH: reboundd records into that database instead of a new
# one (one of ten million outcomes, from QUERY_DB=PATH bench/query.sh:
# the rate on a big database), which it changes; no row is written then.
set -eu

. "$(dirname "$0")/lib.sh"

reboundd=${REBOUNDD:-$top/src/reboundd}
n=${N:-10000}
n1=${N1:-1000}
soak=${SOAK:-100000}
sessions=${SESSIONS:-16}
bench_args "$@"


set -- "$corpus"/postfix/*.eml
[ -f "$1" ] || die "no bounces at $corpus/postfix (set REBOUND_CORPUS)"
if [ -n "${INTAKE_DELAY:-}${INTAKE_BATCH:-}${LMTP_DB:-}" ] && [ $write -eq 1 ]; then
	die "rows are for a new database and the default [intake] settings: unset INTAKE_DELAY, INTAKE_BATCH and LMTP_DB"
fi

# smtp-source (postfix) and Dovecot's LMTP, installed only when missing.
missing=
for pkg in postfix dovecot-lmtpd sqlite3 gcc pkg-config libglib2.0-dev; do
	dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
	[ "$(id -u)" -eq 0 ] || die "missing packages:$missing (run as root)"
	echo "installing:$missing"
	echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
	echo "postfix postfix/mailname string $(hostname)" | debconf-set-selections
	apt-get update -qq
	# shellcheck disable=SC2086  # one word per package
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
[ -x "$reboundd" ] || make -C "$top" -j2 >/dev/null || die "cannot build $reboundd"
# The client is rebuilt every time, like bench/floor: it takes a second.
client_bin=$here/lmtp-client
# shellcheck disable=SC2046  # pkg-config's words are meant to split
cc -O2 -o "$client_bin" "$here/lmtp-client.c" $(pkg-config --cflags --libs glib-2.0) ||
	die "cannot build $client_bin"

work=$(mktemp -d "${TMPDIR:-/tmp}/rebound-lmtp.XXXXXX")
rpid=
dpid=
cleanup() {
	[ -z "$rpid" ] || kill "$rpid" 2>/dev/null || true
	[ -z "$dpid" ] || kill "$dpid" 2>/dev/null || true
	[ -z "$rpid$dpid" ] || wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s%N; }
# rate MESSAGES START END: messages/s.
rate() { echo $(( $1 * 1000000000 / ($3 - $2 > 0 ? $3 - $2 : 1) )); }
# field NAME LINE: the word after NAME in a line of lmtp-client.
field() { echo "$2" | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
# status_kb PID FIELD: VmRSS or VmHWM of a process, in kB.
status_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# wait_socket PATH PID: until PATH is a socket, while PID lives.
wait_socket() {
	i=0
	until [ -S "$1" ]; do
		kill -0 "$2" 2>/dev/null || return 1
		[ $i -lt 100 ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
}
client() { "$client_bin" "$@" "$corpus"/postfix/*.eml; }

# --- reboundd ---------------------------------------------------------
db=${LMTP_DB:-$work/rebound.db}
{
	printf '[store]\npath = %s\nsynchronous = full\n\n' "$db"
	printf '[lmtp]\nlisten = unix:%s/rebound.sock\n' "$work"
	if [ -n "${INTAKE_DELAY:-}${INTAKE_BATCH:-}" ]; then
		printf '\n[intake]\n'
		[ -z "${INTAKE_DELAY:-}" ] || printf 'delay = %s\n' "$INTAKE_DELAY"
		[ -z "${INTAKE_BATCH:-}" ] || printf 'batch = %s\n' "$INTAKE_BATCH"
	fi
} >"$work/rebound.conf"
# Its log (three lines a message) goes to a file, as to the journal.
"$reboundd" --config "$work/rebound.conf" --foreground 2>"$work/reboundd.log" &
rpid=$!
wait_socket "$work/rebound.sock" "$rpid" ||
	{ cat "$work/reboundd.log" >&2; die "reboundd did not start"; }
rsock=$work/rebound.sock
recorded() { sqlite3 "$db" 'select count(*) from messages'; }
rss_start=$(status_kb "$rpid" VmRSS)

# 1. smtp-source: identical messages.  It wants LF line ends.
tr -d '\r' <"$1" >"$work/smtp-source.eml"
smtp_source() {
	smtp-source -L -d -s "$1" -m "$2" -f '' -t bounces@bounces.test \
	    -F "$work/smtp-source.eml" "unix:$rsock" >"$work/smtp-source.out" 2>&1 ||
	    { cat "$work/smtp-source.out" >&2; die "smtp-source -s $1 failed"; }
}
t0=$(now); smtp_source 1 "$n1"; t1=$(now)
ss1=$(rate "$n1" "$t0" "$t1")
t0=$(now); smtp_source "$sessions" "$n"; t1=$(now)
ss16=$(rate "$n" "$t0" "$t1")
ss_recorded=$(recorded)

# 2. Distinct messages.
r1=$(client --socket "$rsock" --rcpt bounces@bounces.test --sessions 1 \
    --messages "$n1") || die "client, 1 session: $r1"
r16=$(client --socket "$rsock" --rcpt bounces@bounces.test \
    --sessions "$sessions" --messages "$n" --watch "$rpid") ||
    die "client, $sessions sessions: $r16"
total=$((n1 + n + n1 + n))
got=$(recorded)
[ "$got" -eq $((ss_recorded + n1 + n)) ] ||
	die "reboundd recorded $got messages, not $((ss_recorded + n1 + n))"
rss_busy=$(field rss_max_kb "$r16")
rss_after_busy=$(status_kb "$rpid" VmRSS)

# 3. On to SOAK messages, VmRSS after every 10,000.
series="$(mib "$rss_after_busy") MiB after $total"
while [ "$total" -lt "$soak" ]; do
	chunk=$((soak - total < 10000 ? soak - total : 10000))
	out=$(client --socket "$rsock" --rcpt bounces@bounces.test \
	    --sessions "$sessions" --messages "$chunk" --watch "$rpid") ||
	    die "client: $out"
	kb=$(field rss_max_kb "$out")
	[ "$kb" -le "$rss_busy" ] || rss_busy=$kb
	total=$((total + chunk))
	series="$series, $(mib "$(status_kb "$rpid" VmRSS)") after $total"
done
rss_end=$(status_kb "$rpid" VmRSS)
hwm=$(status_kb "$rpid" VmHWM)
got=$(recorded)
[ "$got" -eq $((ss_recorded + total - n1 - n)) ] ||
	die "reboundd recorded $got messages after the soak"
kill "$rpid"
wait "$rpid" || die "reboundd exited $? on SIGTERM"
rpid=

# --- Dovecot ----------------------------------------------------------
# Its mail user is nobody: the path to its home must be open to it.
d=$work/dovecot
mkdir -p "$d/run" "$d/state" "$d/home"
chmod 711 "$work"
chown nobody "$d/home"
printf 'bench@bench.test::%s:%s::%s/home::\n' "$(id -u nobody)" \
    "$(id -g nobody)" "$d" >"$d/passwd"
cat >"$d/dovecot.conf" <<EOF
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
protocols = lmtp
ssl = no
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = $d/passwd
}
userdb {
  driver = passwd-file
  args = $d/passwd
}
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
}
EOF
dovecot -F -c "$d/dovecot.conf" &
dpid=$!
wait_socket "$d/run/lmtp" "$dpid" ||
	{ cat "$d/dovecot.log" >&2; die "dovecot did not start"; }
d1=$(client --socket "$d/run/lmtp" --rcpt bench@bench.test --sessions 1 \
    --messages "$n1") || die "client to Dovecot, 1 session: $d1"
d16=$(client --socket "$d/run/lmtp" --rcpt bench@bench.test \
    --sessions "$sessions" --messages "$n") ||
    die "client to Dovecot, $sessions sessions: $d16"
got=$(find "$d/home/Maildir/new" -type f | wc -l)
[ "$got" -eq $((n1 + n)) ] || die "Dovecot delivered $got messages, not $((n1 + n))"
kill "$dpid"
wait "$dpid" || true
dpid=

# --- Report -----------------------------------------------------------
intake="${INTAKE_DELAY:+delay = $INTAKE_DELAY }${INTAKE_BATCH:+batch = $INTAKE_BATCH}"
intake=${intake:-defaults}
rb1=$(field rate "$r1"); rb16=$(field rate "$r16")
rp1=$(field p99_ms "$r1"); rp16=$(field p99_ms "$r16")
dv1=$(field rate "$d1"); dv16=$(field rate "$d16")
dp1=$(field p99_ms "$d1"); dp16=$(field p99_ms "$d16")
ratio=$(awk -v a="$rb16" -v b="$dv16" 'BEGIN { printf "%.2f", a / b }')
cat <<EOF
reboundd over LMTP, synchronous=full, unix socket, [intake] $intake; $n1 messages on 1 session, $n on $sessions
                               1 session                  $sessions sessions
smtp-source, identical     $(printf '%6s msg/s                 %6s msg/s' "$ss1" "$ss16")  ($ss_recorded distinct recorded)
reboundd, distinct         $(printf '%6s msg/s p99 %6s ms   %6s msg/s p99 %6s ms' "$rb1" "$rp1" "$rb16" "$rp16")
Dovecot LMTP -> maildir    $(printf '%6s msg/s p99 %6s ms   %6s msg/s p99 %6s ms' "$dv1" "$dp1" "$dv16" "$dp16")
reboundd / Dovecot at $sessions sessions: $ratio (goal >= 1: $(verdict "$ratio" 1))
reboundd at $sessions sessions: $rb16 msg/s (goal >= 3000: $(verdict "$rb16" 3000))
reboundd RSS: $(mib "$rss_start") MiB at start, at most $(mib "$rss_busy") MiB with $sessions busy sessions (goal <= 64 MB: $(verdict $((64000000 / 1024)) "$rss_busy"));
  $series messages; VmHWM $(mib "$hwm") MiB
EOF
[ $write -eq 1 ] || exit 0
machine=$(bench_machine)
commit=$(bench_commit)
printf '| %s | %s | %s | %s / %s | %s / %s | %s / %s | %s / %s | %s / %s | %s / %s | %s | %s / %s / %s after %s |\n' \
    "$(date -u '+%Y-%m-%d %H:%M UTC')" "$commit" "$machine" "$n1" "$n" \
    "$ss1" "$ss16" "$rb1" "$rb16" "$rp1" "$rp16" "$dv1" "$dv16" "$dp1" "$dp16" \
    "$ratio" "$(mib "$rss_busy")" "$(mib "$rss_end")" "$(mib "$hwm")" "$total" \
    | bench_row "## reboundd over LMTP"
echo "wrote $here/RESULTS.md"
