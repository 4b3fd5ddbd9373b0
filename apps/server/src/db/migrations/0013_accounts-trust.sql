CREATE TABLE "sys_revoked_token" (
	"jti" text PRIMARY KEY NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sys_login_failure" ADD COLUMN "last_failure_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
CREATE INDEX "sys_revoked_token_expires_idx" ON "sys_revoked_token" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "sys_login_failure_last_idx" ON "sys_login_failure" USING btree ("last_failure_at");--> statement-breakpoint
-- Before qw_userid becomes unique among live users: where several live users are bound to the same WeCom
-- employee, the oldest account keeps the binding and the others lose it (each change in the audit log, so an
-- administrator can see whom to bind again). Old 15-minute lock-outs end: sign-in throttling is now a wait.
INSERT INTO "sys_audit_log" ("actor", "action", "target_type", "target_id", "before", "after")
SELECT 'migration', 'sys.user.unbindDuplicate', 'user', u.id::text, jsonb_build_object('qwUserid', u.qw_userid), jsonb_build_object('qwUserid', NULL)
FROM "sys_user" u
WHERE u.is_del = 0 AND u.qw_userid IS NOT NULL
  AND EXISTS (SELECT 1 FROM "sys_user" o WHERE o.is_del = 0 AND o.qw_userid = u.qw_userid AND o.id < u.id);--> statement-breakpoint
UPDATE "sys_user" u SET "qw_userid" = NULL, "mtime" = now(), "muser" = 'migration'
WHERE u.is_del = 0 AND u.qw_userid IS NOT NULL
  AND EXISTS (SELECT 1 FROM "sys_user" o WHERE o.is_del = 0 AND o.qw_userid = u.qw_userid AND o.id < u.id);--> statement-breakpoint
DELETE FROM "sys_login_failure";--> statement-breakpoint
CREATE UNIQUE INDEX "sys_user_qw_userid_uq" ON "sys_user" USING btree ("qw_userid") WHERE is_del = 0 AND qw_userid IS NOT NULL;