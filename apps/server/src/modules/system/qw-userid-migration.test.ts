// Migration 0013 makes qw_userid unique among live users. On a database that already holds duplicate
// bindings, the oldest account keeps the binding, the others lose it, and each change is in the audit log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { createTestDatabase } from '../../testing/test-app.ts';
import type { Database } from '../../platform/db/database.ts';

const migration = readFileSync(new URL('../../db/migrations/0013_accounts-trust.sql', import.meta.url), 'utf8')
  .split('--> statement-breakpoint')
  .map((statement) => statement.trim())
  .filter((statement) => /sys_audit_log|"qw_userid" = NULL|sys_user_qw_userid_uq/.test(statement));

describe('migration 0013 on duplicate WeCom bindings', () => {
  let database: Database;
  let close: () => Promise<void>;

  before(async () => {
    ({ database, close } = await createTestDatabase());
  });
  after(() => close());

  test('the oldest live account keeps each binding; the others are unbound and audited; deleted users do not count', async () => {
    const { db } = database;
    assert.equal(migration.length, 3, 'the audit insert, the unbinding update and the unique index');
    // As before the migration: no unique index, duplicates present.
    await db.execute(sql`DROP INDEX sys_user_qw_userid_uq`);
    await db.execute(sql`
      INSERT INTO sys_user (username, password_hash, nickname, qw_userid, is_del) VALUES
        ('dup_first', 'x', 'a', 'W1', 0), ('dup_second', 'x', 'b', 'W1', 0), ('dup_deleted', 'x', 'c', 'W1', 1),
        ('single', 'x', 'd', 'W2', 0), ('dup_third', 'x', 'e', 'W1', 0), ('unbound', 'x', 'f', NULL, 0)`);
    for (const statement of migration) await db.execute(sql.raw(statement));

    const users = (await db.execute<{ username: string; qw_userid: string | null }>(
      sql`SELECT username, qw_userid FROM sys_user WHERE username IN ('dup_first', 'dup_second', 'dup_deleted', 'single', 'dup_third', 'unbound') ORDER BY id`,
    )).rows;
    assert.deepEqual(users.map((u) => [u.username, u.qw_userid]), [
      ['dup_first', 'W1'], ['dup_second', null], ['dup_deleted', 'W1'], ['single', 'W2'], ['dup_third', null], ['unbound', null],
    ]);
    const audit = (await db.execute<{ action: string; target_id: string; before: { qwUserid: string } }>(
      // By user (the migration's INSERT … SELECT writes them in whatever order the plan reads the users).
      sql`SELECT a.action, a.target_id, a.before FROM sys_audit_log a WHERE a.action = 'sys.user.unbindDuplicate' ORDER BY a.target_id::bigint`,
    )).rows;
    const ids = (await db.execute<{ id: number }>(sql`SELECT id FROM sys_user WHERE username IN ('dup_second', 'dup_third') ORDER BY id`)).rows;
    assert.deepEqual(audit.map((a) => [a.target_id, a.before.qwUserid]), ids.map((u) => [String(u.id), 'W1']));
    // From now on the database refuses a second live binding.
    await assert.rejects(db.execute(sql`UPDATE sys_user SET qw_userid = 'W1' WHERE username = 'dup_second'`));
  });
});
