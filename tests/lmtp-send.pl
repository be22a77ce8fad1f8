#!/usr/bin/perl
# lmtp-send.pl: one LMTP transaction, as an MTA makes it, for the tests.
#
#   perl lmtp-send.pl SOCKET FILE RCPT...
#
# Connects to the unix socket SOCKET, sends LHLO, MAIL FROM:<>, one RCPT
# per RCPT, DATA and FILE (dot-stuffed, CRLF line ends), then QUIT, each
# in turn after the reply to the one before.  Prints every reply line the
# server sent, CR removed, so that a test greps for "250 2.0.0 <a@b>".
# Stops early (after printing it) at a reply that ends the dialogue: a
# 421, or a 4xx/5xx to MAIL or DATA.  Gives up after 30 seconds.  With
# LMTP_SEND_TIME set, says on stderr how long the transaction took, from
# the connection to the last reply to DATA ("transaction N ms"): the
# server's time, not the time this program took to start.
use strict;
use warnings;
use IO::Socket::UNIX;

# Time::HiRes only when asked: a minimal Debian's perl-base lacks it (the
# container test runs this inside one).
my $clock = sub { time };
if ($ENV{LMTP_SEND_TIME}) {
	require Time::HiRes;
	$clock = \&Time::HiRes::time;
}

my ($path, $file, @rcpts) = @ARGV;
die "usage: lmtp-send.pl SOCKET FILE RCPT...\n" unless @rcpts;
alarm 30;
my $t0 = $clock->();
my $s = IO::Socket::UNIX->new(Peer => $path) or die "connect $path: $!\n";

# One reply (its continuation lines too); returns the last line's code.
sub reply {
	while (defined(my $line = <$s>)) {
		$line =~ s/\r?\n$//;
		print "$line\n";
		return substr($line, 0, 3) if $line !~ /^\d{3}-/;
	}
	return "000";
}
sub command {
	print $s "$_[0]\r\n";
	return reply();
}

open(my $in, '<', $file) or die "$file: $!\n";
my $text = do { local $/; <$in> };
$text =~ s/\r?\n/\r\n/g;
$text .= "\r\n" unless $text =~ /\r\n$/;
$text =~ s/^\./../mg;

exit 1 if reply() ne "220";
command("LHLO test.example.org");
exit 1 if command("MAIL FROM:<>") !~ /^2/;
command("RCPT TO:<$_>") for @rcpts;
exit 1 if command("DATA") ne "354";
print $s $text, ".\r\n";
reply() for @rcpts;
printf STDERR "transaction %d ms\n", ($clock->() - $t0) * 1000 if $ENV{LMTP_SEND_TIME};
command("QUIT");
