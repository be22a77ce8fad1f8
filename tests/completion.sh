#!/bin/sh
# completion.sh: contrib/bash-completion/rebound (and reboundd), sourced
# in bash, completes a few words as a person types them, and agrees with
# the program: the subcommands of "rebound --help", each subcommand's
# options of its own --help, the formats and classes its --help names,
# the policy keys of prune --help, the reasons of rebound(1) (REASONS,
# which holds every reason of status.tab and phrases.tab), and the
# options of reboundd --help.  Skipped without bash.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
command -v bash >/dev/null || { echo "1..0 # SKIP needs bash"; exit 77; }
scratch
comp=$top_srcdir/contrib/bash-completion/rebound

# complete LINE: the candidates bash gets for LINE (cursor at its end),
# sorted, one line, as readline would insert them.  COMP_WORDBREAKS is
# bash's default unless $breaks is set.
complete_line() {
	bash -c '
		[ -n "$2" ] && COMP_WORDBREAKS=$2
		. "$0" || exit 1
		COMP_LINE=$1 COMP_POINT=${#1}
		_rebound
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ $//"
	' "$comp" "$1" "${breaks:-}"
}
words() { tr ' ' '\n' | grep -v '^$' | sort -u | tr '\n' ' ' | sed 's/ $//'; }

check "bash loads it and registers rebound" \
    bash -c '. "$0" && complete -p rebound | grep -q "_rebound rebound"' "$comp"

# Subcommands: as rebound --help lists them.
cmds=$("$REBOUND" --help | awk '/^Commands:/ { c = 1; next } c && !NF { exit } c { print $1 }' | words)
is "rebound <TAB>: every subcommand of rebound --help" \
    "$(complete_line 'rebound ' | tr ' ' '\n' | grep -v '^-' | words)" "$cmds"
is "rebound ex<TAB>" "$(complete_line 'rebound ex')" "expire explain"
is "rebound --v<TAB>" "$(complete_line 'rebound --v')" "--version"

# Options: each subcommand's, long and short, as its --help prints them
# (events: also those of the deliveries to hooks, events --failed --help).
for c in $cmds; do
	more=
	[ "$c" = events ] && more=--failed
	want=$({ "$REBOUND" "$c" --help; "$REBOUND" "$c" $more --help; } |
	    grep -oE '^ +(-[a-zA-Z], )?--[a-z-]+' | tr -d ',' | words)
	is "rebound $c -<TAB>: the options of rebound $c --help" \
	    "$(complete_line "rebound $c -" | words)" "$want"
done

# Values: formats and classes as --help names them.
help_values() {	# COMMAND OPTION: the words after "--OPTION=X ", less (...)
	"$REBOUND" "$1" --help | grep -- "--$2=" | sed -e 's/.*--[a-z-]*=[A-Z]* *//' \
	    -e 's/([^)]*)//g' -e 's/.*: //' -e 's/,/ /g' -e 's/ or / /g' | words
}
for c in parse list explain events incidents; do
	is "rebound $c --format <TAB>: its formats" \
	    "$(complete_line "rebound $c --format " | words)" "$(help_values "$c" format)"
done
is "rebound list --class <TAB>: the classes" \
    "$(complete_line 'rebound list --class ' | words)" "$(help_values list class)"
is "rebound list -f c<TAB>" "$(complete_line 'rebound list -f c')" csv
is "rebound list --format=j<TAB> (= breaks words)" \
    "$(complete_line 'rebound list --format=j')" json
is "rebound list --format=j<TAB> (= does not)" \
    "$(breaks=' ' complete_line 'rebound list --format=j')" --format=json
keys=$("$REBOUND" prune --help | sed -n '/^Policy keys/,$p' | tr ' ,:' '\n\n\n' |
    sed 's/=.*//' | grep -E '^[a-z]+_[a-z_]+$|^guard\.[a-z_]+$' | words)
is "rebound prune --policy <TAB>: the policy keys of prune --help" \
    "$(complete_line 'rebound prune --policy ' | tr ' ' '\n' | sed 's/=.*//' | words)" "$keys"
is "rebound events --type a<TAB>: the event types of rebound(1)" \
    "$(complete_line 'rebound events --type a')" \
    "$(sed -n 's/^\.BR* \(address\.[a-z]*\).*/\1/p' "$top_srcdir/src/man/rebound.1" | words)"
kinds=$("$REBOUND" parse --format-in none x 2>&1 | sed 's/.*(use //; s/)$//; s/,/ /g; s/ or / /' | words)
is "rebound parse --format-in <TAB>: every kind parse takes" \
    "$(complete_line 'rebound parse --format-in ' | words)" "$kinds"
# Every type events --type takes, as its refusal lists them.
types=$("$REBOUND" events --type none. 2>&1 | sed 's/.*(use one of //; s/)$//; s/,/ /g' | words)
is "rebound events --type <TAB>: every type events takes" \
    "$(complete_line 'rebound events --type ' | words)" "$types"
is "... and rebound(1) names each under --type" "$(sed -n '/^\.BR \\-t ", " \\-\\-type/,/^\.TP/p' \
    "$top_srcdir/src/man/rebound.1" | sed -n 's/^\.BR* \([a-z]*\.[a-z]*\).*/\1/p' | words)" "$types"
is "rebound incidents <TAB>" "$(complete_line 'rebound incidents ')" close
is "rebound events <TAB>: retry and resume of rebound(1)" \
    "$(complete_line 'rebound events ')" "resume retry"
is "rebound prune --policy confirm_hard=<TAB>" \
    "$(complete_line 'rebound prune --policy confirm_hard=')" "likely none weak"

# Reasons: the taxonomy of rebound(1), which the tables use.
man_reasons=$(awk '/^\.SH REASONS/ { r = 1; next } /^\.(SH|PP)/ { r = 0 }
    r && /^\.B / { sub(/^\.B /, ""); gsub(/ , /, " "); print }' \
    "$top_srcdir/src/man/rebound.1" | tr ' ' '\n' | words)
got=$(complete_line 'rebound list --reason ' | words)
is "rebound list --reason <TAB>: the REASONS of rebound(1)" "$got" "$man_reasons"
tab_reasons=$({ awk -F'\t' '!/^#/ && NF >= 2 { print $2 }' "$top_srcdir/src/core/status.tab"
    sed -n 's/^\[[a-z]* \([a-z]*\)\]$/\1/p' "$top_srcdir/src/core/phrases.tab"; } | words)
missing=$(for r in $tab_reasons; do
	case " $got " in *" $r "*) ;; *) echo "$r" ;; esac
done | words)
is "... every reason status.tab and phrases.tab give" "$missing" ""
is "rebound list --reason mail<TAB>" "$(complete_line 'rebound list --reason mail')" \
    "mailboxfull mailererror"

# reboundd: the options of reboundd --help, a file after --config.
# complete_d LINE: as complete_line, bash's words split at blanks and '='.
compd=$top_srcdir/contrib/bash-completion/reboundd
complete_d() {
	bash -c '
		. "$0" || exit 1
		line=${1//=/ = }
		read -r -a COMP_WORDS <<<"$line"
		[[ $line == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_reboundd
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ $//"
	' "$compd" "$1"
}
check "bash loads reboundd's and registers it" \
    bash -c '. "$0" && complete -p reboundd | grep -q "_reboundd reboundd"' "$compd"
is "reboundd -<TAB>: the options of reboundd --help" "$(complete_d 'reboundd -' | words)" \
    "$("$top_builddir/src/reboundd" --help | grep -oE '^ +(-[a-zA-Z], )?--[a-z-]+' |
    tr -d ',' | words)"
mkdir "$tmp/cfg" && : >"$tmp/cfg/rebound.conf"
is "reboundd --config DIR/r<TAB>: a file" \
    "$(complete_d "reboundd --config $tmp/cfg/r")" "$tmp/cfg/rebound.conf"
is "reboundd --config=DIR/r<TAB>: a file" \
    "$(complete_d "reboundd --config=$tmp/cfg/r")" "$tmp/cfg/rebound.conf"
is "reboundd --ch<TAB>" "$(complete_d 'reboundd --ch')" --check-config

# Files where files go; nothing where an address goes.
mkdir "$tmp/bounces" && : >"$tmp/bounces/one.eml" && : >"$tmp/bounces/two.eml"
is "rebound parse DIR/o<TAB>: a file" "$(complete_line "rebound parse $tmp/bounces/o")" \
    "$tmp/bounces/one.eml"
is "rebound import --db DIR/t<TAB>: a file" \
    "$(complete_line "rebound import --db $tmp/bounces/t")" "$tmp/bounces/two.eml"
is "rebound show a<TAB>: nothing" "$(complete_line 'rebound show a')" ""
done_testing
