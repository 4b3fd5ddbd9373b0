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

/**
 * Failures in a row after which a device token is revoked (the free ones, then 1, 2, 4, 8 and 16 s waits):
 * a stolen device token gets a few guesses, then its sign-ins wait like everyone's.
 */
export const DEVICE_REVOKE_FAILURES = LOGIN_FREE_FAILURES + 5;

/** The throttle key of a device (device-token.ts): only issued devices have one, so their rows are bounded too. */
export const deviceKeyOf = (deviceId: string) => `d${deviceId}`;

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
  /**
   * Counts a failure under `key` and sets the wait it earns (waitAfterFailures, in SQL): one statement, so
   * concurrent failures are all counted. With `revokeAfter`, the key's count stops there and the row stays
   * (locked until `revokeAfter.until`) instead of starting over after a quiet while: a revoked device.
   */
  async function record(key: string, revokeAfter?: { failures: number; until: Date }): Promise<void> {
    const current = now();
    const quietStart = at(current - LOGIN_QUIET_SECONDS * 1000);
    const counted = sql`CASE WHEN sys_login_failure.last_failure_at < ${quietStart} THEN 1 ELSE sys_login_failure.failures + 1 END`;
    const failures = revokeAfter ? sql`CASE WHEN sys_login_failure.failures >= ${revokeAfter.failures} THEN sys_login_failure.failures ELSE ${counted} END` : counted;
    const waiting = sql`CASE WHEN ${failures} >= ${LOGIN_FREE_FAILURES}
      THEN ${at(current)} + make_interval(secs => LEAST(${LOGIN_MAX_WAIT_SECONDS}::float8, power(2::float8, (${failures} - ${LOGIN_FREE_FAILURES})::float8)))
      ELSE NULL END`;
    const lockedUntil = revokeAfter ? sql`CASE WHEN ${failures} >= ${revokeAfter.failures} THEN ${at(revokeAfter.until.getTime())} ELSE ${waiting} END` : waiting;
    await db.execute(sql`
      INSERT INTO sys_login_failure (username, failures, first_failure_at, locked_until, last_failure_at)
      VALUES (${key}, 1, ${at(current)}, NULL, ${at(current)})
      ON CONFLICT (username) DO UPDATE SET
        failures = ${failures},
        first_failure_at = CASE WHEN sys_login_failure.last_failure_at < ${quietStart} THEN ${at(current)} ELSE sys_login_failure.first_failure_at END,
        last_failure_at = ${at(current)},
        locked_until = ${lockedUntil}`);
    // Rows quiet for a while go (a few at a time, skipping rows another sign-in holds); a revoked device's
    // row stays until its token would have expired anyway.
    await db.execute(sql`
      DELETE FROM sys_login_failure WHERE username IN (
        SELECT username FROM sys_login_failure WHERE last_failure_at < ${quietStart} AND (locked_until IS NULL OR locked_until < ${at(current)})
        LIMIT 500 FOR UPDATE SKIP LOCKED)`);
  }

  async function waitOf(key: string): Promise<{ failures: number; wait: number }> {
    const [row] = await db.select({ failures: sysLoginFailure.failures, lockedUntil: sysLoginFailure.lockedUntil }).from(sysLoginFailure).where(eq(sysLoginFailure.username, key));
    if (!row) return { failures: 0, wait: 0 };
    return { failures: row.failures, wait: row.lockedUntil ? Math.max(0, Math.ceil((row.lockedUntil.getTime() - now()) / 1000)) : 0 };
  }

  return {
    /** Seconds until the username's next attempt is checked, or 0. */
    async waitFor(username: string): Promise<number> {
      return (await waitOf(throttleKeyOf(username))).wait;
    },

    async recordFailure(username: string): Promise<void> {
      await record(throttleKeyOf(username));
    },

    /**
     * A device's own wait (device-token.ts): seconds until its next attempt is checked, or `revoked` once
     * it has failed DEVICE_REVOKE_FAILURES times in a row (its sign-ins then count as without a device).
     */
    async deviceState(deviceId: string): Promise<{ revoked: boolean; wait: number }> {
      const { failures, wait } = await waitOf(deviceKeyOf(deviceId));
      return failures >= DEVICE_REVOKE_FAILURES ? { revoked: true, wait: 0 } : { revoked: false, wait };
    },

    /** A failed sign-in with the device's token; `expiresAt`: the token's expiry (how long a revocation is kept). */
    async recordDeviceFailure(deviceId: string, expiresAt: Date): Promise<void> {
      await record(deviceKeyOf(deviceId), { failures: DEVICE_REVOKE_FAILURES, until: expiresAt });
    },

    async clearDevice(deviceId: string): Promise<void> {
      await db.delete(sysLoginFailure).where(eq(sysLoginFailure.username, deviceKeyOf(deviceId)));
    },

    async clear(username: string): Promise<void> {
      await db.delete(sysLoginFailure).where(eq(sysLoginFailure.username, throttleKeyOf(username)));
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
