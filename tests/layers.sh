#!/bin/sh
# layers.sh: the layers are what the link says (Makefile.am): libcore
# (parse, classify, policy) calls no SQLite, no libevent and nothing of
# the layers above it; libstore calls no libevent and nothing of the
# daemon's; test_parse and the parser's replay target link libcore alone.
# Read with nm from the built archives, so a call that crosses a layer
# fails here even before it would fail to link.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
scratch
: "${NM:=nm}"
LC_ALL=C
export LC_ALL
src=$top_builddir/src

# archive LIB: the static archive libtool made for src/LIB.la.
archive() {
	sed -n "s/^old_library='\(.*\)'$/\1/p" "$src/$1.la" |
	    sed "s|^|$src/.libs/|"
}
# undefined LIB, defined LIB: the symbols it uses, the ones it has.
undefined() { $NM -u "$(archive "$1")" | awk '{ print $NF }' | sort -u; }
defined() {
	$NM -g --defined-only "$(archive "$1")" | awk 'NF == 3 { print $3 }' |
	    sort -u
}
# calls LIB PATTERN: the undefined symbols of LIB that match, one a line.
calls() { undefined "$1" | grep -E "$2" | tr '\n' ' '; }

sqlite='^sqlite3_'
libevent='^(event|evbuffer|bufferevent|evconnlistener|evutil|evhttp|evdns|evsignal|evtimer|evthread)_'

for lib in libcore libstore libdaemon; do
	check "$lib: nm reads its archive" test -s "$(archive $lib)"
done
check "libcore defines parse_message" sh -c \
    "$NM -g --defined-only '$(archive libcore)' | grep -q ' T parse_message$'"

# That the patterns see a call where there is one.
check "libstore calls SQLite" test -n "$(calls libstore "$sqlite")"
check "libdaemon calls libevent" test -n "$(calls libdaemon "$libevent")"

is "libcore calls no SQLite" "$(calls libcore "$sqlite")" ""
is "libcore calls no libevent" "$(calls libcore "$libevent")" ""
is "libstore calls no libevent" "$(calls libstore "$libevent")" ""

# Nothing of a layer above: the upper layers' symbols that a lower uses.
defined libstore >"$tmp/store"
defined libdaemon >"$tmp/daemon"
undefined libcore >"$tmp/core.u"
undefined libstore >"$tmp/store.u"
is "libcore calls nothing of libstore or libdaemon" \
    "$(cat "$tmp/store" "$tmp/daemon" | sort -u | comm -12 - "$tmp/core.u" |
    tr '\n' ' ')" ""
is "libstore calls nothing of libdaemon" \
    "$(comm -12 "$tmp/daemon" "$tmp/store.u" | tr '\n' ' ')" ""

# The folders are the layers: each library is made of its folder's C
# files (and the tables generated beside them), and of nothing else;
# reboundd.c, the daemon's main, is the one program beside its library,
# with the generators the build runs (*_gen.c, such as phrases_gen.c).
members() { ar t "$(archive "$1")" | sed "s/^$1_la-//; s/\.o$//" | sort; }
sources() {
	{ ls "$top_srcdir/src/$1" | sed -n '/^reboundd\.c$/d; /_gen\.c$/d; s/\.c$//p'
	  ls "$src/$1" | sed -n 's/\(_tab\|sql_migrations\)\.c$/&/p' |
	      sed 's/\.c$//'; } | sort -u
}
for pair in libcore:core libstore:store libdaemon:daemon; do
	lib=${pair%%:*} dir=${pair#*:}
	sources "$dir" >"$tmp/$dir.src"
	members "$lib" >"$tmp/$dir.obj"
	is "$lib is src/$dir/, file for file" \
	    "$(diff "$tmp/$dir.src" "$tmp/$dir.obj" | sed -n 's/^[<>] //p' |
	    tr '\n' ' ')" ""
done

# The parser's programs carry neither library.
for prog in tests/test_parse tests/fuzz/replay_parse; do
	check "$prog is built" test -x "$top_builddir/$prog"
	is "$prog: no SQLite, no libevent" \
	    "$($NM "$top_builddir/$prog" 2>/dev/null |
	    awk '{ print $NF }' | grep -E "$sqlite|$libevent" | tr '\n' ' ')" ""
done

# rebound answers from the database without loading GMime (and what it
# pulls in: GIO, GPGME, ...); rebound-mail, which reads mail, does.
needed() { readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
if command -v readelf >/dev/null; then
	check "rebound needs SQLite" sh -c "readelf -d '$src/rebound' |
	    grep -q 'NEEDED.*libsqlite3'"
	is "rebound needs no GMime" "$(needed "$src/rebound" | grep gmime)" ""
	check "rebound-mail needs GMime" sh -c "readelf -d '$src/rebound-mail' |
	    grep -q 'NEEDED.*libgmime'"
else
	diag "readelf not installed: the programs' libraries not checked"
fi
done_testing
