#!/usr/bin/perl
# fsync-order.pl: check, from an strace of reboundd, that nothing was
# acknowledged before the commit holding it was on disk.
#
# The trace comes from strace -f -tt -y [-xx] -s 8192 with at least
# fsync, fdatasync, pwrite64 (SQLite's writes), write, writev (libevent's
# replies), sendmsg, sendto, rename, renameat, renameat2.  Lines are taken
# in the order strace wrote them: a traced thread is stopped at each
# syscall entry until strace has printed it, so a call printed after
# another's completion started after it, whichever thread made it.  A call
# split by another thread ("<unfinished ...>" ... "<... resumed>") starts
# at its first line and ends at its second.
#
# A message is acknowledged by a reply "250 2.0.0 <KEY> recorded" written
# to a socket (KEY: its envelope recipient) or by a rename of .../new/NAME
# (KEY: what --map FILE gives for NAME, lines "NAME KEY": its digest).
# The key is in the message's row, so the first write to the -wal file
# that holds it is part of the transaction that records the message.
# SQLite writes a WAL frame as a 24-byte header, then the page; the
# transaction ends with the frame whose header has a non-zero database
# size (bytes 4-7), its commit frame.  The message is on disk once an
# fsync or fdatasync of the -wal file that started after that frame was
# written has returned 0.  Every acknowledgement must start after that.
# A reply whose key was also written to a file in a maildir's tmp/ (a
# copy kept for a person to read) must moreover start after that file
# was synced, moved into new/ (not before it was synced) and new/ synced.
#
# Prints one line per acknowledgement
# that came too early (or for a key never written), what the trace holds,
# and last "checked R replies and N renames"; exits 1 if any came too
# early, or if the trace holds no commit frame at all.
#
# Usage: fsync-order.pl [--map FILE] TRACE
use strict;
use warnings;
use Getopt::Long;

my $map_file;
GetOptions('map=s' => \$map_file) && @ARGV == 1
    or die "usage: $0 [--map FILE] TRACE\n";
my %key_of_file;
if (defined $map_file) {
	open(my $m, '<', $map_file) or die "$map_file: $!\n";
	while (<$m>) {
		my ($name, $key) = split;
		next unless defined $key;
		# A SHA-256 in hex is stored as its 32 bytes (sql/015-*.sql).
		$key = pack('H*', $key) if $key =~ /^[0-9a-f]{64}$/;
		$key_of_file{$name} = $key;
	}
}

# strace's escapes: -xx gives \xHH for every byte, without it \n, \ooo...
sub unescape {
	my ($s) = @_;
	if ($s =~ /\A(?:\\x[0-9a-f]{2})*\z/) {	# -xx: the fast way
		$s =~ tr/\\x//d;
		return pack('H*', $s);
	}
	my %c = (n => "\n", r => "\r", t => "\t", v => "\x0b", f => "\f");
	$s =~ s/\\(x([0-9a-fA-F]{2})|([0-7]{1,3})|(.))/
	    defined $2 ? chr(hex $2) : defined $3 ? chr(oct $3) :
	    exists $c{$4} ? $c{$4} : $4/ges;
	return $s;
}

# One finished call: name, arguments, result, first and last line.
sub syscall_of {
	my ($name, $args, $ret, $entry, $exit) = @_;
	my @strings = map { unescape($_) } $args =~ /"((?:[^"\\]++|\\.)*+)"/g;
	my ($fd_path) = $args =~ /^\d+<([^>]*)>/;
	my ($dir_path) = $args =~ /^\d+<([^>]*)>, "/;	# renameat(dirfd, ...)
	return { name => $name, ret => $ret, entry => $entry, exit => $exit,
	    path => defined $fd_path ? unescape($fd_path) : undef,
	    dir => defined $dir_path ? unescape($dir_path) : undef,
	    strings => \@strings };
}

# Read the trace: every call joined up, in the order of its first line.
sub read_trace {
	my ($file) = @_;
	my (@calls, %open);
	open(my $in, '<', $file) or die "$file: $!\n";
	while (my $line = <$in>) {
		chomp $line;
		my ($pid, $rest) = $line =~ /^(?:\[pid\s+)?(\d+)\]?\s+(?:[\d:.]+\s+)?(.*)$/
		    or next;
		if ($rest =~ /^(\w+)\((.*) <unfinished \.\.\.>$/) {
			$open{$pid} = [$1, $2, $.];
		} elsif ($rest =~ /^<\.\.\. (\w+) resumed>(.*)\)\s+= (-?\w+)/) {
			my $start = delete $open{$pid} or next;
			push @calls, syscall_of($1, $start->[1] . $2, $3,
			    $start->[2], $.);
		} elsif ($rest =~ /^(\w+)\((.*)\)\s+= (-?\w+)/) {
			push @calls, syscall_of($1, $2, $3, $., $.);
		}
	}
	return sort { $a->{entry} <=> $b->{entry} } @calls;
}

my @calls = read_trace($ARGV[0]);
my $wal = qr/-wal$/;
my (@writes, @frames, @syncs, @acks, @kept, @file_syncs, @moves);
for my $c (@calls) {
	my $n = $c->{name};
	my $path = $c->{path} // '';
	my $data = join '', @{$c->{strings}};
	if ($n =~ /^(p?write(v|64)?|pwritev2?)$/ && $path =~ $wal) {
		push @writes, { %$c, data => $data };
		push @frames, $#writes if length $data == 24 &&
		    substr($data, 4, 4) ne "\0\0\0\0";
	} elsif ($n =~ /^f(data)?sync$/ && $c->{ret} eq '0') {
		push @{$path =~ $wal ? \@syncs : \@file_syncs}, $c;
	} elsif ($n =~ /^(write|writev|sendmsg|sendto|send)$/ &&
	    $path =~ /^(socket|UNIX|TCP)/) {
		push @acks, map { { %$c, key => $_, what => 'reply' } }
		    $data =~ /(?:^|\n)250[ -]2\.0\.0 <([^>]*)> recorded/g;
	} elsif ($n =~ /^(write|writev|pwrite64)$/ && $path =~ m{/tmp/[^/]+$}) {
		push @kept, { %$c, data => $data };	# a maildir delivery
	} elsif ($n =~ /^rename(at2?)?$/ && $c->{ret} eq '0') {
		my ($from, $to) = @{$c->{strings}};
		$from = "$c->{dir}/$from" if defined $c->{dir} && $from !~ m{^/};
		push @moves, { %$c, from => $from, to => $to };
		next unless $from =~ m{/new/([^/]+)$};
		push @acks, { %$c, key => $key_of_file{$1} // "(unmapped $1)",
		    what => "rename of $1" };
	}
}
die "no commit frame in the trace: nothing can be checked\n" unless @frames;

# first_writes WRITES: for each key acknowledged, the index of the first
# of WRITES whose data holds it.
sub first_writes {
	my ($writes) = @_;
	my %first;
	return \%first unless @acks;
	my $any = join '|', map { quotemeta } sort { length $b <=> length $a }
	    keys %{{ map { $_->{key} => 1 } @acks }};
	my $re = qr/($any)/;
	for my $i (0 .. $#$writes) {
		$first{$1} //= $i while $writes->[$i]{data} =~ /$re/g;
	}
	return \%first;
}
my %first = %{first_writes(\@writes)};
my %first_kept = %{first_writes(\@kept)};

# When was what write $i holds on disk: the line a WAL sync returned on.
sub durable_line {
	my ($i) = @_;
	my ($f) = grep { $_ + 1 >= $i } @frames;	# its commit frame
	return unless defined $f && $f + 1 <= $#writes;
	my $written = $writes[$f + 1]{exit};		# the frame's page
	my ($s) = grep { $_->{entry} > $written } @syncs;
	return defined $s ? $s->{exit} : undef;
}

# The first call of LIST after line AFTER (its exit) that TEST accepts.
sub first_after {
	my ($after, $test, @list) = @_;
	my ($c) = grep { $_->{entry} > $after && $test->($_) } @list;
	return $c;
}

# A kept copy (a file the reply's key was written to in a maildir's tmp/)
# is on disk when the file was synced, then moved into new/, then new/
# synced.  Returns why not, or undef.
sub kept_problem {
	my ($w, $reply) = @_;
	my $path = $w->{path};
	my $sync = first_after($w->{exit}, sub { $_[0]{path} eq $path },
	    @file_syncs);
	my $move = first_after($w->{exit}, sub { $_[0]{from} eq $path }, @moves);
	return 'its kept copy was never moved into new/' unless $move;
	return 'its kept copy entered new/ before it was synced'
	    unless $sync && $sync->{exit} < $move->{entry};
	(my $dir = $move->{to}) =~ s{/[^/]+$}{};
	my $dir_sync = first_after($move->{exit}, sub { $_[0]{path} eq $dir },
	    @file_syncs);
	return 'after its kept copy, but before new/ was synced'
	    unless $dir_sync && $dir_sync->{exit} < $reply->{entry};
	return;
}

my ($replies, $renames, $kept, $bad) = (0, 0, 0, 0);
for my $ack (@acks) {
	$ack->{what} eq 'reply' ? $replies++ : $renames++;
	my $i = $first{$ack->{key}};
	my $durable = defined $i ? durable_line($i) : undef;
	my $k = $ack->{what} eq 'reply' ? $first_kept{$ack->{key}} : undef;
	my $problem = !defined $i ? 'never written to the WAL' :
	    !defined $durable ? 'its commit was never synced' :
	    $durable > $ack->{entry} ?
	    "before its commit was synced (line $durable)" :
	    defined $k ? kept_problem($kept[$k], $ack) : undef;
	$kept++ if defined $k;
	next unless defined $problem;
	$bad++;
	printf "line %d: %s <%s>: %s\n", $ack->{entry}, $ack->{what},
	    $ack->{key}, $problem;
}
printf "trace: %d WAL writes, %d commit frames, %d WAL syncs; " .
    "%d replies for a copy kept in a maildir\n",
    scalar @writes, scalar @frames, scalar @syncs, $kept;
print "checked $replies replies and $renames renames\n";
exit($bad ? 1 : 0);
