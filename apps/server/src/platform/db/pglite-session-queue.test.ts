import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startEmbeddedPostgres } from './embedded.ts';

test('concurrent clients on embedded PostgreSQL never see each other\'s statements, results or transactions', async (t) => {
  const embedded = await startEmbeddedPostgres({});
  const pool = new pg.Pool({ ...embedded.connection, max: 10 });
  t.after(async () => {
    await pool.end();
    await embedded.close();
  });
  await pool.query('CREATE TABLE item (id int PRIMARY KEY, owner text NOT NULL)');

  // Parameterised queries from ten connections at once: each Parse/Bind/Execute must stay together.
  const answers = await Promise.all(
    Array.from({ length: 400 }, (_, i) =>
      pool.query<{ value: number; label: string }>('SELECT $1::int AS value, $2::text AS label', [i, `q${i}`]),
    ),
  );
  answers.forEach((answer, i) => assert.deepEqual(answer.rows, [{ value: i, label: `q${i}` }]));

  // A transaction that rolls back takes only its own writes with it, while others write concurrently.
  const rolledBack = (async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      for (let i = 0; i < 20; i++) await client.query('INSERT INTO item VALUES ($1, $2)', [1000 + i, 'doomed']);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  })();
  const committed = Promise.all(Array.from({ length: 100 }, (_, i) => pool.query('INSERT INTO item VALUES ($1, $2)', [i, 'kept'])));
  await Promise.all([rolledBack, committed]);
  const { rows } = await pool.query<{ owner: string; count: number }>('SELECT owner, count(*)::int AS count FROM item GROUP BY owner');
  assert.deepEqual(rows, [{ owner: 'kept', count: 100 }]);

  // A client that disconnects inside a transaction does not leave the session blocked.
  const abandoned = new pg.Client(embedded.connection);
  await abandoned.connect();
  await abandoned.query('BEGIN');
  await abandoned.query('INSERT INTO item VALUES (5000, $1)', ['abandoned']);
  await abandoned.end();
  const after = await pool.query('SELECT count(*)::int AS count FROM item WHERE owner = $1', ['abandoned']);
  assert.deepEqual(after.rows, [{ count: 0 }]);
});
