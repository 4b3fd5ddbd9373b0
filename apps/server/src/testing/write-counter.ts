import { sql } from 'drizzle-orm';
import type { Db } from '../platform/db/database.ts';

/**
 * Counts the rows written (inserted, updated, deleted) per table from now on, with a row trigger on every table
 * of the application and on pg-boss's jobs. Reading it is one cheap query, so it can follow every request; a
 * rolled-back write is not counted (the counter rolls back with it). For a test database only.
 */
export async function createWriteCounter(db: Db): Promise<() => Promise<Map<string, number>>> {
  await db.execute(sql`CREATE TABLE IF NOT EXISTS test_write_count (name text PRIMARY KEY, n bigint NOT NULL)`);
  await db.execute(sql`
    CREATE OR REPLACE FUNCTION test_count_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO public.test_write_count (name, n) VALUES (TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, 1)
      ON CONFLICT (name) DO UPDATE SET n = test_write_count.n + 1;
      RETURN NULL;
    END $$`);
  const tables = await db.execute<{ schema: string; name: string }>(sql`
    SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
    WHERE table_type = 'BASE TABLE' AND table_name <> 'test_write_count'
      AND (table_schema = 'public' OR (table_schema = 'pgboss' AND table_name = 'job'))`);
  for (const { schema, name } of tables.rows) {
    await db.execute(sql.raw(`CREATE TRIGGER test_count_write AFTER INSERT OR UPDATE OR DELETE ON "${schema}"."${name}" FOR EACH ROW EXECUTE FUNCTION test_count_write()`));
  }
  return async () => {
    const result = await db.execute<{ name: string; n: string }>(sql`SELECT name, n FROM test_write_count`);
    return new Map(result.rows.map((row) => [row.name, Number(row.n)]));
  };
}

/** The tables with more writes in `after` than in `before`. */
export function writtenTables(before: Map<string, number>, after: Map<string, number>): string[] {
  return [...after.keys()].filter((table) => (after.get(table) ?? 0) !== (before.get(table) ?? 0));
}
