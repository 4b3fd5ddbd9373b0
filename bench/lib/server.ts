import pg from 'pg';
import { buildApp, type AppDeps } from '../../apps/server/src/app.ts';
import { loadConfig } from '../../apps/server/src/config.ts';
import { openDatabase, type Database } from '../../apps/server/src/platform/db/database.ts';
import { startEmbeddedPostgresThread } from '../../apps/server/src/platform/db/embedded.ts';
import { runMigrations } from '../../apps/server/src/platform/db/migrate.ts';
import { createTokenService } from '../../apps/server/src/platform/auth/tokens.ts';
import { createJobService } from '../../apps/server/src/platform/jobs/job-service.ts';
import { seedPlatform } from '../../apps/server/src/modules/system/seed.ts';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The benchmarks' server runs as `npm start` runs it, with the server's V8 flags: this process is the server, so it
// starts itself again with them when it was not given them.
const { SERVER_NODE_FLAGS } = (await import(new URL('../../scripts/server-bundle.mjs', import.meta.url).href)) as { SERVER_NODE_FLAGS: string[] };
if (!SERVER_NODE_FLAGS.every((flag) => process.execArgv.includes(flag))) {
  const rerun = spawnSync(process.execPath, [...SERVER_NODE_FLAGS, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(rerun.status ?? 1);
}

/** Node's version and the V8 flags this process (the server) runs with, for a benchmark's header. */
export const serverRuntime = ['node', process.version, ...process.execArgv.filter((flag) => flag.startsWith('--max'))].join(' ');

export const BENCH_ADMIN_PASSWORD = 'Bench12345';

/**
 * A real server for a benchmark: on PostgreSQL (a fresh database on BENCH_DATABASE_URL's server, default
 * the local one) or embedded PGlite; migrated, seeded, listening on a free loopback port.
 */
export async function startBenchServer(
  mode: 'postgres' | 'embedded',
  options: { deps?: (database: Database) => Partial<AppDeps> | Promise<Partial<AppDeps>> } = {},
) {
  const dataDir = mkdtempSync(join(tmpdir(), 'scrm-bench-'));
  let database: Database;
  let cleanup: () => Promise<void>;
  if (mode === 'postgres') {
    const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const name = `scrm_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    await runMigrations({ connectionString: url.toString() });
    database = openDatabase({ connectionString: url.toString() });
    cleanup = async () => {
      await database.close();
      // BENCH_KEEP_DATABASE=1 leaves it for EXPLAIN and pgbench afterwards.
      if (process.env.BENCH_KEEP_DATABASE === '1') console.log(`kept database ${url}`);
      else await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    };
  } else {
    // On its own thread, as `npm start` runs it (main.ts).
    const embedded = await startEmbeddedPostgresThread({
      dataDir: join(dataDir, 'db'),
      onExit: (error) => {
        console.error('the embedded database stopped:', error);
        process.exit(1);
      },
    });
    await runMigrations(embedded.connection);
    database = openDatabase(embedded.connection);
    cleanup = async () => {
      await database.close();
      await embedded.close();
    };
  }
  await seedPlatform(database.db, { adminPassword: BENCH_ADMIN_PASSWORD });
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', JWT_SECRET: 'bench-secret-bench-secret-0123' });
  const tokens = createTokenService(config.JWT_SECRET!, 3600);
  const jobs = await createJobService({ db: database.db, pool: database.pool, schedule: false });
  const app = await buildApp({ config, database, tokens, jobs, logger: false, ...(await options.deps?.(database)) });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    database,
    jobs,
    address,
    async login(username = 'admin', password = BENCH_ADMIN_PASSWORD): Promise<string> {
      const response = await fetch(`${address}/scrm/admin/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      return ((await response.json()) as { date: { token: string } }).date.token;
    },
    async close() {
      await app.close();
      await jobs.stop();
      await cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
