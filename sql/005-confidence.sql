-- 005-confidence.sql: how sure each verdict is, and the hard bounce that
-- waits to be confirmed ("Never remove a live subscriber").
-- An outcome's confidence (certain, likely, weak) is the classifier's;
-- outcomes recorded before this version have none (NULL) and count as
-- they counted then, like certain ones.  An address made suspect by a
-- hard bounce that needs confirming keeps that bounce's day.

ALTER TABLE outcomes ADD COLUMN confidence TEXT;
--@ sqlite
ALTER TABLE addresses ADD COLUMN suspect_day INTEGER NOT NULL DEFAULT 0;
--@ postgresql
-- integer, not bigint: as PostgreSQL stores have it since they began (a
-- day number fits in 32 bits).
ALTER TABLE addresses ADD COLUMN suspect_day integer NOT NULL DEFAULT 0;
--@ both

-- "rebound prune --suspect" reads just these.
CREATE INDEX addresses_suspect ON addresses (address, state_reason,
    last_seen) WHERE state = 'suspect';
