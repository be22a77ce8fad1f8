-- 001-schema.sql: the first schema of the rebound database (user_version 1).
-- Later changes are the numbered migrations beside it (002-*.sql ...),
-- applied in order by store.c; a database is never changed by hand.
-- A new migration is a new file, numbered next: the build embeds every
-- sql/NNN-*.sql and the schema version is the last number (src/store/sql2c.awk).

-- One row per returned message, however many recipients it names.
CREATE TABLE messages (
	id		INTEGER PRIMARY KEY,
	digest		TEXT NOT NULL UNIQUE,	-- SHA-256 of the bytes, hex
	received	INTEGER NOT NULL,	-- when recorded, Unix time
	source		TEXT NOT NULL,		-- import, maildir, lmtp
	envelope_to	TEXT,			-- envelope recipient (RCPT TO)
	subscriber	TEXT,			-- decoded from a VERP envelope
	list		TEXT,			-- VERP list, else List-Id
	kind		TEXT NOT NULL,		-- dsn arf autoreply heuristic none
	subject		TEXT,			-- of the bounce
	sender		TEXT,			-- From of the bounce
	returned_id	TEXT,			-- Message-ID of the returned message
	returned_subject TEXT,
	list_id		TEXT,
	reporting_mta	TEXT,
	arrival_date	TEXT
);

-- One row per recipient of a message: what happened and the evidence.
CREATE TABLE outcomes (
	id		INTEGER PRIMARY KEY,
	message		INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
	idx		INTEGER NOT NULL,	-- position in the report
	address		TEXT NOT NULL,		-- who bounced: VERP subscriber, else recipient
	recipient	TEXT,			-- Final-Recipient as reported
	original	TEXT,			-- Original-Recipient
	at		INTEGER NOT NULL,	-- when it happened, Unix time
	class		TEXT NOT NULL,		-- hard soft delay sender complaint delivered vacation
	reason		TEXT NOT NULL,
	hard		INTEGER NOT NULL,
	action		TEXT,
	status		TEXT,
	replycode	INTEGER,
	diagnostic	TEXT,
	remote_mta	TEXT,
	decided		TEXT,			-- the evidence that decided the reason
	UNIQUE (message, idx)
);
CREATE INDEX outcomes_by_address ON outcomes (address, at);
CREATE INDEX outcomes_by_time ON outcomes (at);

-- One row per address, kept current as outcomes arrive (policy.c).
CREATE TABLE addresses (
	address		TEXT PRIMARY KEY,
	state		TEXT NOT NULL,		-- alive dead complained
	state_reason	TEXT,			-- why it is in that state
	hard		INTEGER NOT NULL DEFAULT 0,	-- hard bounces seen
	soft		INTEGER NOT NULL DEFAULT 0,	-- soft bounces seen
	soft_days	TEXT NOT NULL DEFAULT '',	-- distinct soft days counting now
	complaints	INTEGER NOT NULL DEFAULT 0,
	first_seen	INTEGER NOT NULL,
	last_seen	INTEGER NOT NULL,
	last_reason	TEXT
) WITHOUT ROWID;
CREATE INDEX addresses_by_state ON addresses (state);

--@ postgresql
-- PostgreSQL's tables are the ones above, in its types (sql2c.awk: times
-- and ids bigint, an id an identity column).  Then the few functions of
-- SQLite that the store's shared statements use, so that they are
-- written once: instr(), date(T, 'unixepoch') (the UTC day of a Unix
-- time), a sum of comparisons (true counts 1), and COLLATE NOCASE (ICU's
-- case-blind comparison).
CREATE FUNCTION instr(haystack text, needle text) RETURNS integer
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN strpos(haystack, needle);
CREATE FUNCTION date(t bigint, unixepoch text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN to_char(to_timestamp(t) AT TIME ZONE 'UTC', 'YYYY-MM-DD');
CREATE FUNCTION rebound_sum_bool(acc bigint, b boolean) RETURNS bigint
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN acc + CASE WHEN b THEN 1 ELSE 0 END;
CREATE AGGREGATE sum(boolean) (SFUNC = rebound_sum_bool, STYPE = bigint,
	INITCOND = '0');
CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2',
	deterministic = false);
--@ both
