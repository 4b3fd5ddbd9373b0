import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/database.ts';

/**
 * Signed-out tokens, shared by every replica through the database (sys_revoked_token, by the token's `jti`).
 * Each request's authentication reads the revocation in the same round trip as the auth version
 * (authenticate.ts), so a logout holds at once everywhere at no extra query. An entry lives until the token
 * would have expired anyway, then it is pruned: the table holds at most one token lifetime of logouts.
 */
export function createTokenRevocations(db: DbOrTx, now: () => number) {
  return {
    async revoke(token: { jti: string; exp: number }): Promise<void> {
      const expiresAt = new Date(token.exp * 1000).toISOString();
      await db.execute(sql`INSERT INTO sys_revoked_token (jti, expires_at) VALUES (${token.jti}, ${expiresAt}::timestamptz) ON CONFLICT (jti) DO NOTHING`);
      await db.execute(sql`DELETE FROM sys_revoked_token WHERE expires_at < ${new Date(now()).toISOString()}::timestamptz`);
    },
  };
}

export type TokenRevocations = ReturnType<typeof createTokenRevocations>;
