-- 013-leased-by.sql: which node ([store] node of rebound.conf) took
-- each hook delivery last: on PostgreSQL the daemon that leased it
-- (and holds it while its next_try, the lease's end, is to come), on
-- both engines the one that last tried it.  "rebound events --pending"
-- and "--failed" show it.  A daemon that stops cleanly gives its
-- leases back (next_try now), so that another takes them at once.
-- Deliveries queued before this version have none (NULL: "-").
-- The same SQL on both engines.

ALTER TABLE hook_deliveries ADD COLUMN leased_by TEXT;
