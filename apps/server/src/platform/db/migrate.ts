import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';

export const migrationsFolder = fileURLToPath(new URL('../../db/migrations', import.meta.url));

// Any lock id unique to us: replicas starting together migrate one at a time.
const MIGRATION_LOCK = 727_001;
/** The same lock, for the rest of the start-up's schema changes (pg-boss's queues: platform/jobs/job-service.ts). */
export const STARTUP_DDL_LOCK = MIGRATION_LOCK;

export async function runMigrations(connection: pg.PoolConfig): Promise<void> {
  const client = new pg.Client(connection);
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migrate(drizzle({ client }), { migrationsFolder });
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    await client.end();
  }
}
