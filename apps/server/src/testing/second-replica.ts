// A second replica of a test app, as a second process would run it: its own pool, job service and app on the
// same database (and, given one, its own WeCom client). Close it before the first app: that one drops the database.
import { after, before } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from '../app.ts';
import { createTokenService } from '../platform/auth/tokens.ts';
import { openDatabase, type Database } from '../platform/db/database.ts';
import { createJobService, type JobService } from '../platform/jobs/job-service.ts';
import { createTestApp, type TestApp, type TestClient } from './test-app.ts';
import { TEST_JOB_RETRY_DELAY_SECONDS } from './constants.ts';

export interface SecondReplica {
  app: FastifyInstance;
  database: Database;
  jobs: JobService;
  /** Requests to this replica with a token (signed in on either: the secret is shared). */
  client(token: string): TestClient;
  close(): Promise<void>;
}

export async function startSecondReplica(first: TestApp, deps: (database: Database) => Partial<AppDeps> | Promise<Partial<AppDeps>>): Promise<SecondReplica> {
  const database = openDatabase(first.database.connection);
  const jobs = await createJobService({ db: database.db, pool: database.pool, schedule: false, retryDelaySeconds: TEST_JOB_RETRY_DELAY_SECONDS });
  const now = () => first.clock.now;
  const extra = await deps(database);
  const app = await buildApp({
    config: first.config,
    database,
    tokens: createTokenService(first.config.JWT_SECRET!, 3600, now),
    jobs,
    now,
    logger: false,
    eventWorker: false,
    ...extra,
  });
  await app.ready();
  return {
    app,
    database,
    jobs,
    client(token) {
      const inject = async (method: 'GET' | 'POST', url: string, query?: Record<string, unknown>, payload?: unknown) => {
        const raw = await app.inject({ method, url, query: query as never, payload: payload as never, headers: { token } });
        return { status: raw.statusCode, body: raw.json(), raw };
      };
      return { get: (url, query) => inject('GET', url, query), post: (url, body) => inject('POST', url, undefined, body) };
    },
    async close() {
      await app.close();
      await jobs.stop();
      await database.close();
    },
  };
}

/**
 * For a describe block: a test app and a second replica of it (made before its tests, closed after them), with the
 * administrator signed in and a client of theirs on each. Read the fields inside the tests.
 */
export function twoReplicas(): { t: TestApp; admin: TestClient & { token: string }; onReplica: TestClient } {
  const env = {} as { t: TestApp; admin: TestClient & { token: string }; onReplica: TestClient; replica?: SecondReplica };
  before(async () => {
    env.t = await createTestApp();
    env.admin = await env.t.login();
    env.replica = await startSecondReplica(env.t, () => ({}));
    env.onReplica = env.replica.client(env.admin.token);
  });
  after(async () => {
    await env.replica?.close();
    await env.t?.close();
  });
  return env;
}
