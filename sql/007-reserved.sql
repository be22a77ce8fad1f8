-- 007: reserved for the incident guard (branch guard); a placeholder
-- so that this branch builds.  Deleted at merge.
SELECT 1;
