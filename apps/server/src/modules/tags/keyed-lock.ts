import type { Db } from '../../platform/db/database.ts';
import { withSessionLock } from '../../platform/wecom.ts';

/**
 * Serialises work per key, in this process and across replicas: an in-process queue per key (the embedded
 * database is one PostgreSQL session, where advisory locks are re-entrant and exclude nothing), then a
 * session-level advisory lock (replicas on one PostgreSQL). No transaction is held while `work` runs, so it
 * may call WeCom.
 */
export function createKeyedLock(db: Db, namespace: string) {
  const tails = new Map<string, Promise<unknown>>();

  return async function withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    tails.set(key, tail);
    try {
      await previous;
      return await withSessionLock(db, `${namespace}:${key}`, work);
    } finally {
      release();
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}

export type KeyedLock = ReturnType<typeof createKeyedLock>;
