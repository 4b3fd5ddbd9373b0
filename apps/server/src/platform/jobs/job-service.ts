import { isDeepStrictEqual } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import PgBoss from 'pg-boss';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type pg from 'pg';
import { dbOnConnection, type Db, type DbOrTx } from '../db/database.ts';
import { STARTUP_DDL_LOCK } from '../db/migrate.ts';
import { sysJob } from '../../db/schema/index.ts';
import { NotFound } from '../http/errors.ts';
import { renderJobMessage, storeJobMessage, type JobMessage } from './job-messages.ts';
import { firesInMinuteOf, parseCron, type CronSchedule } from './cron.ts';

export interface JobProgress {
  jobId: number;
  /** Reports progress; cheap enough to call per batch, not per row. The message is a key and figures (job-messages.ts). */
  progress(done: number, total?: number, message?: JobMessage): Promise<void>;
  /** The job row's payload, e.g. a checkpoint saved by an earlier attempt. */
  checkpoint<T>(): Promise<T | null>;
  saveCheckpoint(value: unknown): Promise<void>;
  /**
   * Aborted when the server stops. A job that waits on others (they are no longer fetched once stopping) gives up
   * on it, so a graceful stop is not held for pg-boss's whole timeout; it resumes from its checkpoint on a retry.
   */
  signal?: AbortSignal;
}

export type JobHandler<P> = (payload: P, job: JobProgress) => Promise<unknown>;

export interface JobRecord {
  id: number;
  type: string;
  state: string;
  progress: number;
  total: number | null;
  /** What the job says it is doing, in Chinese (GET /admin/job/get renders storedMessage in the reader's language). */
  message: string | null;
  storedMessage: string | null;
  error: string | null;
  result: unknown;
  cuser: string | null;
  ctime: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface JobService {
  /** Registers a tracked job type (visible through /admin/job/get). */
  register<P extends object>(type: string, handler: JobHandler<P>, options?: { retryLimit?: number; expireInSeconds?: number }): Promise<void>;
  /**
   * Starts a tracked job. With `exclusive`, an exclusive job of the same type still waiting or running is
   * returned instead of starting a second one (one sync at a time, on every replica: a unique index).
   */
  start(type: string, payload: object, options: { actor: string; exclusive?: boolean }): Promise<JobRecord>;
  get(id: number): Promise<JobRecord>;
  /** Waits for a tracked job to finish (tests, CLI, the demo's first start); given up, with the signal's reason, when it aborts. */
  waitFor(id: number, timeoutMs?: number, signal?: AbortSignal): Promise<JobRecord>;
  /**
   * Creates an untracked pg-boss queue (nothing when it exists). Replicas starting together create their
   * queues one at a time (see `startupDdl`): pg-boss's own createQueue deadlocks when two sessions run it at once.
   */
  createQueue(name: string, options?: Omit<PgBoss.Queue, 'name'>): Promise<void>;
  /** Sets a queue's cron schedule (pg-boss schedule), serialised like createQueue. */
  schedule(name: string, cron: string, options?: { tz?: string }): Promise<void>;
  /** The pg-boss instance, for untracked queues (send, work, publish); queues and schedules through the methods above. */
  boss: Boss;
  stop(): Promise<void>;
}

/** pg-boss without the calls that change its tables: those go through JobService, one replica at a time. */
export type Boss = Omit<PgBoss, 'createQueue' | 'schedule' | 'start'>;

const TRACKED_PREFIX = 'tracked.';

const writeCheckpoint = (db: DbOrTx, jobId: number, value: unknown) =>
  db.execute(sql`UPDATE sys_job SET payload = jsonb_set(COALESCE(payload, '{}'::jsonb), '{checkpoint}', ${JSON.stringify(value)}::jsonb) WHERE id = ${jobId}`);

/**
 * Reads, changes and saves a job's checkpoint inside `tx`, so the checkpoint commits with (and only with)
 * the work done in `tx`. The job row stays locked until `tx` ends: concurrent transactions of one job each
 * change the checkpoint as the one before them committed it.
 */
export async function updateJobCheckpoint<T>(tx: DbOrTx, jobId: number, change: (current: T | null) => T): Promise<T> {
  const result = await tx.execute<{ checkpoint: T | null }>(sql`SELECT payload->'checkpoint' AS checkpoint FROM sys_job WHERE id = ${jobId} FOR UPDATE`);
  const next = change(result.rows[0]?.checkpoint ?? null);
  await writeCheckpoint(tx, jobId, next);
  return next;
}

function toRecord(row: typeof sysJob.$inferSelect): JobRecord {
  const { payload: _payload, exclusive: _exclusive, ...rest } = row;
  return { ...rest, message: renderJobMessage(row.message, 'zh'), storedMessage: row.message };
}

/** Progress and checkpoint of the tracked job `jobId` (its sys_job row). */
export function jobProgressOf(db: Db, jobId: number): JobProgress {
  const update = (values: Partial<typeof sysJob.$inferInsert>) => db.update(sysJob).set(values).where(eq(sysJob.id, jobId));
  return {
    jobId,
    progress: (done, total, message) => update({ progress: done, ...(total !== undefined ? { total } : {}), ...(message !== undefined ? { message: storeJobMessage(message) } : {}) }).then(() => {}),
    checkpoint: async () => {
      const [current] = await db.select({ payload: sysJob.payload }).from(sysJob).where(eq(sysJob.id, jobId));
      return ((current?.payload as { checkpoint?: unknown } | null)?.checkpoint ?? null) as never;
    },
    saveCheckpoint: (value) => writeCheckpoint(db, jobId, value).then(() => {}),
  };
}

export async function createJobService(deps: {
  db: Db;
  pool: pg.Pool;
  /** Whether this replica takes its turn at sending the jobs of due schedules (not in most tests). */
  schedule?: boolean;
  /** Seconds between this replica's looks at the schedules (20; tests look more often). */
  scheduleCheckSeconds?: number;
  /** Seconds before a failed tracked job's first retry, doubling after (5: WeCom's busy and rate-limit answers clear in seconds; tests wait less). */
  retryDelaySeconds?: number;
}): Promise<JobService> {
  /**
   * pg-boss's own SQL and every handler under way, so stop() can wait for them before the pool closes: pg-boss
   * does not await the complete/fail of a job whose handler returned, and a fetch under way when it stops still
   * hands its jobs to the handler ("Cannot use a pool after calling end on the pool" in CI).
   */
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    work.then(
      () => inFlight.delete(work),
      () => inFlight.delete(work),
    );
    return work;
  };
  const boss = new PgBoss({
    // pg-boss runs its SQL on our pool: one set of connections, and it works the same on PGlite.
    db: { executeSql: (text, values) => track(deps.pool.query(text, values)) },
    schema: 'pgboss',
    // Its timekeeper stays off: checkSchedules (below) sends the jobs of due schedules.
    schedule: false,
    supervise: true,
  });
  boss.on('error', (error) => console.error('[jobs]', error));
  const work = boss.work.bind(boss) as (name: string, ...args: unknown[]) => Promise<string>;
  boss.work = ((name: string, ...args: unknown[]) => {
    const handler = args.pop() as (jobs: unknown) => Promise<unknown>;
    return work(name, ...args, (jobs: unknown) => track((async () => handler(jobs))()));
  }) as typeof boss.work;

  /** pg-boss's schedules as this start read them (schedule(), below); null: to be read again. */
  let schedules: ReturnType<typeof boss.getSchedules> | null = null;

  /**
   * pg-boss 10's create_queue (plans.js) inserts the queue row, then creates its partition with foreign keys
   * to the queue table and attaches it to the job table, without a lock of its own; two sessions doing that
   * at once deadlock (40P01), so replicas starting together on a fresh or upgraded database crashed. Every
   * start-up change to pg-boss's tables (its schema, queues, schedules) runs here: one at a time in this
   * process (a promise chain) and across replicas (the migrations' advisory lock, held by a session of its
   * own while pg-boss works on the pool). Uncontended, that is two short queries.
   */
  let ddlChain: Promise<unknown> = Promise.resolve();
  const startupDdl = <T>(work: () => Promise<T>): Promise<T> => {
    const run = ddlChain.catch(() => {}).then(async () => {
      const client = await deps.pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('SELECT pg_advisory_lock($1)', [STARTUP_DDL_LOCK]);
        try {
          return await work();
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [STARTUP_DDL_LOCK]).catch((error: Error) => {
            broken = error; // a connection that may still hold the lock must not go back to the pool
          });
        }
      } finally {
        client.release(broken);
      }
    });
    ddlChain = run;
    return run;
  };
  const createQueue = async (name: string, options: Omit<PgBoss.Queue, 'name'> = {}) => {
    // Existing queues (every start after the first) take no lock: create_queue would do nothing anyway.
    if (await boss.getQueue(name)) return;
    await startupDdl(() => boss.createQueue(name, { ...options, name }));
  };

  // Installs or migrates pg-boss's schema.
  await startupDdl(() => boss.start());

  /**
   * The schedules' jobs, sent as pg-boss's timekeeper sends them — one replica at a time looks (its turn-taking on
   * pgboss.version's cron_on), each due schedule's job at most once a minute (a singleton), by the database's clock —
   * but due by cron.ts, in microseconds: the timekeeper's cron-parser held the event loop 85–370 ms every 30 s on a
   * busy 2-core host, and at every start. Each replica looks every `checkSeconds`, a turn lasting a little less,
   * so every minute has looks and a job sent late in one goes to the same minute's singleton.
   */
  const checkSeconds = deps.scheduleCheckSeconds ?? 20;
  const parsedCrons = new Map<string, CronSchedule | null>();
  const cronOf = (cron: string) => {
    if (!parsedCrons.has(cron)) {
      try {
        parsedCrons.set(cron, parseCron(cron));
      } catch (error) {
        console.error(`[jobs] schedule "${cron}" cannot be read: never sent`, error);
        parsedCrons.set(cron, null);
      }
    }
    return parsedCrons.get(cron)!;
  };
  async function checkSchedules() {
    const { rows } = await deps.pool.query<{ now: number }>(
      `UPDATE pgboss.version SET cron_on = now()
       WHERE EXTRACT(EPOCH FROM (now() - COALESCE(cron_on, now() - interval '1 week'))) > $1
       RETURNING (EXTRACT(EPOCH FROM now()) * 1000)::float8 AS now`,
      [checkSeconds * 0.75],
    );
    if (rows.length === 0) return; // another replica's turn
    const now = new Date(rows[0].now);
    const stored = await deps.pool.query<{ name: string; cron: string; timezone: string; data: object | null; options: PgBoss.ScheduleOptions | null }>(
      'SELECT name, cron, timezone, data, options FROM pgboss.schedule',
    );
    for (const row of stored.rows) {
      const cron = cronOf(row.cron);
      if (!cron || !firesInMinuteOf(cron, now, row.timezone)) continue;
      const { tz: _tz, ...options } = row.options ?? {};
      await boss.send(row.name, row.data ?? {}, { ...options, singletonKey: row.name, singletonSeconds: 60 });
    }
  }
  let scheduleTimer: NodeJS.Timeout | undefined;
  if (deps.schedule ?? true) {
    const look = () => void track(checkSchedules()).catch((error: unknown) => console.error('[jobs] schedules', error));
    scheduleTimer = setInterval(look, checkSeconds * 1000);
    look();
  }
  const { db } = deps;

  const update = (id: number, values: Partial<typeof sysJob.$inferInsert>) => db.update(sysJob).set(values).where(eq(sysJob.id, id));

  /** A transaction on one connection, for drizzle and pg-boss (`send(…, { db })`) together. */
  async function inTransaction<T>(work: (tx: Db, client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await deps.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(dbOnConnection(client), client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async function get(id: number): Promise<JobRecord> {
    const [row] = await db.select().from(sysJob).where(eq(sysJob.id, id));
    if (!row) throw new NotFound('job', id);
    return toRecord(row);
  }

  const stopping = new AbortController();

  return {
    boss,
    createQueue,
    async schedule(name, cron, options = {}) {
      // Every start after the first finds its schedule as it left it: no lock, no write (a start on an existing data
      // dir made eleven of each, a third of a second on the embedded database). The schedules are read once for
      // all of a start's calls, and again after one is written.
      schedules ??= boss.getSchedules().catch((error: unknown) => {
        schedules = null;
        throw error;
      });
      const same = (await schedules).some(
        (row) => row.name === name && row.cron === cron && isDeepStrictEqual(row.data ?? {}, {}) && isDeepStrictEqual(row.options ?? {}, options),
      );
      if (!same) {
        parseCron(cron); // what checkSchedules cannot read is refused here
        schedules = null;
        await startupDdl(() => boss.schedule(name, cron, {}, options));
      }
    },
    async register(type, handler, options = {}) {
      const queue = TRACKED_PREFIX + type;
      await createQueue(queue, { retryLimit: options.retryLimit ?? 2, retryDelay: deps.retryDelaySeconds ?? 5, retryBackoff: true, ...(options.expireInSeconds ? { expireInSeconds: options.expireInSeconds } : {}) });
      await boss.work<{ jobId: number }>(queue, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: 0.5 }, async ([job]) => {
        const jobId = job.data.jobId;
        const [row] = await db.select().from(sysJob).where(eq(sysJob.id, jobId));
        if (!row) return;
        await update(jobId, { state: 'active', startedAt: row.startedAt ?? new Date(), error: null });
        const progress = { ...jobProgressOf(db, jobId), signal: stopping.signal };
        try {
          const result = await handler(((row.payload ?? {}) as { input?: unknown }).input as never, progress);
          await update(jobId, { state: 'completed', result: (result ?? null) as never, finishedAt: new Date() });
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          const finalAttempt = job.retryCount >= job.retryLimit;
          await update(jobId, finalAttempt ? { state: 'failed', error: message, finishedAt: new Date() } : { state: 'retry', error: message });
          throw error;
        }
      });
    },
    async start(type, payload, options) {
      const exclusive = options.exclusive ?? false;
      // An exclusive job is one row the database lets exist once per type while it waits or runs (the unique
      // index sys_job_exclusive_running_uq): of requests racing on any replicas one inserts it, the others
      // find it. The row and its pg-boss job commit together, so no row waits for a job never sent.
      for (let attempt = 0; ; attempt++) {
        const row = await inTransaction(async (tx, client) => {
          const [inserted] = await tx
            .insert(sysJob)
            .values({ type, payload: { input: payload }, cuser: options.actor, exclusive })
            .onConflictDoNothing()
            .returning();
          if (inserted) await boss.send(TRACKED_PREFIX + type, { jobId: inserted.id }, { db: { executeSql: (text, values) => client.query(text, values) } });
          return inserted;
        });
        if (row) return toRecord(row);
        const [running] = await db
          .select()
          .from(sysJob)
          .where(and(eq(sysJob.type, type), eq(sysJob.exclusive, true), inArray(sysJob.state, ['created', 'active', 'retry'])))
          .limit(1);
        if (running) return toRecord(running);
        // It finished between the insert and the look: try again (a few times at most).
        if (attempt >= 5) throw new Error(`job ${type}: could not start or find the running one`);
      }
    },
    get,
    async waitFor(id, timeoutMs = 60_000, signal) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        signal?.throwIfAborted();
        const job = await get(id);
        if (job.state === 'completed' || job.state === 'failed') return job;
        if (Date.now() > deadline) throw new Error(`job ${id} still ${job.state} after ${timeoutMs} ms`);
        await sleep(100, undefined, { signal }).catch(() => {}); // aborted: the loop's first line throws the reason
      }
    },
    async stop() {
      // Graceful: lets running handlers finish before returning; those waiting on other jobs are told to give up.
      stopping.abort();
      clearInterval(scheduleTimer);
      await boss.stop({ graceful: true, wait: true, timeout: 30_000 });
      // Then what pg-boss left under way (see inFlight); a macrotask turn lets a finished fetch start its handler
      // and a finished handler start its complete/fail before the set is read again.
      const deadline = Date.now() + 30_000;
      do {
        await Promise.allSettled([...inFlight]);
        await new Promise((resolve) => setImmediate(resolve));
      } while (inFlight.size > 0 && Date.now() < deadline);
    },
  };
}
