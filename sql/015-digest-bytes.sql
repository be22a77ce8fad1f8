-- 015-digest-bytes.sql: fewer bytes an outcome (issue 22, point 10).
-- A message's digest, the SHA-256 of its bytes, was 64 hex characters
-- in its row and again in its unique index; it is now the 32 bytes
-- themselves (a blob; bytea on PostgreSQL).  The store writes it with
-- unhex(?) and reads it back with lower(hex(digest)), so that what
-- rebound prints (events, the history view) is the same hex as before.
-- SQLite has unhex() from 3.41; db_sqlite.c registers its own for the
-- older ones, and PostgreSQL's hex() and unhex() are defined below.
-- A digest that is not 64 hex characters (none rebound wrote) is left
-- as it is.
-- outcomes_by_address held class and reason too, for a replay of an
-- address's history that reads other columns of the row anyway: the
-- address and the time are what it is searched and ordered by.

DROP VIEW history;

--@ sqlite
UPDATE messages SET digest = unhex(digest)
WHERE length(digest) = 64 AND digest NOT GLOB '*[^0-9a-f]*';
--@ postgresql
CREATE FUNCTION hex(b bytea) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN upper(encode(b, 'hex'));
CREATE FUNCTION unhex(t text) RETURNS bytea
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN decode(t, 'hex');
ALTER TABLE messages ALTER COLUMN digest TYPE bytea USING
	CASE WHEN digest ~ '^[0-9a-f]{64}$' THEN decode(digest, 'hex')
	ELSE convert_to(digest, 'UTF8') END;
--@ both

DROP INDEX outcomes_by_address;
CREATE INDEX outcomes_by_address ON outcomes (address, at);

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
