-- 009-hook-pause.sql: [hook NAME] max_actions_per_hour, the brake on a
-- hook that acts on a list manager.  Each action a hook took (a member
-- removed or disabled, a bounce posted to listmonk, an address.dead or
-- address.complained delivered to a webhook) is a row of hook_actions,
-- written in the transaction that ends its delivery; rows older than an
-- hour go.  A hook that reaches its limit is paused: a row of
-- hook_pauses, written with its hook.paused event, so that a restart
-- stays paused, until "rebound events resume" deletes it, and the
-- hook's actions (the hour counts afresh), with a hook.resumed event.

CREATE TABLE hook_actions (
	hook		TEXT NOT NULL,		-- [hook NAME]
	event		bigint NOT NULL,	-- events.id
	time		bigint NOT NULL	-- Unix time
);
CREATE INDEX hook_actions_by_time ON hook_actions (hook, time);

CREATE TABLE hook_pauses (
	hook		TEXT PRIMARY KEY,
	since		bigint NOT NULL,	-- Unix time
	actions		bigint NOT NULL	-- in the hour before
);
