#!/usr/bin/perl
# lmtp-client.pl: send distinct real bounces over LMTP on S parallel
# connections and time them (used by bench/lmtp.sh).
#
# Message i is sample i mod (number of samples) with "X-Bench: TAG-i" as
# its first line, so no two messages of a run have the same bytes (TAG is
# the pid and time: other runs differ too).  Each session is its own
# process (fork) on its own unix socket connection: greeting and LHLO
# first, then every session starts at once and sends its share of the
# messages one after the other in a plain dialogue, waiting for each
# reply (no PIPELINING): MAIL, RCPT, DATA, the text, the final dot and its
# reply, then QUIT.  A message's latency runs from writing its MAIL
# command to reading the reply after its final dot.
#
# Prints one line:
#   messages N sessions S seconds T rate R p50_ms A p99_ms B max_ms C errors E [rss_max_kb K]
# The rate is N over the time from the start to the last session's last
# reply.  --watch PID samples VmRSS of that process every 50 ms meanwhile.
# Exits 1 if any reply was not the expected one (they are counted, and the
# first few printed on stderr).
#
# Usage: lmtp-client.pl --socket PATH --rcpt ADDR --sessions S
#            --messages N [--watch PID] SAMPLE.eml...
use strict;
use warnings;
use Getopt::Long;
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM);
use Time::HiRes qw(time sleep);
use File::Temp qw(tempdir);
use POSIX qw(_exit);

my ($socket, $rcpt, $sessions, $messages, $watch) = (undef, undef, 1, 100);
GetOptions('socket=s' => \$socket, 'rcpt=s' => \$rcpt,
    'sessions=i' => \$sessions, 'messages=i' => \$messages,
    'watch=i' => \$watch) && defined $socket && defined $rcpt && @ARGV
    or die "usage: $0 --socket PATH --rcpt ADDR --sessions S --messages N "
    . "[--watch PID] SAMPLE.eml...\n";
$sessions = $messages if $sessions > $messages;

# Samples as they go on the wire: CRLF line ends, dot-stuffed.
my @samples;
for my $file (@ARGV) {
	open(my $in, '<:raw', $file) or die "$file: $!\n";
	local $/;
	my $text = <$in>;
	$text =~ s/\A\x{FEFF}//;
	$text =~ s/\AFrom [^\n]*\n//;		# an mbox separator
	$text .= "\n" unless $text =~ /\n\z/;
	$text =~ s/\r?\n|\r/\r\n/g;
	$text =~ s/^\./../mg;
	push @samples, $text;
}
my $tag = sprintf '%d-%d', $$, time;

my $dir = tempdir('lmtp-client.XXXXXX', TMPDIR => 1, CLEANUP => 1);
pipe(my $ready_r, my $ready_w) or die "pipe: $!\n";
pipe(my $go_r, my $go_w) or die "pipe: $!\n";

my @pids;
for my $k (0 .. $sessions - 1) {
	my $pid = fork;
	die "fork: $!\n" unless defined $pid;
	if ($pid == 0) {
		close $ready_r;
		close $go_w;
		my $ok = eval { session($k); 1 };
		print STDERR $@ unless $ok;
		_exit($ok ? 0 : 1);
	}
	push @pids, $pid;
}
close $ready_w;
close $go_r;

# Start when every session has its greeting and LHLO behind it.
my $ready = 0;
while ($ready < $sessions) {
	my $n = sysread($ready_r, my $buf, 4096);
	last unless $n;
	$ready += $n;
}
if ($ready != $sessions) {
	kill 'TERM', @pids;
	die "only $ready of $sessions sessions started\n";
}
my $t0 = time;
close $go_w;			# EOF on the pipe: go

my $rss_max = 0;
my $left = @pids;
my $failed = 0;
while ($left > 0) {
	my $pid = waitpid(-1, $watch ? POSIX::WNOHANG() : 0);
	if ($pid > 0) {
		$left--;
		$failed++ if $? != 0;
		next;
	}
	if (defined $watch && open(my $st, '<', "/proc/$watch/status")) {
		while (<$st>) {
			$rss_max = $1 if /^VmRSS:\s+(\d+)/ && $1 > $rss_max;
		}
	}
	sleep 0.05;
}

# Per session: end time, errors, then latencies in seconds.
my (@lat, $t1);
my $errors = 0;
for my $k (0 .. $sessions - 1) {
	open(my $in, '<', "$dir/$k") or die "session $k left no results\n";
	my ($end, $err) = split ' ', scalar <$in>;
	$t1 = $end if !defined $t1 || $end > $t1;
	$errors += $err;
	chomp(my @l = <$in>);
	push @lat, @l;
}
die "$failed session(s) failed\n" if $failed;
@lat = sort { $a <=> $b } @lat;
my $pct = sub { $lat[int($_[0] * $#lat + 0.5)] * 1000 };
my $secs = $t1 - $t0;
printf "messages %d sessions %d seconds %.3f rate %.0f p50_ms %.2f "
    . "p99_ms %.2f max_ms %.2f errors %d%s\n", $messages, $sessions, $secs,
    $messages / $secs, $pct->(0.5), $pct->(0.99), $lat[-1] * 1000, $errors,
    $watch ? " rss_max_kb $rss_max" : '';
exit($errors ? 1 : 0);

# One session: connect, LHLO, wait for the start, send messages k,
# k + S, k + 2S, ... < N.
sub session {
	my ($k) = @_;
	my $sock = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $socket)
	    or die "session $k: $socket: $!\n";
	my $rbuf = '';
	my $errors = 0;

	# One reply, multi-line or not: its code and text.
	my $reply = sub {
		my $text = '';
		for (;;) {
			my $nl;
			while (($nl = index($rbuf, "\n")) < 0) {
				my $n = sysread($sock, $rbuf, 65536, length $rbuf);
				die "session $k: connection closed\n" unless $n;
			}
			my $line = substr($rbuf, 0, $nl + 1, '');
			$text .= $line;
			return (substr($line, 0, 3), $text)
			    if length($line) < 4 || substr($line, 3, 1) ne '-';
		}
	};
	my $send = sub {
		my $off = 0;
		while ($off < length $_[0]) {
			my $n = syswrite($sock, $_[0], length($_[0]) - $off, $off);
			die "session $k: write: $!\n" unless defined $n;
			$off += $n;
		}
	};
	# Send, read one reply, count it as an error unless it is $want.
	my $step = sub {
		my ($line, $want) = @_;
		$send->($line) if defined $line;
		my ($code, $text) = $reply->();
		return 1 if $code eq $want;
		$errors++;
		print STDERR "session $k: ", ($line // "greeting\r\n") =~ s/\r\n.*//sr,
		    ": $text" if $errors <= 3;
		return 0;
	};

	$step->(undef, '220') && $step->("LHLO bench.test\r\n", '250')
	    or die "session $k: no greeting or LHLO refused\n";
	syswrite($ready_w, 'r');
	sysread($go_r, my $x, 1);	# blocks until the parent closes it

	my @lat;
	for (my $i = $k; $i < $messages; $i += $sessions) {
		my $t = time;
		my $ok = $step->("MAIL FROM:<>\r\n", '250') &&
		    $step->("RCPT TO:<$rcpt>\r\n", '250') &&
		    $step->("DATA\r\n", '354') &&
		    $step->("X-Bench: $tag-$i\r\n" . $samples[$i % @samples]
		    . ".\r\n", '250');
		push @lat, time - $t;
		$step->("RSET\r\n", '250') unless $ok;
	}
	my $end = time;
	$step->("QUIT\r\n", '221');
	open(my $out, '>', "$dir/$k.tmp") or die "$dir/$k: $!\n";
	printf $out "%.6f %d\n", $end, $errors;
	print $out map { sprintf "%.6f\n", $_ } @lat;
	close $out or die "$dir/$k: $!\n";
	rename("$dir/$k.tmp", "$dir/$k") or die "$dir/$k: $!\n";
}
