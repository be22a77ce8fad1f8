-- 003-stats-index.sql: covering indexes for what is read most.
-- "rebound stats --since" and "list --since" read outcomes by time; with
-- class, reason and address in the index, counting a month of a million
-- outcomes never touches the table.  Replaying an address's history
-- (store.c) reads class and reason by address, likewise.
DROP INDEX outcomes_by_time;
CREATE INDEX outcomes_by_time ON outcomes (at, class, reason, address);
DROP INDEX outcomes_by_address;
CREATE INDEX outcomes_by_address ON outcomes (address, at, class, reason);
