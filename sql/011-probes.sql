-- 011-probes.sql: probes before a removal ([probe] of rebound.conf).
-- An address that a bounce would make dead is "probing" instead, and
-- reboundd mails it a probe whose return path carries a token only it
-- can make.  A probe is a row before it is sent (state 'waiting'), so
-- that a SIGKILL loses none; 'sent' once the relay took it; then
-- 'bounced' (its verified bounce made the address dead: outcomes.probe
-- names it) or 'expired' (no bounce within [probe] wait: alive again,
-- and the fold of the address's history reads that here).  A probe
-- carries the List-Id of the bounce that made its address probing, so
-- that its own bounce, and the address.dead it makes, name the list.

CREATE TABLE probes (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,	-- never reused
	address		TEXT NOT NULL,
	list		TEXT,			-- of the bounce that made it probing
	created		INTEGER NOT NULL,	-- recorded, Unix time: the token's
	state		TEXT NOT NULL DEFAULT 'waiting'
			    CHECK (state IN ('waiting', 'sent', 'bounced',
			    'expired')),
	attempts	INTEGER NOT NULL DEFAULT 0,	-- handed to the relay
	next_try	INTEGER NOT NULL,	-- not before, Unix time
	last_error	TEXT,
	sent		INTEGER,		-- the relay's 250, Unix time
	decided		INTEGER,		-- bounced or expired, Unix time
	why		TEXT			-- what decided it
);
CREATE INDEX probes_by_address ON probes (address, created);
CREATE INDEX probes_open ON probes (state, next_try)
    WHERE state IN ('waiting', 'sent');
-- [probe] max_per_hour counts the last hour's.
CREATE INDEX probes_by_sent ON probes (sent) WHERE sent IS NOT NULL;

-- The outcome of a probe's own, verified bounce.
ALTER TABLE outcomes ADD COLUMN probe INTEGER REFERENCES probes(id);

-- Bounces to a probe's return path whose token failed: never counted.
CREATE TABLE probe_forged (
	id		INTEGER PRIMARY KEY,
	time		INTEGER NOT NULL,	-- received, Unix time
	address		TEXT,			-- the recipient the bounce names
	token		TEXT NOT NULL,		-- as it came
	why		TEXT NOT NULL,		-- bad, another address's, expired
	digest		TEXT NOT NULL		-- of the message
);
CREATE INDEX probe_forged_by_address ON probe_forged (address);

-- "rebound prune --probing" reads just these.
CREATE INDEX addresses_probing ON addresses (address, state_reason,
    last_seen) WHERE state = 'probing';
