#!/usr/bin/perl
# gen-month.pl: a month of a mailing list's bounces, for the replays of
# issue 14 (tests/replay.sh, bench/replay.sh).
#
#   perl gen-month.pl --out DIR [OPTION...]
#
#   --seed N          the random choices (1)
#   --month YYYY-MM   the month (2026-11)
#   --scale N         N of each group, see below (1)
#   --hostco          add a hosting provider's burst
#   --oldcorp         add a corporate domain's week-long clean-up
#   --verp            the list's envelope is VERP (news-bounces+a=b@...)
#   --domains N --dead N --full N --abandoned N --big-dead N --burst N
#   --burst-minutes N --complaints N --hostco-domains N --hostco-dead N
#   --hostco-burst N --oldcorp-size N --oldcorp-days N: the counts below
#   --send-hour H --spread H   when each day's issue goes out, how long
#                     its delivery takes (6, 4)
#   --repeat N --cap N --window S   see below (2, 15, 3600)
#
# The list news@lists.example.org (List-Id <news.lists.example.org>)
# sends one issue a day, delivered over --spread hours from --send-hour
# UTC by its relays: out1 (Postfix), out2 (Exim, plain-text bounces),
# out3 (Exim, DSN bounces).  What comes back, each message a file of
# DIR/new/ (a maildir) named by its Date, so that names sort in time:
#
#  - from ordinary domains (--domains, 60): dead addresses (--dead, 110),
#    refused at RCPT (the relay's DSN quotes the remote reply) or, at
#    domains running Exchange, accepted and then refused by an Exchange
#    NDR; mailboxes full for a day to three (--full, 30: live) and
#    abandoned full mailboxes, full every day until the list drops them
#    (--abandoned, 8: dead, as the policy's 5 soft days say);
#  - from the large provider bigmail.example (MX mx1..mx4): dead
#    addresses (--big-dead, 40), and one 30-minute burst in which it
#    answers 5.1.1 for live subscribers (--burst, 500);
#  - complaints, ARF feedback reports (--complaints, 5);
#  - with --hostco: a provider whose MX mx.hostco.example hosts
#    --hostco-domains (300) customer domains, with --hostco-dead (30)
#    dead addresses and a 30-minute burst of --hostco-burst (400) live
#    ones spread over its domains, so that no domain alone crosses the
#    guard's threshold and the provider does;
#  - with --oldcorp: the slow clean-up of a dead corporate domain,
#    oldcorp.example: --oldcorp-size (120) mailboxes deleted over
#    --oldcorp-days (7) days (Exchange answers 5.1.10), then the domain
#    itself gone from the DNS (host not found) for those left.  These
#    are dead: no guard must hold them.
#
# --scale N makes N of each group (N*60 ordinary domains, N large
# providers bigmail.example, bigmail2.example..., each with its own
# burst, N hosting providers, N corporate domains, N*5 complaints): a
# bigger list, with the same rate per group.
#
# A dead address bounces on each day the list mails it, until it has
# bounced on --repeat (2) days outside the bursts of its groups: then
# the list drops it, as it drops what "rebound prune" lists (a hard
# bounce of likely confidence needs a second day; one held by an
# incident does not count).  Outside the bursts, no group (recipient
# domain, or provider: the registered domain of the MX) gets hard
# bounces for more than --cap (15) distinct addresses in any --window
# (3600) seconds: deliveries are placed so, and the generator checks it.
# The guard's defaults are 20 in an hour.
#
# Besides new/, it writes DIR/truth: "address<TAB>truth<TAB>why<TAB>
# domain<TAB>provider<TAB>bounces" for every address that bounced or
# complained, truth dead, complained or live; DIR/bursts: "group<TAB>
# kind<TAB>start<TAB>end<TAB>addresses<TAB>domains<TAB>start_utc" for
# each burst (kind provider; start and end Unix time); and prints a
# summary.  Deterministic: the same options give the same bytes (Perl
# core modules only, its own random number generator).  Every format is
# written from the MTAs' own documentation and sources: Postfix's
# bounce(5) templates and DSN fields, Exim's deliver.c text and DSNs,
# Exchange's NDRs (2003 text, 2010+ with a DSN part), RFC 5965 ARF.
use strict;
use warnings;
use Getopt::Long qw(GetOptions);

my %o = (
	seed => 1, month => '2026-11', scale => 1, out => undef,
	hostco => 0, oldcorp => 0, verp => 0,
	domains => 60, dead => 110, full => 30, abandoned => 8,
	'big-dead' => 40, burst => 500, 'burst-minutes' => 30, complaints => 5,
	'hostco-domains' => 300, 'hostco-dead' => 30, 'hostco-burst' => 400,
	'oldcorp-size' => 120, 'oldcorp-days' => 7,
	'send-hour' => 6, spread => 4, repeat => 2, cap => 15, window => 3600,
);
GetOptions(\%o, 'seed=i', 'month=s', 'scale=i', 'out=s', 'hostco!',
    'oldcorp!', 'verp!', 'domains=i', 'dead=i', 'full=i', 'abandoned=i',
    'big-dead=i', 'burst=i', 'burst-minutes=i', 'complaints=i',
    'hostco-domains=i', 'hostco-dead=i', 'hostco-burst=i',
    'oldcorp-size=i', 'oldcorp-days=i', 'send-hour=i', 'spread=f',
    'repeat=i', 'cap=i', 'window=i',
    'help' => sub { usage(0) }) or usage(2);
usage(2) unless defined $o{out} && $o{month} =~ /^(\d{4})-(\d\d)$/ &&
    $2 >= 1 && $2 <= 12 && $o{scale} >= 1 && $o{repeat} >= 1;

sub usage {
	open(my $in, '<', $0) or exit $_[0];
	while (<$in>) {
		last unless /^#/;
		print STDERR s/^# ?//r if $. > 1;
	}
	exit $_[0];
}

# ---------------------------------------------------------------- random
# xorshift32, one stream per purpose, seeded from --seed and a name, so
# that adding a variation does not change what the others draw.
sub rng {
	my $h = 2166136261;
	for (unpack('C*', "$o{seed}/$_[0]")) {
		$h ^= $_;
		$h = ($h * 16777619) & 0xffffffff;
	}
	my $s = $h || 1;
	return \$s;
}
sub rnd {
	my $r = shift;
	my $x = $$r;
	$x ^= ($x << 13) & 0xffffffff;
	$x ^= $x >> 17;
	$x ^= ($x << 5) & 0xffffffff;
	$$r = $x;
	return $x / 4294967296;
}
sub rint { my ($r, $lo, $hi) = @_; return $lo + int(rnd($r) * ($hi - $lo + 1)); }
sub pick { my ($r, @l) = @_; return $l[int(rnd($r) * @l)]; }
sub shuffled {
	my ($r, @l) = @_;
	for (my $i = $#l; $i > 0; $i--) {
		my $j = int(rnd($r) * ($i + 1));
		@l[$i, $j] = @l[$j, $i];
	}
	return @l;
}

# ---------------------------------------------------------------- time
my ($year, $mon) = $o{month} =~ /^(\d+)-(\d+)$/;
# Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
sub days_from_civil {
	my ($y, $m, $d) = @_;
	$y -= $m <= 2;
	my $era = int(($y >= 0 ? $y : $y - 399) / 400);
	my $yoe = $y - $era * 400;
	my $doy = int((153 * ($m + ($m > 2 ? -3 : 9)) + 2) / 5) + $d - 1;
	my $doe = $yoe * 365 + int($yoe / 4) - int($yoe / 100) + $doy;
	return $era * 146097 + $doe - 719468;
}
my $month_start = days_from_civil($year, $mon, 1) * 86400;
my $ndays = (days_from_civil($mon == 12 ? $year + 1 : $year,
    $mon == 12 ? 1 : $mon + 1, 1) * 86400 - $month_start) / 86400;
sub day_start { return $month_start + ($_[0] - 1) * 86400; }
sub send_time { return day_start($_[0]) + $o{'send-hour'} * 3600; }

my @wday = qw(Thu Fri Sat Sun Mon Tue Wed);
my @mname = qw(Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec);
# RFC 5322 date of Unix time T in the zone +-HHMM, as MTAs write it.
sub rfcdate {
	my ($t, $zone, $comment) = @_;
	$zone //= '+0000';
	my ($sign, $hh, $mm) = $zone =~ /^([+-])(\d\d)(\d\d)$/;
	my $off = ($sign eq '-' ? -1 : 1) * ($hh * 3600 + $mm * 60);
	my @g = gmtime($t + $off);
	return sprintf('%s, %d %s %d %02d:%02d:%02d %s%s',
	    $wday[int(($t + $off) / 86400) % 7], $g[3], $mname[$g[4]],
	    $g[5] + 1900, $g[2], $g[1], $g[0], $zone,
	    defined $comment ? " ($comment)" : '');
}
sub isodate {
	my @g = gmtime($_[0]);
	return sprintf('%04d-%02d-%02d %02d:%02d:%02d', $g[5] + 1900,
	    $g[4] + 1, $g[3], $g[2], $g[1], $g[0]);
}
sub day_of { return int(($_[0] - $month_start) / 86400) + 1; }

# ---------------------------------------------------------------- names
my @syl = qw(al ber cor dan el fen gar hol in jas kel lin mor nor ost
    pel quin ros sol tam ul ven wil xan yor zel bra cre dor fal gri
    hal kin lor mar nel pra sten tor vik);
my @first = qw(anna ben clara david elena felix greta hugo ines jonas
    karin leo maria nils olga paul rosa sven tina uwe vera walter
    yasmin zoe amir bea carl dora emil fatima georg hanna ivan julia
    kurt lena marco nora oscar petra ruth simon tomas ulla viktor);
my @last = qw(adler becker costa dahl eriksen fischer garcia hansen
    ivanova jensen koch lund meyer novak olsen peters quist richter
    schmidt torres ueda vogel weber young zimmer berg holm kraus
    lindqvist moreau nagy ortiz park rossi silva tanaka wagner);
my %taken_domain;
sub domain_name {
	my ($r, $suffix) = @_;
	for (;;) {
		my $n = pick($r, @syl) . pick($r, @syl);
		$n .= pick($r, '', '', '-' . pick($r, qw(net mail online web
		    group works lab)));
		$n .= $suffix // '';
		next if $taken_domain{$n}++;
		return "$n.example";
	}
}
my %taken_addr;
sub local_part {
	my $r = shift;
	my ($f, $l) = (pick($r, @first), pick($r, @last));
	return pick($r, "$f.$l", "$f$l", substr($f, 0, 1) . $l, "$f.$l",
	    "$f" . rint($r, 1, 99), "$l.$f", "${f}_$l", "$f-$l");
}
sub new_address {
	my ($r, $domain) = @_;
	for (;;) {
		my $a = local_part($r) . '@' . $domain;
		return $a unless $taken_addr{$a}++;
	}
}
my $ipn = 0;
sub new_ip {
	my @nets = ('192.0.2', '198.51.100', '203.0.113');
	my $n = $ipn++;
	return $nets[$n % 3] . '.' . (30 + int($n / 3) % 220);
}

# ---------------------------------------------------------------- groups
# A domain: its name, its MX hosts (and their addresses), how it
# answers (style), and its provider: the registered domain of its MX.
my (@domains, %domain);
sub registered { my @l = split(/\./, $_[0]); return join('.', @l[-2, -1]); }
sub add_domain {
	my ($name, $kind, $style, @mx) = @_;
	my $d = { name => $name, kind => $kind, style => $style,
	    mx => [@mx], provider => registered($mx[0]) };
	push @domains, $d;
	$domain{$name} = $d;
	return $d;
}
my %ip_of;
sub mx_ip { return $ip_of{$_[0]} //= new_ip(); }

my $rg = rng('groups');
my (@ordinary, @bigs, @hostcos, @oldcorps);
my @smallhosts = map { "mx.smallhost$_.example" } 1 .. 3 * $o{scale};
for my $i (1 .. $o{domains} * $o{scale}) {
	my $name = domain_name($rg);
	my $x = rnd($rg);
	my $d;
	if ($x < 0.25) {
		$d = add_domain($name, 'ordinary', 'exchange', "mail.$name");
	} elsif ($x < 0.35) {
		$d = add_domain($name, 'ordinary', 'postfix-virtual',
		    pick($rg, @smallhosts));
	} else {
		$d = add_domain($name, 'ordinary', pick($rg, qw(postfix-local
		    postfix-virtual sendmail dovecot generic generic)),
		    rnd($rg) < 0.5 ? "mx.$name" : ("mx1.$name", "mx2.$name"));
	}
	push @ordinary, $d;
}
for my $i (1 .. $o{scale}) {
	my $n = $i == 1 ? 'bigmail' : "bigmail$i";
	push @bigs, add_domain("$n.example", 'big', 'bigmail',
	    map { "mx$_.$n.example" } 1 .. 4);
}
if ($o{hostco}) {
	for my $i (1 .. $o{scale}) {
		my $n = $i == 1 ? 'hostco' : "hostco$i";
		my @mine;
		push @mine, add_domain(domain_name($rg), 'hosted',
		    'postfix-virtual', "mx.$n.example")
		    for 1 .. $o{'hostco-domains'};
		push @hostcos, { provider => "$n.example", domains => \@mine };
	}
}
if ($o{oldcorp}) {
	for my $i (1 .. $o{scale}) {
		my $n = $i == 1 ? 'oldcorp' : "oldcorp$i";
		push @oldcorps, add_domain("$n.example", 'oldcorp', 'exchange',
		    "mail.$n.example");
	}
}

# ---------------------------------------------------------------- bursts
# One burst per large provider and per hosting provider, on distinct
# days in the month's second half, at a time inside the day's delivery.
my @bursts;
{
	my $rb = rng('bursts');
	my @days = shuffled($rb, 12 .. $ndays - 3);
	my @groups = ((map { [$_->{provider}, [$_]] } @bigs),
	    (map { [$_->{provider}, $_->{domains}] } @hostcos));
	for my $g (@groups) {
		my $day = shift(@days) // rint($rb, 12, $ndays - 3);
		my $start = send_time($day) + rint($rb, 15 * 60,
		    int($o{spread} * 3600) - $o{'burst-minutes'} * 60 - 60);
		push @bursts, { group => $g->[0], domains => $g->[1],
		    day => $day, start => $start,
		    end => $start + $o{'burst-minutes'} * 60 };
	}
}
# Is a bounce of domain D at time T on the day of a burst of its group?
# (The list's bookkeeping: such a bounce may be held, so it does not
# count towards dropping the address.)
sub in_burst_day {
	my ($d, $t) = @_;
	for my $b (@bursts) {
		next unless $b->{group} eq $d->{provider} || $b->{group} eq $d->{name};
		return 1 if day_of($t) == $b->{day};
	}
	return 0;
}

# ---------------------------------------------------------------- events
# An event is one returned message: when, for whom, what (hard, full,
# nohost, complaint), which relay carried the list's message.
my (@events, %truth, %hard_times);
my $rt = rng('timing');
my $rrelay = rng('relays');

# The relay whose bounce tells, and how long after the delivery it is
# dated: refused at RCPT, the list's relay writes its bounce within
# seconds; Exchange accepts, tries inside, and writes its NDR minutes
# later.
sub route {
	my ($d, $what) = @_;
	return 'exchange' if $d->{style} eq 'exchange' && $what ne 'nohost';
	my $x = rnd($rrelay);
	return $x < 0.5 ? 'postfix' : $x < 0.75 ? 'exim' : 'eximdsn';
}
sub latency { return $_[0] eq 'exchange' ? rint($rt, 20, 900) : rint($rt, 1, 90); }

# Would one more hard bounce of ADDR at T keep GROUP within --cap
# distinct addresses in every window that holds T?
sub fits {
	my ($group, $addr, $t) = @_;
	my @near = grep { abs($_->[0] - $t) < $o{window} && $_->[1] ne $addr }
	    @{$hard_times{$group} // []};
	push @near, [$t, $addr];
	@near = sort { $a->[0] <=> $b->[0] } @near;
	for my $i (0 .. $#near) {
		my %in;
		for my $j ($i .. $#near) {
			last if $near[$j][0] - $near[$i][0] >= $o{window};
			$in{$near[$j][1]} = 1;
		}
		return 0 if keys(%in) > $o{cap};
	}
	return 1;
}
# The groups a hard bounce counts for: its domain and, but for a domain
# gone from the DNS (no MX answered), its provider.
sub groups_of {
	my ($d, $what) = @_;
	return ($d->{name}, $what eq 'nohost' ? () : "p:$d->{provider}");
}

sub push_event {
	my ($d, $addr, $what, $relay, $t, $at, %more) = @_;
	push @events, { domain => $d, addr => $addr, what => $what, sent => $t,
	    at => $at, relay => $relay, day => day_of($t), %more };
	$truth{$addr}{bounces}++;
}
# The list mails ADDR on DAY, and it bounces (WHAT: hard, nohost, full):
# at a moment of the day's delivery; for a hard bounce outside a burst,
# one at which none of its groups passes --cap addresses in a --window.
sub bounce {
	my ($d, $addr, $what, $day) = @_;
	my $relay = route($d, $what);
	my $span = int($o{spread} * 3600);
	my @groups = groups_of($d, $what);
	for my $try (1 .. 200) {
		my $t = send_time($day) + int(rnd($rt) * $span);
		my $at = $t + latency($relay);
		next if $what ne 'full' && !in_burst_day($d, $t) &&
		    grep { !fits($_, $addr, $at) } @groups;
		push @{$hard_times{$_}}, [$at, $addr] for $what eq 'full' ? () : @groups;
		push_event($d, $addr, $what, $relay, $t, $at);
		return $t;
	}
	die "gen-month.pl: cannot place a bounce of $addr on day $day under --cap $o{cap}\n";
}

# A dead address: from DAY on, bounced each day the list mails it
# until --repeat of those days fall outside its groups' bursts.
sub dead_from {
	my ($d, $addr, $day, $what, $why) = @_;
	my $counted = 0;
	$truth{$addr} = { truth => 'dead', why => $why, domain => $d };
	for (my $k = $day; $k <= $ndays && $counted < $o{repeat}; $k++) {
		my $what_k = ref $what ? $what->($k) : $what;
		my $t = bounce($d, $addr, $what_k, $k);
		$counted++ unless in_burst_day($d, $t);
	}
	die "gen-month.pl: $addr (dead from day $day) bounced on $counted days only\n"
	    if $counted < $o{repeat};
}
# The latest day a dead address may start bouncing and still bounce on
# --repeat days the list counts.
sub last_death_day { return $ndays - $o{repeat} - 1; }

# Ordinary domains: dead addresses, spread unevenly (a few each).
{
	my $r = rng('ordinary');
	for my $i (1 .. $o{dead} * $o{scale}) {
		my $d = $ordinary[int(rnd($r) ** 1.5 * @ordinary)];
		dead_from($d, new_address($r, $d->{name}), rint($r, 1, last_death_day()),
		    'hard', 'userunknown');
	}
	# Full mailboxes: live ones full for 1-3 days, once in the month;
	# abandoned ones full every day until the list drops them after
	# the policy's 5 soft days.
	for my $i (1 .. $o{full} * $o{scale}) {
		my $d = rnd($r) < 0.3 ? pick($r, @bigs) : pick($r, @ordinary);
		my $addr = new_address($r, $d->{name});
		my $len = rint($r, 1, 3);
		my $day = rint($r, 1, $ndays - $len + 1);
		$truth{$addr} = { truth => 'live', why => "full on $len days", domain => $d };
		bounce($d, $addr, 'full', $_) for $day .. $day + $len - 1;
	}
	for my $i (1 .. $o{abandoned} * $o{scale}) {
		my $d = rnd($r) < 0.3 ? pick($r, @bigs) : pick($r, @ordinary);
		my $addr = new_address($r, $d->{name});
		my $day = rint($r, 1, $ndays - 5);
		$truth{$addr} = { truth => 'dead', why => 'abandoned: full on 5 days', domain => $d };
		bounce($d, $addr, 'full', $_) for $day .. $day + 4;
	}
}

# Large providers: dead addresses over the month, and the burst.
sub burst_victims {
	my ($b, $n, $r) = @_;
	my %per;
	for my $i (1 .. $n) {
		my $d = $b->{domains}[int(rnd($r) * @{$b->{domains}})];
		# Spread over many domains, none alone may pass the cap: the
		# provider does.
		redo if @{$b->{domains}} > 1 && ($per{$d->{name}} // 0) >= $o{cap};
		$per{$d->{name}}++;
		my $addr = new_address($r, $d->{name});
		my $t = $b->{start} + int(rnd($r) * ($b->{end} - $b->{start}));
		$truth{$addr} = { truth => 'live', why => "burst at $b->{group}", domain => $d };
		my $relay = route($d, 'hard');
		push_event($d, $addr, 'hard', $relay, $t, $t + latency($relay), burst => 1);
	}
	$b->{addresses} = $n;
	$b->{ndomains} = scalar(keys %per);
}
{
	my $r = rng('big');
	for my $big (@bigs) {
		dead_from($big, new_address($r, $big->{name}),
		    rint($r, 1, last_death_day()), 'hard', 'userunknown')
		    for 1 .. $o{'big-dead'};
	}
	for my $h (@hostcos) {
		for (1 .. $o{'hostco-dead'}) {
			my $d = pick($r, @{$h->{domains}});
			dead_from($d, new_address($r, $d->{name}),
			    rint($r, 1, last_death_day()), 'hard', 'userunknown');
		}
	}
	burst_victims($_, $_->{group} =~ /^hostco/ ? $o{'hostco-burst'} : $o{burst}, $r)
	    for @bursts;
}

# The corporate domain's clean-up: mailboxes deleted a few a day over
# --oldcorp-days days, Exchange answering 5.1.10; on the last day the
# domain leaves the DNS and every address left fails "host not found",
# the days after too.
{
	my $r = rng('oldcorp');
	for my $d (@oldcorps) {
		my $first = rint($r, 3, $ndays - $o{'oldcorp-days'} - $o{repeat} - 2);
		my $gone = $first + $o{'oldcorp-days'} - 1;
		my $n = $o{'oldcorp-size'};
		my $left = int($n / 6);
		for my $i (1 .. $n) {
			my $addr = new_address($r, $d->{name});
			my $day = $i <= $n - $left ? rint($r, $first, $gone - 1) : $gone;
			$d->{gone} = $gone;
			dead_from($d, $addr, $day, sub { $_[0] >= $gone ? 'nohost' : 'hard' },
			    'oldcorp clean-up');
		}
		$d->{first} = $first;
	}
}

# Complaints: live subscribers who press "spam" hours after the issue.
{
	my $r = rng('complaints');
	for my $i (1 .. $o{complaints} * $o{scale}) {
		my $d = $i % 5 < 3 ? pick($r, @bigs) : pick($r, @ordinary);
		my $addr = new_address($r, $d->{name});
		my $day = rint($r, 1, $ndays - 2);
		$truth{$addr} = { truth => 'complained', why => 'complaint', domain => $d };
		my $t = send_time($day) + int(rnd($rt) * $o{spread} * 3600);
		push_event($d, $addr, 'complaint', 'arf', $t,
		    $t + rint($r, 3600, 30 * 3600));
	}
}

# ---------------------------------------------------------------- texts
my $list = 'news@lists.example.org';
my $bounces = 'news-bounces@lists.example.org';
my %relay_host = (postfix => 'out1.lists.example.org',
    exim => 'out2.lists.example.org', eximdsn => 'out3.lists.example.org');
my %relay_ip = (postfix => '198.51.100.25', exim => '198.51.100.26',
    eximdsn => '198.51.100.27');
my $rtext = rng('texts');

sub envelope_from {
	my $addr = shift;
	return $bounces unless $o{verp};
	(my $v = $addr) =~ s/@/=/;
	return "news-bounces+$v\@lists.example.org";
}
sub token {
	my ($n, @set) = @_;
	@set = ('A' .. 'Z', 'a' .. 'z', 0 .. 9) unless @set;
	return join('', map { $set[int(rnd($rtext) * @set)] } 1 .. $n);
}
sub issue_subject {
	my @g = gmtime(send_time($_[0]));
	return sprintf('Example News for %d %s %d', $g[3],
	    (qw(January February March April May June July August September
	    October November December))[$g[4]], $g[5] + 1900);
}

# The list's message as the subscriber's server got it: the headers,
# and with BODY its text (some bounces return only the headers).
sub returned {
	my ($e, $body) = @_;
	my $relay = $e->{relay} =~ /^(postfix|exim|eximdsn)$/ ? $e->{relay} : 'postfix';
	my $issue = send_time($e->{day});
	my $mid = sprintf('%s.%s@lists.example.org', isodate($issue) =~ s/\D//gr,
	    token(10, 'a' .. 'z', 0 .. 9));
	my $via = $relay eq 'postfix' ?
	    "by $relay_host{$relay} (Postfix) with ESMTPS id " . token(12) :
	    "by $relay_host{$relay} with esmtps (Exim 4.96)\n\t(envelope-from <" .
	    envelope_from($e->{addr}) . ">)\n\tid " . token(6) . '-' . token(6) . '-' . token(2);
	my $h = "Return-Path: <" . envelope_from($e->{addr}) . ">\n" .
	    "Received: from lists.example.org (lists.example.org [198.51.100.20])\n" .
	    "\t$via\n\tfor <$e->{addr}>; " . rfcdate($e->{sent}) . "\n" .
	    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=lists.example.org;\n" .
	    "\ts=news; t=$issue; bh=" . token(43) . "=;\n\th=From:To:Subject:Date:List-Id; b=" .
	    token(60) . "\n" .
	    "Date: " . rfcdate($issue) . "\n" .
	    "From: Example News <$list>\n" .
	    "To: $e->{addr}\n" .
	    "Subject: " . issue_subject($e->{day}) . "\n" .
	    "Message-ID: <$mid>\n" .
	    "List-Id: <news.lists.example.org>\n" .
	    "List-Unsubscribe: <mailto:news-leave\@lists.example.org>,\n" .
	    " <https://lists.example.org/u/" . token(16) . ">\n" .
	    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n" .
	    "Precedence: list\n" .
	    "MIME-Version: 1.0\n" .
	    "Content-Type: text/plain; charset=us-ascii\n" .
	    "Content-Transfer-Encoding: 7bit\n";
	return $h unless $body;
	return "$h\n" . issue_subject($e->{day}) . "\n\n" .
	    "In this issue: the harbour's new ferry timetable, a report from\n" .
	    "the council meeting, and the week's letters.\n\n" .
	    "To leave the list: https://lists.example.org/leave\n";
}

# What the subscriber's server answers to RCPT TO for a dead address
# or a full mailbox, in its own software's words.
sub reply_text {
	my ($e) = @_;
	my ($a, $style) = ($e->{addr}, $e->{domain}{style});
	if ($e->{what} eq 'full') {
		return pick($rtext,
		    "552-5.2.2 The email account that you tried to reach is over quota.\n" .
		    "552-5.2.2 Please direct the recipient to\n" .
		    "552 5.2.2  https://support.bigmail.example/mail/?p=OverQuota " . token(8) . " - bsmtp")
		    if $style eq 'bigmail';
		return pick($rtext,
		    "552 5.2.2 <$a>: Recipient address rejected: Quota exceeded (mailbox for user is full)",
		    "552 5.2.2 <$a>... Mailbox full",
		    "552 5.2.2 Mailbox full: $a",
		    "552 5.2.2 <$a> Quota exceeded (mailbox for user is full)");
	}
	return "550-5.1.1 The email account that you tried to reach does not exist. Please try\n" .
	    "550-5.1.1 double-checking the recipient's email address for typos or\n" .
	    "550-5.1.1 unnecessary spaces. For more information, go to\n" .
	    "550 5.1.1  https://support.bigmail.example/mail/?p=NoSuchUser " . token(8) . " - bsmtp"
	    if $style eq 'bigmail';
	return "550 5.1.1 <$a>: Recipient address rejected: User unknown in virtual mailbox table"
	    if $style eq 'postfix-virtual';
	return "550 5.1.1 <$a>: Recipient address rejected: User unknown in local recipient table"
	    if $style eq 'postfix-local';
	return "550 5.1.1 <$a>... User unknown" if $style eq 'sendmail';
	return "550 5.1.1 <$a> User doesn't exist: $a" if $style eq 'dovecot';
	return "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"
	    if $style eq 'exchange';
	return pick($rtext, "550 5.1.1 <$a>: Recipient unknown",
	    "550 5.1.1 No such user ($a)",
	    "550 5.1.1 $a: Mailbox does not exist",
	    "550 5.1.1 Recipient address rejected: $a: user does not exist");
}

# Fold a line as Postfix does in its notification: at FIRST columns for
# the first line, then indented by four.
sub wrap {
	my ($text, $width) = @_;
	my @out;
	my $line = '';
	for my $w (split(/ /, $text)) {
		if ($line ne '' && length($line) + 1 + length($w) > $width) {
			push @out, $line;
			$line = "    $w";
		} else {
			$line = $line eq '' ? $w : "$line $w";
		}
	}
	push @out, $line;
	return join("\n", @out);
}
# A DSN field folded at 78 columns (RFC 5322 folding: a space leads).
sub field { return wrap("$_[0]: $_[1]", 78) . "\n"; }
sub one_line { my $t = shift; $t =~ s/\n/ /g; return $t; }

sub mx_of {
	my $e = shift;
	my $host = pick($rtext, @{$e->{domain}{mx}});
	return ($host, mx_ip($host));
}

# Postfix on the list's relay: bounce(5)'s failure template, a DSN.
sub postfix_bounce {
	my ($e) = @_;
	my $host = $relay_host{postfix};
	my $qid = token(12, 'B' .. 'D', 'F' .. 'H', 'J' .. 'N', 'P' .. 'T', 'V' .. 'Z', 0 .. 9);
	my $boundary = "$qid.$e->{at}/$host";
	my ($why, $remote, $diag, $status);
	if ($e->{what} eq 'nohost') {
		my $dom = $e->{domain}{name};
		$why = "Host or domain name not found. Name service error for name=$dom type=MX: Host not found";
		$diag = "X-Postfix; $why";
		$status = '5.4.4';
	} else {
		my ($mx, $ip) = mx_of($e);
		my $reply = one_line(reply_text($e));
		$why = "host $mx\[$ip] said: $reply (in reply to RCPT TO command)";
		$remote = $mx;
		$diag = "smtp; $reply";
		($status) = $reply =~ /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})/;
	}
	my $text = wrap("<$e->{addr}>: $why", 78);
	my $dsn = "Reporting-MTA: dns; $host\nX-Postfix-Queue-ID: $qid\n" .
	    "X-Postfix-Sender: rfc822; " . envelope_from($e->{addr}) . "\n" .
	    "Arrival-Date: " . rfcdate($e->{sent}, '+0000', 'UTC') . "\n\n" .
	    "Final-Recipient: rfc822; $e->{addr}\n" .
	    "Original-Recipient: rfc822;$e->{addr}\n" .
	    "Action: failed\nStatus: $status\n" .
	    (defined $remote ? "Remote-MTA: dns; $remote\n" : '') .
	    field('Diagnostic-Code', $diag);
	return envelope_headers($e, "$host (Postfix)") .
	    "Date: " . rfcdate($e->{at}, '+0000', 'UTC') . "\n" .
	    "From: MAILER-DAEMON\@$host (Mail Delivery System)\n" .
	    "Subject: Undelivered Mail Returned to Sender\n" .
	    "To: " . envelope_from($e->{addr}) . "\n" .
	    "Auto-Submitted: auto-replied\n" .
	    "MIME-Version: 1.0\n" .
	    "Content-Type: multipart/report; report-type=delivery-status;\n" .
	    "\tboundary=\"$boundary\"\n" .
	    "Content-Transfer-Encoding: 7bit\n" .
	    "Message-Id: <" . isodate($e->{at}) =~ s/\D//gr . ".$qid\@$host>\n\n" .
	    "This is a MIME-encapsulated message.\n\n" .
	    "--$boundary\nContent-Description: Notification\n" .
	    "Content-Type: text/plain; charset=us-ascii\n\n" .
	    "This is the mail system at host $host.\n\n" .
	    "I'm sorry to have to inform you that your message could not\n" .
	    "be delivered to one or more recipients. It's attached below.\n\n" .
	    "For further assistance, please send mail to postmaster.\n\n" .
	    "If you do so, please include this problem report. You can\n" .
	    "delete your own text from the attached returned message.\n\n" .
	    "                   The mail system\n\n$text\n\n" .
	    "--$boundary\nContent-Description: Delivery report\n" .
	    "Content-Type: message/delivery-status\n\n$dsn\n" .
	    "--$boundary\nContent-Description: Undelivered Message\n" .
	    "Content-Type: message/rfc822\n\n" . returned($e, 1) . "\n" .
	    "--$boundary--\n";
}

# What the maildir's delivery agent adds on top: the envelope.
sub envelope_headers {
	my ($e, $by) = @_;
	my $to = envelope_from($e->{addr});
	return "Return-Path: <>\nDelivered-To: $to\n" .
	    "Received: from " . ($by =~ s/ .*//r) . " by mx.lists.example.org (Postfix)\n" .
	    "\twith ESMTPS id " . token(10) . " for <$to>; " . rfcdate($e->{at} + 1) . "\n";
}

# Exim on the list's relay (deliver.c's text): plain, or with a DSN.
sub exim_bounce {
	my ($e, $with_dsn) = @_;
	my $host = $relay_host{$e->{relay}};
	my $id = token(6) . '-' . token(6) . '-' . token(2);
	my ($detail, $remote, $reply);
	if ($e->{what} eq 'nohost') {
		$detail = "    Unrouteable address";
	} else {
		my ($mx, $ip) = mx_of($e);
		$reply = reply_text($e);
		$remote = $mx;
		$detail = "    host $mx [$ip]\n" .
		    "    SMTP error from remote mail server after RCPT TO:<$e->{addr}>:\n" .
		    join('', map { "    $_\n" } split(/\n/, $reply));
		chomp $detail;
	}
	my $text = "This message was created automatically by mail delivery software.\n\n" .
	    "A message that you sent could not be delivered to one or more of its\n" .
	    "recipients. This is a permanent error. The following address(es) failed:\n\n" .
	    "  $e->{addr}\n$detail\n";
	my $head = envelope_headers($e, "$host (Exim)") .
	    "X-Failed-Recipients: $e->{addr}\n" .
	    "Auto-Submitted: auto-replied\n" .
	    "From: Mail Delivery System <Mailer-Daemon\@$host>\n" .
	    "To: " . envelope_from($e->{addr}) . "\n" .
	    "Subject: Mail delivery failed: returning message to sender\n" .
	    "Message-Id: <E$id\@$host>\n" .
	    "Date: " . rfcdate($e->{at}) . "\n";
	return "$head\n$text\n" .
	    "------ This is a copy of the message, including all the headers. ------\n\n" .
	    returned($e, 1) unless $with_dsn;
	my $b = "$e->{at}-eximdsn-" . int(rnd($rtext) * 2147483647);
	# Exim's Status is 5.0.0, or (later versions) the reply's own code.
	my $status = defined $reply && rnd($rtext) < 0.5 &&
	    $reply =~ /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})/ ? $1 : '5.0.0';
	my $dsn = "Reporting-MTA: dns; $host\n\n" .
	    "Action: failed\nFinal-Recipient: rfc822;$e->{addr}\nStatus: $status\n" .
	    (defined $remote ? "Remote-MTA: dns; $remote\n" .
	    field('Diagnostic-Code', 'smtp; ' . one_line($reply)) : '');
	return $head . "MIME-Version: 1.0\n" .
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=$b\n\n" .
	    "--$b\nContent-type: text/plain; charset=us-ascii\n\n$text\n" .
	    "--$b\nContent-type: message/delivery-status\n\n$dsn\n" .
	    "--$b\nContent-type: message/rfc822\n\n" . returned($e, 1) . "\n--$b--\n";
}

# Exchange at the subscriber's organisation, which took the message and
# then found no mailbox (or a full one): its NDR, three generations.
sub exchange_ndr {
	my ($e) = @_;
	my $dom = $e->{domain}{name};
	my $gen = 'EX' . sprintf('%02d', rint($rtext, 1, 4)) . ".$dom";
	my $zone = pick($rtext, '+0100', '+0000', '-0500', '+0200');
	my $full = $e->{what} eq 'full';
	my $code = $full ?
	    "554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded; Failed to process message due to a permanent exception with message The message can't be submitted because the mailbox is full." :
	    reply_text($e);
	my $status = $full ? '5.2.2' : '5.1.10';
	my $style = rint($rtext, 1, 3);
	my $subject = 'Undeliverable: ' . issue_subject($e->{day});
	my $head = envelope_headers($e, "$gen (Exchange)") .
	    "From: Microsoft Outlook <postmaster\@$dom>\n" .
	    "To: <" . envelope_from($e->{addr}) . ">\n" .
	    "Date: " . rfcdate($e->{at}, $zone) . "\n" .
	    "Subject: $subject\n" .
	    "Message-ID: <" . lc(token(32, 'a' .. 'f', 0 .. 9)) . "\@$gen>\n" .
	    "Auto-Submitted: auto-replied\n" .
	    "X-MS-Exchange-Message-Is-Ndr:\n" .
	    "Content-Language: en-US\n" .
	    "MIME-Version: 1.0\n";
	my $user = $full ?
	    "The recipient's mailbox is full and can't accept messages now. Please try resending this message later, or contact the recipient directly." :
	    "The e-mail address you entered couldn't be found. Please check the recipient's e-mail address and try to resend the message. If the problem continues, please contact your helpdesk.";
	if ($style == 1) {
		# Exchange 2003: text only, the status at the end.
		my @g = gmtime($e->{sent});
		my $sent = sprintf('%d/%d/%d %d:%02d %s', $g[4] + 1, $g[3], $g[5] + 1900,
		    ($g[2] % 12) || 12, $g[1], $g[2] < 12 ? 'AM' : 'PM');
		my $words = $full ?
		    "The recipient's mailbox is full." :
		    "The e-mail account does not exist at the organization this message was sent to.  Check the e-mail address, or contact the recipient directly to find out the correct address.";
		return $head . "Content-Type: text/plain; charset=\"us-ascii\"\n\n" .
		    "Your message did not reach some or all of the intended recipients.\n\n" .
		    "      Subject:\t" . issue_subject($e->{day}) . "\n      Sent:\t$sent\n\n" .
		    "The following recipient(s) cannot be reached:\n\n" .
		    "      $e->{addr} on $sent\n            $words\n" .
		    "            <$gen #" . ($full ? '5.2.2' : '5.1.1') . ">\n";
	}
	my $diag = $style == 2 ? "Remote Server returned '$code'" : "#$code ##";
	my $b = '_000_' . token(24) . '_';
	my $text = "Delivery has failed to these recipients or groups:\n\n" .
	    "$e->{addr}<mailto:$e->{addr}>\n$user\n\n\n\n\n" .
	    "Diagnostic information for administrators:\n\n" .
	    "Generating server: $gen\n\n$e->{addr}\n$diag\n\n" .
	    "Original message headers:\n\n" . returned($e, 0);
	my $dsn = "Reporting-MTA: dns;$gen\n" .
	    "Received-From-MTA: dns;$relay_host{postfix}\n" .
	    "Arrival-Date: " . rfcdate($e->{sent}, '+0000') . "\n\n" .
	    "Final-Recipient: rfc822;$e->{addr}\nAction: failed\nStatus: $status\n" .
	    field('Diagnostic-Code', "smtp;$code");
	return $head .
	    "Content-Type: multipart/report; report-type=delivery-status;\n" .
	    "\tboundary=\"$b\"\n\n" .
	    "--$b\nContent-Type: text/plain; charset=\"us-ascii\"\n\n$text\n" .
	    "--$b\nContent-Type: message/delivery-status\n\n$dsn\n" .
	    "--$b\nContent-Type: text/rfc822-headers\n\n" . returned($e, 0) . "\n" .
	    "--$b--\n";
}

# A provider's feedback loop: an RFC 5965 abuse report.
sub arf_report {
	my ($e) = @_;
	my $prov = $e->{domain}{provider};
	my $b = 'arf_' . token(16);
	my $fbl = "fbl\@$prov";
	return envelope_headers($e, "fbl.$prov (FBL)") .
	    "From: Feedback Loop <$fbl>\n" .
	    "To: " . envelope_from($e->{addr}) . "\n" .
	    "Subject: Complaint about a message from lists.example.org\n" .
	    "Date: " . rfcdate($e->{at}, '-0800') . "\n" .
	    "Message-ID: <" . token(20) . "\@fbl.$prov>\n" .
	    "MIME-Version: 1.0\n" .
	    "Content-Type: multipart/report; report-type=feedback-report;\n" .
	    "\tboundary=\"$b\"\n\n" .
	    "--$b\nContent-Type: text/plain; charset=\"US-ASCII\"\n" .
	    "Content-Transfer-Encoding: 7bit\n\n" .
	    "This is an email abuse report for an email message received from IP\n" .
	    "$relay_ip{postfix} on " . rfcdate($e->{sent}) . ".\n" .
	    "A user of $prov marked it as spam.\n\n" .
	    "--$b\nContent-Type: message/feedback-report\n\n" .
	    "Feedback-Type: abuse\nUser-Agent: " . ucfirst($prov =~ s/\..*//r) . "FBL/2.1\n" .
	    "Version: 1\n" .
	    "Original-Mail-From: <" . envelope_from($e->{addr}) . ">\n" .
	    "Original-Rcpt-To: <$e->{addr}>\n" .
	    "Arrival-Date: " . rfcdate($e->{sent}) . "\n" .
	    "Source-IP: $relay_ip{postfix}\n" .
	    "Reported-Domain: lists.example.org\n\n" .
	    "--$b\nContent-Type: message/rfc822\nContent-Disposition: inline\n\n" .
	    returned({ %$e, relay => 'postfix' }, 1) . "\n--$b--\n";
}

sub render {
	my $e = shift;
	return arf_report($e) if $e->{relay} eq 'arf';
	return exchange_ndr($e) if $e->{relay} eq 'exchange';
	return postfix_bounce($e) if $e->{relay} eq 'postfix';
	return exim_bounce($e, $e->{relay} eq 'eximdsn');
}

# ---------------------------------------------------------------- output
sub check_cap {
	for my $g (sort keys %hard_times) {
		my @t = sort { $a->[0] <=> $b->[0] } @{$hard_times{$g}};
		my $name = $g =~ s/^p://r;
		for my $i (0 .. $#t) {
			next if grep { $_->{group} eq $name && day_of($t[$i][0]) == $_->{day} } @bursts;
			my %in;
			for my $j ($i .. $#t) {
				last if $t[$j][0] - $t[$i][0] >= $o{window};
				$in{$t[$j][1]} = 1;
			}
			die "gen-month.pl: $g has " . keys(%in) . " addresses in a window\n"
			    if keys(%in) > $o{cap};
		}
	}
}
check_cap();

my $out = $o{out};
for my $dir ($out, "$out/new", "$out/cur", "$out/tmp") {
	-d $dir or mkdir($dir) or die "gen-month.pl: $dir: $!\n";
}
@events = sort { $a->{at} <=> $b->{at} || $a->{addr} cmp $b->{addr} } @events;
my $seq = 0;
for my $e (@events) {
	my $name = sprintf('%s/new/%010d.%06d.gen-month', $out, $e->{at}, ++$seq);
	open(my $f, '>', $name) or die "gen-month.pl: $name: $!\n";
	print $f render($e);
	close($f) or die "gen-month.pl: $name: $!\n";
}

open(my $t, '>', "$out/truth") or die "gen-month.pl: $out/truth: $!\n";
print $t "address\ttruth\twhy\tdomain\tprovider\tbounces\n";
for my $a (sort keys %truth) {
	my $x = $truth{$a};
	print $t join("\t", $a, $x->{truth}, $x->{why}, $x->{domain}{name},
	    $x->{domain}{provider}, $x->{bounces}), "\n";
}
close $t;
open(my $bf, '>', "$out/bursts") or die "gen-month.pl: $out/bursts: $!\n";
print $bf "group\tkind\tstart\tend\taddresses\tdomains\tstart_utc\n";
print $bf join("\t", $_->{group}, 'provider', $_->{start}, $_->{end},
    $_->{addresses}, $_->{ndomains}, isodate($_->{start})), "\n"
    for sort { $a->{start} <=> $b->{start} } @bursts;
close $bf;

my %n;
$n{$_->{truth}}++ for values %truth;
$n{"relay $_->{relay}"}++ for @events;
printf "gen-month: %s, seed %d: %d messages, %d addresses: %d dead, %d complained, %d live\n",
    $o{month}, $o{seed}, scalar(@events), scalar(keys %truth),
    $n{dead} // 0, $n{complained} // 0, $n{live} // 0;
printf "gen-month: by format: %s\n", join(', ', map { s/^relay //r . " $n{$_}" }
    grep { /^relay / } sort keys %n);
printf "gen-month: burst at %s, %s UTC, %d live addresses at %d domains\n",
    $_->{group}, isodate($_->{start}), $_->{addresses}, $_->{ndomains}
    for sort { $a->{start} <=> $b->{start} } @bursts;
printf "gen-month: clean-up of %s, days %d to %d (gone from the DNS on day %d)\n",
    $_->{name}, $_->{first}, $_->{gone}, $_->{gone} for @oldcorps;
