import pg from 'pg';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import * as schema from '../../db/schema/index.ts';

export type Db = NodePgDatabase<typeof schema>;
/** A transaction handle has the same query API as the database. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  pool: pg.Pool;
  /** The connection settings, for pg-boss and other clients that open their own pool. */
  connection: pg.PoolConfig;
  close(): Promise<void>;
}

// bigint ids (int8) come back as numbers: every id we mint fits in 2^53.
pg.types.setTypeParser(20, (value) => Number(value));

/** Drizzle on one checked-out connection (the pool's settings), made once per connection. */
const onConnection = new WeakMap<pg.PoolClient, Db>();
export function dbOnConnection(client: pg.PoolClient): Db {
  let db = onConnection.get(client);
  if (!db) onConnection.set(client, (db = drizzle({ client, schema, casing: 'snake_case' }) as unknown as Db));
  return db;
}

export function openDatabase(connection: pg.PoolConfig): Database {
  const pool = new pg.Pool({ max: 10, idleTimeoutMillis: 30_000, ...connection });
  // An idle client losing its server must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = drizzle({ client: pool, schema, casing: 'snake_case' });
  return { db, pool, connection, close: () => pool.end() };
}
