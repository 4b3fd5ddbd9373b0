import { sql } from 'drizzle-orm';
import type { Db } from '../platform/db/database.ts';

/**
 * A digest of every row of every table of the application (schema `public`) and of pg-boss's jobs: equal
 * digests mean nothing was written. One query; cheap on a test database (tables of a few rows).
 */
export async function createDbFingerprint(db: Db): Promise<() => Promise<Map<string, string>>> {
  const tables = await db.execute<{ schema: string; name: string }>(sql`
    SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
    WHERE table_type = 'BASE TABLE' AND (table_schema = 'public' OR (table_schema = 'pgboss' AND table_name = 'job'))
    ORDER BY 1, 2`);
  const parts = tables.rows.map(({ schema, name }) => {
    const ident = `"${schema}"."${name}"`;
    return `SELECT '${schema}.${name}' AS t, count(*)::text || ':' || md5(coalesce(string_agg(md5(x::text), '' ORDER BY md5(x::text)), '')) AS h FROM ${ident} x`;
  });
  const query = sql.raw(parts.join(' UNION ALL '));
  return async () => {
    const result = await db.execute<{ t: string; h: string }>(query);
    return new Map(result.rows.map((row) => [row.t, row.h]));
  };
}

/** The tables whose digest differs between two fingerprints. */
export function changedTables(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].filter((table) => before.get(table) !== after.get(table));
}
