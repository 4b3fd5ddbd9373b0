import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';

// Drops the template and every per-file database of this run.
if (process.env.SCRM_TEST_TEMPLATE_DB && process.env.DATABASE_URL) {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`,
    [process.env.SCRM_TEST_TEMPLATE_DB, `${process.env.SCRM_TEST_TEMPLATE_DB}_f%`],
  );
  for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  await admin.end();
}
// The template and any copy a test file did not remove (it crashed or was killed).
if (process.env.SCRM_TEST_PGLITE_TEMPLATE) rmSync(dirname(process.env.SCRM_TEST_PGLITE_TEMPLATE), { recursive: true, force: true });
