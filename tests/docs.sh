#!/bin/sh
# docs.sh: what README.md and the man pages promise about the program,
# checked against the program itself: every key of rebound.conf(5) is
# taken by the parser and shown in etc/rebound.conf, every key the
# parser takes is documented, README's and contrib/postfix.md's
# rebound.conf blocks are taken as written, the options of reboundd(8)
# are those of reboundd --help, every option the documents give a
# command is one it has, and README's rebound parse table is what parse
# prints.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
scratch
REBOUNDD=${REBOUNDD:-$top_builddir/src/reboundd}
man5=$top_srcdir/src/man/rebound.conf.5
example=$top_srcdir/etc/rebound.conf

# rebound.conf(5)'s keys, "GROUP:KEY" a line: the names after each .TP
# or .TQ of a section; its section names the group ("WEBHOOK NAME" is
# [webhook NAME]; in HOOKS, the keys after its first .PP are [hook NAME]).
awk '
/^\.SH / {
	sec = tolower($2); hook = 0
	if (sec == "webhook") sec = "webhook NAME"
	next
}
sec == "hooks" && /^\.PP/ { hook = 1 }
(prev == ".TP" || prev == ".TQ") && /^\.BR? [a-z_]+/ &&
    sec !~ /^(name|description|files|see)$/ {
	line = $0
	sub(/^\.BR? /, "", line)
	g = hook ? "hook NAME" : sec
	while (match(line, /^[a-z_]+/)) {
		print g ":" substr(line, 1, RLENGTH)
		line = substr(line, RLENGTH + 1)
		if (!sub(/^ *", " */, "", line)) break
	}
}
{ prev = $1 }' "$man5" | sort -u >"$tmp/man"
check "rebound.conf(5) documents keys" test "$(wc -l <"$tmp/man")" -gt 50

# The parser's keys, from its tables: conf.c's groups, policy_keys.c's
# [policy] keys, conf_hook.c's and conf_webhook.c's keys of a [hook NAME]
# and a [webhook NAME].
{
	sed -n 's/^	{ "\([a-z]*\)", "\([a-z_]*\)", conf_.*/\1:\2/p' \
	    "$top_srcdir/src/store/conf.c"
	sed -n 's/^	{ "\([a-z_]*\)", POLICY_.*/policy:\1/p' \
	    "$top_srcdir/src/core/policy_keys.c"
	sed -n 's/^	{ "\([a-z_]*\)", \(conf_hook_[a-z_]*\|NULL\), .*/hook NAME:\1/p' \
	    "$top_srcdir/src/store/conf_hook.c"
	sed -n 's/^	{ "\([a-z_]*\)", conf_webhook_[a-z_]*, .*/webhook NAME:\1/p' \
	    "$top_srcdir/src/store/conf_webhook.c"
} | sort -u >"$tmp/parser"
check "the parser's tables are read" test "$(wc -l <"$tmp/parser")" -gt 50
is "every key the parser takes is in rebound.conf(5)" \
    "$(comm -23 "$tmp/parser" "$tmp/man" | tr '\n' ',')" ""

# Each documented key, alone in its group, is known to reboundd
# --check-config: it may want other keys or another value, never be
# "unknown".
bad=
while IFS=: read -r group key; do
	printf '[%s]\n%s = x\n' "$(echo "$group" | sed 's/ NAME$/ t/')" \
	    "$key" >"$tmp/conf"
	"$REBOUNDD" --check-config --config "$tmp/conf" >/dev/null 2>"$tmp/err"
	grep -q 'unknown \(key\|group\)' "$tmp/err" && bad="$bad[$group] $key,"
done <"$tmp/man"
is "every key of rebound.conf(5) is taken by the parser" "$bad" ""

# Each documented key is shown in etc/rebound.conf, in its group's part:
# from the group's line (perhaps commented out, or "# [http]: ..."; a
# [hook NAME] or [webhook NAME] where it is first named) to the next
# group set in earnest.
missing=
while IFS=: read -r group key; do
	awk -v g="[$group]" -v k="$key" '
	    on && /^\[/ { exit }
	    !on && (index($0, g) && g ~ / NAME]$/ || index($0, g) == 1 ||
	        index($0, "#" g) == 1 || index($0, "# " g) == 1) { on = 1 }
	    on && $0 ~ "(^#?|[ (])" k "( =|  |,|$)" { found = 1; exit }
	    END { exit !found }' "$example" || missing="$missing[$group] $key,"
done <"$tmp/man"
is "every key of rebound.conf(5) is in etc/rebound.conf" "$missing" ""
"$REBOUNDD" --check-config --config "$example" >/dev/null; rc=$?
is "etc/rebound.conf as installed is accepted" "$rc" 0

# Each ```ini block of README.md and contrib/postfix.md that sets
# rebound.conf (not PgBouncer's) is taken by reboundd --check-config as
# written, after a [store] path in the test's directory; SendGrid's
# public_key, shown cut short, is a key the test makes.
pubkey=
command -v openssl >/dev/null &&
    pubkey=$(openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null |
    openssl ec -pubout -outform DER 2>/dev/null | base64 -w0)
mkdir "$tmp/ini"
for doc in README.md contrib/postfix.md; do
	awk -v out="$tmp/ini/${doc##*/}" '
	    /^```ini$/ { on = 1; f = out ":" NR; next }
	    /^```$/ { on = 0 } on { print >f }' "$top_srcdir/$doc"
done
for f in "$tmp/ini"/*; do
	grep -q '^\[databases\]' "$f" && continue
	grep -q '^public_key = .*\.\.\.$' "$f" && [ -z "$pubkey" ] && continue
	{ printf '[store]\npath = %s/ini.db\n' "$tmp"
	  sed -e '/^\[store\]$/d' -e "s|^public_key = .*\.\.\.\$|public_key = $pubkey|" "$f"
	} >"$tmp/conf"
	"$REBOUNDD" --check-config --config "$tmp/conf" >/dev/null 2>"$tmp/err"
	is "${f##*/}: the ini block is accepted as written" "$(cat "$tmp/err")" ""
done

# reboundd(8) OPTIONS and reboundd --help: the same long options.
opts() { grep -oE -- '--[a-z][a-z-]*' | sort -u | tr '\n' ' '; }
man_opts=$(sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$top_srcdir/src/man/reboundd.8" |
    sed 's/\\-/-/g' | opts)
is "reboundd(8) OPTIONS are those of reboundd --help" \
    "$("$REBOUNDD" --help | opts)" "$man_opts"

# Every "rebound COMMAND ... --OPTION" the documents write (README.md,
# RELIABILITY.md, contrib/postfix.md, the man pages, up to a backquote,
# pipe, semicolon or parenthesis) is an option COMMAND --help lists
# (events: or events --failed --help); every "reboundd ... --OPTION",
# one of reboundd --help.
{ cat "$top_srcdir/README.md" "$top_srcdir/RELIABILITY.md" \
    "$top_srcdir/contrib/postfix.md"
  sed 's/\\f[BIRP]//g; s/\\-/-/g' "$top_srcdir"/src/man/*.[158]; } >"$tmp/text"
cmds=$("$REBOUND" --help | awk '/^Commands:/ { c = 1; next } c && !NF { exit }
    c { print $1 }' | tr '\n' '|' | sed 's/|$//')
grep -ohE "rebound ($cmds)( [^\`|;)]*)?" "$tmp/text" |
while read -r _ c rest; do
	for o in $(echo "$rest" | grep -oE -- '--[a-z][a-z-]*'); do echo "$c $o"; done
done | sort -u >"$tmp/refs"
check "the documents name options of rebound's commands" test -s "$tmp/refs"
unknown=$(while read -r c o; do
	{ "$REBOUND" "$c" --help
	  [ "$c" = events ] && "$REBOUND" events --failed --help; } |
	    grep -q -- "$o[ =]" || echo "rebound $c $o"
done <"$tmp/refs" | tr '\n' ',')
is "every rebound COMMAND --OPTION of the documents is in its --help" "$unknown" ""
"$REBOUNDD" --help >"$tmp/dhelp"
unknown=$(grep -ohE 'reboundd( [^`|;)]*)?' "$tmp/text" |
    grep -oE -- '--[a-z][a-z-]*' | sort -u | while read -r o; do
	grep -q -- "$o[ =]" "$tmp/dhelp" || echo "$o"
done | tr '\n' ',')
is "every reboundd --OPTION of the documents is in its --help" "$unknown" ""

# Every file of the tree the documents name (tests/..., bench/...,
# contrib/..., sql/...; not a pattern such as sql/NNN-name.sql) is there,
# in the source (the tarball's too, under distcheck) or, a test program,
# in the build.
missing=$(grep -oE '(tests|bench|contrib|sql)/[A-Za-z0-9_./-]+' "$tmp/text" |
    sed 's/[.,]*$//' | grep -vE '(^|/)(NAME|NNN)[-.]' | sort -u | while read -r f; do
	[ -e "$top_srcdir/$f" ] || [ -e "$top_builddir/$f" ] || echo "$f"
done | tr '\n' ',')
is "every file the documents name is in the tree" "$missing" ""

# rebound parse --format-in: the kinds it takes (as its refusal lists
# them) are those of parse --help, rebound(1)'s SYNOPSIS and its
# COMMANDS.
kinds() { tr -c 'a-z\n' ' ' | tr ' ' '\n' | grep -xE "$1" | sort -u | tr '\n' ' '; }
"$REBOUND" parse --format-in none x 2>"$tmp/err"
took=$(sed 's/.*(use //' "$tmp/err" | kinds '[a-z]+' | sed 's/\<or //')
pick=$(echo "$took" | sed 's/ $//; s/ /|/g')
is "parse --help names every --format-in kind" \
    "$("$REBOUND" parse --help | grep -- --format-in | kinds "$pick")" "$took"
sed 's/\\f[IRB]//g; s/\\-/-/g' "$top_srcdir/src/man/rebound.1" >"$tmp/man1"
is "rebound(1) SYNOPSIS names every --format-in kind" \
    "$(sed -n '/^\.SH SYNOPSIS/,/^\.SH/p' "$tmp/man1" |
    sed -n '/--format-in/{n;p;}' | kinds "$pick")" "$took"
is "rebound(1) COMMANDS names every --format-in kind" \
    "$(grep '^\.BR --format-in ' "$tmp/man1" | kinds "$pick")" "$took"

# README's rebound parse table: each row's words are the non-empty
# columns parse prints for that file.
tab=$(printf '\t')
awk 'p && /^```$/ { if (on) exit; on = 1; next } on
    /^one row per recipient:$/ { p = 1 }' "$top_srcdir/README.md" >"$tmp/readme"
check "README has the parse table" grep -q '^file  *index' "$tmp/readme"
files=$(tail -n +2 "$tmp/readme" | awk '{ print $1 }')
(cd "$top_srcdir/tests/data" && "$REBOUND" parse $files) |
    tr -s "$tab" ' ' | sed 's/ $//' >"$tmp/parse"
tr -s ' ' <"$tmp/readme" | sed 's/ $//' >"$tmp/want"
is "README's parse table is what rebound parse prints" \
    "$(cat "$tmp/parse")" "$(cat "$tmp/want")"

done_testing
