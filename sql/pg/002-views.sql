-- 002-views.sql (PostgreSQL): the views of sql/002-views.sql, for
-- people who query the database with psql.

CREATE VIEW prune AS
	SELECT address, state, state_reason, last_seen
	FROM addresses WHERE state IN ('dead', 'complained');

CREATE VIEW history AS
	SELECT o.address, to_timestamp(o.at) AS time, o.class,
	    o.reason, o.status, o.replycode, o.diagnostic, o.decided,
	    m.list, m.subject, m.source, m.digest
	FROM outcomes o JOIN messages m ON m.id = o.message
	ORDER BY o.at DESC;

CREATE VIEW domains AS
	SELECT substr(address, strpos(address, '@') + 1) AS domain,
	    count(*) FILTER (WHERE class = 'hard') AS hard,
	    count(*) FILTER (WHERE class = 'soft') AS soft,
	    count(*) FILTER (WHERE class = 'complaint') AS complaints,
	    count(*) AS outcomes
	FROM outcomes GROUP BY 1;

CREATE INDEX messages_by_list ON messages (list);
