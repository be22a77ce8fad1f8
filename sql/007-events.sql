-- 007-events.sql: the events outbox ("From verdict to action").
-- Every change of an address's state (and an incident opened or closed)
-- is a row written in the same transaction as the outcome that caused
-- it, so an event is never lost and never invented.  "rebound events"
-- and reboundd's hooks read them in id order.
--
-- An event that must wait (address.dead waits out the incident guard's
-- window, so that a burst the guard catches never reaches a list
-- manager) is written to events_pending with the time it is due, and
-- moved to events when it is: only then does it get its id, so that
-- ids grow in the order consumers can see them and one who follows by
-- id never misses one.

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
