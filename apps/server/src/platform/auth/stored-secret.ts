import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { sysConfig } from '../../db/schema/index.ts';
import type { Db } from '../db/database.ts';

/** A signing secret generated once and kept in sys_config under `key`, so every replica signs alike. */
export async function storedSecret(db: Db, key: string): Promise<string> {
  await db.insert(sysConfig).values({ key, value: randomBytes(48).toString('base64url') }).onConflictDoNothing();
  const result = await db.execute<{ value: string }>(sql`SELECT value FROM sys_config WHERE key = ${key}`);
  return result.rows[0].value;
}
