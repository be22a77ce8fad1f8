# tab2c.awk: turn a data file into a C string constant named by -v name=.
# Comment lines (#) and blank lines are dropped; the rest is kept verbatim.
BEGIN { printf "/* Generated from a data file by tab2c.awk: do not edit. */\n" }
BEGIN { printf "extern const char %s[];\nconst char %s[] =\n", name, name }
/^[ \t]*#/ || /^[ \t]*$/ { next }
{
	gsub(/\\/, "\\\\")
	gsub(/"/, "\\\"")
	printf "\t\"%s\\n\"\n", $0
}
END { printf "\t\"\";\n" }
