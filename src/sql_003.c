/* Generated from a data file by tab2c.awk: do not edit. */
extern const char sql_003[];
const char sql_003[] =
	"-- 003-stats-index.sql: covering indexes for what is read most.\n"
	"-- \"rebound stats --since\" and \"list --since\" read outcomes by time; with\n"
	"-- class, reason and address in the index, counting a month of a million\n"
	"-- outcomes never touches the table.  Replaying an address's history\n"
	"-- (store.c) reads class and reason by address, likewise.\n"
	"DROP INDEX outcomes_by_time;\n"
	"CREATE INDEX outcomes_by_time ON outcomes (at, class, reason, address);\n"
	"DROP INDEX outcomes_by_address;\n"
	"CREATE INDEX outcomes_by_address ON outcomes (address, at, class, reason);\n"
	"";
