/* Generated from a data file by tab2c.awk: do not edit. */
extern const char sql_002[];
const char sql_002[] =
	"-- 002-views.sql: views for people who query the database with sqlite3.\n"
	"-- Addresses a list should remove, with why (what \"rebound prune\" prints).\n"
	"CREATE VIEW prune AS\n"
	"	SELECT address, state, state_reason, last_seen\n"
	"	FROM addresses WHERE state IN ('dead', 'complained');\n"
	"-- Every outcome with the message it came from, newest first.\n"
	"CREATE VIEW history AS\n"
	"	SELECT o.address, datetime(o.at, 'unixepoch') AS time, o.class,\n"
	"	    o.reason, o.status, o.replycode, o.diagnostic, o.decided,\n"
	"	    m.list, m.subject, m.source, m.digest\n"
	"	FROM outcomes o JOIN messages m ON m.id = o.message\n"
	"	ORDER BY o.at DESC;\n"
	"-- Hard, soft and complaint counts per receiving domain.\n"
	"CREATE VIEW domains AS\n"
	"	SELECT substr(address, instr(address, '@') + 1) AS domain,\n"
	"	    sum(class = 'hard') AS hard, sum(class = 'soft') AS soft,\n"
	"	    sum(class = 'complaint') AS complaints, count(*) AS outcomes\n"
	"	FROM outcomes GROUP BY domain;\n"
	"CREATE INDEX messages_by_list ON messages (list);\n"
	"";
