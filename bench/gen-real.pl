#!/usr/bin/perl
# gen-real.pl: a month of real-format bounces, N files in DIR, for
# bench/query.sh (REAL=N): what a list's bounce address receives.
#
# Each message is one of the samples of tests/data and tests/data/mta
# that names one recipient (found with "rebound parse"), the
# recipient's address replaced everywhere (any case) by a subscriber's:
# local parts from a pool of 50,000, domains in the proportions of a
# consumer list (a few big providers, then a long tail of 2,000).  The
# Date and Message-ID lines are made new, dated across 30 days; a
# soft bounce comes back on later days (retries), and 1 message in 50
# arrives twice, byte for byte (duplicates, as a maildir gets them).
# Linear in N: one pass, each file written once.
#
# Usage: bench/gen-real.pl REBOUND N DIR
use strict;
use warnings;

my ($rebound, $n, $dir) = @ARGV;
die "usage: gen-real.pl REBOUND N DIR\n" unless defined $dir;
use Cwd qw(abs_path);
my $top = abs_path($0) =~ s{/bench/[^/]*$}{}r;
srand(22);

# The samples with one recipient, and that recipient.
my @templates;
my @files = (glob("$top/tests/data/*.eml"), glob("$top/tests/data/mta/*/*.eml"));
open(my $p, "-|", $rebound, "parse", @files) or die "$rebound: $!";
my (%rcpt, %rows, %soft, %name);
my @by_name;
while (<$p>) {
	chomp;
	my @f = split /\t/;
	next if $f[0] eq 'file' || $f[6] eq '-' || $f[6] eq '';
	$rows{$f[0]}++;
	$rcpt{$f[0]} = $f[6];
	$soft{$f[0]} = $f[5] eq '0';
}
close($p);
for my $f (@files) {
	my $base = $f =~ s{.*/}{}r;
	next unless ($rows{$base} // 0) == 1;
	open(my $in, "<", $f) or die "$f: $!";
	local $/;
	my $m = <$in>;
	my $r = $rcpt{$base};
	next unless $r =~ /^[\x21-\x7e]+$/ && $m =~ /\Q$r\E/i;
	push @templates, [$m, $r, $soft{$base}];
}
die "gen-real.pl: no samples\n" unless @templates;

my @big = (['gmail.com', 30], ['yahoo.com', 9], ['hotmail.com', 7],
    ['outlook.com', 6], ['aol.com', 3], ['icloud.com', 3], ['gmx.de', 2],
    ['web.de', 2], ['orange.fr', 2], ['comcast.net', 2]);
my $tail = 34;		# percent for the 2,000 small domains
sub domain {
	my $x = rand(100);
	for my $d (@big) {
		return $d->[0] if ($x -= $d->[1]) < 0;
	}
	return sprintf("d%d.example", int(2000 * rand() * rand()));
}

my $start = 1764547200;		# 2025-12-01 00:00 UTC
my @days = qw(Sun Mon Tue Wed Thu Fri Sat);
my @months = qw(Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec);
sub rfc822 {
	my @t = gmtime($_[0]);
	return sprintf("%s, %d %s %d %02d:%02d:%02d +0000", $days[$t[6]],
	    $t[3], $months[$t[4]], $t[5] + 1900, $t[2], $t[1], $t[0]);
}

mkdir $dir;
my ($i, $file) = (0, 0);
sub put {
	my ($m) = @_;
	my $path = sprintf("%s/m%08d.eml", $dir, $file++);
	open(my $out, ">", $path) or die "$path: $!";
	print $out $m;
	close($out);
}
while ($i < $n) {
	my ($m, $r, $soft) = @{$templates[int(rand(@templates))]};
	my $to = sprintf("user%d@%s", int(rand(50000)), domain());
	my $at = $start + int(rand(30 * 86400));
	my $tries = $soft ? 1 + int(rand(4)) : 1;
	for my $try (1 .. $tries) {
		last if $i >= $n;
		my $copy = $m;
		$copy =~ s/\Q$r\E/$to/gi;
		my $date = rfc822($at + ($try - 1) * 86400);
		my $id = sprintf("<%d.%d\@bounce.example>", $i, $at);
		$copy =~ s/^Date:[^\n]*(\n[ \t][^\n]*)*/Date: $date/m;
		$copy =~ s/^Message-ID:[^\n]*/Message-ID: $id/mi;
		put($copy);
		$i++;
		if ($i < $n && rand(50) < 1) {
			put($copy);
			$i++;
		}
	}
}
