-- The version of the tag dictionary every replica keeps in memory (modules/tags/tag-dictionary.ts): the hot pages read
-- it in the same statement as their rows' tag ids and reload the dictionary once it has moved, so a renamed, moved or
-- deleted tag shows as such on the next page everywhere. Set in the writing transaction by any statement that changed
-- a tag or a tag group (a statement that changed no row sets nothing), to that transaction's id: a value no other
-- state of the tags had, so a copy is current exactly when its version is the one read.
CREATE OR REPLACE FUNCTION scrm_bump_tag_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' OR EXISTS (SELECT 1 FROM changed_rows) THEN
    INSERT INTO sys_config (key, value, mtime) VALUES ('tag_version', pg_current_xact_id()::text, now())
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, mtime = now();
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER tag_version_insert AFTER INSERT ON tag REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION scrm_bump_tag_version();
--> statement-breakpoint
CREATE TRIGGER tag_version_update AFTER UPDATE ON tag REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION scrm_bump_tag_version();
--> statement-breakpoint
CREATE TRIGGER tag_version_delete AFTER DELETE ON tag REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION scrm_bump_tag_version();
--> statement-breakpoint
CREATE TRIGGER tag_version_truncate AFTER TRUNCATE ON tag FOR EACH STATEMENT EXECUTE FUNCTION scrm_bump_tag_version();
--> statement-breakpoint
CREATE TRIGGER tag_group_version_insert AFTER INSERT ON tag_group REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION scrm_bump_tag_version();
--> statement-breakpoint
CREATE TRIGGER tag_group_version_update AFTER UPDATE ON tag_group REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION scrm_bump_tag_version();
--> statement-breakpoint
CREATE TRIGGER tag_group_version_delete AFTER DELETE ON tag_group REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION scrm_bump_tag_version();
--> statement-breakpoint
CREATE TRIGGER tag_group_version_truncate AFTER TRUNCATE ON tag_group FOR EACH STATEMENT EXECUTE FUNCTION scrm_bump_tag_version();
--> statement-breakpoint
INSERT INTO sys_config (key, value, mtime) VALUES ('tag_version', pg_current_xact_id()::text, now()) ON CONFLICT (key) DO NOTHING;
