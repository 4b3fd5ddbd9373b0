-- Issue 21: what every request's authentication depends on is pushed to the app servers instead of read per
-- request. Each bump of the auth version (users, roles, menus, grants, departments) and each signed-out token
-- is announced on the channel `scrm_auth` at commit (platform/auth/auth-notifications.ts listens).
CREATE OR REPLACE FUNCTION scrm_bump_auth_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bumped text;
BEGIN
  INSERT INTO sys_config (key, value, mtime) VALUES ('auth_version', '1', now())
  ON CONFLICT (key) DO UPDATE SET value = (sys_config.value::bigint + 1)::text, mtime = now()
  RETURNING value INTO bumped;
  PERFORM pg_notify('scrm_auth', 'v:' || bumped);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION scrm_notify_revoked_token() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('scrm_auth', 'r:' || (extract(epoch FROM NEW.expires_at) * 1000)::bigint || ':' || NEW.jti);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER sys_revoked_token_notify AFTER INSERT ON sys_revoked_token FOR EACH ROW EXECUTE FUNCTION scrm_notify_revoked_token();
