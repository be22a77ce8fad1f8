/* Generated from a data file by tab2c.awk: do not edit. */
extern const char sql_003[];
const char sql_003[] =
	"-- 003-stats-index.sql: \"rebound stats --since\" and \"list --since\" read\n"
	"-- outcomes by time; with class, reason and address in the index too,\n"
	"-- counting a month of a million outcomes never touches the table.\n"
	"DROP INDEX outcomes_by_time;\n"
	"CREATE INDEX outcomes_by_time ON outcomes (at, class, reason, address);\n"
	"";
