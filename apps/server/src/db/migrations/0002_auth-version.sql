-- One counter for everything a signed-in user's permissions depend on. Every replica caches users'
-- roles and permissions and reads only this row per request; any change below bumps it.
CREATE OR REPLACE FUNCTION scrm_bump_auth_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sys_config (key, value, mtime) VALUES ('auth_version', '1', now())
  ON CONFLICT (key) DO UPDATE SET value = (sys_config.value::bigint + 1)::text, mtime = now();
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER sys_user_auth_version AFTER INSERT OR DELETE OR UPDATE OF username, nickname, emp_no, phone, dept_id, status, qw_userid, must_change_password, token_version, is_del ON sys_user FOR EACH STATEMENT EXECUTE FUNCTION scrm_bump_auth_version();
--> statement-breakpoint
CREATE TRIGGER sys_role_auth_version AFTER INSERT OR UPDATE OR DELETE ON sys_role FOR EACH STATEMENT EXECUTE FUNCTION scrm_bump_auth_version();
--> statement-breakpoint
CREATE TRIGGER sys_menu_auth_version AFTER INSERT OR UPDATE OR DELETE ON sys_menu FOR EACH STATEMENT EXECUTE FUNCTION scrm_bump_auth_version();
--> statement-breakpoint
CREATE TRIGGER sys_user_role_auth_version AFTER INSERT OR UPDATE OR DELETE ON sys_user_role FOR EACH STATEMENT EXECUTE FUNCTION scrm_bump_auth_version();
--> statement-breakpoint
CREATE TRIGGER sys_role_menu_auth_version AFTER INSERT OR UPDATE OR DELETE ON sys_role_menu FOR EACH STATEMENT EXECUTE FUNCTION scrm_bump_auth_version();
--> statement-breakpoint
CREATE TRIGGER sys_role_dept_auth_version AFTER INSERT OR UPDATE OR DELETE ON sys_role_dept FOR EACH STATEMENT EXECUTE FUNCTION scrm_bump_auth_version();
--> statement-breakpoint
CREATE TRIGGER sys_dept_auth_version AFTER INSERT OR UPDATE OF parent_id, ancestors, is_del OR DELETE ON sys_dept FOR EACH STATEMENT EXECUTE FUNCTION scrm_bump_auth_version();
