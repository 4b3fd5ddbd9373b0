import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataDirLockedError, startEmbeddedPostgres, startEmbeddedPostgresThread } from './embedded.ts';

test('embedded PostgreSQL keeps data across restarts and refuses a data dir held by a live process', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'scrm-embedded-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));

  const first = await startEmbeddedPostgres({ dataDir });
  const client = new pg.Client(first.connection);
  await client.connect();
  await client.query('CREATE TABLE kept (value text)');
  await client.query("INSERT INTO kept VALUES ('across restarts')");
  await client.end();
  assert.ok(existsSync(join(dataDir, 'scrm.pid')));
  await first.close();
  assert.equal(existsSync(join(dataDir, 'scrm.pid')), false, 'the lock is released on close');

  // Another live process holds the lock.
  const holder = spawn('sleep', ['30']);
  t.after(() => holder.kill());
  writeFileSync(join(dataDir, 'scrm.pid'), String(holder.pid));
  await assert.rejects(startEmbeddedPostgres({ dataDir }), (error: Error) => {
    assert.ok(error instanceof DataDirLockedError);
    assert.match(error.message, new RegExp(`in use by process ${holder.pid}`));
    return true;
  });

  // A lock left by a process that died is taken over.
  holder.kill();
  await new Promise((resolve) => holder.once('exit', resolve));
  const second = await startEmbeddedPostgres({ dataDir });
  const again = new pg.Client(second.connection);
  await again.connect();
  const { rows } = await again.query('SELECT value FROM kept');
  assert.deepEqual(rows, [{ value: 'across restarts' }]);
  await again.end();
  await second.close();
});

test("on its own thread (the server's), the same database: data kept, the data dir locked, the thread ended on close", async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'scrm-embedded-thread-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const unexpected: Error[] = [];
  const onExit = (error: Error) => unexpected.push(error);

  // Made in this thread, read from the database's thread.
  const inProcess = await startEmbeddedPostgres({ dataDir });
  const client = new pg.Client(inProcess.connection);
  await client.connect();
  await client.query("CREATE TABLE kept (value text); INSERT INTO kept VALUES ('across threads')");
  await client.end();
  await inProcess.close();

  const threads = () => new Set(readdirSync('/proc/self/task')).size;
  const before = threads();
  const served = await startEmbeddedPostgresThread({ dataDir, onExit });
  assert.ok(threads() > before, 'a thread of its own');
  const pool = new pg.Pool({ ...served.connection, max: 4 });
  // Clients interleave on the one session without mixing statements (the session queue, in that thread).
  const values = await Promise.all(Array.from({ length: 8 }, (_, i) => pool.query('SELECT value, $1::int AS i FROM kept', [i])));
  assert.deepEqual(values.map((r) => [r.rows[0].value, r.rows[0].i]), Array.from({ length: 8 }, (_, i) => ['across threads', i]));
  await pool.end();
  await served.close();
  assert.equal(existsSync(join(dataDir, 'scrm.pid')), false, 'the lock is released on close');
  assert.deepEqual(unexpected, [], 'closing is not an unexpected exit');
});

test("an empty data dir starts from the template's database; a data dir with one, or a template without its key, is left as it is", async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'scrm-embedded-template-'));
  t.after(() => rmSync(scratch, { recursive: true, force: true }));
  // A template as scripts/database-template.mjs leaves it: a data dir with `pgdata`, then its key.
  const template = join(scratch, 'template');
  const made = await startEmbeddedPostgres({ dataDir: template });
  const maker = new pg.Client(made.connection);
  await maker.connect();
  await maker.query("CREATE TABLE from_template (value text); INSERT INTO from_template VALUES ('migrated')");
  await maker.end();
  await made.close();
  const onExit = (error: Error) => assert.fail(error);
  const tablesOf = async (dataDir: string, templateDir: string) => {
    const embedded = await startEmbeddedPostgresThread({ dataDir, template: templateDir, onExit });
    try {
      const client = new pg.Client(embedded.connection);
      await client.connect();
      const { rows } = await client.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
      await client.end();
      return rows.map((row) => row.table_name as string);
    } finally {
      await embedded.close();
    }
  };

  // Without its key the template is not taken: PGlite initialises an empty database.
  assert.deepEqual(await tablesOf(join(scratch, 'keyless'), template), []);
  writeFileSync(join(template, 'key'), 'any');
  const fresh = join(scratch, 'fresh');
  assert.deepEqual(await tablesOf(fresh, template), ['from_template']);
  assert.deepEqual(readdirSync(fresh).filter((name) => name.endsWith('.tmp')), [], 'no copy left beside it');
  // A data dir that has its database keeps it (a table made since stays, the template is not copied over it).
  const embedded = await startEmbeddedPostgresThread({ dataDir: fresh, template, onExit });
  const client = new pg.Client(embedded.connection);
  await client.connect();
  await client.query('CREATE TABLE own (value text)');
  await client.end();
  await embedded.close();
  assert.deepEqual(await tablesOf(fresh, template), ['from_template', 'own']);
});
