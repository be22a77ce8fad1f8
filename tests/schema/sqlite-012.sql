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
, bounce_address TEXT, list_address TEXT);
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
	decided		TEXT, confidence TEXT, provider TEXT, incident INTEGER REFERENCES incidents(id), probe INTEGER REFERENCES probes(id), node TEXT,			-- the evidence that decided the reason
	UNIQUE (message, idx)
);
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
, suspect_day INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE VIEW prune AS
	SELECT address, state, state_reason, last_seen
	FROM addresses WHERE state IN ('dead', 'complained')
/* prune(address,state,state_reason,last_seen) */;
CREATE VIEW history AS
	SELECT o.address, datetime(o.at, 'unixepoch') AS time, o.class,
	    o.reason, o.status, o.replycode, o.diagnostic, o.decided,
	    m.list, m.subject, m.source, m.digest
	FROM outcomes o JOIN messages m ON m.id = o.message
	ORDER BY o.at DESC
/* history(address,time,class,reason,status,replycode,diagnostic,decided,list,subject,source,digest) */;
CREATE VIEW domains AS
	SELECT substr(address, instr(address, '@') + 1) AS domain,
	    sum(class = 'hard') AS hard, sum(class = 'soft') AS soft,
	    sum(class = 'complaint') AS complaints, count(*) AS outcomes
	FROM outcomes GROUP BY domain
/* domains(domain,hard,soft,complaints,outcomes) */;
CREATE INDEX messages_by_list ON messages (list);
CREATE INDEX outcomes_by_time ON outcomes (at, class, reason, address);
CREATE INDEX outcomes_by_address ON outcomes (address, at, class, reason);
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
CREATE TRIGGER outcomes_unchanged
BEFORE UPDATE OF at, class, reason, address ON outcomes
BEGIN
	SELECT RAISE(ABORT, 'outcomes are not changed: delete and insert');
END;
CREATE INDEX addresses_removed ON addresses (address, state, state_reason,
    last_seen) WHERE state IN ('dead', 'complained');
CREATE INDEX addresses_suspect ON addresses (address, state_reason,
    last_seen) WHERE state = 'suspect';
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
CREATE INDEX outcomes_held ON outcomes (incident) WHERE incident IS NOT NULL;
CREATE INDEX outcomes_hard ON outcomes (at) WHERE class = 'hard';
CREATE TABLE events (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,	-- never reused
	type		TEXT NOT NULL,		-- address.dead, ..., incident.closed
	time		INTEGER NOT NULL,	-- when it happened, Unix time
	address		TEXT,
	list		TEXT,			-- the List-Id (or VERP list)
	state		TEXT,			-- the address's state now
	previous	TEXT,			-- and before
	reason		TEXT,			-- of the outcome that caused it
	class		TEXT,
	status		TEXT,
	confidence	TEXT,
	evidence	TEXT,			-- the outcome's decided
	digest		TEXT,			-- of the message behind it
	incident	INTEGER			-- an incident event's incident
);
CREATE TABLE sqlite_sequence(name,seq);
CREATE INDEX events_by_time ON events (time);
CREATE TABLE events_pending (
	id		INTEGER PRIMARY KEY,	-- order of writing only
	due		INTEGER NOT NULL,	-- not published before, Unix time
	type		TEXT NOT NULL,
	time		INTEGER NOT NULL,
	address		TEXT,
	list		TEXT,
	state		TEXT,
	previous	TEXT,
	reason		TEXT,
	class		TEXT,
	status		TEXT,
	confidence	TEXT,
	evidence	TEXT,
	digest		TEXT,
	incident	INTEGER
);
CREATE INDEX events_pending_due ON events_pending (due, id);
CREATE INDEX events_pending_address ON events_pending (address);
CREATE TABLE hook_cursors (
	hook		TEXT PRIMARY KEY,	-- [hook NAME]
	last_event	INTEGER NOT NULL	-- the last event id handed over
);
CREATE TABLE hook_deliveries (
	hook		TEXT NOT NULL,
	event		INTEGER NOT NULL,	-- events.id
	address		TEXT,			-- the event's: order per address
	state		TEXT NOT NULL DEFAULT 'pending'
			    CHECK (state IN ('pending', 'failed')),
	queued		INTEGER NOT NULL,	-- handed over, Unix time
	attempts	INTEGER NOT NULL DEFAULT 0,
	next_try	INTEGER NOT NULL,	-- not before, Unix time
	last_error	TEXT,
	PRIMARY KEY (hook, event)
) WITHOUT ROWID;
CREATE INDEX hook_deliveries_pending ON hook_deliveries (hook, address, event)
    WHERE state = 'pending';
CREATE TABLE hook_actions (
	hook		TEXT NOT NULL,		-- [hook NAME]
	event		INTEGER NOT NULL,	-- events.id
	time		INTEGER NOT NULL	-- Unix time
);
CREATE INDEX hook_actions_by_time ON hook_actions (hook, time);
CREATE TABLE hook_pauses (
	hook		TEXT PRIMARY KEY,
	since		INTEGER NOT NULL,	-- Unix time
	actions		INTEGER NOT NULL	-- in the hour before
);
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
CREATE INDEX probes_by_sent ON probes (sent) WHERE sent IS NOT NULL;
CREATE TABLE probe_forged (
	id		INTEGER PRIMARY KEY,
	time		INTEGER NOT NULL,	-- received, Unix time
	address		TEXT,			-- the recipient the bounce names
	token		TEXT NOT NULL,		-- as it came
	why		TEXT NOT NULL,		-- bad, another address's, expired
	digest		TEXT NOT NULL		-- of the message
);
CREATE INDEX probe_forged_by_address ON probe_forged (address);
CREATE INDEX addresses_probing ON addresses (address, state_reason,
    last_seen) WHERE state = 'probing';
