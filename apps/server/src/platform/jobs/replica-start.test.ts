import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { buildApp } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import { seedAdministrator } from '../../start-admin.ts';
import { openDatabase } from '../db/database.ts';
import { runMigrations } from '../db/migrate.ts';
import { createTokenService, resolveJwtSecret } from '../auth/tokens.ts';
import { startWecom } from '../wecom.ts';
import { createJobService } from './job-service.ts';

// Replicas are separate PostgreSQL sessions racing each other; PGlite is one session and cannot race.
const skip = process.env.DATABASE_URL ? false : 'needs PostgreSQL (DATABASE_URL): replicas racing on one database';

/** What main.ts does before listening, against a configured corp (every module's queues and schedules). */
async function startReplica(connectionString: string, dataDir: string) {
  const config = loadConfig({
    DATABASE_URL: connectionString,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ADMIN_PASSWORD: 'replica-start-0123',
    WECOM_CORP_ID: 'ww-replicas',
    WECOM_SECRET: 'secret',
    WECOM_TOKEN: 'token',
    WECOM_AES_KEY: 'B'.repeat(43),
    WECOM_API_BASE: 'http://127.0.0.1:9',
  });
  await runMigrations({ connectionString });
  const database = openDatabase({ connectionString });
  const closers: (() => Promise<unknown>)[] = [() => database.close()];
  try {
    await seedAdministrator(database.db, config);
    const tokens = createTokenService(await resolveJwtSecret(database.db, config.JWT_SECRET), 3600);
    const jobs = await createJobService({ db: database.db, pool: database.pool });
    closers.unshift(() => jobs.stop());
    const { wecom } = await startWecom(config, { db: database.db, serverUrl: 'http://127.0.0.1:9' });
    closers.unshift(() => wecom.close());
    const app = await buildApp({ config, database, tokens, jobs, wecom, logger: false, eventWorker: false });
    closers.unshift(() => app.close());
    await app.ready();
    const health = await app.inject({ url: '/scrm/health' });
    assert.equal(health.statusCode, 200);
    return { close: () => closeAll(closers) };
  } catch (error) {
    await closeAll(closers);
    throw error;
  }
}

async function closeAll(closers: (() => Promise<unknown>)[]) {
  for (const close of closers) await close().catch(() => {});
}

test('three replicas started at the same instant on a fresh database all come up (five times)', { skip, timeout: 300_000 }, async () => {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  const dataDir = mkdtempSync(join(tmpdir(), 'scrm-replicas-'));
  try {
    for (let round = 0; round < 5; round++) {
      const name = `scrm_replica_start_${process.pid}_${round}`;
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${name}`);
      const url = new URL(process.env.DATABASE_URL!);
      url.pathname = `/${name}`;
      const started = await Promise.allSettled([0, 1, 2].map((index) => startReplica(url.toString(), join(dataDir, String(index)))));
      for (const result of started) if (result.status === 'fulfilled') await result.value.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      const failures = started.flatMap((result) => (result.status === 'rejected' ? [String(result.reason?.stack ?? result.reason)] : []));
      assert.deepEqual(failures, [], `round ${round + 1}: every replica started`);
    }
  } finally {
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
