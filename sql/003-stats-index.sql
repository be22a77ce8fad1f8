-- 003-stats-index.sql: "rebound stats --since" and "list --since" read
-- outcomes by time; with class, reason and address in the index too,
-- counting a month of a million outcomes never touches the table.
DROP INDEX outcomes_by_time;
CREATE INDEX outcomes_by_time ON outcomes (at, class, reason, address);
