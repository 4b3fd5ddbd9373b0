import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';
import { sysLoginFailure } from '../../db/schema/index.ts';

/** Failures that cost nothing: a user mistyping a few times never waits. */
export const LOGIN_FREE_FAILURES = 5;
/**
 * The longest wait between two checked attempts on one account. The wait grows (1 s, 2 s, 4 s … after the
 * free failures) and stops here: a botnet gets one guess a minute per account, and nobody can lock an
 * account (not even `admin`) for longer than this.
 */
export const LOGIN_MAX_WAIT_SECONDS = 60;
/** After this long without a failure an account's count starts over, and its row is pruned. */
export const LOGIN_QUIET_SECONDS = 30 * 60;
/**
 * Throttle keys are buckets of a hash of the username, known or not: storage never exceeds this many rows
 * whatever names a botnet tries, and an unknown username behaves exactly like an existing one (no
 * enumeration). Two usernames rarely share a bucket; when they do they share a wait, nothing else.
 */
export const LOGIN_THROTTLE_BUCKETS = 65_536;

/** Seconds to wait after the `failures`-th failure in a row (pure; see the constants). */
export function waitAfterFailures(failures: number): number {
  if (failures < LOGIN_FREE_FAILURES) return 0;
  return Math.min(LOGIN_MAX_WAIT_SECONDS, 2 ** (failures - LOGIN_FREE_FAILURES));
}

/** The throttle key of a username: its bucket. */
export function throttleKeyOf(username: string): string {
  const digest = createHash('sha256').update(username, 'utf8').digest();
  return `b${digest.readUInt32BE(0) % LOGIN_THROTTLE_BUCKETS}`;
}

const at = (ms: number) => sql`${new Date(ms).toISOString()}::timestamptz`;

/**
 * Failed sign-ins per account, kept in the database so every replica counts the same failures. Failures slow
 * the next attempt down progressively (answered 429 with Retry-After before the password is even checked)
 * instead of locking the account.
 */
export function createLoginThrottle(db: DbOrTx, now: () => number) {
  return {
    /** Seconds until the username's next attempt is checked, or 0. */
    async waitFor(username: string): Promise<number> {
      const [row] = await db.select({ lockedUntil: sysLoginFailure.lockedUntil }).from(sysLoginFailure).where(eq(sysLoginFailure.username, throttleKeyOf(username)));
      if (!row?.lockedUntil) return 0;
      return Math.max(0, Math.ceil((row.lockedUntil.getTime() - now()) / 1000));
    },

    async recordFailure(username: string): Promise<void> {
      const current = now();
      const quietStart = at(current - LOGIN_QUIET_SECONDS * 1000);
      // The failure count after this one, and the wait it earns (waitAfterFailures, in SQL): one statement,
      // so concurrent failures are all counted.
      const failures = sql`CASE WHEN sys_login_failure.last_failure_at < ${quietStart} THEN 1 ELSE sys_login_failure.failures + 1 END`;
      await db.execute(sql`
        INSERT INTO sys_login_failure (username, failures, first_failure_at, locked_until, last_failure_at)
        VALUES (${throttleKeyOf(username)}, 1, ${at(current)}, NULL, ${at(current)})
        ON CONFLICT (username) DO UPDATE SET
          failures = ${failures},
          first_failure_at = CASE WHEN sys_login_failure.last_failure_at < ${quietStart} THEN ${at(current)} ELSE sys_login_failure.first_failure_at END,
          last_failure_at = ${at(current)},
          locked_until = CASE WHEN ${failures} >= ${LOGIN_FREE_FAILURES}
            THEN ${at(current)} + make_interval(secs => LEAST(${LOGIN_MAX_WAIT_SECONDS}::float8, power(2::float8, (${failures} - ${LOGIN_FREE_FAILURES})::float8)))
            ELSE NULL END`);
      // Rows quiet for a while go (a few at a time, skipping rows another sign-in holds).
      await db.execute(sql`
        DELETE FROM sys_login_failure WHERE username IN (
          SELECT username FROM sys_login_failure WHERE last_failure_at < ${quietStart} LIMIT 500 FOR UPDATE SKIP LOCKED)`);
    },

    async clear(username: string): Promise<void> {
      await db.delete(sysLoginFailure).where(eq(sysLoginFailure.username, throttleKeyOf(username)));
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
