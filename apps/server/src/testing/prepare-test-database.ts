/**
 * Run once per `npm test`: migrates a database that every test file then clones. Prints one JSON line of
 * environment for the test processes.
 * - DATABASE_URL set: a template database on that server (cloned with CREATE DATABASE … TEMPLATE).
 * - otherwise: a PGlite data directory in the run's scratch directory, that each test file copies and starts on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../platform/db/embedded.ts';
import { runMigrations } from '../platform/db/migrate.ts';
import { openDatabase } from '../platform/db/database.ts';
import { createJobService } from '../platform/jobs/job-service.ts';
import { createTokenService } from '../platform/auth/tokens.ts';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { seedPlatform } from '../modules/system/seed.ts';
import { spreadIds } from './spread-ids.ts';
import { TEST_ADMIN_PASSWORD, TEST_JOB_RETRY_DELAY_SECONDS, testScratchRoot } from './constants.ts';

/**
 * Migrated and seeded, then started once as a test's app starts: pg-boss's schema and every module's queue are then
 * in the template (their DDL took about a second of each test app's start on PGlite; a start that finds them only
 * reads). The tests of replicas racing to create them start on databases of their own.
 */
async function prepare(connection: pg.PoolConfig) {
  await runMigrations(connection);
  const database = openDatabase(connection);
  await seedPlatform(database.db, { adminPassword: TEST_ADMIN_PASSWORD });
  await spreadIds(database.db);
  const dataDir = mkdtempSync(join(tmpdir(), 'scrm-template-'));
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', JWT_SECRET: 'template-secret-0123456789-0123456789' });
  const jobs = await createJobService({ db: database.db, pool: database.pool, schedule: false, retryDelaySeconds: TEST_JOB_RETRY_DELAY_SECONDS });
  const app = await buildApp({ config, database, tokens: createTokenService(config.JWT_SECRET!, 3600), jobs, logger: false, eventWorker: false });
  await app.ready();
  await app.close();
  await jobs.stop();
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
}

const cleanup = new URL('./cleanup-test-database.ts', import.meta.url).pathname;

if (process.env.DATABASE_URL) {
  const template = `scrm_test_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${template}`;
  await prepare({ connectionString: url.toString() });
  console.log(JSON.stringify({ SCRM_TEST_TEMPLATE_DB: template, SCRM_TEST_CLEANUP: cleanup }));
} else {
  // A data directory, not a dump: a test file's copy starts in about half the CPU time of loading a 48 MB dump
  // into PGlite's memory file system (most of a test file's start), and its files are read as the database needs them.
  const scratch = mkdtempSync(join(testScratchRoot(), 'scrm-test-'));
  const embedded = await startEmbeddedPostgres({ dataDir: join(scratch, 'template') });
  await prepare(embedded.connection);
  // A test's database is a few MB: a smaller buffer pool than the default 128 MB starts a third of a second sooner
  // (PGlite initialises it at every start).
  const client = new pg.Client(embedded.connection);
  await client.connect();
  await client.query(`ALTER SYSTEM SET shared_buffers = '32MB'`);
  await client.end();
  await embedded.close();
  console.log(JSON.stringify({ SCRM_TEST_PGLITE_TEMPLATE: join(scratch, 'template'), SCRM_TEST_CLEANUP: cleanup }));
}
