import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp, type AppDeps } from '../app.ts';
import { loadConfig, type Config } from '../config.ts';
import { openDatabase, type Database } from '../platform/db/database.ts';
import { startEmbeddedPostgres } from '../platform/db/embedded.ts';
import { runMigrations } from '../platform/db/migrate.ts';
import { createTokenService } from '../platform/auth/tokens.ts';
import { createJobService, type JobService } from '../platform/jobs/job-service.ts';
import { seedPlatform } from '../modules/system/seed.ts';
import { spreadIds } from './spread-ids.ts';
import { TEST_ADMIN_PASSWORD, TEST_JOB_RETRY_DELAY_SECONDS } from './constants.ts';

export { TEST_ADMIN_PASSWORD };

let fileCounter = 0;

/** A database of its own for one test file, cloned from the run's migrated template. */
export async function createTestDatabase(): Promise<{ database: Database; close(): Promise<void> }> {
  if (process.env.DATABASE_URL) {
    const template = process.env.SCRM_TEST_TEMPLATE_DB;
    const name = `${template ?? 'scrm_test'}_f${process.pid}_${fileCounter++}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
    // A throwaway database: commits need not wait for the WAL flush (a server crash is the only loss, and the
    // file's database goes anyway). Halves the time of write-heavy files on a busy disk.
    await admin.query(`ALTER DATABASE ${name} SET synchronous_commit = off`);
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${name}`;
    const connectionString = url.toString();
    if (!template) {
      await runMigrations({ connectionString });
    }
    const database = openDatabase({ connectionString });
    if (!template) {
      await seedPlatform(database.db, { adminPassword: TEST_ADMIN_PASSWORD });
      await spreadIds(database.db);
    }
    return {
      database,
      async close() {
        await database.close();
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      },
    };
  }
  // A copy of the run's template data directory (prepare-test-database.ts), beside it; without one (a file run on
  // its own), a new database in memory, migrated here.
  const template = process.env.SCRM_TEST_PGLITE_TEMPLATE;
  const dataDir = template ? mkdtempSync(join(dirname(template), 'file-')) : undefined;
  if (template) cpSync(join(template, 'pgdata'), join(dataDir!, 'pgdata'), { recursive: true });
  const embedded = await startEmbeddedPostgres({ dataDir });
  const database = openDatabase(embedded.connection);
  if (!template) {
    await runMigrations(embedded.connection);
    await seedPlatform(database.db, { adminPassword: TEST_ADMIN_PASSWORD });
    await spreadIds(database.db);
  }
  return {
    database,
    async close() {
      await database.close();
      await embedded.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestResponse<T = any> {
  status: number;
  body: { code: string; msg: string; date: T };
  raw: LightMyRequestResponse;
}

export interface TestClient {
  get<T = any>(url: string, query?: Record<string, string | number>, headers?: Record<string, string>): Promise<TestResponse<T>>;
  post<T = any>(url: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse<T>>;
}

export interface TestApp {
  app: FastifyInstance;
  database: Database;
  db: Database['db'];
  jobs: JobService;
  config: Config;
  clock: { now: number };
  /** Requests without a token. */
  anonymous: TestClient;
  client(token: string): TestClient;
  login(username?: string, password?: string): Promise<TestClient & { token: string }>;
  close(): Promise<void>;
}

export async function createTestApp(
  options: { env?: Record<string, string>; deps?: Partial<AppDeps> | ((database: Database) => Partial<AppDeps> | Promise<Partial<AppDeps>>) } = {},
): Promise<TestApp> {
  const { database, close: closeDatabase } = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'scrm-data-'));
  // Test files sign in far more often than a person; the per-address sign-in limit has its own test.
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', JWT_SECRET: 'test-secret-test-secret-0123456789', LOGIN_RATE_LIMIT: '100000', CHECK_RESPONSES: '1', ...options.env });
  const clock = { now: Date.now() };
  const now = () => clock.now;
  const tokens = createTokenService(config.JWT_SECRET!, config.JWT_TTL_HOURS * 3600, now);
  const jobs = await createJobService({ db: database.db, pool: database.pool, schedule: false, retryDelaySeconds: TEST_JOB_RETRY_DELAY_SECONDS });
  const extraDeps = typeof options.deps === 'function' ? await options.deps(database) : options.deps;
  const app = await buildApp({ config, database, tokens, jobs, now, logger: false, ...extraDeps });
  await app.ready();

  const client = (token?: string): TestClient => {
    const headers = (extra?: Record<string, string>) => ({ ...(token ? { token } : {}), ...extra });
    const wrap = (raw: LightMyRequestResponse): TestResponse => ({ status: raw.statusCode, body: safeJson(raw), raw });
    return {
      get: async (url, query, extra) =>
        wrap(await app.inject({ method: 'GET', url, query: query && Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])), headers: headers(extra) })),
      post: async (url, body, extra) => wrap(await app.inject({ method: 'POST', url, payload: body as never, headers: headers(extra) })),
    };
  };

  return {
    app,
    database,
    db: database.db,
    jobs,
    config,
    clock,
    anonymous: client(),
    client: (token) => client(token),
    async login(username = 'admin', password = TEST_ADMIN_PASSWORD) {
      const response = await client().post('/scrm/admin/login', { username, password });
      if (response.status !== 200) throw new Error(`login as ${username} failed: ${response.status} ${response.body.msg}`);
      const token = response.body.date.token as string;
      return Object.assign(client(token), { token });
    },
    async close() {
      await app.close();
      await jobs.stop();
      await closeDatabase();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function safeJson(raw: LightMyRequestResponse) {
  try {
    return raw.json();
  } catch {
    return { code: String(raw.statusCode), msg: raw.body, date: null };
  }
}
