#!/usr/bin/perl
# lmtp-replay.pl: deliver a directory of bounces over LMTP, in order, as
# one MTA connection delivering a queue.
#
#   perl lmtp-replay.pl [--random SEED] [--at-once] SOCKET[,SOCKET...] DIR
#
# Sends every file of DIR (of DIR/new when there is one), in the order
# of their names, over one session on the unix socket SOCKET: for each,
# MAIL FROM:<>, RCPT TO: the file's Delivered-To (else
# news-bounces@lists.example.org), DATA, the file (dot-stuffed, CRLF),
# and waits for the reply before the next, so that the server sees them
# in that order.  A 4xx reply is retried (after 0.1 s, at most 100
# times), as an MTA would; a 5xx, or a connection lost, stops it.
# Prints "sent N, accepted N, retried N" and exits 0 when every file
# was accepted.  Given several sockets (several reboundd on one
# database), it opens a session on each and deals the files out in
# turn, the first to the first, the second to the second...: still one
# at a time, in order.
#
# --random SEED deals each file to a socket drawn at random (perl's
# rand() after srand(SEED)) instead of in turn.  --at-once sends each
# socket's share from a process of its own, all at the same time, as
# several MTAs would: each share in the order of its names, the shares
# interleaved as they go; a 4xx is retried for up to 120 s, and a lost
# connection (its daemon killed) is made again for up to 120 s and the
# file it had not acknowledged sent again.  It then prints a line
# "SOCKET: sent N, accepted N, retried N, reconnected N" a socket.
# Perl core modules only.
use strict;
use warnings;
use IO::Socket::UNIX;

my ($seed, $at_once);
while (@ARGV && $ARGV[0] =~ /^--/) {
	my $o = shift @ARGV;
	if ($o eq '--random') { $seed = shift @ARGV }
	elsif ($o eq '--at-once') { $at_once = 1 }
	else { die "lmtp-replay.pl: unknown option $o\n" }
}
my ($path, $dir) = @ARGV;
die "usage: lmtp-replay.pl [--random SEED] [--at-once] SOCKET[,SOCKET...] DIR\n"
    unless defined $dir;
$dir = "$dir/new" if -d "$dir/new";
opendir(my $dh, $dir) or die "lmtp-replay.pl: $dir: $!\n";
my @files = sort grep { !/^\./ && -f "$dir/$_" } readdir($dh);
closedir $dh;

my @paths = split(/,/, $path);
srand($seed) if defined $seed;
my $dealt = 0;
my @to = map { defined $seed ? int(rand(@paths)) : $dealt++ % @paths } @files;
$SIG{PIPE} = 'IGN';	# a killed daemon: the write fails, not the script
my $s;		# the session of the file being sent

# One reply, its continuation lines too: (code, last line).
sub reply {
	while (defined(my $line = <$s>)) {
		$line =~ s/\r?\n$//;
		return (substr($line, 0, 3), $line) if $line !~ /^\d{3}-/;
	}
	die "lmtp-replay.pl: connection closed\n";
}
sub command {
	my ($cmd, $want) = @_;
	print $s "$cmd\r\n" or die "lmtp-replay.pl: connection closed\n";
	my ($code, $line) = reply();
	die "lmtp-replay.pl: $cmd: $line\n" if $code !~ $want;
	return $code;
}

# Deliver one file; returns its reply to DATA ("250", or a 4xx).
sub deliver {
	my ($text, $rcpt) = @_;
	command('MAIL FROM:<>', qr/^250$/);
	my $code = command("RCPT TO:<$rcpt>", qr/^(250|4\d\d)$/);
	if ($code ne '250') {
		command('RSET', qr/^250$/);
		return $code;
	}
	command('DATA', qr/^354$/);
	print $s $text, ".\r\n" or die "lmtp-replay.pl: connection closed\n";
	($code, my $line) = reply();
	die "lmtp-replay.pl: DATA: $line\n" if $code !~ /^(250|4\d\d)$/;
	return $code;
}

# A session on socket p, greeted: undef if it cannot be opened.
sub session {
	my ($p) = @_;
	$s = IO::Socket::UNIX->new(Peer => $p) or return undef;
	my ($code, $line) = reply();
	die "lmtp-replay.pl: greeting: $line\n" if $code ne '220';
	command('LHLO replay.example.org', qr/^250$/);
	return $s;
}

# A file's text, as DATA sends it, and its recipient.
sub message {
	my ($f) = @_;
	open(my $in, '<', "$dir/$f") or die "lmtp-replay.pl: $dir/$f: $!\n";
	my $text = do { local $/; <$in> };
	close $in;
	my ($rcpt) = $text =~ /^Delivered-To:\s*(\S+)/mi;
	$rcpt //= 'news-bounces@lists.example.org';
	$text =~ s/\r?\n/\r\n/g;
	$text .= "\r\n" unless $text =~ /\r\n\z/;
	$text =~ s/^\./../mg;
	return ($text, $rcpt);
}

# One after the other, in the order of the names, on a session a socket.
sub in_order {
	my @sessions = map {
		session($_) or die "lmtp-replay.pl: connect $_: $!\n"
	} @paths;
	my ($sent, $accepted, $retried) = (0, 0, 0);
	for my $i (0 .. $#files) {
		$s = $sessions[$to[$i]];
		my ($text, $rcpt) = message($files[$i]);
		$sent++;
		for my $try (1 .. 101) {
			die "lmtp-replay.pl: $files[$i]: still refused after 100 tries\n"
			    if $try > 100;
			last if deliver($text, $rcpt) eq '250';
			$retried++;
			select(undef, undef, undef, 0.1);
		}
		$accepted++;
	}
	for (@sessions) {
		$s = $_;
		command('QUIT', qr/^221$/);
	}
	print "sent $sent, accepted $accepted, retried $retried\n";
	return $accepted == @files;
}

# Socket k's share, as an MTA delivers it: again after a 4xx or after
# its connection is lost, until 120 s have passed without a 250.
sub share {
	my ($k) = @_;
	my ($sent, $accepted, $retried, $again) = (0, 0, 0, 0);
	undef $s;
	for my $i (grep { $to[$_] == $k } 0 .. $#files) {
		my ($text, $rcpt) = message($files[$i]);
		my $until = time + 120;
		$sent++;
		while (1) {
			my $code = eval {
				$s //= session($paths[$k]);
				defined $s ? deliver($text, $rcpt) : 'none';
			};
			if (!defined $code) {
				die $@ if $@ !~ /connection closed/;
				undef $s;
				$again++;
			}
			last if defined $code && $code eq '250';
			die "lmtp-replay.pl: $files[$i]: not taken in 120 s\n"
			    if time > $until;
			$retried++ if defined $code && $code ne 'none';
			select(undef, undef, undef, 0.1);
		}
		$accepted++;
	}
	command('QUIT', qr/^221$/) if defined $s;
	print "$paths[$k]: sent $sent, accepted $accepted, retried $retried, ",
	    "reconnected $again\n";
	return 1;
}

exit(in_order() ? 0 : 1) unless $at_once;
my @kids;
for my $k (0 .. $#paths) {
	my $pid = fork() // die "lmtp-replay.pl: fork: $!\n";
	if ($pid == 0) {
		$| = 1;
		exit(share($k) ? 0 : 1);
	}
	push @kids, $pid;
}
my $failed = 0;
for (@kids) {
	waitpid($_, 0);
	$failed++ if $? != 0;
}
exit($failed ? 1 : 0);
