import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { route } from '../http/route.ts';
import { dateTime } from '../http/schemas.ts';
import type { Db } from '../db/database.ts';
import { actorOf, type RequestContext } from '../auth/context.ts';
import { readStoredFailure } from '../wecom-errors.ts';
import { Forbidden } from '../http/errors.ts';
import { registerMessages } from '../http/i18n.ts';
import type { JobService } from './job-service.ts';
import { JOB_ACCESS } from './job-access.ts';
import { jobSchema } from './job.routes.ts';
import { latestWecomSync, startWecomSync, WECOM_SYNC_STEPS, type WecomSyncCheckpoint, type WecomSyncInput } from './wecom-sync.ts';

registerMessages({
  wecomSyncNotConfigured: { zh: '未配置企业微信，无需同步', en: 'WeCom is not configured: there is nothing to sync' },
  wecomSyncNeedsEveryStep: {
    zh: '同步全部企业微信数据需要每一步的同步权限（企业标签、企微部门、企微员工、客户、客户群），请联系管理员授予',
    en: 'Syncing all WeCom data needs the sync permission of every step (corp tags, departments, employees, customers, groups); ask an administrator',
  },
});

const jobState = z.enum(['created', 'active', 'retry', 'completed', 'failed']);

const stepSchema = z.object({
  type: z.enum(WECOM_SYNC_STEPS).describe('the step\'s sync job type (tags.corp.sync, org.dept.sync, org.emp.sync, customers.sync, groups.sync)'),
  state: z.enum(['waiting', 'created', 'active', 'retry', 'completed', 'failed']).describe('waiting: not started yet in this run'),
  jobId: z.number().nullable(),
  progress: z.number().nullable().describe('items done so far; null for a caller without the permission that starts this sync'),
  total: z.number().nullable(),
  count: z.number().nullable().describe('once done: tags, departments, employees, customers or groups synced (by step); null for a caller without the permission'),
  error: z.string().nullable().describe('why it failed, in the caller\'s language'),
  errorDetail: z.string().nullable().describe('WeCom failures: the raw errcode and errmsg'),
});

const runSchema = z.object({
  id: z.number(),
  reason: z.enum(['initial', 'nightly', 'manual']).describe('initial: the first start against the corp; nightly: the nightly reconciliation; manual: started from the dashboard'),
  state: jobState,
  currentStep: z.enum(WECOM_SYNC_STEPS).nullable().describe('the step running now, while the run runs'),
  steps: z.array(stepSchema),
  error: z.string().nullable(),
  errorDetail: z.string().nullable(),
  ctime: dateTime,
  startedAt: dateTime.nullable(),
  finishedAt: dateTime.nullable(),
});

export const syncStatusSchema = z.object({
  configured: z.boolean().describe('false without WeCom settings (nothing to sync)'),
  initialDone: z.boolean().describe('the first sync against this corp has completed'),
  run: runSchema.nullable().describe('the latest whole-corp sync (first sync or nightly reconciliation)'),
});

/** What each step's result counts (the sync jobs' results). */
const COUNTED: Record<(typeof WECOM_SYNC_STEPS)[number], string> = {
  'tags.corp.sync': 'tags',
  'org.dept.sync': 'departments',
  'org.emp.sync': 'employees',
  'customers.sync': 'customers',
  'groups.sync': 'groups',
};
const countOf = (type: (typeof WECOM_SYNC_STEPS)[number], result: unknown): number | null => {
  const value = (result as Record<string, unknown> | null)?.[COUNTED[type]];
  return typeof value === 'number' ? value : null;
};

/** 首页: the progress of the whole-corp sync (/scrm/admin/dashboard/*). */
export const wecomSyncRoutes = (deps: { db: Db; jobs: JobService; corpId: string | null }) => async (app: FastifyInstance) => {
  const render = (ctx: RequestContext, stored: string | null) => {
    const failure = readStoredFailure(stored, ctx.locale);
    return { error: failure?.message ?? null, errorDetail: failure?.detail ?? null };
  };
  route(app, {
    method: 'GET',
    url: '/sync',
    summary: '企业微信同步进度 (the first sync on a corp and the nightly reconciliation: steps in order, counts for holders of each step\'s sync permission)',
    permission: 'login',
    response: syncStatusSchema,
    handler: async ({ ctx }) => {
      if (!deps.corpId) return { configured: false, initialDone: false, run: null };
      const [latest, initial] = await Promise.all([latestWecomSync(deps.db, deps.corpId), latestWecomSync(deps.db, deps.corpId, 'initial')]);
      const initialDone = initial?.state === 'completed' || (latest?.state === 'completed' && latest.id > (initial?.id ?? 0));
      if (!latest) return { configured: true, initialDone, run: null };
      const payload = (latest.payload ?? {}) as { input?: WecomSyncInput; checkpoint?: WecomSyncCheckpoint };
      const saved = payload.checkpoint?.steps ?? {};
      const running = latest.state !== 'completed' && latest.state !== 'failed';
      const steps = await Promise.all(
        WECOM_SYNC_STEPS.map(async (type) => {
          const jobId = saved[type]?.jobId ?? null;
          const job = jobId ? await deps.jobs.get(jobId).catch(() => null) : null;
          // Counts say how big the corp's data is: shown to whoever may start that sync (as /admin/job/get does).
          const mayCount = ctx.user.isAdmin || ctx.user.permissions.has(JOB_ACCESS[type].permission);
          return {
            type,
            state: job?.state ?? 'waiting',
            jobId,
            progress: job && mayCount ? job.progress : null,
            total: job && mayCount ? job.total : null,
            count: job?.state === 'completed' && mayCount ? countOf(type, job.result) : null,
            ...render(ctx, job?.state === 'failed' || job?.state === 'retry' ? job.error : null),
          } as z.output<typeof stepSchema>;
        }),
      );
      const current = running ? steps.find((step) => step.state !== 'completed') : undefined;
      return {
        configured: true,
        initialDone,
        run: {
          id: latest.id,
          reason: payload.input?.reason ?? 'initial',
          state: latest.state as z.output<typeof jobState>,
          currentStep: current?.type ?? null,
          steps,
          ...render(ctx, latest.state === 'failed' || latest.state === 'retry' ? latest.error : null),
          ctime: latest.ctime,
          startedAt: latest.startedAt,
          finishedAt: latest.finishedAt,
        },
      };
    },
  });
  route(app, {
    method: 'POST',
    url: '/sync/start',
    summary: '立即同步企业微信 (the whole-corp sync now; needs the sync permission of every step; a run already under way is answered instead)',
    permission: 'login',
    response: jobSchema,
    handler: async ({ ctx }) => {
      if (!deps.corpId) throw new Forbidden('wecomSyncNotConfigured');
      // Every step's own sync permission: starting them all at once grants nothing a step's button does not.
      if (!ctx.user.isAdmin && !WECOM_SYNC_STEPS.every((type) => ctx.user.permissions.has(JOB_ACCESS[type].permission))) throw new Forbidden('wecomSyncNeedsEveryStep');
      const job = await startWecomSync(deps.jobs, deps.corpId, 'manual', actorOf(ctx));
      return { ...job, error: null, errorDetail: null } as never;
    },
  });
};
