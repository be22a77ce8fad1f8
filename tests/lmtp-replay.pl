#!/usr/bin/perl
# lmtp-replay.pl: deliver a directory of bounces over LMTP, in order, as
# one MTA connection delivering a queue.
#
#   perl lmtp-replay.pl SOCKET[,SOCKET...] DIR
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
# at a time, in order.  Perl core modules only.
use strict;
use warnings;
use IO::Socket::UNIX;

my ($path, $dir) = @ARGV;
die "usage: lmtp-replay.pl SOCKET[,SOCKET...] DIR\n" unless defined $dir;
$dir = "$dir/new" if -d "$dir/new";
opendir(my $dh, $dir) or die "lmtp-replay.pl: $dir: $!\n";
my @files = sort grep { !/^\./ && -f "$dir/$_" } readdir($dh);
closedir $dh;

my @sessions = map {
	IO::Socket::UNIX->new(Peer => $_)
	    or die "lmtp-replay.pl: connect $_: $!\n"
} split(/,/, $path);
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
	print $s "$cmd\r\n";
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
	print $s $text, ".\r\n";
	($code, my $line) = reply();
	die "lmtp-replay.pl: DATA: $line\n" if $code !~ /^(250|4\d\d)$/;
	return $code;
}

for (@sessions) {
	$s = $_;
	my ($code, $line) = reply();
	die "lmtp-replay.pl: greeting: $line\n" if $code ne '220';
	command('LHLO replay.example.org', qr/^250$/);
}
my ($sent, $accepted, $retried) = (0, 0, 0);
for my $f (@files) {
	$s = $sessions[$sent % @sessions];
	open(my $in, '<', "$dir/$f") or die "lmtp-replay.pl: $dir/$f: $!\n";
	my $text = do { local $/; <$in> };
	close $in;
	my ($rcpt) = $text =~ /^Delivered-To:\s*(\S+)/mi;
	$rcpt //= 'news-bounces@lists.example.org';
	$text =~ s/\r?\n/\r\n/g;
	$text .= "\r\n" unless $text =~ /\r\n\z/;
	$text =~ s/^\./../mg;
	$sent++;
	for my $try (1 .. 101) {
		die "lmtp-replay.pl: $f: still refused after 100 tries\n" if $try > 100;
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
exit($accepted == @files ? 0 : 1);
