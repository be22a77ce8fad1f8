-- 010-list-id.sql: a message's list is the list it came from, by its
-- RFC 2919 list id (issue 20): the returned message's List-Id, else the
-- list a list manager's bounce address names (NAME-bounces@DOMAIN is
-- NAME.DOMAIN, src/core/listid.c).  Until now "list" held the VERP address's
-- prefix ("bounces", "news") before the List-Id, and a List-Id's whole
-- value ("News <news.lists.example.org>"): neither is what a list
-- manager calls its list.  The address a bounce came back to is now
-- kept apart, and the list's posting address beside its id.

ALTER TABLE messages ADD COLUMN bounce_address TEXT;	-- VERP address without the subscriber, else envelope_to
ALTER TABLE messages ADD COLUMN list_address TEXT;	-- the list's NAME@DOMAIN, when known

-- What follows converts rows recorded under the old meaning of "list".
-- A PostgreSQL store begins at this schema or later, with no such rows:
-- SQLite's alone.
--@ sqlite
-- Rows recorded before: the bounce address of a VERP row from its
-- envelope recipient (the old "list" was its prefix, "-bounces" cut),
-- and of any other the envelope recipient itself.
UPDATE messages SET bounce_address = lower(
	CASE WHEN lower(substr(envelope_to, 1, length(list) + 8)) =
	    lower(list) || '-bounces' THEN list || '-bounces' ELSE list END ||
	substr(envelope_to, instr(envelope_to, '@')))
WHERE subscriber IS NOT NULL AND list IS NOT NULL AND envelope_to LIKE '%@%';
UPDATE messages SET bounce_address = lower(envelope_to)
WHERE bounce_address IS NULL AND envelope_to IS NOT NULL;

-- The list: the id of the List-Id (what its last <...> holds, else the
-- whole value), else what the bounce address names, else none.
UPDATE messages SET list = NULL;
UPDATE messages SET list = lower(trim(CASE WHEN instr(list_id, '<') > 0 AND
	    instr(substr(list_id, instr(list_id, '<')), '>') > 0
	THEN substr(list_id, instr(list_id, '<') + 1,
	    instr(substr(list_id, instr(list_id, '<')), '>') - 2)
	ELSE list_id END))
WHERE list_id IS NOT NULL;
UPDATE messages SET list = NULL WHERE list = '' OR list NOT LIKE '%_._%';
UPDATE messages SET list_address = (
	SELECT CASE
	    WHEN local LIKE '_%-bounces' THEN substr(local, 1, length(local) - 8)
	    WHEN local LIKE '_%-bounce' THEN substr(local, 1, length(local) - 7)
	    WHEN local LIKE '_%-owner' THEN substr(local, 1, length(local) - 6)
	    END || substr(bounce_address, instr(bounce_address, '@'))
	FROM (SELECT substr(bounce_address, 1,
	    instr(bounce_address, '@') - 1) AS local))
WHERE bounce_address LIKE '_%@_%';
UPDATE messages SET list_address = NULL
WHERE list IS NOT NULL AND list_address IS NOT NULL AND
    list <> replace(list_address, '@', '.');
UPDATE messages SET list = replace(list_address, '@', '.')
WHERE list IS NULL AND list_address IS NOT NULL;

-- address.dead events still waiting out the guard's delay take their
-- message's list; published events stay as they were published.
UPDATE events_pending SET list = (SELECT m.list FROM messages m
	WHERE m.digest = events_pending.digest)
WHERE digest IS NOT NULL;
--@ both
