-- The version of the tag dictionary every replica keeps in memory (modules/tags/tag-dictionary.ts): the hot pages read
-- it in the same statement as their rows' tag ids and reload the dictionary once it has moved, so a renamed, moved or
-- deleted tag shows as such on the next page everywhere. Set by every transaction that changed a tag or a tag group
-- (a statement that changed no row sets nothing) to that transaction's id: a value no other state of the tags had, so
-- a copy is current exactly when its version is the one read.
-- Set as the transaction commits (a deferred trigger), not by each statement: a transaction then never holds the
-- version while it waits for a tag another one holds, which would deadlock two writers of tags (a corp tag sync, an
-- edit). Each row's trigger after the first finds the version already its own and writes nothing.
CREATE OR REPLACE FUNCTION scrm_set_tag_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sys_config AS c (key, value, mtime) VALUES ('tag_version', pg_current_xact_id()::text, now())
  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, mtime = EXCLUDED.mtime WHERE c.value IS DISTINCT FROM EXCLUDED.value;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER tag_version AFTER INSERT OR UPDATE OR DELETE ON tag DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION scrm_set_tag_version();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER tag_group_version AFTER INSERT OR UPDATE OR DELETE ON tag_group DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION scrm_set_tag_version();
--> statement-breakpoint
CREATE TRIGGER tag_version_truncate AFTER TRUNCATE ON tag FOR EACH STATEMENT EXECUTE FUNCTION scrm_set_tag_version();
--> statement-breakpoint
CREATE TRIGGER tag_group_version_truncate AFTER TRUNCATE ON tag_group FOR EACH STATEMENT EXECUTE FUNCTION scrm_set_tag_version();
--> statement-breakpoint
INSERT INTO sys_config (key, value, mtime) VALUES ('tag_version', pg_current_xact_id()::text, now()) ON CONFLICT (key) DO NOTHING;
