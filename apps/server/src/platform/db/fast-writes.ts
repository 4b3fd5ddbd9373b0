// Writes that are many, small and cheap to lose — route-hit counters, signed-request nonces (open API,
// Nexus) and rate-limit counters — go through a pool of their own whose sessions run with
// synchronous_commit = off: a commit returns without waiting for the WAL flush, so a hit costs no disk
// wait. A PostgreSQL crash may lose the last fraction of a second of them (never corrupts, never
// half-applies); a daily limit could then be exceeded by the few hits lost. Everything else stays on the
// durable pool. Used when the database is reached by URL (PostgreSQL); embedded PGlite keeps its one pool.
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import * as schema from '../../db/schema/index.ts';
import type { Database, Db } from './database.ts';

export function createFastWriteDb(database: Pick<Database, 'db' | 'connection'>, enabled: boolean): { db: Db; close(): Promise<void> } {
  if (!enabled) return { db: database.db, close: async () => {} };
  const pool = new pg.Pool({ max: 10, idleTimeoutMillis: 30_000, ...database.connection, options: '-c synchronous_commit=off' });
  pool.on('error', () => {});
  return { db: drizzle({ client: pool, schema, casing: 'snake_case' }), close: () => pool.end() };
}
