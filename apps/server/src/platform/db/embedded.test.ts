import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataDirLockedError, startEmbeddedPostgres } from './embedded.ts';

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
