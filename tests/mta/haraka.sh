# haraka.sh: Haraka 3 (from npm, on the machine's Node) for the MTA bench
# (sourced by the harness; the interface is run.sh's).  No root: ROOT is
# a plain directory, BOUNCEDIR a path under it.
#
# mta_setup installs Haraka with npm into ROOT (npm's own cache makes a
# second run quick).  Haraka relays with its outbound: that is what
# retries and writes bounces; queue/smtp_forward would relay within the
# client's session, a refusal going back to the client as a reply and no
# bounce ever written.  Outbound's route is a get_mx hook, the small
# plugin peer_route (written here): every domain to the peer, the
# bounce address's domain to maildir-sink.py, which writes BOUNCEDIR,
# and the domains of $PEER_ROUTES to their own addresses.  Retries: 10 s
# then 20 s, then the bounce.  Haraka writes no delay
# notice.

. "$top_srcdir/tests/mta/root.sh"

mta_packages=
haraka_version=3.3.4

# mta_setup ROOT PORT PEERPORT BOUNCEDIR
mta_setup() {
	# BOUNCEDIR under ROOT, given with or without ROOT in front.
	set -- "$1" "$2" "$3" "$(mta_inside "$1" "$4")"
	hk_root=$1
	hk_port=$2
	hk_bouncedir=$1$4
	hk_sinkport=$(free_port)
	hk_dir=$1/haraka
	# Haraka 3 wants Node 20 or later (Debian 12's nodejs is 18).
	hk_node=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
	[ "${hk_node:-0}" -ge 20 ] ||
	    { echo "# haraka: needs Node >= 20, have ${hk_node:-none}"; return 1; }
	mkdir -p "$hk_bouncedir"
	[ -x "$1/node_modules/.bin/haraka" ] ||
	    npm install --prefix "$1" --no-audit --no-fund --loglevel=error \
	        "Haraka@$haraka_version" >"$1/npm.log" 2>&1 ||
	    { sed 's/^/# npm: /' "$1/npm.log" | tail -5; return 1; }
	# Haraka's own install directory (its default config), then ours.
	"$1/node_modules/.bin/haraka" -i "$hk_dir" >"$1/haraka-i.log" 2>&1 ||
	    { sed 's/^/# haraka -i: /' "$1/haraka-i.log"; return 1; }
	mkdir -p "$hk_dir/queue"
	# -i leaves out the bounce's template (Haraka would write a report
	# with no From, To, Subject or text): Haraka's own, as shipped.
	cp "$1"/node_modules/Haraka/config/outbound.bounce_message* \
	    "$hk_dir/config/"
	hk_conf=$hk_dir/config
	printf '[main]\nlisten=127.0.0.1:%s\nnodes=\n' "$2" >"$hk_conf/smtp.ini"
	echo mx.lists.example.org >"$hk_conf/me"
	printf '[main]\nlevel=info\ntimestamps=true\n' >"$hk_conf/log.ini"
	printf 'temp_fail_intervals=10s,20s\nenable_tls=false\n' \
	    >"$hk_conf/outbound.ini"
	printf 'peer_route\n' >"$hk_conf/plugins"
	{ printf '[main]\npeer_port=%s\nlocal_domain=lists.example.org\n' "$3"
	  printf 'local_port=%s\n[routes]\n' "$hk_sinkport"
	  [ -f "${PEER_ROUTES:-}" ] && awk '{ print $1 "=" $2 }' "$PEER_ROUTES"
	} >"$hk_conf/peer_route.ini"
	cat >"$hk_dir/plugins/peer_route.js" <<'JS'
// peer_route: the MTA bench's routes (tests/mta/haraka.sh).  The client
// is the bench on loopback: it relays.  Outbound takes every domain to the
// peer (the domains of [routes] to an address of their own), and the
// bounce address's domain to the maildir sink.
exports.register = function () {
    this.cfg = this.config.get('peer_route.ini')
}

exports.hook_connect_init = function (next, connection) {
    connection.relaying = true
    next()
}

exports.hook_get_mx = function (next, hmail, domain) {
    const c = this.cfg.main
    const d = domain.toLowerCase()
    const local = d === c.local_domain
    next(OK, {
        priority: 0,
        exchange: (this.cfg.routes || {})[d] || '127.0.0.1',
        port: Number(local ? c.local_port : c.peer_port),
    })
}
JS
}

mta_start() {
	python3 "$top_srcdir/tests/mta/maildir-sink.py" "$hk_sinkport" \
	    "$hk_bouncedir" &
	hk_sink=$!
	(cd "$hk_dir" && exec "$hk_root/node_modules/.bin/haraka" -c "$hk_dir") \
	    >"$hk_root/haraka.log" 2>&1 &
	hk_pid=$!
	WAIT_SECONDS=${WAIT_SECONDS:-60} wait_until \
	    "Haraka to accept on $hk_port" mta_listening "$hk_port" &&
	    wait_until "the bounce sink to accept" \
	        test -e "$hk_bouncedir/.listening"
}

# Haraka writes no delay notice: every message it sends back is final.
mta_is_delay() {
	return 1
}

# Haraka has no mailboxes of its own: lists.example.org is only where
# bounces go (the sink), so a local scenario does not apply.
mta_send() {
	case $2 in
	*@lists.example.org)
		echo "haraka: no local mailboxes, $2 not sent" >&2
		return 1 ;;
	esac
	mta_smtp "$hk_port" "$@"
}

mta_stop() {
	for p in $hk_pid $hk_sink; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	hk_pid= hk_sink=
}
