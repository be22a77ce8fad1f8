-- 004-summaries.sql: answers that grow with the question, not the history.
-- "rebound stats --since 30d" counted a month of outcomes row by row; the
-- counts of outcomes per day by class and reason, and per day by
-- receiving domain, are kept here by triggers, in the same transaction as
-- the outcomes themselves (whoever writes them: rebound, a cascade from
-- messages, sqlite3 by hand), so stats add up a month of days.
-- "rebound prune" read the whole addresses table to find the few
-- removed; a partial index holds just those, in address order.

CREATE TABLE outcomes_per_day (
	day		INTEGER NOT NULL,	-- at / 86400 (UTC)
	class		TEXT NOT NULL,
	reason		TEXT NOT NULL,
	n		INTEGER NOT NULL,	-- outcomes
	PRIMARY KEY (day, class, reason)
) WITHOUT ROWID;

CREATE TABLE domains_per_day (
	day		INTEGER NOT NULL,
	domain		TEXT NOT NULL,		-- after the @, as stored
	n		INTEGER NOT NULL,
	PRIMARY KEY (day, domain)
) WITHOUT ROWID;

INSERT INTO outcomes_per_day (day, class, reason, n)
	SELECT at / 86400, class, reason, count(*) FROM outcomes
	GROUP BY 1, 2, 3;
INSERT INTO domains_per_day (day, domain, n)
	SELECT at / 86400, substr(address, instr(address, '@') + 1), count(*)
	FROM outcomes GROUP BY 1, 2;

-- On SQLite a trigger per change; on PostgreSQL a trigger calls a
-- function, one for both.
--@ sqlite
CREATE TRIGGER outcomes_counted AFTER INSERT ON outcomes
BEGIN
	INSERT INTO outcomes_per_day (day, class, reason, n)
	VALUES (NEW.at / 86400, NEW.class, NEW.reason, 1)
	ON CONFLICT (day, class, reason) DO UPDATE SET n = n + 1;
	INSERT INTO domains_per_day (day, domain, n)
	VALUES (NEW.at / 86400,
	    substr(NEW.address, instr(NEW.address, '@') + 1), 1)
	ON CONFLICT (day, domain) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER outcomes_uncounted AFTER DELETE ON outcomes
BEGIN
	UPDATE outcomes_per_day SET n = n - 1
	WHERE day = OLD.at / 86400 AND class = OLD.class
	    AND reason = OLD.reason;
	DELETE FROM outcomes_per_day
	WHERE day = OLD.at / 86400 AND class = OLD.class
	    AND reason = OLD.reason AND n = 0;
	UPDATE domains_per_day SET n = n - 1
	WHERE day = OLD.at / 86400
	    AND domain = substr(OLD.address, instr(OLD.address, '@') + 1);
	DELETE FROM domains_per_day
	WHERE day = OLD.at / 86400
	    AND domain = substr(OLD.address, instr(OLD.address, '@') + 1)
	    AND n = 0;
END;
--@ postgresql
CREATE FUNCTION outcomes_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO outcomes_per_day (day, class, reason, n)
		VALUES (NEW.at / 86400, NEW.class, NEW.reason, 1)
		ON CONFLICT (day, class, reason) DO UPDATE
		    SET n = outcomes_per_day.n + 1;
		INSERT INTO domains_per_day (day, domain, n)
		VALUES (NEW.at / 86400,
		    substr(NEW.address, strpos(NEW.address, '@') + 1), 1)
		ON CONFLICT (day, domain) DO UPDATE
		    SET n = domains_per_day.n + 1;
		RETURN NULL;
	END IF;
	UPDATE outcomes_per_day SET n = n - 1
	WHERE day = OLD.at / 86400 AND class = OLD.class
	    AND reason = OLD.reason;
	DELETE FROM outcomes_per_day
	WHERE day = OLD.at / 86400 AND class = OLD.class
	    AND reason = OLD.reason AND n = 0;
	UPDATE domains_per_day SET n = n - 1
	WHERE day = OLD.at / 86400
	    AND domain = substr(OLD.address, strpos(OLD.address, '@') + 1);
	DELETE FROM domains_per_day
	WHERE day = OLD.at / 86400
	    AND domain = substr(OLD.address, strpos(OLD.address, '@') + 1)
	    AND n = 0;
	RETURN NULL;
END $$;

CREATE TRIGGER outcomes_counted AFTER INSERT OR DELETE ON outcomes
	FOR EACH ROW EXECUTE FUNCTION outcomes_count();
--@ both

-- rebound never changes an outcome, and the counts above would not follow.
--@ sqlite
CREATE TRIGGER outcomes_unchanged
BEFORE UPDATE OF at, class, reason, address ON outcomes
BEGIN
	SELECT RAISE(ABORT, 'outcomes are not changed: delete and insert');
END;
--@ postgresql
CREATE FUNCTION outcomes_unchanged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'outcomes are not changed: delete and insert';
END $$;
CREATE TRIGGER outcomes_unchanged
	BEFORE UPDATE OF at, class, reason, address ON outcomes
	FOR EACH ROW EXECUTE FUNCTION outcomes_unchanged();
--@ both

DROP INDEX addresses_by_state;
CREATE INDEX addresses_removed ON addresses (address, state, state_reason,
    last_seen) WHERE state IN ('dead', 'complained');
