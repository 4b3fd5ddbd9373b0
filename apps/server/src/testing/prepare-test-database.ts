/**
 * Run once per `npm test`: migrates a database that every test file then clones. Prints one JSON line of
 * environment for the test processes.
 * - DATABASE_URL set: a template database on that server (cloned with CREATE DATABASE … TEMPLATE).
 * - otherwise: an in-memory PGlite, dumped to a file that each test file loads.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../platform/db/embedded.ts';
import { runMigrations } from '../platform/db/migrate.ts';
import { openDatabase } from '../platform/db/database.ts';
import { seedPlatform } from '../modules/system/seed.ts';
import { TEST_ADMIN_PASSWORD } from './constants.ts';

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
  await runMigrations({ connectionString: url.toString() });
  const database = openDatabase({ connectionString: url.toString() });
  await seedPlatform(database.db, { adminPassword: TEST_ADMIN_PASSWORD });
  await database.close();
  console.log(JSON.stringify({ SCRM_TEST_TEMPLATE_DB: template, SCRM_TEST_CLEANUP: cleanup }));
} else {
  const embedded = await startEmbeddedPostgres({});
  await runMigrations(embedded.connection);
  const database = openDatabase(embedded.connection);
  await seedPlatform(database.db, { adminPassword: TEST_ADMIN_PASSWORD });
  await database.close();
  const dump = await embedded.pglite.dumpDataDir('none');
  await embedded.close();
  const path = join(mkdtempSync(join(tmpdir(), 'scrm-test-')), 'migrated.tar');
  writeFileSync(path, Buffer.from(await dump.arrayBuffer()));
  console.log(JSON.stringify({ SCRM_TEST_PGLITE_DUMP: path, SCRM_TEST_CLEANUP: cleanup }));
}
