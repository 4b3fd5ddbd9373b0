-- Versions of the copies of small tables each replica keeps in memory for the hot pages (platform/db/versioned-copy.ts):
-- the tags (modules/tags/tag-dictionary.ts) and the employees (modules/org/employee-directory.ts). A page reads the
-- version in the same statement as its rows' ids and reloads the copy once it has moved, so a renamed, moved or deleted
-- tag or employee shows as such on the next page everywhere. Set by every transaction that changed a row of the tables
-- (a statement that changed no row sets nothing) to that transaction's id: a value no other state of the tables had, so
-- a copy is current exactly when its version is the one read.
-- Set as the transaction commits (a deferred trigger), not by each statement: a transaction then never holds the
-- version while it waits for a row another one holds, which would deadlock two writers (a sync, an edit). Each row's
-- trigger after the first finds the version already its own and writes nothing.
CREATE OR REPLACE FUNCTION scrm_set_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sys_config AS c (key, value, mtime) VALUES (TG_ARGV[0], pg_current_xact_id()::text, now())
  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, mtime = EXCLUDED.mtime WHERE c.value IS DISTINCT FROM EXCLUDED.value;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER tag_version AFTER INSERT OR UPDATE OR DELETE ON tag DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION scrm_set_version('tag_version');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER tag_group_version AFTER INSERT OR UPDATE OR DELETE ON tag_group DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION scrm_set_version('tag_version');
--> statement-breakpoint
CREATE TRIGGER tag_version_truncate AFTER TRUNCATE ON tag FOR EACH STATEMENT EXECUTE FUNCTION scrm_set_version('tag_version');
--> statement-breakpoint
CREATE TRIGGER tag_group_version_truncate AFTER TRUNCATE ON tag_group FOR EACH STATEMENT EXECUTE FUNCTION scrm_set_version('tag_version');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER qw_emp_version AFTER INSERT OR UPDATE OR DELETE ON qw_emp DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION scrm_set_version('employee_version');
--> statement-breakpoint
CREATE TRIGGER qw_emp_version_truncate AFTER TRUNCATE ON qw_emp FOR EACH STATEMENT EXECUTE FUNCTION scrm_set_version('employee_version');
--> statement-breakpoint
INSERT INTO sys_config (key, value, mtime) VALUES ('tag_version', pg_current_xact_id()::text, now()), ('employee_version', pg_current_xact_id()::text, now())
ON CONFLICT (key) DO NOTHING;
