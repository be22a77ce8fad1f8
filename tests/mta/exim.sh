# exim.sh: Exim 4 (Debian's exim4-daemon-light) for tests/mta/run.sh,
# in a root of its own (sourced; see tests/mta/README).
# delay_warning_condition is set to "true": Exim's default sends no delay
# warning for mail with List-Id or Precedence: list, such as the bench's.
mta_packages="exim4-daemon-light"
mta_pid=

mta_setup() {
	mta_root=$1 mta_port=$2
	ex_bdir=${4#"$1"}
	cp "$PEER_ROUTES" "$1/etc/exim4/peer-routes"
	mkdir -p "$1/var/spool/exim4test" "$1/var/log/exim4test" "$4" \
	    "$1/var/mail/quota"
	# A mailbox at its quota for local-quota.
	cat >"$1/etc/exim4/test.conf" <<CONF
primary_hostname = mx1.lists.example.org
domainlist local_domains = lists.example.org
hostlist relay_from_hosts = 127.0.0.1
acl_smtp_rcpt = acl_check_rcpt
daemon_smtp_ports = $2
local_interfaces = 127.0.0.1
spool_directory = /var/spool/exim4test
log_file_path = /var/log/exim4test/%slog
exim_user = Debian-exim
exim_group = Debian-exim
never_users = root
host_lookup =
rfc1413_hosts =
delay_warning = 20s
delay_warning_condition = true
ignore_bounce_errors_after = 0s
timeout_frozen_after = 10m
begin acl
acl_check_rcpt:
  accept hosts = :
  accept hosts = +relay_from_hosts
  deny
begin routers
to_peer:
  driver = manualroute
  domains = ! +local_domains
  transport = remote_smtp
  route_data = \${lookup{\$domain}lsearch{/etc/exim4/peer-routes}{\$value}{127.0.0.1}}
  self = send
quota:
  driver = accept
  domains = +local_domains
  local_parts = local-quota
  transport = quota
local:
  driver = accept
  domains = +local_domains
  local_parts = bounces
  transport = maildir
begin transports
remote_smtp:
  driver = smtp
  port = $3
  allow_localhost
  hosts_try_chunking =
  hosts_try_fastopen =
  connect_timeout = 5s
  command_timeout = 10s
  data_timeout = 10s
  final_timeout = 10s
maildir:
  driver = appendfile
  directory = $ex_bdir
  maildir_format
  user = Debian-exim
  delivery_date_add
  envelope_to_add
  return_path_add
quota:
  driver = appendfile
  directory = /var/mail/quota
  maildir_format
  user = Debian-exim
  quota = 1
begin retry
* * F,1m,15s
CONF
	chroot "$1" chown -R Debian-exim:Debian-exim /var/spool/exim4test \
	    /var/log/exim4test "$ex_bdir" /var/mail/quota
	chroot "$1" exim4 -C /etc/exim4/test.conf -bV >/dev/null
}

mta_start() {
	chroot "$mta_root" exim4 -C /etc/exim4/test.conf -bdf -q10s \
	    >"$mta_root.log" 2>&1 &
	mta_pid=$!
	wait_until "exim to accept on $mta_port" smtp_ready "$mta_port"
}

mta_send() { smtp_send "$mta_port" "$1" "$2" "$3"; }

mta_stop() {
	[ -n "$mta_pid" ] && kill -TERM "$mta_pid" 2>/dev/null && wait "$mta_pid"
	mta_pid=
}
