#!/usr/bin/perl
# order-shuffle.pl: one directory of bounces, copied in another order,
# for tests/order.sh.
#
#   perl order-shuffle.pl MODE SEED IN OUT [FIRST]
#
# IN is a maildir (or a directory of message files); the order of a
# message is that of its own Date header (RFC 5322, any zone), read
# here, not of its file name.  OUT gets the same messages:
#
#   dated     OUT/new/NNNNNN, numbered in date order
#   reversed  OUT/new/NNNNNN, numbered in reverse date order
#   shuffled  OUT/new/NNNNNN, numbered in a random order
#   hourly    OUT/new/NNNNNN, hour by hour in date order, in a random
#             order within each hour (an MTA's queue delivering them)
#   mbox      OUT (a file): one mbox, messages in a random order
#
# With FIRST, only the FIRST messages by date are copied, or with @T
# those dated up to the Unix time T (a month cut short, so that some
# addresses are still waiting for a second bounce).
#
# In every mode alike, the dates are also written in other forms, the
# same instant each time: every 3rd in another zone (-0800, +0530, or the
# obsolete EST and GMT), every 5th without its day name and with
# comments, and every 7th that has a DSN Arrival-Date loses its Date
# altogether (the DSN's own date must then be used).  Files get their
# bounce's time as mtime.  Perl core modules only.
use strict;
use warnings;
use Time::Local qw(timegm);
use File::Path qw(make_path);

my ($mode, $seed, $in, $out, $first) = @ARGV;
die "usage: order-shuffle.pl MODE SEED IN OUT [FIRST]\n" unless defined $out;
srand($seed);
$in = "$in/new" if -d "$in/new";
opendir(my $dh, $in) or die "order-shuffle.pl: $in: $!\n";
my @files = sort grep { !/^\./ && -f "$in/$_" } readdir($dh);
closedir $dh;

my %mon = (jan => 0, feb => 1, mar => 2, apr => 3, may => 4, jun => 5,
    jul => 6, aug => 7, sep => 8, oct => 9, nov => 10, dec => 11);

# An RFC 5322 date (numeric zone, or UT/GMT/EST...) to Unix time.
sub when {
	my ($v) = @_;
	$v =~ s/\([^)]*\)//g;
	my ($d, $m, $y, $hh, $mm, $ss, $z) = $v =~
	    /(\d{1,2})\s+(\w{3})\w*\s+(\d{2,4})\s+(\d\d):(\d\d)(?::(\d\d))?\s*([-+]\d{4}|[A-Za-z]+)?/
	    or return undef;
	$y += $y < 50 ? 2000 : 1900 if $y < 100;
	my $t = timegm($ss // 0, $mm, $hh, $d, $mon{lc $m}, $y);
	my %named = (UT => 0, GMT => 0, Z => 0, EST => -500, EDT => -400,
	    CST => -600, CDT => -500, MST => -700, MDT => -600, PST => -800,
	    PDT => -700);
	$z //= '+0000';
	my $off = $z =~ /^[-+]/ ? $z : sprintf('%+05d', $named{uc $z} // 0);
	my ($sign, $zh, $zm) = $off =~ /([-+])(\d\d)(\d\d)/;
	my $secs = $zh * 3600 + $zm * 60;
	return $sign eq '+' ? $t - $secs : $t + $secs;
}

my @days = qw(Sun Mon Tue Wed Thu Fri Sat);
my @mons = qw(Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec);

# Unix time t written in zone (minutes east, name for the obsolete form).
sub rfc5322 {
	my ($t, $east, $name, $dayname) = @_;
	my @g = gmtime($t + $east * 60);
	my $zone = $name // sprintf('%s%02d%02d', $east < 0 ? '-' : '+',
	    abs($east) / 60, abs($east) % 60);
	return sprintf('%s%d %s %d %02d:%02d:%02d %s', $dayname ?
	    "$days[$g[6]], " : '', $g[3], $mons[$g[4]], $g[5] + 1900, $g[2],
	    $g[1], $g[0], $zone);
}

my @zones = ([-480], [330], [-300, 'EST'], [0, 'GMT']);
my @msgs;
for my $i (0 .. $#files) {
	open(my $fh, '<', "$in/$files[$i]") or die "$in/$files[$i]: $!\n";
	my $text = do { local $/; <$fh> };
	close $fh;
	my ($head) = split /\r?\n\r?\n/, $text, 2;
	my ($date) = $head =~ /^Date:[ \t]*(.*(?:\r?\n[ \t].*)*)/mi;
	my $t = defined $date ? when($date) : undef;
	die "order-shuffle.pl: $files[$i]: no Date to order it by\n"
	    unless defined $t;
	{
		my $new;
		if ($i % 7 == 3 && $text =~ /^Arrival-Date:/mi) {
			$new = undef;
		} elsif ($i % 3 == 1) {
			my $z = $zones[$i / 3 % @zones];
			$new = rfc5322($t, $z->[0], $z->[1], 1);
		} elsif ($i % 5 == 2) {
			$new = rfc5322($t, 0, '+0000 (Coordinated Universal Time)', 0);
		}
		if ($i % 7 == 3 && $text =~ /^Arrival-Date:/mi) {
			$text =~ s/^Date:[ \t]*.*(?:\r?\n[ \t].*)*\r?\n//mi;
		} elsif (defined $new) {
			$text =~ s/^Date:[ \t]*.*(?:\r?\n[ \t].*)*$/Date: $new/mi;
		}
	}
	push @msgs, [$t, $i, $text];
}

# A random order, the same for a seed: Fisher-Yates.
sub shuffle {
	my @a = @_;
	for (my $i = $#a; $i > 0; $i--) {
		my $j = int(rand($i + 1));
		@a[$i, $j] = @a[$j, $i];
	}
	return @a;
}

my @order = sort { $a->[0] <=> $b->[0] || $a->[1] <=> $b->[1] } @msgs;
if (defined $first && $first =~ /^@(\d+)$/) {
	@order = grep { $_->[0] <= $1 } @order;
} elsif (defined $first && $first < @order) {
	splice(@order, $first);
}
if ($mode eq 'reversed') {
	@order = reverse @order;
} elsif ($mode eq 'shuffled' || $mode eq 'mbox') {
	@order = shuffle(@order);
} elsif ($mode eq 'hourly') {
	my %hour;
	push @{$hour{int($_->[0] / 3600)}}, $_ for @order;
	@order = map { shuffle(@{$hour{$_}}) } sort { $a <=> $b } keys %hour;
} elsif ($mode ne 'dated') {
	die "order-shuffle.pl: unknown mode $mode\n";
}

if ($mode eq 'mbox') {
	open(my $mb, '>', $out) or die "$out: $!\n";
	for my $m (@order) {
		my $text = $m->[2];
		$text =~ s/\r\n/\n/g;
		$text =~ s/^(>*From )/>$1/mg;
		$text .= "\n" unless $text =~ /\n\z/;
		print $mb "From MAILER-DAEMON ", scalar(gmtime($m->[0])), "\n",
		    $text, "\n";
	}
	close $mb or die "$out: $!\n";
	exit 0;
}
make_path("$out/new", "$out/cur", "$out/tmp");
my $n = 0;
for my $m (@order) {
	my $f = sprintf('%s/new/%06d', $out, ++$n);
	open(my $fh, '>', $f) or die "$f: $!\n";
	print $fh $m->[2];
	close $fh or die "$f: $!\n";
	utime($m->[0], $m->[0], $f);
}
