# mailman3-lib.sh: a private Mailman 3 core for the tests (sourced after
# lib.sh, before scratch): Debian's mailman3, its own directory, REST
# port and password, on loopback, REST only, as
# ../shared/recipes/mailman3.md runs it.  mailman3.sh and
# probe-mailman3.sh use it.
#
# mailman3_skip: exits 0 with a SKIP unless mailman3 and python3 are here.
# mailman3_start: the instance in $tmp/mailman, started (mpid): it sends
# to the SMTP port mm_smtp (default 9: nothing), runs the runners named
# in runners_on besides REST, and takes the lines of mm_mta in [mta].
# mailman3_ready waits for its REST API (a test); stop_mailman stops it.
# rest METHOD PATH [NAME=VALUE...] prints the status, then the body;
# status prints the status alone (the body in $tmp/rest).
master=/usr/lib/mailman3/bin/master
mailman3_skip() {
	if [ ! -x "$master" ] || ! command -v python3 >/dev/null; then
		echo "1..0 # SKIP mailman3 is not installed (contrib/deps.sh test installs it)"
		exit 0
	fi
}
mailman3_start() {
	mm="$tmp/mailman"
	mkdir -p "$mm"
	rest_port=$(free_port) mm_lmtp=$(free_port)
	# Each run its own password: a 401 then means another instance's port.
	pass=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
	{
		cat <<CFG
[mailman]
layout: test
site_owner: postmaster@example.org

[paths.test]
var_dir: $mm/var
bin_dir: /usr/lib/mailman3/bin

[database]
class: mailman.database.sqlite.SQLiteDatabase
url: sqlite:///\$DATA_DIR/mailman.db

[webservice]
hostname: 127.0.0.1
port: $rest_port
api_version: 3.1
admin_user: restadmin
admin_pass: $pass
workers: 1

[mta]
incoming: mailman.mta.null.NullMTA
outgoing: mailman.mta.deliver.deliver
smtp_host: 127.0.0.1
smtp_port: ${mm_smtp:-9}
lmtp_host: 127.0.0.1
lmtp_port: $mm_lmtp
${mm_mta:-}
CFG
		# REST and runners_on: every other runner off.
		for r in archive bounces command in out pipeline retry task virgin \
		    digest nntp lmtp; do
			case " ${runners_on:-} " in *" $r "*) continue ;; esac
			printf '\n[runner.%s]\nstart: no\n' "$r"
		done
	} >"$mm/mailman.cfg"
	setsid "$master" -C "$mm/mailman.cfg" >"$mm/master.out" 2>&1 </dev/null &
	mpid=$!
}
# mailman3_ready: its REST API answers (a test).
mailman3_ready() {
	WAIT_SECONDS=${WAIT_SECONDS:-120} wait_for "Mailman's REST API answers" rest_up
}
# Stop: SIGTERM to the master (SIGINT restarts), then its whole group.
stop_mailman() {
	kill -TERM "$mpid" 2>/dev/null
	WAIT_SECONDS=30 wait_until "Mailman to stop" sh -c "! kill -0 $mpid"
	kill -KILL -- "-$mpid" 2>/dev/null
}

# rest METHOD PATH [NAME=VALUE...]: the status, then the body.
rest() {
	python3 - "http://127.0.0.1:$rest_port/3.1" "$pass" "$@" <<'PY'
import base64, sys, urllib.error, urllib.parse, urllib.request
root, password, method, path = sys.argv[1:5]
data = urllib.parse.urlencode([tuple(a.split("=", 1)) for a in sys.argv[5:]])
body = None
if method == "GET" and data:
    path += "?" + data
elif data:
    body = data.encode()
req = urllib.request.Request(root + "/" + path, data=body, method=method)
req.add_header("Authorization", "Basic " + base64.b64encode(
    ("restadmin:" + password).encode()).decode())
try:
    r = urllib.request.urlopen(req, timeout=30)
    print(r.status)
    print(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code)
    print(e.read().decode())
except OSError as e:
    print(0)
    print(e)
PY
}
status() { rest "$@" >"$tmp/rest"; head -1 "$tmp/rest"; }
rest_up() { [ "$(status GET system/versions)" = 200 ]; }
