// A page query's size, first-page offset and live-rows condition are written into the statement, so PostgreSQL plans
// it once per connection (a generic plan) instead of on every run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { and, desc, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import { createTestDatabase } from '../../testing/test-app.ts';
import { sysUser } from '../../db/schema/index.ts';
import type pg from 'pg';
import { dbOnConnection, PLANNED_PER_RUN, type Database } from './database.ts';
import { notDeleted, pageClause, preparedByShape, preparedPage, renderedOnce } from './prepared.ts';
import { stateNamesOfPage } from '../../modules/acquisition/state-names.ts';
import { relationTagIds } from '../../modules/tags/tag-filters.ts';

const onPostgres = Boolean(process.env.DATABASE_URL);

describe('page statements on PostgreSQL', { skip: onPostgres ? false : 'the embedded database serves every connection on one session: no named statements' }, () => {
  let database: Database;
  let close: () => Promise<void>;
  before(async () => {
    ({ database, close } = await createTestDatabase());
    // Enough live users that a plan for 10 rows (walk the page index) costs far less than one for a tenth of them.
    await database.db.execute(sql`INSERT INTO sys_user (username, nickname, password_hash, cuser)
      SELECT 'user' || i, '员工' || i, 'x', 'test' FROM generate_series(1, 1000) AS i`);
    await database.db.execute(sql`VACUUM ANALYZE sys_user`);
  });
  after(() => close());

  /** Runs `work` on one checked-out connection (pg_prepared_statements is per session), with drizzle on it. */
  const onOneConnection = async (work: (db: ReturnType<typeof dbOnConnection>, client: pg.PoolClient) => Promise<void>) => {
    const client = await database.pool.connect();
    try {
      await work(dbOnConnection(client), client);
    } finally {
      client.release();
    }
  };

  /** The plans each named statement on this connection was run with, by its text. */
  const plansOf = async (client: { query: Database['pool']['query'] }) => {
    const { rows } = await client.query<{ statement: string; generic_plans: string; custom_plans: string }>(
      'SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements');
    return rows.filter((row) => row.statement.includes('"sys_user"')).map((row) => ({ ...row, generic: Number(row.generic_plans), custom: Number(row.custom_plans) }));
  };

  test('the first page is planned a few times, then runs on one plan', () =>
    onOneConnection(async (db, client) => {
      const page = preparedPage(db, (_shape, p, { limit, offset }) =>
        db.select({ id: sysUser.id }).from(sysUser).where(and(notDeleted(sysUser), sql`${sysUser.id} > ${p('after')}`))
          .orderBy(desc(sysUser.ctime), desc(sysUser.id)).limit(limit as never).offset(offset as never));
      const firstIds: number[][] = [];
      for (let run = 0; run < 12; run++) firstIds.push((await page('all', { after: 0, limit: 10, offset: 0 })).records.map((row) => row.id));
      for (let run = 0; run < 12; run++) assert.equal((await page('all', { after: 0, limit: 10, offset: 10 })).records.length, 10);
      assert.equal(new Set(firstIds.map((ids) => ids.join())).size, 1, 'the same first page every run');
      assert.equal(firstIds[0].length, 10);
      const plans = await plansOf(client);
      assert.equal(plans.length, 2, 'one statement for the first page, one for the others');
      for (const plan of plans) assert.match(plan.statement, /limit 10\b/, 'the size written in');
      const first = plans.find((plan) => /offset 0\b/.test(plan.statement))!;
      assert.ok(first.generic >= 6 && first.custom <= 6, `the first page runs on one plan: ${JSON.stringify(first)}`);
      // A later page's offset stays a value: planned per run, as every page was before (a list opens on its first).
      assert.ok(plans.some((plan) => /offset \$\d/.test(plan.statement)));
    }));

  test('for comparison: the size and the live condition as values are planned anew on every run', () =>
    onOneConnection(async (db, client) => {
      const page = preparedByShape(db, (_shape, p) =>
        db.select({ id: sysUser.id }).from(sysUser).where(eq(sysUser.isDel, p('live') as never))
          .orderBy(desc(sysUser.ctime), desc(sysUser.id)).limit(p('limit') as never).offset(p('offset') as never));
      for (let run = 0; run < 12; run++) await page('values', { live: 0, limit: 10, offset: 0 });
      const [plan] = await plansOf(client);
      assert.deepEqual([plan.generic, plan.custom], [0, 12], 'custom plans only: what preparedPage and notDeleted avoid');
    }));

  test('a statement marked PLANNED_PER_RUN is never named: planned for each run\'s values', () =>
    onOneConnection(async (db, client) => {
      const ids = (users: string[]) => sql.join(users.map((user) => sql`${user}`), sql`, `);
      const run = (users: string[]) => db.execute<{ id: number }>(sql`${PLANNED_PER_RUN}SELECT id FROM sys_user WHERE username IN (${ids(users)}) ORDER BY id`);
      for (let n = 0; n < 8; n++) assert.equal((await run(['user1', 'user2'])).rows.length, 2);
      const unmarked = () => db.execute(sql`SELECT id FROM sys_user WHERE username IN (${ids(['user1', 'user2'])}) ORDER BY id`);
      await unmarked();
      const { rows: plans } = await client.query<{ statement: string }>(`SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%username IN%'`);
      assert.equal(plans.length, 1, 'only the unmarked statement is named');
      assert.doesNotMatch(plans[0].statement, /planned per run/);
    }));

  test('a write whose rows come from a batch value is never named; other parameterised writes are', () =>
    onOneConnection(async (db, client) => {
      for (let n = 0; n < 8; n++) {
        const batch = JSON.stringify([{ username: 'user1', nickname: `批量${n}` }, { username: 'user2', nickname: `批量${n}` }]);
        const updated = await db.execute(sql`UPDATE sys_user u SET nickname = x.nickname FROM jsonb_to_recordset(${batch}::jsonb) AS x(username text, nickname text)
          WHERE u.username = x.username`);
        assert.equal(updated.rowCount, 2);
        await db.execute(sql`UPDATE sys_user SET phone = ${`1380000000${n}`} WHERE username = 'user3'`);
      }
      const { rows } = await client.query<{ statement: string }>(`SELECT statement FROM pg_prepared_statements WHERE statement LIKE 'UPDATE sys_user%'`);
      assert.deepEqual(rows.map((row) => /jsonb_to_recordset/.test(row.statement)), [false], 'only the single-row update is named');
      const stored = await client.query<{ nickname: string }>(`SELECT nickname FROM sys_user WHERE username IN ('user1', 'user2')`);
      assert.deepEqual(stored.rows.map((row) => row.nickname), ['批量7', '批量7']);
    }));

  test('pageClause writes the size in and the first page without an offset value', () =>
    onOneConnection(async (db, client) => {
      const run = (offset: number) => db.execute<{ id: number }>(sql`SELECT id FROM sys_user WHERE is_del = 0 ORDER BY id ${pageClause(5, offset)}`);
      const ids = (await db.execute<{ id: number }>(sql`SELECT id FROM sys_user WHERE is_del = 0 ORDER BY id`)).rows.map((row) => Number(row.id));
      assert.ok(ids.length >= 10, `${ids.length} users`);
      assert.deepEqual((await run(0)).rows.map((row) => Number(row.id)), ids.slice(0, 5));
      assert.deepEqual((await run(5)).rows.map((row) => Number(row.id)), ids.slice(5, 10));
      assert.throws(() => pageClause(1.5, 0), TypeError);
      assert.throws(() => pageClause(-1, 0), TypeError);
    }));
});

describe('prepared selects map their rows as drizzle does', () => {
  let database: Database;
  let close: () => Promise<void>;
  before(async () => {
    ({ database, close } = await createTestDatabase());
    await database.db.execute(sql`INSERT INTO sys_user (username, nickname, password_hash, phone, cuser, last_login_at)
      VALUES ('mapped1', '甲', 'x', NULL, 'test', '2026-01-02T03:04:05.678Z'), ('mapped2', '乙', 'x', '13800000000', 'test', NULL)`);
  });
  after(() => close());

  test('columns (dates, nulls, numbers), SQL, and SQL with its own decoder give the records drizzle gives', async () => {
    const { db } = database;
    const build = (live: ReturnType<typeof sql.placeholder>) =>
      db.select({
        id: sysUser.id, username: sysUser.username, phone: sysUser.phone, ctime: sysUser.ctime, lastLogin: sysUser.lastLoginAt,
        named: sql<string>`upper(${sysUser.nickname})`, loginAt: sql<Date>`${sysUser.lastLoginAt}`.mapWith(sysUser.lastLoginAt),
        total: sql<number>`count(*) OVER ()`.mapWith(Number),
      }).from(sysUser).where(and(sql`${sysUser.isDel} = ${live}`, sql`${sysUser.username} LIKE 'mapped%'`)).orderBy(sysUser.id);
    const page = preparedByShape(db, (_shape, p) => build(p('live')));
    const ours = await page('mapped', { live: 0 });
    const theirs = await build(sql.placeholder('live')).prepare('drizzle_mapped').execute({ live: 0 });
    assert.deepEqual(ours, theirs);
    assert.equal(ours.length, 2);
    assert.ok(ours[0].lastLogin instanceof Date && ours[0].loginAt instanceof Date && ours[0].ctime instanceof Date);
    assert.equal(ours[0].loginAt!.toISOString(), '2026-01-02T03:04:05.678Z');
    assert.deepEqual([ours[0].phone, ours[1].lastLogin, ours[1].loginAt, ours[1].named, ours[1].total], [null, null, null, '乙', 2]);
  });

  test('a wide select\'s records have every field, in the select\'s order; no field may be named __proto__', async () => {
    const { db } = database;
    const extra = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`extra${i}`, sql<number>`${i}::int`]));
    const wide = () => db.select({ ...getTableColumns(sysUser), ...extra }).from(sysUser).where(sql`${sysUser.username} LIKE 'mapped%'`).orderBy(sysUser.id);
    const records = await preparedByShape(db, wide)('wide', {});
    const keys = Object.keys(wide()._.selectedFields);
    assert.equal(keys.length, 25);
    assert.deepEqual(records.map((record) => Object.keys(record)), [keys, keys]);
    assert.deepEqual(records.map((record) => [record.username, record.phone, record.lastLoginAt?.toISOString() ?? null, (record as Record<string, unknown>).extra5]), [
      ['mapped1', null, '2026-01-02T03:04:05.678Z', 5],
      ['mapped2', '13800000000', null, 5],
    ]);
    const named = preparedByShape(db, () => db.select({ ['__proto__']: sysUser.id }).from(sysUser));
    await assert.rejects(named('proto', {}), /no field named __proto__/);
  });

  test('a page carries its total and the fields it is told to carry aside: never fields of a record, none past the end', async () => {
    const { db } = database;
    const mine = sql`${sysUser.username} LIKE 'mapped%'`;
    const page = preparedPage(
      db,
      (_shape, _p, { limit, offset }) =>
        db.select({ id: sysUser.id, pageTotal: sql<number>`(SELECT count(*)::int FROM sys_user WHERE ${mine})`, stamp: sql<string>`'v7'` })
          .from(sysUser).where(mine).orderBy(sysUser.id).limit(limit as never).offset(offset as never),
      { carry: ['stamp'] },
    );
    const first = await page('mapped', { limit: 1, offset: 0 });
    assert.equal(first.total, 2);
    assert.deepEqual(first.carried, { stamp: 'v7' });
    assert.equal(first.records.length, 1);
    assert.deepEqual(Object.keys(first.records[0]), ['id']);
    assert.deepEqual(await page('mapped', { limit: 1, offset: 5 }), { records: [], total: undefined, carried: { stamp: undefined } });
  });
});

describe('fragments rendered once', () => {
  test("render as the app's drizzle renders them inside a statement (snake_case columns too); a fragment with values is refused", async () => {
    const { database, close } = await createTestDatabase();
    // The app's own drizzle's dialect (internal to drizzle's typings).
    const { dialect } = database.db as unknown as { dialect: { sqlToQuery: (query: SQL) => { sql: string } } };
    try {
      const fragments = [
        sql`${sysUser.qwUserid} AS bound, (SELECT count(*) FROM sys_user u WHERE u.dept_id = ${sysUser.deptId}) AS peers`,
        stateNamesOfPage('p'),
        relationTagIds('p'),
      ];
      for (const fragment of fragments) {
        const statement = (part: SQL) => dialect.sqlToQuery(sql`SELECT ${part} FROM sys_user`).sql;
        assert.equal(statement(renderedOnce(fragment)), statement(fragment));
      }
      assert.match(dialect.sqlToQuery(renderedOnce(fragments[0])).sql, /"sys_user"\."qw_userid" AS bound/);
      assert.throws(() => renderedOnce(sql`r.userid = ${'emp1'}`), /holds no values/);
    } finally {
      await close();
    }
  });
});
