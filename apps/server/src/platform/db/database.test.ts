// On PostgreSQL the pool's connections name their parameterised statements and reads (parsed and planned once per connection)
// and listen for the app's notices before they are handed out.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createTestDatabase } from '../../testing/test-app.ts';
import type { Database } from './database.ts';

const onPostgres = Boolean(process.env.DATABASE_URL);

describe('the pool on PostgreSQL', { skip: onPostgres ? false : 'the embedded database serves every connection on one session: no named statements' }, () => {
  let database: Database;
  let close: () => Promise<void>;
  before(async () => {
    ({ database, close } = await createTestDatabase());
  });
  after(() => close());

  test('a parameterised query and a read without values are prepared once per connection and answer as before, through drizzle and a checked-out client', async () => {
    const client = await database.pool.connect();
    try {
      for (const id of [1, 2, 3]) {
        const { rows } = await client.query<{ n: number }>('SELECT $1::int + 1 AS n', [id]);
        assert.equal(rows[0].n, id + 1);
      }
      // A read without values (an all-scope caller's first page has none) is planned once too; a write without is not named.
      for (let run = 0; run < 2; run++) assert.equal((await client.query<{ n: number }>('SELECT count(*)::int AS n FROM sys_user')).rows[0].n, 1);
      await client.query('CREATE TEMP TABLE IF NOT EXISTS prepared_probe (id int)');
      await client.query('INSERT INTO prepared_probe VALUES (1)');
      const list = 'SELECT statement FROM pg_prepared_statements ORDER BY statement';
      const prepared = await client.query<{ statement: string }>(list);
      assert.deepEqual(
        prepared.rows.map((row) => row.statement),
        [list, 'SELECT $1::int + 1 AS n', 'SELECT count(*)::int AS n FROM sys_user'].sort(),
        'each read once; the write unnamed',
      );
      const listening = await client.query<{ channel: string }>('SELECT pg_listening_channels() AS channel');
      assert.deepEqual(listening.rows.map((row) => row.channel), ['scrm_auth']);
    } finally {
      client.release();
    }
    // drizzle through the pool, with a callback inside pg-pool.
    const result = await database.db.execute<{ username: string }>(sql`SELECT username FROM sys_user WHERE username = ${'admin'}`);
    assert.deepEqual(result.rows, [{ username: 'admin' }]);
  });

  test('a keyword or containment filter and a bulk statement are planned per run, never named', async () => {
    const client = await database.pool.connect();
    try {
      const named = async () => (await client.query<{ statement: string }>(`SELECT statement FROM pg_prepared_statements`)).rows.map((row) => row.statement).sort();
      const before = await named();
      // A generic plan can't know how selective a keyword is (a 1-character search matches a tenth of the customers).
      for (const keyword of ['%王%', '%王伟%']) await client.query('SELECT count(*) FROM sys_user WHERE nickname ILIKE $1', [keyword]);
      await client.query("SELECT count(*) FROM sys_user WHERE ARRAY['a'] @> $1::text[]", [['a']]);
      // One text per batch size, planned once each: not worth a statement held in every connection.
      const many = Array.from({ length: 600 }, (_, index) => index);
      await client.query(`SELECT count(*) FROM (VALUES ${many.map((index) => `($${index + 1}::int)`).join(',')}) v(n)`, many);
      assert.deepEqual(await named(), before, 'nothing named');
      await client.query('SELECT count(*) FROM sys_user WHERE nickname = $1', ['x']);
      assert.deepEqual(await named(), [...before, 'SELECT count(*) FROM sys_user WHERE nickname = $1'].sort(), 'an equality filter is named');
    } finally {
      client.release();
    }
  });

  test('a named statement is described on its first run on a connection only; later runs parse its rows by that description', async () => {
    const connection = (pg as unknown as { Connection: { prototype: { describe: (message: unknown) => void } } }).Connection.prototype;
    const describe = connection.describe;
    let described = 0;
    connection.describe = function (message) {
      described++;
      return describe.call(this, message);
    };
    const text = 'SELECT $1::int AS n, $2::text AS label, $3::timestamptz AS at, $4::bool AS flag';
    const at = new Date('2026-12-05T08:00:00.123Z');
    const clients = [await database.pool.connect(), await database.pool.connect()];
    try {
      for (const client of clients) {
        for (const n of [1, 2, 3]) {
          const objects = await client.query(text, [n, `第${n}`, at, n % 2 === 0]);
          assert.deepEqual(objects.rows, [{ n, label: `第${n}`, at, flag: n % 2 === 0 }]);
          assert.deepEqual(objects.fields.map((field) => field.name), ['n', 'label', 'at', 'flag']);
          const arrays = await client.query({ text, values: [n + 10, null, at, true], rowMode: 'array' });
          assert.deepEqual(arrays.rows, [[n + 10, null, at, true]]);
        }
      }
      assert.equal(described, 2, 'once per connection, not once per run');
    } finally {
      connection.describe = describe;
      for (const client of clients) client.release();
    }
  });

  test("a statement whose result changed shape under it (another replica's migration) runs again unnamed", async () => {
    await database.db.execute(sql`CREATE TABLE shape_probe (id int PRIMARY KEY)`);
    await database.db.execute(sql`INSERT INTO shape_probe VALUES (1)`);
    const probe = () => database.pool.query('SELECT * FROM shape_probe WHERE id = $1', [1]);
    assert.deepEqual((await probe()).rows, [{ id: 1 }]);
    const client = await database.pool.connect();
    try {
      assert.deepEqual((await client.query('SELECT * FROM shape_probe WHERE id = $1', [1])).rows, [{ id: 1 }]);
      await database.db.execute(sql`ALTER TABLE shape_probe ADD COLUMN label text DEFAULT 'x'`);
      assert.deepEqual((await client.query('SELECT * FROM shape_probe WHERE id = $1', [1])).rows, [{ id: 1, label: 'x' }], 'promise style');
    } finally {
      client.release();
    }
    assert.deepEqual((await probe()).rows, [{ id: 1, label: 'x' }], 'callback style (pg-pool)');
  });
});

describe('rows as arrays and as objects', () => {
  let database: Database;
  let close: () => Promise<void>;
  before(async () => ({ database, close } = await createTestDatabase()));
  after(() => close());

  // database.ts replaces pg's addFields for rows read as arrays (it built an unused empty record per query).
  test('each field is parsed by its type, one query after another with different fields', async () => {
    const client = await database.pool.connect();
    try {
      const text = `SELECT 7::int AS n, 'x'::text AS s, '{"a":[1]}'::jsonb AS j, true AS b, NULL::int AS z`;
      const asArray = await client.query({ text, rowMode: 'array' });
      assert.deepEqual(asArray.rows, [[7, 'x', { a: [1] }, true, null]]);
      assert.deepEqual(asArray.fields.map((field) => field.name), ['n', 's', 'j', 'b', 'z']);
      const other = await client.query({ text: `SELECT 8::bigint AS big, 2.5::float8 AS f`, rowMode: 'array' });
      assert.deepEqual(other.rows, [[8, 2.5]]); // bigint as a number: database.ts's parser
      const asObject = await client.query(text);
      assert.deepEqual(asObject.rows, [{ n: 7, s: 'x', j: { a: [1] }, b: true, z: null }]);
    } finally {
      client.release();
    }
  });

  // database.ts builds rows read as objects by one literal per list of field names (pg's were dictionaries past 19 keys).
  test('rows read as objects: every field in order, parsed, a later field of the same name winning, as pg reads them', async () => {
    const client = await database.pool.connect();
    try {
      // 44 columns, as 客户列表's page reads, with nulls, JSON, times and a repeated name; twice (the second run reuses the builder).
      const columns = Array.from({ length: 40 }, (_, i) => (i % 5 === 0 ? `NULL::text AS c${i}` : `${i}::int AS c${i}`));
      const text = `SELECT ${columns.join(', ')}, '["13800000000"]'::jsonb AS mobiles, timestamptz '2026-01-02 03:04:05.678+00' AS at, 1 AS dup, 'second' AS dup`;
      for (let run = 0; run < 2; run++) {
        const { rows } = await client.query<Record<string, unknown>>(text);
        const expected: Record<string, unknown> = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`c${i}`, i % 5 === 0 ? null : i]));
        Object.assign(expected, { mobiles: ['13800000000'], at: new Date('2026-01-02T03:04:05.678Z'), dup: 'second' });
        assert.deepEqual(rows, [expected]);
        assert.deepEqual(Object.keys(rows[0]), Object.keys(expected), 'in the order of the fields');
        assert.equal(Object.getPrototypeOf(rows[0]), Object.prototype);
      }
      // A field named __proto__ is a plain key, never the prototype (read as pg reads it).
      const { rows } = await client.query<Record<string, unknown>>(`SELECT 1 AS a, '{"polluted":true}'::json AS "__proto__"`);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.deepEqual(Object.getOwnPropertyDescriptor(rows[0], '__proto__')?.value, { polluted: true });
      assert.equal(rows[0].a, 1);
    } finally {
      client.release();
    }
  });
});
