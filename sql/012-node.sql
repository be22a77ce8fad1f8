-- 012-node.sql: the node that took each outcome ([store] node of
-- rebound.conf, by default the host name), so that with several
-- reboundd on one PostgreSQL an outcome says which host recorded it.
-- Outcomes recorded before this version have none (NULL: "-").
-- The same SQL on both engines.

ALTER TABLE outcomes ADD COLUMN node TEXT;
