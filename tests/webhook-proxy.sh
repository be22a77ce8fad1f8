#!/bin/sh
# webhook-proxy.sh: README's TLS reverse proxy lines, run as written, in
# front of reboundd's webhook listener.  The ```nginx and ```caddy blocks
# of README.md are taken as they are; only the names a site has of its
# own are replaced (the listen port, the certificate, reboundd's port),
# and each server runs as a private instance in the temporary directory
# (nginx: master_process off, its logs and temp paths here; Caddy:
# admin off, its storage here, a "tls" line naming the test's
# certificate).  A test CA signs a certificate for bounces.example.com;
# the posts go over TLS to the proxy, trusting that CA only.
# Asserted, through each proxy: a Postmark bounce with its HTTP Basic
# credentials is recorded (the Authorization header passes); a signed
# Mailgun failure is recorded (the body passes byte for byte); a wrong
# password is answered 401 by reboundd; another path is 404 from the
# proxy and never reaches reboundd.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
scratch
data="$top_srcdir/tests/data/webhooks"
readme="$top_srcdir/README.md"
q() { sqlite3 "$tmp/db" "$1"; }
have_nginx=1 have_caddy=1
command -v nginx >/dev/null || have_nginx=0
command -v caddy >/dev/null || have_caddy=0
if [ $have_nginx = 0 ] && [ $have_caddy = 0 ]; then
	echo "1..0 # SKIP neither nginx nor caddy (contrib/deps.sh test installs them)"
	exit 0
fi
rport=$(free_port)
key=$(python3 -c 'import secrets; print("key-" + secrets.token_hex(16))')
pw=$(python3 -c 'import secrets; print(secrets.token_hex(12))')

# A test CA and the site's certificate.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=rebound test CA' \
    -keyout "$tmp/ca.key" -out "$tmp/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj '/CN=bounces.example.com' \
    -keyout "$tmp/site.key" -out "$tmp/site.csr" 2>/dev/null
printf 'subjectAltName = DNS:bounces.example.com\n' >"$tmp/san.ext"
openssl x509 -req -in "$tmp/site.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
    -CAcreateserial -days 2 -extfile "$tmp/san.ext" -out "$tmp/site.pem" 2>/dev/null
check "a certificate for bounces.example.com" test -s "$tmp/site.pem"

cat >"$tmp/conf" <<CONF
[store]
path = $tmp/db
[http]
listen = 127.0.0.1:$rport
[webhook mailgun]
kind = mailgun
path = /mailgun
signing_key = $key
[webhook postmark]
kind = postmark
path = /postmark
user = rebound
password = $pw
CONF
"$REBOUNDD" --config "$tmp/conf" --foreground 2>"$tmp/log" &
pid=$!
up() { started "$tmp/log" || ! kill -0 "$pid" 2>/dev/null; }
wait_until "reboundd to start or exit" up
check "reboundd started" started "$tmp/log"

# block LANG: README's ```LANG block.
block() { awk -v l="$1" '$0 == "```" l { on = 1; next } on && /^```$/ { exit } on' "$readme"; }
# through NAME PORT: posts through the proxy called NAME on PORT.
through() {
	name=$1 port=$2
	tls() { TLS_NAME=bounces.example.com TLS_CA="$tmp/ca.pem" python3 "$top_srcdir/tests/webhook-post.py" "$port" "$@"; }
	sed "s/grace@example.org/grace-$name@example.org/g; s/4323372036854775807/$port/" \
	    "$data/postmark-bounce-hard.json" >"$tmp/pm-$name.json"
	n=$(q 'select count(*) from messages')
	is "$name: a wrong password: 401 from reboundd" \
	    "$(tls /postmark "$tmp/pm-$name.json" basic rebound wrong)" 401
	is "$name: a Postmark bounce with its credentials: 200" \
	    "$(tls /postmark "$tmp/pm-$name.json" basic rebound "$pw")" 200
	is "$name: it is recorded, hard" \
	    "$(q "select class from outcomes where address = 'grace-$name@example.org'")" hard
	sed "s/alice@example.org/alice-$name@example.org/g; s/Xq3bqVYAT3OyGwqm6QkbwA/proxy-$name/" \
	    "$data/mailgun-failed-permanent.json" >"$tmp/mg-$name.json"
	is "$name: a signed Mailgun failure: 200 (the body passed unchanged)" \
	    "$(tls /mailgun "$tmp/mg-$name.json" mailgun "$key" now \
	        "$(python3 -c 'import secrets; print(secrets.token_hex(25))')")" 200
	is "$name: it is recorded" \
	    "$(q "select count(*) from outcomes where address = 'alice-$name@example.org'")" 1
	is "$name: another path: 404 from the proxy" \
	    "$(tls /metrics "$tmp/pm-$name.json")" 404
	is "$name: two messages recorded, no more" \
	    "$(q 'select count(*) from messages')" $((n + 2))
}

if [ $have_nginx = 1 ]; then
	nport=$(free_port)
	mkdir "$tmp/nginx"
	{
		echo "master_process off;"
		echo "daemon off;"
		echo "pid $tmp/nginx/pid;"
		echo "error_log $tmp/nginx/error.log;"
		echo "events {}"
		echo "http {"
		echo "access_log off;"
		for t in client_body proxy fastcgi uwsgi scgi; do
			echo "${t}_temp_path $tmp/nginx/$t;"
		done
		block nginx | sed -e "s|listen 443 ssl;|listen 127.0.0.1:$nport ssl;|" \
		    -e "s|/etc/ssl/rebound/fullchain.pem|$tmp/site.pem|" \
		    -e "s|/etc/ssl/rebound/privkey.pem|$tmp/site.key|" \
		    -e "s|127.0.0.1:8025|127.0.0.1:$rport|"
		echo "}"
	} >"$tmp/nginx/nginx.conf"
	check "README has the nginx lines" grep -q 'proxy_pass http://127.0.0.1:' "$tmp/nginx/nginx.conf"
	nginx -e "$tmp/nginx/error.log" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" &
	npid=$!
	nginx_up() { python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])))' "$nport"; }
	wait_for "nginx listens" nginx_up
	through nginx "$nport"
	kill -TERM "$npid"
	wait "$npid"
else
	ok "# SKIP nginx not installed"
fi

if [ $have_caddy = 1 ]; then
	cport=$(free_port)
	hport=$(free_port)
	mkdir -p "$tmp/caddy/home"
	{
		printf '{\n\tadmin off\n\thttp_port %s\n\tauto_https disable_redirects\n\tstorage file_system %s\n}\n' \
		    "$hport" "$tmp/caddy/data"
		block caddy | sed -e "s|^bounces.example.com {|bounces.example.com:$cport {\n\ttls $tmp/site.pem $tmp/site.key|" \
		    -e "s|127.0.0.1:8025|127.0.0.1:$rport|"
	} >"$tmp/caddy/Caddyfile"
	check "README has the Caddy lines" grep -q 'reverse_proxy 127.0.0.1:' "$tmp/caddy/Caddyfile"
	HOME="$tmp/caddy/home" XDG_DATA_HOME="$tmp/caddy/home" XDG_CONFIG_HOME="$tmp/caddy/home" \
	    caddy run --config "$tmp/caddy/Caddyfile" --adapter caddyfile 2>"$tmp/caddy/log" &
	cpid=$!
	caddy_up() { python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])))' "$cport"; }
	wait_for "caddy listens" caddy_up
	through caddy "$cport"
	kill -TERM "$cpid"
	wait "$cpid"
else
	ok "# SKIP caddy not installed"
fi

kill -TERM "$pid"
wait "$pid"
is "reboundd stops with 0" "$?" 0
done_testing
