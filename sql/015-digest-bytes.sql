-- 015-digest-bytes.sql: fewer bytes an outcome (issue 22, point 10).
-- A message's digest, the SHA-256 of its bytes, was 64 hex characters
-- in its row and again in its unique index; it is now the 32 bytes
-- themselves (a blob; bytea on PostgreSQL).  The store writes it with
-- unhex(?) and reads it back with hex_lower(digest) (the view with
-- lower(hex(digest)), which the sqlite3 shell knows), so that what
-- rebound prints (events, the history view) is the same hex as before.
-- SQLite has unhex() from 3.41; db_sqlite.c registers its own for the
-- older ones, and hex_lower(); PostgreSQL's are defined below.
-- The same for the digest an event names (events, events_pending).
-- A digest that is not 64 hex characters (none rebound wrote) is left
-- as it is.
-- An outcome's provider (gmail, microsoft, ...: src/core/providers.tab)
-- is an id of texts (provider_text), as its other words are since
-- sql/014-texts.sql.
-- Indexes that held what no query reads from them: outcomes_by_address
-- held class and reason too, for a replay of an address's history that
-- reads other columns of the row anyway (the address and the time are
-- what it is searched and ordered by); addresses_suspect held each
-- suspect's state_reason, a sentence, for "prune --suspect", which
-- reads a few rows; messages_by_list is no query's way in (a list is
-- filtered on the rows outcomes_by_time finds).

DROP VIEW history;

--@ sqlite
UPDATE messages SET digest = unhex(digest)
WHERE length(digest) = 64 AND digest NOT GLOB '*[^0-9a-f]*';
UPDATE events SET digest = unhex(digest)
WHERE length(digest) = 64 AND digest NOT GLOB '*[^0-9a-f]*';
UPDATE events_pending SET digest = unhex(digest)
WHERE length(digest) = 64 AND digest NOT GLOB '*[^0-9a-f]*';
--@ postgresql
CREATE FUNCTION unhex(t text) RETURNS bytea
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN decode(t, 'hex');
CREATE FUNCTION hex_lower(b bytea) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN nullif(encode(b, 'hex'), '');
ALTER TABLE messages ALTER COLUMN digest TYPE bytea USING
	CASE WHEN digest ~ '^[0-9a-f]{64}$' THEN decode(digest, 'hex')
	ELSE convert_to(digest, 'UTF8') END;
ALTER TABLE events ALTER COLUMN digest TYPE bytea USING
	CASE WHEN digest ~ '^[0-9a-f]{64}$' THEN decode(digest, 'hex')
	ELSE convert_to(digest, 'UTF8') END;
ALTER TABLE events_pending ALTER COLUMN digest TYPE bytea USING
	CASE WHEN digest ~ '^[0-9a-f]{64}$' THEN decode(digest, 'hex')
	ELSE convert_to(digest, 'UTF8') END;
--@ both

ALTER TABLE outcomes ADD COLUMN provider_text INTEGER;
INSERT INTO texts (text)
	SELECT DISTINCT provider FROM outcomes WHERE provider IS NOT NULL
	AND NOT EXISTS (SELECT 1 FROM texts WHERE text = outcomes.provider);
UPDATE outcomes SET provider_text = (SELECT min(id) FROM texts
	WHERE text = outcomes.provider)
WHERE provider IS NOT NULL;
ALTER TABLE outcomes DROP COLUMN provider;

DROP INDEX outcomes_by_address;
CREATE INDEX outcomes_by_address ON outcomes (address, at);
DROP INDEX addresses_suspect;
CREATE INDEX addresses_suspect ON addresses (address) WHERE state = 'suspect';
DROP INDEX messages_by_list;

-- Every outcome with the message it came from, newest first.
--@ sqlite
CREATE VIEW history AS
	SELECT o.address, datetime(o.at, 'unixepoch') AS time, o.class,
	    o.reason, o.status, o.replycode,
	    (SELECT CASE WHEN o.diagnostic_text % 2 = 1 THEN replace(text,
		char(1), coalesce(o.recipient, o.address)) ELSE text END
	    FROM texts WHERE id = o.diagnostic_text / 2) AS diagnostic,
	    (SELECT CASE WHEN o.decided_text % 2 = 1 THEN replace(text,
		char(1), coalesce(o.recipient, o.address)) ELSE text END
	    FROM texts WHERE id = o.decided_text / 2) AS decided,
	    (SELECT text FROM texts WHERE id = m.list_text) AS list,
	    (SELECT text FROM texts WHERE id = m.subject_text) AS subject,
	    (SELECT text FROM texts WHERE id = m.source_text) AS source,
	    lower(hex(m.digest)) AS digest
	FROM outcomes o JOIN messages m ON m.id = o.message
	ORDER BY o.at DESC;
--@ postgresql
CREATE VIEW history AS
	SELECT o.address, to_timestamp(o.at) AS time, o.class,
	    o.reason, o.status, o.replycode,
	    (SELECT CASE WHEN o.diagnostic_text % 2 = 1 THEN replace(text,
		chr(1), coalesce(o.recipient, o.address)) ELSE text END
	    FROM texts WHERE id = o.diagnostic_text / 2) AS diagnostic,
	    (SELECT CASE WHEN o.decided_text % 2 = 1 THEN replace(text,
		chr(1), coalesce(o.recipient, o.address)) ELSE text END
	    FROM texts WHERE id = o.decided_text / 2) AS decided,
	    (SELECT text FROM texts WHERE id = m.list_text) AS list,
	    (SELECT text FROM texts WHERE id = m.subject_text) AS subject,
	    (SELECT text FROM texts WHERE id = m.source_text) AS source,
	    encode(m.digest, 'hex') AS digest
	FROM outcomes o JOIN messages m ON m.id = o.message
	ORDER BY o.at DESC;
--@ both
