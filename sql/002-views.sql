-- 002-views.sql: views for people who query the database with sqlite3
-- (or psql).

-- Addresses a list should remove, with why (what "rebound prune" prints).
CREATE VIEW prune AS
	SELECT address, state, state_reason, last_seen
	FROM addresses WHERE state IN ('dead', 'complained');

-- Every outcome with the message it came from, newest first.  Its time
-- is text on SQLite, a timestamp on PostgreSQL.
--@ sqlite
CREATE VIEW history AS
	SELECT o.address, datetime(o.at, 'unixepoch') AS time, o.class,
	    o.reason, o.status, o.replycode, o.diagnostic, o.decided,
	    m.list, m.subject, m.source, m.digest
	FROM outcomes o JOIN messages m ON m.id = o.message
	ORDER BY o.at DESC;
--@ postgresql
CREATE VIEW history AS
	SELECT o.address, to_timestamp(o.at) AS time, o.class,
	    o.reason, o.status, o.replycode, o.diagnostic, o.decided,
	    m.list, m.subject, m.source, m.digest
	FROM outcomes o JOIN messages m ON m.id = o.message
	ORDER BY o.at DESC;
--@ both

-- Hard, soft and complaint counts per receiving domain.
--@ sqlite
CREATE VIEW domains AS
	SELECT substr(address, instr(address, '@') + 1) AS domain,
	    sum(class = 'hard') AS hard, sum(class = 'soft') AS soft,
	    sum(class = 'complaint') AS complaints, count(*) AS outcomes
	FROM outcomes GROUP BY domain;
--@ postgresql
CREATE VIEW domains AS
	SELECT substr(address, strpos(address, '@') + 1) AS domain,
	    count(*) FILTER (WHERE class = 'hard') AS hard,
	    count(*) FILTER (WHERE class = 'soft') AS soft,
	    count(*) FILTER (WHERE class = 'complaint') AS complaints,
	    count(*) AS outcomes
	FROM outcomes GROUP BY 1;
--@ both

CREATE INDEX messages_by_list ON messages (list);
