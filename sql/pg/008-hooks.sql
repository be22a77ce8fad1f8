-- 008-hooks.sql: delivering events to hooks ([hook NAME] in rebound.conf).
-- reboundd hands each hook the events after its cursor: each becomes a
-- row of hook_deliveries, in the same transaction as the cursor moves,
-- so that an event is handed over once and never skipped.  A row stays
-- until its delivery succeeds (then it is deleted), so that a SIGKILL
-- or a restart sends it again (at least once); a receiver that refused
-- it for good leaves it 'failed' for the operator ("rebound events
-- --failed", "rebound events retry ID").

CREATE TABLE hook_cursors (
	hook		TEXT PRIMARY KEY,	-- [hook NAME]
	last_event	bigint NOT NULL	-- the last event id handed over
);

CREATE TABLE hook_deliveries (
	hook		TEXT NOT NULL,
	event		bigint NOT NULL,	-- events.id
	address		TEXT,			-- the event's: order per address
	state		TEXT NOT NULL DEFAULT 'pending'
			    CHECK (state IN ('pending', 'failed')),
	queued		bigint NOT NULL,	-- handed over, Unix time
	attempts	bigint NOT NULL DEFAULT 0,
	next_try	bigint NOT NULL,	-- not before, Unix time
	last_error	TEXT,
	PRIMARY KEY (hook, event)
);
-- An event waits while an earlier one for its address is pending.
CREATE INDEX hook_deliveries_pending ON hook_deliveries (hook, address, event)
    WHERE state = 'pending';
