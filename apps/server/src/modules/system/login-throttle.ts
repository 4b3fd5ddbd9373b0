import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';
import { sysLoginFailure } from '../../db/schema/index.ts';

export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_WINDOW_SECONDS = 15 * 60;

/** Failed sign-ins per username, kept in the database so every replica counts the same failures. */
export function createLoginThrottle(db: DbOrTx, now: () => number) {
  return {
    /** Seconds until the username may try again, or 0. */
    async lockedFor(username: string): Promise<number> {
      const [row] = await db.select().from(sysLoginFailure).where(eq(sysLoginFailure.username, username));
      if (!row?.lockedUntil) return 0;
      return Math.max(0, Math.ceil((row.lockedUntil.getTime() - now()) / 1000));
    },
    async recordFailure(username: string): Promise<void> {
      // Typed parameters: inside CASE an untyped parameter would be taken as text.
      const at = sql`${new Date(now()).toISOString()}::timestamptz`;
      const windowStart = sql`${new Date(now() - LOGIN_WINDOW_SECONDS * 1000).toISOString()}::timestamptz`;
      const lockUntil = sql`${new Date(now() + LOGIN_WINDOW_SECONDS * 1000).toISOString()}::timestamptz`;
      // One statement, so concurrent failures are all counted.
      await db.execute(sql`
        INSERT INTO sys_login_failure (username, failures, first_failure_at, locked_until)
        VALUES (${username}, 1, ${at}, NULL)
        ON CONFLICT (username) DO UPDATE SET
          failures = CASE WHEN sys_login_failure.first_failure_at < ${windowStart} THEN 1 ELSE sys_login_failure.failures + 1 END,
          first_failure_at = CASE WHEN sys_login_failure.first_failure_at < ${windowStart} THEN ${at} ELSE sys_login_failure.first_failure_at END,
          locked_until = CASE
            WHEN sys_login_failure.first_failure_at >= ${windowStart} AND sys_login_failure.failures + 1 >= ${LOGIN_MAX_FAILURES}
            THEN ${lockUntil} ELSE NULL END`);
    },
    async clear(username: string): Promise<void> {
      await db.delete(sysLoginFailure).where(eq(sysLoginFailure.username, username));
    },
  };
}
