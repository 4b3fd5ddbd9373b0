import { dbOnConnection, type Db } from '../../platform/db/database.ts';
import { withSessionLock } from '../../platform/wecom.ts';

/**
 * Serialises work per key, in this process and across replicas: an in-process queue per key, then a
 * session-level advisory lock (replicas on one PostgreSQL). No transaction is held while `work` runs, so
 * it may call WeCom. `work` gets the database on the lock's own connection and should use only that:
 * holding one connection while waiting for another could exhaust the pool.
 */
export function createKeyedLock(db: Db, namespace: string) {
  const tails = new Map<string, Promise<unknown>>();

  return async function withLock<T>(key: string, work: (db: Db) => Promise<T>): Promise<T> {
    const previous = tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    tails.set(key, tail);
    try {
      await previous;
      return await withSessionLock(db, `${namespace}:${key}`, (client) => work(dbOnConnection(client)));
    } finally {
      release();
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}

export type KeyedLock = ReturnType<typeof createKeyedLock>;
