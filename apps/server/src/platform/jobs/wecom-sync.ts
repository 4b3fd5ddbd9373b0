// The whole-corp sync (issue 16, item 2): each module's own sync job, one after the other in dependency order
// (corp tags before customers, which map relations' tags onto them; departments before employees; employees
// before customers and groups), as one tracked job `wecom.sync`. It runs
//   - once on the first start against a corp, whichever replica gets there first (remembered in sys_job: a
//     later start, or another replica, finds the run and does nothing; a run that failed is started again);
//   - every night (pg-boss schedule: one run across replicas), since callbacks can be missed.
// The run is exclusive like each step (one at a time on every replica) and resumable: its checkpoint records
// each step's job, so a retry after a crash waits for the step still running instead of starting it again and
// skips the steps already done.
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { sysJob } from '../../db/schema/index.ts';
import { withSessionLock } from '../wecom.ts';
import type { JobProgress, JobRecord, JobService } from './job-service.ts';
import { syncStepMessage } from './job-messages.ts';

export const WECOM_SYNC_JOB = 'wecom.sync';
/** The steps in dependency order: the sync job types of the tags, org, customers and groups modules. */
export const WECOM_SYNC_STEPS = ['tags.corp.sync', 'org.dept.sync', 'org.emp.sync', 'customers.sync', 'groups.sync'] as const;
export const WECOM_SYNC_NIGHTLY_QUEUE = 'wecom.sync.nightly';
/** 02:30 in the corp's time zone: after midnight's upkeep, before the working day. */
const NIGHTLY_CRON = '30 2 * * *';

export type SyncReason = 'initial' | 'nightly' | 'manual';

export interface WecomSyncInput {
  corpId: string;
  reason: SyncReason;
}

export interface WecomSyncCheckpoint {
  /** Each step's tracked job once started, and how it ended. */
  steps: Record<string, { jobId: number; state?: 'completed' | 'failed' }>;
}

export interface WecomSyncOptions {
  /** How often a running step is looked at (ms). */
  pollMs?: number;
}

const FINISHED = new Set(['completed', 'failed']);

/** The body of the `wecom.sync` job. */
export async function runWecomSync(jobs: Pick<JobService, 'start' | 'get'>, job: JobProgress, options: WecomSyncOptions = {}): Promise<{ steps: Record<string, unknown> }> {
  const pollMs = options.pollMs ?? 500;
  const checkpoint: WecomSyncCheckpoint = (await job.checkpoint<WecomSyncCheckpoint>()) ?? { steps: {} };
  const results: Record<string, unknown> = {};
  for (const [index, type] of WECOM_SYNC_STEPS.entries()) {
    const saved = checkpoint.steps[type];
    if (saved?.state === 'completed') {
      results[type] = (await jobs.get(saved.jobId)).result;
      continue;
    }
    await job.progress(index, WECOM_SYNC_STEPS.length, syncStepMessage(type));
    // A step started by an earlier attempt and still running is waited for, not started again; a failed one
    // is started anew. An exclusive start hands over a sync of that type someone started by hand meanwhile.
    let step: JobRecord | null = saved && !saved.state ? await jobs.get(saved.jobId) : null;
    if (!step || step.state === 'failed') {
      step = await jobs.start(type, {}, { actor: 'system', exclusive: true });
      checkpoint.steps[type] = { jobId: step.id };
      await job.saveCheckpoint(checkpoint);
    }
    while (!FINISHED.has(step.state)) {
      // Stopping: the step is no longer fetched here; this attempt ends and a retry resumes from the checkpoint.
      if (job.signal?.aborted) throw new Error(`interrupted while waiting for ${type}: the server stopped`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      step = await jobs.get(step.id);
    }
    checkpoint.steps[type] = { jobId: step.id, state: step.state as 'completed' | 'failed' };
    await job.saveCheckpoint(checkpoint);
    // The step's own error (a WeCom failure stays renderable in the reader's language): later steps depend on it.
    if (step.state === 'failed') throw new Error(step.error ?? `${type} failed`);
    results[type] = step.result;
  }
  await job.progress(WECOM_SYNC_STEPS.length, WECOM_SYNC_STEPS.length, { key: 'jobDone' });
  return { steps: results };
}

/** The latest run for the corp (of one reason, or any), with its input. */
export async function latestWecomSync(db: Db, corpId: string, reason?: SyncReason): Promise<(typeof sysJob.$inferSelect) | undefined> {
  const [row] = await db
    .select()
    .from(sysJob)
    .where(
      and(
        eq(sysJob.type, WECOM_SYNC_JOB),
        sql`${sysJob.payload}->'input'->>'corpId' = ${corpId}`,
        reason ? sql`${sysJob.payload}->'input'->>'reason' = ${reason}` : undefined,
      ),
    )
    .orderBy(desc(sysJob.id))
    .limit(1);
  return row;
}

/**
 * The first start against a corp: starts the initial sync unless one was started before (running or done).
 * Replicas starting together take turns under an advisory lock, so exactly one of them starts it; a run that
 * failed is started again (the restart after a failure retries it). Returns the run started, if any.
 */
export async function ensureInitialWecomSync(deps: { db: Db; jobs: Pick<JobService, 'start'> }, corpId: string): Promise<JobRecord | null> {
  return withSessionLock(deps.db, `wecom-initial-sync:${corpId}`, async () => {
    const previous = await latestWecomSync(deps.db, corpId, 'initial');
    if (previous && previous.state !== 'failed') return null;
    // A failed first sync made good since by a run started by hand or at night is done too.
    if (previous && (await latestWecomSync(deps.db, corpId))?.state === 'completed') return null;
    return startWecomSync(deps.jobs, corpId, 'initial', 'system');
  });
}

/**
 * The nightly tick: starts the night's run unless one was started in the last 12 hours. pg-boss sends one job per
 * tick, but two replicas' clocks (or a tick sent again) may send two; the second, even after the first run has
 * finished, finds it. Under the same kind of lock as the first sync, so two arriving together see each other.
 */
export async function startNightlyWecomSync(deps: { db: Db; jobs: Pick<JobService, 'start'> }, corpId: string): Promise<JobRecord | null> {
  return withSessionLock(deps.db, `wecom-nightly-sync:${corpId}`, async () => {
    const [recent] = await deps.db
      .select({ id: sysJob.id })
      .from(sysJob)
      .where(
        and(
          eq(sysJob.type, WECOM_SYNC_JOB),
          sql`${sysJob.payload}->'input'->>'corpId' = ${corpId}`,
          sql`${sysJob.payload}->'input'->>'reason' = 'nightly'`,
          sql`${sysJob.ctime} > now() - interval '12 hours'`,
        ),
      )
      .limit(1);
    return recent ? null : startWecomSync(deps.jobs, corpId, 'nightly', 'schedule');
  });
}

export const startWecomSync = (jobs: Pick<JobService, 'start'>, corpId: string, reason: SyncReason, actor: string) =>
  jobs.start(WECOM_SYNC_JOB, { corpId, reason } satisfies WecomSyncInput, { actor, exclusive: true });

/**
 * Registers the `wecom.sync` job and the nightly reconciliation (a pg-boss schedule: pg-boss sends one job per
 * tick whatever the number of replicas; the run is exclusive, and once a night besides). Nothing without a configured corp.
 */
export async function registerWecomSync(deps: { db: Db; jobs: JobService; corpId: string; timeZone: string }, options: WecomSyncOptions = {}): Promise<void> {
  const { jobs } = deps;
  // A run waits on its steps for as long as they take: a long expiry, so pg-boss does not retry a healthy run.
  await jobs.register(WECOM_SYNC_JOB, (_input, job) => runWecomSync(jobs, job, options), { retryLimit: 2, expireInSeconds: 6 * 3600 });
  await jobs.createQueue(WECOM_SYNC_NIGHTLY_QUEUE, { retryLimit: 0 });
  await jobs.boss.work(WECOM_SYNC_NIGHTLY_QUEUE, async () => {
    await startNightlyWecomSync(deps, deps.corpId);
  });
  await jobs.schedule(WECOM_SYNC_NIGHTLY_QUEUE, NIGHTLY_CRON, { tz: deps.timeZone });
  // Before this, corp tags alone synced nightly on a schedule of their own: now the first step of this one.
  await jobs.boss.unschedule('tags.corp.sync.nightly');
}
