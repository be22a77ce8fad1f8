# sql2c.awk: turn every sql/NNN-*.sql, given in order, into the tables of
# migrations the engines apply (sql.h): sql_migrations[i] makes version
# i + 1 from i on SQLite, sql_migrations_pg[i] on PostgreSQL, and
# sql_version is the last file's number.  A migration is written once,
# for both, unless the dialects differ: then sql/pg/NNN-*.sql, of the
# same name, is PostgreSQL's instead.
# The numbers must run 001, 002, ... with none missing or repeated, so
# that two migrations written at once cannot both be applied as one.
BEGIN {
	print "/* Generated from sql/NNN-*.sql by sql2c.awk: do not edit. */"
	print "#include \"sql.h\""
}

# Print file as the C string named var.
function emit(file, var,	line) {
	printf "\n/* %s */\nstatic const char %s[] =\n", file, var
	while ((getline line < file) > 0) {
		gsub(/\\/, "\\\\", line)
		gsub(/"/, "\\\"", line)
		printf "\t\"%s\\n\"\n", line
	}
	close(file)
	print "\t\"\";"
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
	n++
	emit(FILENAME, sprintf("sql_%03d", n))
	pg = FILENAME
	sub(/[^\/]*$/, "pg/" name, pg)
	if ((getline line < pg) > 0) {
		close(pg)
		emit(pg, sprintf("sql_pg_%03d", n))
		own[n] = 1
	}
	nextfile
}
END {
	if (failed)
		exit 1
	if (n == 0) {
		print "sql2c.awk: no sql/NNN-*.sql" > "/dev/stderr"
		exit 1
	}
	print "\nconst char *const sql_migrations[] = {"
	for (i = 1; i <= n; i++)
		printf "\tsql_%03d,\n", i
	print "};"
	print "const char *const sql_migrations_pg[] = {"
	for (i = 1; i <= n; i++)
		printf "\tsql_%s%03d,\n", own[i] ? "pg_" : "", i
	print "};"
	printf "const int sql_version = %d;\n", n
}
