#!/usr/bin/perl
# crash-load.pl: the load of tests/crash.sh, for a reboundd that is
# killed and restarted under it.  Every message is a distinct bounce: its
# key (l3-17, d42) is in its bytes, its envelope recipient and the two
# recipients its report names (KEY-a@example.org, KEY-b@example.org), so
# the database tells which messages arrived, and how often.  Every tenth
# message (its key ends in 0) is not a bounce but a person's mail.
#
#   crash-load.pl lmtp --socket PATH --clients N --log FILE
#	    (--stop FILE | --messages M)
#	N sessions (processes), each sending one message after another to
#	<KEY@lists.crash.test> until FILE exists, or M of them.  As an MTA
#	does, a message whose reply never came (the daemon died) or was 4xx
#	is sent again, the same bytes, on a new connection, until it gets
#	its 250.  Logs
#	"ack KEY" for each 250 after the final dot (written before the next
#	message starts), "lost KEY" when the connection died after the final
#	dot, before its reply, "tempfail KEY" for a 4xx.
#   crash-load.pl maildir --dir MAILDIR --prefix P --log FILE
#	    [--count N] [--interval SECONDS] [--stop FILE]
#	Delivers files as a delivery agent does (written in tmp/, renamed
#	into new/): N of them at once, or one every SECONDS until FILE
#	exists.  Logs "drop NAME KEY".
# Exits 1 if a message could not be sent within 60 s of the stop (of the
# start, with --messages).
use strict;
use warnings;
use File::Basename qw(dirname);
use Getopt::Long;
use IO::Select;
use IO::Socket::UNIX;
use POSIX qw(_exit);
use Socket qw(SOCK_STREAM);
use Time::HiRes qw(sleep time);

my $GIVE_UP = 60;	# seconds after the stop to get the last replies

my %opt = (clients => 1, interval => 0, count => 0, messages => 0);
my $mode = shift // '';
GetOptions(\%opt, 'socket=s', 'clients=i', 'log=s', 'stop=s', 'dir=s',
    'prefix=s', 'count=i', 'interval=f', 'messages=i') && defined $opt{log}
    or die "usage: see the top of $0\n";
$SIG{PIPE} = 'IGNORE';
open(my $log, '>>', $opt{log}) or die "$opt{log}: $!\n";

# One line, in one write: the log is shared by processes (O_APPEND).
sub logline { syswrite($log, "@_\n") }

# Told to stop, or the test that started us is gone (its directory too).
sub stopped {
	defined $opt{stop} && (-e $opt{stop} || !-d dirname($opt{stop}));
}

# A bounce naming KEY everywhere; LF line ends.
sub bounce {
	my ($key) = @_;
	return <<EOT;
From: MAILER-DAEMON\@mx.crash.test
To: $key\@lists.crash.test
Subject: Undelivered Mail Returned to Sender
Message-Id: <$key\@mx.crash.test>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b-$key"

--b-$key
Content-Type: text/plain

Two recipients of message $key could not be reached.

--b-$key
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.crash.test

Final-Recipient: rfc822; $key-a\@example.org
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <$key-a\@example.org>: user unknown

Final-Recipient: rfc822; $key-b\@example.org
Action: failed
Status: 4.2.2
Diagnostic-Code: smtp; 452 4.2.2 <$key-b\@example.org>: mailbox full

--b-$key--
EOT
}

sub not_bounce {
	my ($key) = @_;
	return "From: someone\@example.net\nTo: $key\@lists.crash.test\n"
	    . "Subject: a question ($key)\n\nNot a bounce: a person wrote this.\n";
}

# --- LMTP ---------------------------------------------------------------

# A session: connected and past LHLO, or undef while the daemon is away.
sub lmtp_connect {
	my $sock = IO::Socket::UNIX->new(Type => SOCK_STREAM,
	    Peer => $opt{socket}) or return;
	my $s = { sock => $sock, rbuf => '' };
	return $s if lmtp_reply($s) eq '220' && lmtp_send($s, "LHLO crash.test\r\n")
	    && lmtp_reply($s) eq '250';
	return;
}

sub lmtp_send {
	my ($s, $data) = @_;
	my $off = 0;
	while ($off < length $data) {
		my $n = syswrite($s->{sock}, $data, length($data) - $off, $off);
		return 0 unless $n;
		$off += $n;
	}
	return 1;
}

# The code of the next reply (the last line of a multi-line one); '' if
# the connection ended or said nothing for 30 s.
sub lmtp_reply {
	my ($s) = @_;
	my $sel = IO::Select->new($s->{sock});
	for (;;) {
		while ($s->{rbuf} =~ s/\A([^\n]*)\n//) {
			my $line = $1;
			return substr($line, 0, 3)
			    if length($line) < 4 || substr($line, 3, 1) ne '-';
		}
		return '' unless $sel->can_read(30);
		my $n = sysread($s->{sock}, $s->{rbuf}, 65536, length $s->{rbuf});
		return '' unless $n;
	}
}

# Send one message; 'ack', 'lost' (after the dot), 'tempfail' or 'down'.
sub lmtp_message {
	my ($s, $key, $text) = @_;
	lmtp_send($s, "MAIL FROM:<>\r\nRCPT TO:<$key\@lists.crash.test>\r\n"
	    . "DATA\r\n") or return 'down';
	my @codes = map { lmtp_reply($s) } 1 .. 3;
	return 'down' if grep { $_ eq '' } @codes;
	if ("@codes" ne '250 250 354') {
		lmtp_send($s, "RSET\r\n") && lmtp_reply($s);
		return 'tempfail';
	}
	lmtp_send($s, $text) or return 'down';
	my $code = lmtp_reply($s);
	return 'lost' if $code eq '';
	return $code eq '250' ? 'ack' : 'tempfail';
}

sub lmtp_client {
	my ($k) = @_;
	my $s;
	my $deadline = $opt{messages} ? time + $GIVE_UP : undef;
	for (my $n = 1; $opt{messages} ? $n <= $opt{messages} : !stopped();
	    $n++) {
		my $key = "l$k-$n";
		my $text = ($n % 10 == 0 ? not_bounce($key) : bounce($key))
		    =~ s/^\./../mgr =~ s/\n/\r\n/gr . ".\r\n";
		for (;;) {
			$deadline //= time + $GIVE_UP if stopped();
			die "lmtp client $k: $key not acknowledged in time\n"
			    if defined $deadline && time > $deadline;
			$s //= lmtp_connect() or do { sleep 0.02; next };
			my $r = lmtp_message($s, $key, $text);
			logline("$r $key") unless $r eq 'down';
			last if $r eq 'ack';
			undef $s unless $r eq 'tempfail';
			sleep 0.02;
		}
	}
	lmtp_send($s, "QUIT\r\n") && lmtp_reply($s) if $s;
}

sub lmtp_main {
	defined $opt{socket} && (defined $opt{stop} || $opt{messages})
	    or die "lmtp: --socket, and --stop or --messages, are needed\n";
	my @pids;
	for my $k (1 .. $opt{clients}) {
		my $pid = fork // die "fork: $!\n";
		if ($pid == 0) {
			my $ok = eval { lmtp_client($k); 1 };
			print STDERR $@ unless $ok;
			_exit($ok ? 0 : 1);
		}
		push @pids, $pid;
	}
	$SIG{TERM} = sub { kill 'TERM', @pids; _exit(1) };
	my $failed = 0;
	for (@pids) {
		waitpid($_, 0);
		$failed++ if $? != 0;
	}
	exit($failed ? 1 : 0);
}

# --- maildir ------------------------------------------------------------

sub maildir_drop {
	my ($n) = @_;
	my $key = "$opt{prefix}$n";
	my $name = sprintf '%d.%s.crash', time, $key;
	my $tmp = "$opt{dir}/tmp/$name";
	open(my $out, '>', $tmp) or die "$tmp: $!\n";
	print $out $n % 10 == 0 ? not_bounce($key) : bounce($key);
	close $out or die "$tmp: $!\n";
	rename($tmp, "$opt{dir}/new/$name") or die "$name: $!\n";
	logline("drop $name $key");
}

sub maildir_main {
	defined $opt{dir} && defined $opt{prefix}
	    or die "maildir: --dir and --prefix are needed\n";
	my $n = 0;
	maildir_drop(++$n) while $n < $opt{count};
	return unless defined $opt{stop};
	until (stopped()) {
		maildir_drop(++$n);
		sleep $opt{interval};
	}
}

if ($mode eq 'lmtp') {
	lmtp_main();
} elsif ($mode eq 'maildir') {
	maildir_main();
} else {
	die "usage: $0 lmtp|maildir OPTIONS (see the top of the file)\n";
}
