# sql2c.awk: turn every sql/NNN-*.sql, given in order, into the table of
# migrations store.c applies (sql.h): sql_migrations[i] makes
# user_version i + 1 from i, and sql_version is the last file's number.
# The numbers must run 001, 002, ... with none missing or repeated, so
# that two migrations written at once cannot both be applied as one.
BEGIN {
	print "/* Generated from sql/NNN-*.sql by sql2c.awk: do not edit. */"
	print "#include \"sql.h\""
}
FNR == 1 {
	name = FILENAME
	sub(/.*\//, "", name)
	if (name !~ /^[0-9][0-9][0-9]-.*\.sql$/ || name + 0 != n + 1) {
		printf "sql2c.awk: %s: want %03d-*.sql next\n", FILENAME,
		    n + 1 > "/dev/stderr"
		failed = 1
		exit 1
	}
	if (n > 0)
		print "\t\"\";"
	n++
	printf "\n/* %s */\nstatic const char sql_%03d[] =\n", name, n
}
{
	gsub(/\\/, "\\\\")
	gsub(/"/, "\\\"")
	printf "\t\"%s\\n\"\n", $0
}
END {
	if (failed)
		exit 1
	if (n == 0) {
		print "sql2c.awk: no sql/NNN-*.sql" > "/dev/stderr"
		exit 1
	}
	print "\t\"\";\n"
	print "const char *const sql_migrations[] = {"
	for (i = 1; i <= n; i++)
		printf "\tsql_%03d,\n", i
	print "};"
	printf "const int sql_version = %d;\n", n
}
