#!/usr/bin/perl
# replay-check.pl: a replayed month's answers against its truth.
#
#   perl replay-check.pl MONTH PRUNE INCIDENTS
#
# MONTH is what gen-month.pl wrote (MONTH/truth, MONTH/bursts), PRUNE
# the output of "rebound prune" (plain: an address a line), INCIDENTS
# that of "rebound incidents --format csv" (a header line naming at
# least group, kind, opened and addresses; times as Unix time or UTC
# "YYYY-MM-DD HH:MM:SS", "T" and "Z" or an offset allowed).  Prints one
# figure a line, "NAME<TAB>VALUE", for the test to compare:
#
#   dead, complained, live       addresses of each truth
#   live_listed                  live subscribers prune lists
#   dead_kept, complained_kept   those it should list and does not
#   cleanup, cleanup_listed      addresses of the corporate clean-ups
#   incidents                    incidents listed
#   incidents_columns            "ok", or the columns missing
#   incidents_elsewhere          incidents of a group with no burst
#   burst                        GROUP<TAB>DOMAINS<TAB>ADDRESSES<TAB>
#                                LENGTH<TAB>INCIDENTS<TAB>KIND<TAB>
#                                DELAY<TAB>HELD: each burst (its
#                                provider, domains, live addresses and
#                                seconds), the incidents of its group,
#                                the first one's kind, seconds from the
#                                burst's start to its opening, addresses
#                                it held ("-" where there is none)
#
# and, as "# " lines, a few of the addresses behind a wrong figure.
use strict;
use warnings;

my ($month, $prune, $incidents) = @ARGV;
die "usage: replay-check.pl MONTH PRUNE INCIDENTS\n" unless defined $incidents;

sub lines {
	open(my $f, '<', $_[0]) or die "replay-check.pl: $_[0]: $!\n";
	my @l = map { s/\r?\n\z//r } <$f>;
	return @l;
}

# The truth, and what prune says.
my %listed = map { lc($_) => 1 } grep { /\S/ } lines($prune);
my (%n, %wrong);
my @truth = lines("$month/truth");
shift @truth;
for (@truth) {
	my ($addr, $truth, $why) = split /\t/;
	my $on = $listed{lc $addr};
	$n{$truth}++;
	if ($why =~ /clean-up/) {
		$n{cleanup}++;
		$n{cleanup_listed}++ if $on;
	}
	if ($truth eq 'live' && $on) {
		$n{live_listed}++;
		push @{$wrong{live_listed}}, "$addr ($why)";
	} elsif ($truth ne 'live' && !$on) {
		$n{"${truth}_kept"}++;
		push @{$wrong{"${truth}_kept"}}, "$addr ($why)";
	}
}
print "$_\t", $n{$_} // 0, "\n" for qw(dead complained live live_listed
    dead_kept complained_kept cleanup cleanup_listed);
for my $k (sort keys %wrong) {
	my @w = @{$wrong{$k}};
	print "# $k: ", join(', ', @w[0 .. ($#w < 4 ? $#w : 4)]),
	    @w > 5 ? sprintf(' and %d more', @w - 5) : '', "\n";
}

# Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
sub days_from_civil {
	my ($y, $m, $d) = @_;
	$y -= $m <= 2;
	my $era = int(($y >= 0 ? $y : $y - 399) / 400);
	my $yoe = $y - $era * 400;
	my $doy = int((153 * ($m + ($m > 2 ? -3 : 9)) + 2) / 5) + $d - 1;
	return $era * 146097 + $yoe * 365 + int($yoe / 4) - int($yoe / 100) +
	    $doy - 719468;
}
sub unix_time {
	my $t = shift // '';
	return $t if $t =~ /^\d+$/;
	my ($y, $mo, $d, $h, $mi, $s, $z) = $t =~
	    /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.\d+)?\s*(Z|UTC|[+-]\d\d:?\d\d)?$/
	    or return undef;
	my $off = 0;
	if (defined $z && $z =~ /^([+-])(\d\d):?(\d\d)$/) {
		$off = ($1 eq '-' ? -1 : 1) * ($2 * 3600 + $3 * 60);
	}
	return days_from_civil($y, $mo, $d) * 86400 + $h * 3600 + $mi * 60 + $s - $off;
}

# A CSV line: quoted fields, "" a quote inside one (RFC 4180).
sub csv_fields {
	my $line = shift;
	my @f;
	for (;;) {
		if ($line =~ s/\A"((?:[^"]|"")*)"//) {
			push @f, $1 =~ s/""/"/gr;
		} else {
			$line =~ s/\A([^,]*)//;
			push @f, $1;
		}
		return @f unless $line =~ s/\A,//;
	}
}
my @rows = grep { /\S/ } lines($incidents);
my @head = map { lc } csv_fields(shift(@rows) // '');
my %col;
@col{@head} = 0 .. $#head;
my @missing = grep { !exists $col{$_} } qw(group kind opened addresses);
print "incidents\t", scalar(@rows), "\n";
print "incidents_columns\t", @missing ? "missing @missing" : 'ok', "\n";
my @inc = map {
	my @f = csv_fields($_);
	+{ map { $_ => $f[$col{$_}] } grep { exists $col{$_} } qw(group kind opened addresses) }
} @rows;

my @bursts = lines("$month/bursts");
shift @bursts;
my %burst_group;
for (@bursts) {
	my ($group, undef, $start, $end, $victims, $domains) = split /\t/;
	$burst_group{lc $group} = 1;
	my @mine = sort { (unix_time($a->{opened}) // 0) <=> (unix_time($b->{opened}) // 0) }
	    grep { lc($_->{group} // '') eq lc $group } @inc;
	my ($kind, $delay, $held) = ('-', '-', '-');
	if (@mine) {
		my $opened = unix_time($mine[0]{opened});
		$kind = $mine[0]{kind} // '-';
		$delay = defined $opened ? $opened - $start : 'unreadable';
		$held = $mine[0]{addresses} // '-';
	}
	print join("\t", 'burst', $group, $domains, $victims, $end - $start, scalar(@mine),
	    $kind, $delay, $held), "\n";
}
my @elsewhere = grep { !$burst_group{lc($_->{group} // '')} } @inc;
print "incidents_elsewhere\t", scalar(@elsewhere), "\n";
print "# incident elsewhere: ", join(', ', map {
	sprintf('%s (%s, %s addresses, opened %s)', map { $_ // '?' }
	    @$_{qw(group kind addresses opened)}) } @elsewhere[0 .. ($#elsewhere < 4 ? $#elsewhere : 4)]),
    "\n" if @elsewhere;
