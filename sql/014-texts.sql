-- 014-texts.sql: each repeated text stored once (issue 22, point 10).
-- What a message or an outcome said in words was text in every row,
-- most of it the same again: an outcome's action, diagnostic, evidence
-- and remote MTA, a message's source, kind, envelope recipient, bounce
-- and list addresses, list, subject, sender, returned subject, List-Id
-- and reporting MTA.  Each is now a row of texts, and the outcome or
-- message holds its id (the column's name + "_text").
-- A diagnostic or evidence that names the outcome's own recipient ("550
-- 5.1.1 <bob@example.org>: Recipient address rejected") is kept as a
-- template, the recipient replaced by the byte 0x01, so that one text
-- serves every recipient: such a column holds id * 2 + 1, another id * 2
-- (a text that holds a 0x01 of its own is never a template); the other
-- columns hold the id.  The store puts the recipient back on reading
-- (src/store/store_int.h: STORE_TEMPLATE): what rebound prints is the
-- same bytes as before.
-- An outcome's recipient, the Final-Recipient as reported, is NULL when
-- it is the address itself, as it nearly always is.
-- texts is searched by value (texts_by_text) only when a row is written;
-- reading goes by id.  The list's index holds ids, not the text again.

CREATE TABLE texts (
	id	INTEGER PRIMARY KEY,
	text	TEXT NOT NULL
);
--@ sqlite
CREATE UNIQUE INDEX texts_by_text ON texts (text);
--@ postgresql
-- A btree entry holds at most 2,704 bytes; writers take turns, so the
-- store's look-up before an insert keeps each text once.
CREATE INDEX texts_by_text ON texts USING hash (text);
--@ both

-- The view names the old columns: made again below.
DROP VIEW history;
DROP INDEX messages_by_list;

ALTER TABLE outcomes ADD COLUMN action_text INTEGER;
ALTER TABLE outcomes ADD COLUMN diagnostic_text INTEGER;
ALTER TABLE outcomes ADD COLUMN decided_text INTEGER;
ALTER TABLE outcomes ADD COLUMN remote_mta_text INTEGER;
ALTER TABLE messages ADD COLUMN source_text INTEGER;
ALTER TABLE messages ADD COLUMN kind_text INTEGER;
ALTER TABLE messages ADD COLUMN envelope_to_text INTEGER;
ALTER TABLE messages ADD COLUMN bounce_address_text INTEGER;
ALTER TABLE messages ADD COLUMN list_address_text INTEGER;
ALTER TABLE messages ADD COLUMN list_text INTEGER;
ALTER TABLE messages ADD COLUMN subject_text INTEGER;
ALTER TABLE messages ADD COLUMN sender_text INTEGER;
ALTER TABLE messages ADD COLUMN returned_subject_text INTEGER;
ALTER TABLE messages ADD COLUMN list_id_text INTEGER;
ALTER TABLE messages ADD COLUMN reporting_mta_text INTEGER;

-- The byte that stands for the recipient in a template.
--@ sqlite
CREATE TEMP TABLE placeholder AS SELECT char(1) AS c;
--@ postgresql
CREATE TEMP TABLE placeholder AS SELECT chr(1) AS c;
--@ both

-- Which diagnostics and evidence become templates, and as what.
CREATE TEMP TABLE templated (
	id		INTEGER PRIMARY KEY,
	diagnostic_t	INTEGER NOT NULL,
	decided_t	INTEGER NOT NULL,
	diagnostic	TEXT,
	decided		TEXT,
	recipient	TEXT
);
INSERT INTO templated
	SELECT id, CASE WHEN recipient <> '' AND
	    instr(diagnostic, recipient) > 0 AND
	    instr(diagnostic, (SELECT c FROM placeholder)) = 0 THEN 1 ELSE 0 END,
	    CASE WHEN recipient <> '' AND instr(decided, recipient) > 0 AND
	    instr(decided, (SELECT c FROM placeholder)) = 0 THEN 1 ELSE 0 END,
	    diagnostic, decided, recipient
	FROM outcomes;
UPDATE templated SET diagnostic = replace(diagnostic, recipient, (SELECT c FROM placeholder))
WHERE diagnostic_t = 1;
UPDATE templated SET decided = replace(decided, recipient, (SELECT c FROM placeholder))
WHERE decided_t = 1;

INSERT INTO texts (text)
	SELECT diagnostic FROM templated WHERE diagnostic IS NOT NULL
	UNION SELECT decided FROM templated WHERE decided IS NOT NULL
	UNION SELECT action FROM outcomes WHERE action IS NOT NULL
	UNION SELECT remote_mta FROM outcomes WHERE remote_mta IS NOT NULL
	UNION SELECT source FROM messages
	UNION SELECT kind FROM messages
	UNION SELECT envelope_to FROM messages WHERE envelope_to IS NOT NULL
	UNION SELECT bounce_address FROM messages
	    WHERE bounce_address IS NOT NULL
	UNION SELECT list_address FROM messages
	    WHERE list_address IS NOT NULL
	UNION SELECT list FROM messages WHERE list IS NOT NULL
	UNION SELECT subject FROM messages WHERE subject IS NOT NULL
	UNION SELECT sender FROM messages WHERE sender IS NOT NULL
	UNION SELECT returned_subject FROM messages
	    WHERE returned_subject IS NOT NULL
	UNION SELECT list_id FROM messages WHERE list_id IS NOT NULL
	UNION SELECT reporting_mta FROM messages
	    WHERE reporting_mta IS NOT NULL;

UPDATE outcomes SET
	diagnostic_text = (SELECT x.id * 2 + t.diagnostic_t FROM templated t
	    JOIN texts x ON x.text = t.diagnostic WHERE t.id = outcomes.id),
	decided_text = (SELECT x.id * 2 + t.decided_t FROM templated t
	    JOIN texts x ON x.text = t.decided WHERE t.id = outcomes.id),
	action_text = (SELECT id FROM texts WHERE text = outcomes.action),
	remote_mta_text = (SELECT id FROM texts
	    WHERE text = outcomes.remote_mta);
UPDATE outcomes SET recipient = NULL WHERE recipient = address;
UPDATE messages SET
	source_text = (SELECT id FROM texts WHERE text = messages.source),
	kind_text = (SELECT id FROM texts WHERE text = messages.kind),
	envelope_to_text = (SELECT id FROM texts
	    WHERE text = messages.envelope_to),
	bounce_address_text = (SELECT id FROM texts
	    WHERE text = messages.bounce_address),
	list_address_text = (SELECT id FROM texts
	    WHERE text = messages.list_address),
	list_text = (SELECT id FROM texts WHERE text = messages.list),
	subject_text = (SELECT id FROM texts WHERE text = messages.subject),
	sender_text = (SELECT id FROM texts WHERE text = messages.sender),
	returned_subject_text = (SELECT id FROM texts
	    WHERE text = messages.returned_subject),
	list_id_text = (SELECT id FROM texts WHERE text = messages.list_id),
	reporting_mta_text = (SELECT id FROM texts
	    WHERE text = messages.reporting_mta);
DROP TABLE templated;
DROP TABLE placeholder;

ALTER TABLE outcomes DROP COLUMN action;
ALTER TABLE outcomes DROP COLUMN diagnostic;
ALTER TABLE outcomes DROP COLUMN decided;
ALTER TABLE outcomes DROP COLUMN remote_mta;
ALTER TABLE messages DROP COLUMN source;
ALTER TABLE messages DROP COLUMN kind;
ALTER TABLE messages DROP COLUMN envelope_to;
ALTER TABLE messages DROP COLUMN bounce_address;
ALTER TABLE messages DROP COLUMN list_address;
ALTER TABLE messages DROP COLUMN list;
ALTER TABLE messages DROP COLUMN subject;
ALTER TABLE messages DROP COLUMN sender;
ALTER TABLE messages DROP COLUMN returned_subject;
ALTER TABLE messages DROP COLUMN list_id;
ALTER TABLE messages DROP COLUMN reporting_mta;

CREATE INDEX messages_by_list ON messages (list_text);

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
	    m.digest
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
	    m.digest
	FROM outcomes o JOIN messages m ON m.id = o.message
	ORDER BY o.at DESC;
--@ both
