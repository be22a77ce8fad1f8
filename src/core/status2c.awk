# status2c.awk: status.tab as a table of struct classify_code sorted by
# code (run with LC_ALL=C: bytes order it, as strcmp() does), that
# classify.c searches with bsearch(): nothing is built at start.  A
# reason is written as report.h's constant, so a misspelt one does not
# compile; a line that is not "CODE REASON [weak]" stops the build.  A
# code given twice keeps its last line.
/^[ \t]*#/ || /^[ \t]*$/ { next }
NF < 2 || NF > 3 || (NF == 3 && $3 != "weak") || $2 == "undefined" {
	printf "status.tab:%d: not CODE REASON [weak]: %s\n", FNR, $0 \
	    > "/dev/stderr"
	bad = 1
	exit 1
}
{
	key = $1 ""
	if (!(key in reason))
		code[n++] = key
	reason[key] = toupper($2)
	weak[key] = NF == 3
}
END {
	if (bad)
		exit 1
	for (i = 1; i < n; i++) {
		key = code[i]
		for (j = i - 1; j >= 0 && code[j] > key; j--)
			code[j + 1] = code[j]
		code[j + 1] = key
	}
	print "/* Generated from status.tab by status2c.awk: do not edit. */"
	print "#include \"config.h\"\n"
	print "#include <stddef.h>\n"
	print "#include \"classify_int.h\"\n"
	print "const struct classify_code classify_codes[] = {"
	for (i = 0; i < n; i++)
		printf "\t{ \"%s\", REASON_%s, %d },\n", code[i],
		    reason[code[i]], weak[code[i]]
	print "};"
	printf "const size_t classify_ncodes = %d;\n", n
}
