-- 006-guard.sql: the incident guard ("Never remove a live subscriber").
-- A burst of hard outcomes for one group of recipients (a domain, or the
-- provider that answered for many) is an incident: its outcomes are held,
-- kept with their evidence and counted as soft, until an operator says
-- otherwise.  An outcome's provider is the registered domain of the host
-- that answered (provider.c); its incident, the one that holds it.

CREATE TABLE incidents (
	id		INTEGER PRIMARY KEY,
	kind		TEXT NOT NULL,		-- domain, provider
	grp		TEXT NOT NULL,		-- the domain or provider
	opened		INTEGER NOT NULL,	-- when the burst crossed, Unix time
	first		INTEGER NOT NULL,	-- first and last outcome held
	last		INTEGER NOT NULL,
	closed		INTEGER,		-- NULL while open
	state		TEXT NOT NULL,		-- open closed confirmed discarded
	addresses	INTEGER NOT NULL,	-- distinct addresses held
	outcomes	INTEGER NOT NULL,	-- outcomes held
	sample		TEXT			-- a diagnostic of the burst
);
CREATE INDEX incidents_open ON incidents (id) WHERE state = 'open';

ALTER TABLE outcomes ADD COLUMN provider TEXT;
ALTER TABLE outcomes ADD COLUMN incident INTEGER REFERENCES incidents(id);
CREATE INDEX outcomes_held ON outcomes (incident) WHERE incident IS NOT NULL;
-- The guard's memory after a restart: the last baseline period's hard ones.
CREATE INDEX outcomes_hard ON outcomes (at) WHERE class = 'hard';
