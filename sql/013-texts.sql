-- 013-texts.sql: each repeated text stored once (issue 22, point 10).
-- A diagnostic, the evidence that decided, the remote MTA, and a
-- message's subject, sender, returned subject, List-Id and reporting MTA
-- were text in every row, most of them the same again; they are now rows
-- of texts, and the outcome or message holds the text's id.  A
-- diagnostic or evidence that names the outcome's own recipient ("550
-- 5.1.1 <bob@example.org>: Recipient address rejected") is kept as a
-- template, the recipient replaced by the byte 0x01, so that one text
-- serves every recipient; such a column holds id * 2 + 1, any other id *
-- 2 (a text that holds a 0x01 of its own is never a template); the
-- other columns hold the id.  The
-- store puts the recipient back on reading (store_int.h: STORE_TEMPLATE):
-- what rebound prints is the same bytes as before.
-- The texts are looked up by their value (texts_by_text) only when an
-- outcome is written; reading goes by id.

CREATE TABLE texts (
	id	INTEGER PRIMARY KEY,
	text	TEXT NOT NULL
);
CREATE UNIQUE INDEX texts_by_text ON texts (text);

-- The history view names the old columns: made again below.
DROP VIEW history;

ALTER TABLE outcomes ADD COLUMN diagnostic_text INTEGER;
ALTER TABLE outcomes ADD COLUMN decided_text INTEGER;
ALTER TABLE outcomes ADD COLUMN remote_mta_text INTEGER;
ALTER TABLE messages ADD COLUMN subject_text INTEGER;
ALTER TABLE messages ADD COLUMN sender_text INTEGER;
ALTER TABLE messages ADD COLUMN returned_subject_text INTEGER;
ALTER TABLE messages ADD COLUMN list_id_text INTEGER;
ALTER TABLE messages ADD COLUMN reporting_mta_text INTEGER;

-- Which diagnostics and evidence become templates.
CREATE TEMP TABLE templated AS
	SELECT id, CASE WHEN recipient <> '' AND
	    instr(diagnostic, recipient) > 0 AND
	    instr(diagnostic, char(1)) = 0 THEN 1 ELSE 0 END AS diagnostic,
	    CASE WHEN recipient <> '' AND instr(decided, recipient) > 0 AND
	    instr(decided, char(1)) = 0 THEN 1 ELSE 0 END AS decided
	FROM outcomes;
CREATE TEMP VIEW outcome_texts AS
	SELECT o.id, CASE WHEN t.diagnostic = 1 THEN
	    replace(o.diagnostic, o.recipient, char(1)) ELSE o.diagnostic END
	    AS diagnostic, t.diagnostic AS diagnostic_t,
	    CASE WHEN t.decided = 1 THEN replace(o.decided, o.recipient, char(1))
	    ELSE o.decided END AS decided, t.decided AS decided_t
	FROM outcomes o JOIN templated t ON t.id = o.id;

INSERT INTO texts (text)
	SELECT diagnostic FROM outcome_texts WHERE diagnostic IS NOT NULL
	UNION SELECT decided FROM outcome_texts WHERE decided IS NOT NULL
	UNION SELECT remote_mta FROM outcomes WHERE remote_mta IS NOT NULL
	UNION SELECT subject FROM messages WHERE subject IS NOT NULL
	UNION SELECT sender FROM messages WHERE sender IS NOT NULL
	UNION SELECT returned_subject FROM messages
	    WHERE returned_subject IS NOT NULL
	UNION SELECT list_id FROM messages WHERE list_id IS NOT NULL
	UNION SELECT reporting_mta FROM messages
	    WHERE reporting_mta IS NOT NULL;

UPDATE outcomes SET
	diagnostic_text = (SELECT x.id * 2 + v.diagnostic_t FROM outcome_texts v
	    JOIN texts x ON x.text = v.diagnostic WHERE v.id = outcomes.id),
	decided_text = (SELECT x.id * 2 + v.decided_t FROM outcome_texts v
	    JOIN texts x ON x.text = v.decided WHERE v.id = outcomes.id),
	remote_mta_text = (SELECT id FROM texts
	    WHERE text = outcomes.remote_mta);
UPDATE messages SET
	subject_text = (SELECT id FROM texts WHERE text = messages.subject),
	sender_text = (SELECT id FROM texts WHERE text = messages.sender),
	returned_subject_text = (SELECT id FROM texts
	    WHERE text = messages.returned_subject),
	list_id_text = (SELECT id FROM texts WHERE text = messages.list_id),
	reporting_mta_text = (SELECT id FROM texts
	    WHERE text = messages.reporting_mta);
DROP VIEW outcome_texts;
DROP TABLE templated;

ALTER TABLE outcomes DROP COLUMN diagnostic;
ALTER TABLE outcomes DROP COLUMN decided;
ALTER TABLE outcomes DROP COLUMN remote_mta;
ALTER TABLE messages DROP COLUMN subject;
ALTER TABLE messages DROP COLUMN sender;
ALTER TABLE messages DROP COLUMN returned_subject;
ALTER TABLE messages DROP COLUMN list_id;
ALTER TABLE messages DROP COLUMN reporting_mta;

-- Every outcome with the message it came from, newest first.
CREATE VIEW history AS
	SELECT o.address, datetime(o.at, 'unixepoch') AS time, o.class,
	    o.reason, o.status, o.replycode,
	    (SELECT CASE WHEN o.diagnostic_text % 2 = 1 THEN
		replace(text, char(1), o.recipient) ELSE text END
	    FROM texts WHERE id = o.diagnostic_text / 2) AS diagnostic,
	    (SELECT CASE WHEN o.decided_text % 2 = 1 THEN
		replace(text, char(1), o.recipient) ELSE text END
	    FROM texts WHERE id = o.decided_text / 2) AS decided,
	    m.list, (SELECT text FROM texts WHERE id = m.subject_text)
	    AS subject, m.source, m.digest
	FROM outcomes o JOIN messages m ON m.id = o.message
	ORDER BY o.at DESC;
