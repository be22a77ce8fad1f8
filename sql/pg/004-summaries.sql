-- 004-summaries.sql (PostgreSQL): sql/004-summaries.sql's counts per day,
-- kept by a trigger function in the same transaction as the outcomes.
-- The tables are new and the outcomes none, so nothing is copied.

CREATE TABLE outcomes_per_day (
	day		bigint NOT NULL,	-- at / 86400 (UTC)
	class		text NOT NULL,
	reason		text NOT NULL,
	n		bigint NOT NULL,	-- outcomes
	PRIMARY KEY (day, class, reason)
);

CREATE TABLE domains_per_day (
	day		bigint NOT NULL,
	domain		text NOT NULL,		-- after the @, as stored
	n		bigint NOT NULL,
	PRIMARY KEY (day, domain)
);

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

-- rebound never changes an outcome, and the counts above would not follow.
CREATE FUNCTION outcomes_unchanged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'outcomes are not changed: delete and insert';
END $$;
CREATE TRIGGER outcomes_unchanged
	BEFORE UPDATE OF at, class, reason, address ON outcomes
	FOR EACH ROW EXECUTE FUNCTION outcomes_unchanged();

DROP INDEX addresses_by_state;
CREATE INDEX addresses_removed ON addresses (address, state, state_reason,
    last_seen) WHERE state IN ('dead', 'complained');
