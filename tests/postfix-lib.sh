# postfix-lib.sh: a private instance of Debian's Postfix for a test
# (sourced after lib.sh and scratch, not run).  Its own configuration,
# queue and data directories under $tmp/postfix, its own loopback ports,
# started with "postfix -c" and stopped at the end; the machine's
# /etc/postfix and any Postfix running on it are left alone, and two runs
# at once never meet.  Needs root, postfix and a user nobody.
#
# pf_usable: whether it can run here.
# pf_dirs DIR: Postfix's directories under DIR and the part of its
#   main.cf every private instance shares (tests/mta/postfix.sh too).
#   Sets pf, cf, spool and plog.
# pf_init: pf_dirs $tmp/postfix, main.cf's common part for a test (which
#   appends its own lines; nothing leaves it) and MAIL_CONFIG, so that
#   sendmail, postqueue and postconf read it.
# pf_services: the unix services of master.cf, none chrooted (a test
#   prints its own smtpd lines before them).
# pf_start FUNCTION: start it; FUNCTION writes master.cf and what else
#   depends on the ports it takes (free_port), and is called again when
#   another program took one of them before Postfix bound it.  0 when
#   started; the output of the failed start in $tmp/postfix-start.
# pf_stop: stop it, if it runs.
# etc_postfix, system_master: the machine's configuration tree and its
#   running master, to check that neither changed.
pf_usable() {
	[ "$(id -u)" -eq 0 ] && command -v postconf >/dev/null &&
	    command -v sendmail >/dev/null && id postfix >/dev/null 2>&1 &&
	    id nobody >/dev/null 2>&1
}

etc_postfix() {
	(cd /etc/postfix && find . -printf '%p %y %m %u %g %s %T@ %l\n' | sort &&
	    find . -type f -exec sha256sum {} + | sort) 2>&1
}
system_master() {
	MAIL_CONFIG=/etc/postfix postfix status >/dev/null 2>&1 &&
	    cat "$(MAIL_CONFIG=/etc/postfix postconf -h queue_directory)/pid/master.pid" 2>/dev/null |
	    tr -d ' '
}

pf_dirs() {
	pf=$1
	cf="$pf/etc"
	spool="$pf/spool"
	plog="$pf/maillog"
	mkdir -p "$cf" "$spool" "$pf/data"
	chown postfix "$pf/data"
	chmod 0700 "$pf/data"
	# Postfix's own lists of its files and map plugins, so that even the
	# directories "postfix check" would create are private.
	pf_meta=$(postconf -d -h meta_directory)
	for f in postfix-files postfix-files.d dynamicmaps.cf dynamicmaps.cf.d; do
		[ -e "$pf_meta/$f" ] && cp -R "$pf_meta/$f" "$cf/"
	done
	# The programs it runs are the machine's, where Debian put them.
	for p in daemon_directory shlib_directory command_directory; do
		echo "$p = $(postconf -d -h "$p")"
	done >"$cf/main.cf"
	cat >>"$cf/main.cf" <<MAIN
compatibility_level = 3.6
meta_directory = $cf
queue_directory = $spool
data_directory = $pf/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $plog
maillog_file_prefixes = $pf
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
biff = no
smtp_tls_security_level = none
MAIN
}

pf_init() {
	chmod 0755 "$tmp"	# Postfix's users (postfix, nobody) reach inside
	pf_dirs "$tmp/postfix"
	cat >>"$cf/main.cf" <<MAIN
default_transport = error:5.7.1 nothing leaves this test
relay_transport = error:5.7.1 nothing leaves this test
delay_warning_time = 0
MAIN
	MAIL_CONFIG="$cf"
	export MAIL_CONFIG
}

pf_services() {
	cat <<MASTER
pickup    unix  n - n 60   1 pickup
cleanup   unix  n - n -    0 cleanup
qmgr      unix  n - n 300  1 qmgr
rewrite   unix  - - n -    - trivial-rewrite
bounce    unix  - - n -    0 bounce
defer     unix  - - n -    0 bounce
trace     unix  - - n -    0 bounce
verify    unix  - - n -    1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -    - proxymap
smtp      unix  - - n -    - smtp
relay     unix  - - n -    - smtp
showq     unix  n - n -    - showq
error     unix  - - n -    - error
retry     unix  - - n -    - error
discard   unix  - - n -    - discard
local     unix  - n n -    - local
virtual   unix  - n n -    - virtual
lmtp      unix  - - n -    - lmtp
anvil     unix  - - n -    1 anvil
scache    unix  - - n -    1 scache
postlog   unix-dgram n - n - 1 postlogd
MASTER
}

pf_stop() {
	[ -f "$spool/pid/master.pid" ] && postfix -c "$cf" stop >/dev/null 2>&1
	rm -f "$spool/pid/master.pid"
}

pf_start() {
	for pf_attempt in 1 2 3 4 5; do
		"$1"
		: >"$plog"
		postfix -c "$cf" check >"$tmp/postfix-start" 2>&1 &&
		    postfix -c "$cf" start >>"$tmp/postfix-start" 2>&1 && return 0
		grep -q "Address already in use" "$tmp/postfix-start" "$plog" ||
		    return 1
		pf_stop
	done
	return 1
}
