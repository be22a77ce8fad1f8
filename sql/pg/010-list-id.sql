-- 010-list-id.sql (PostgreSQL): the columns of sql/010-list-id.sql.  A
-- PostgreSQL store begins at this schema or later, with no rows recorded
-- under the old meaning of "list": nothing to convert.

ALTER TABLE messages ADD COLUMN bounce_address text;
ALTER TABLE messages ADD COLUMN list_address text;
