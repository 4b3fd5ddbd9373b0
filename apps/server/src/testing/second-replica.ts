// A second replica of a test app, as a second process would run it: its own pool, job service and app on the
// same database (and, given one, its own WeCom client). Close it before the first app: that one drops the database.
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from '../app.ts';
import { createTokenService } from '../platform/auth/tokens.ts';
import { openDatabase, type Database } from '../platform/db/database.ts';
import { createJobService, type JobService } from '../platform/jobs/job-service.ts';
import type { TestApp } from './test-app.ts';
import { TEST_JOB_RETRY_DELAY_SECONDS } from './constants.ts';

export interface SecondReplica {
  app: FastifyInstance;
  database: Database;
  jobs: JobService;
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
    async close() {
      await app.close();
      await jobs.stop();
      await database.close();
    },
  };
}
