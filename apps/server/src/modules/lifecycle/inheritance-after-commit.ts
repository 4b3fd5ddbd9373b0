// Work that must follow a transaction's commit, when the code that writes in it (an event handler) does not own the
// transaction: delivering the app messages it queued, running the policy for a departure it recorded. The writer
// takes a transaction-level advisory lock; a connection of its own waits for that lock (PostgreSQL), or for the
// transaction itself (the embedded database serves one transaction at a time), and then runs the work. Whatever
// this misses (a crash in between) the minute sweeps pick up.
import { sql } from 'drizzle-orm';
import type { Db, Tx } from '../../platform/db/database.ts';
import type { Background } from '../../platform/background.ts';
import { advisoryLockId, withSessionLock } from '../../platform/wecom.ts';

export function createAfterCommit(db: Db, background: Background) {
  return async function afterCommit(tx: Tx, name: string, then: () => void | Promise<void>): Promise<void> {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${advisoryLockId(name).toString()}::bigint)`);
    background.run(`after commit (${name})`, () => withSessionLock(db, name, async () => {}).then(then));
  };
}

export type AfterCommit = ReturnType<typeof createAfterCommit>;
