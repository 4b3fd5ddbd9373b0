/**
 * Run once per `npm test`: migrates a database that every test file then clones. Prints one JSON line of
 * environment for the test processes.
 * - DATABASE_URL set: a template database on that server (cloned with CREATE DATABASE … TEMPLATE).
 * - otherwise: an in-memory PGlite, dumped to a file that each test file loads.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
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
import { TEST_ADMIN_PASSWORD, TEST_JOB_RETRY_DELAY_SECONDS } from './constants.ts';

/**
 * Migrated and seeded, then started once as a test's app starts: pg-boss's schema and every module's queue are then
 * in the template (their DDL took about a second of each test app's start on PGlite; a start that finds them only
 * reads). The tests of replicas racing to create them start on databases of their own.
 */
async function prepare(connection: pg.PoolConfig) {
  await runMigrations(connection);
  const database = openDatabase(connection);
  await seedPlatform(database.db, { adminPassword: TEST_ADMIN_PASSWORD });
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
  const embedded = await startEmbeddedPostgres({});
  await prepare(embedded.connection);
  const dump = await embedded.pglite.dumpDataDir('none');
  await embedded.close();
  const path = join(mkdtempSync(join(tmpdir(), 'scrm-test-')), 'migrated.tar');
  writeFileSync(path, Buffer.from(await dump.arrayBuffer()));
  console.log(JSON.stringify({ SCRM_TEST_PGLITE_DUMP: path, SCRM_TEST_CLEANUP: cleanup }));
}
