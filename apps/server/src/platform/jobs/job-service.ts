import PgBoss from 'pg-boss';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type pg from 'pg';
import type { Db, DbOrTx } from '../db/database.ts';
import { sysJob } from '../../db/schema/index.ts';
import { NotFound } from '../http/errors.ts';

export interface JobProgress {
  jobId: number;
  /** Reports progress; cheap enough to call per batch, not per row. */
  progress(done: number, total?: number, message?: string): Promise<void>;
  /** The job row's payload, e.g. a checkpoint saved by an earlier attempt. */
  checkpoint<T>(): Promise<T | null>;
  saveCheckpoint(value: unknown): Promise<void>;
}

export type JobHandler<P> = (payload: P, job: JobProgress) => Promise<unknown>;

export interface JobRecord {
  id: number;
  type: string;
  state: string;
  progress: number;
  total: number | null;
  message: string | null;
  error: string | null;
  result: unknown;
  cuser: string | null;
  ctime: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface JobService {
  /** Registers a tracked job type (visible through /admin/job/get). */
  register<P extends object>(type: string, handler: JobHandler<P>, options?: { retryLimit?: number }): Promise<void>;
  /**
   * Starts a tracked job. With `exclusive`, a job of the same type still waiting or running is returned
   * instead of starting a second one (one sync at a time).
   */
  start(type: string, payload: object, options: { actor: string; exclusive?: boolean }): Promise<JobRecord>;
  get(id: number): Promise<JobRecord>;
  /** Waits for a tracked job to finish (tests, CLI). */
  waitFor(id: number, timeoutMs?: number): Promise<JobRecord>;
  /** The pg-boss instance, for untracked queues (callback processing, schedules). */
  boss: PgBoss;
  stop(): Promise<void>;
}

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
  const { payload: _payload, ...rest } = row;
  return rest;
}

/** Progress and checkpoint of the tracked job `jobId` (its sys_job row). */
export function jobProgressOf(db: Db, jobId: number): JobProgress {
  const update = (values: Partial<typeof sysJob.$inferInsert>) => db.update(sysJob).set(values).where(eq(sysJob.id, jobId));
  return {
    jobId,
    progress: (done, total, message) => update({ progress: done, ...(total !== undefined ? { total } : {}), ...(message !== undefined ? { message } : {}) }).then(() => {}),
    checkpoint: async () => {
      const [current] = await db.select({ payload: sysJob.payload }).from(sysJob).where(eq(sysJob.id, jobId));
      return ((current?.payload as { checkpoint?: unknown } | null)?.checkpoint ?? null) as never;
    },
    saveCheckpoint: (value) => writeCheckpoint(db, jobId, value).then(() => {}),
  };
}

export async function createJobService(deps: { db: Db; pool: pg.Pool; schedule?: boolean }): Promise<JobService> {
  const boss = new PgBoss({
    // pg-boss runs its SQL on our pool: one set of connections, and it works the same on PGlite.
    db: { executeSql: (text, values) => deps.pool.query(text, values) },
    schema: 'pgboss',
    schedule: deps.schedule ?? true,
    supervise: true,
  });
  boss.on('error', (error) => console.error('[jobs]', error));
  await boss.start();
  const { db } = deps;

  const update = (id: number, values: Partial<typeof sysJob.$inferInsert>) => db.update(sysJob).set(values).where(eq(sysJob.id, id));

  async function get(id: number): Promise<JobRecord> {
    const [row] = await db.select().from(sysJob).where(eq(sysJob.id, id));
    if (!row) throw new NotFound('job', id);
    return toRecord(row);
  }

  return {
    boss,
    async register(type, handler, options = {}) {
      const queue = TRACKED_PREFIX + type;
      await boss.createQueue(queue, { name: queue, retryLimit: options.retryLimit ?? 2, retryDelay: 5, retryBackoff: true });
      await boss.work<{ jobId: number }>(queue, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: 0.5 }, async ([job]) => {
        const jobId = job.data.jobId;
        const [row] = await db.select().from(sysJob).where(eq(sysJob.id, jobId));
        if (!row) return;
        await update(jobId, { state: 'active', startedAt: row.startedAt ?? new Date(), error: null });
        const progress = jobProgressOf(db, jobId);
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
      const running = options.exclusive
        ? await db.select().from(sysJob).where(and(eq(sysJob.type, type), inArray(sysJob.state, ['created', 'active', 'retry']))).limit(1)
        : [];
      if (running[0]) return toRecord(running[0]);
      const [row] = await db.insert(sysJob).values({ type, payload: { input: payload }, cuser: options.actor }).returning();
      await boss.send(TRACKED_PREFIX + type, { jobId: row.id });
      return toRecord(row);
    },
    get,
    async waitFor(id, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const job = await get(id);
        if (job.state === 'completed' || job.state === 'failed') return job;
        if (Date.now() > deadline) throw new Error(`job ${id} still ${job.state} after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop() {
      // Graceful: lets running handlers finish before returning.
      await boss.stop({ graceful: true, wait: true, timeout: 30_000 });
    },
  };
}
