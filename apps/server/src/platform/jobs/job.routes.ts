import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { route } from '../http/route.ts';
import { dateTime, idQuery } from '../http/schemas.ts';
import type { Db } from '../db/database.ts';
import type { JobService } from './job-service.ts';
import { createJobReader } from './job-access.ts';
import { readStoredFailure } from '../wecom-errors.ts';
import { renderJobMessage } from './job-messages.ts';

export const jobSchema = z.object({
  id: z.number(),
  type: z.string(),
  state: z.enum(['created', 'active', 'retry', 'completed', 'failed']).describe('created, active, retry, completed, failed'),
  progress: z.number(),
  total: z.number().nullable(),
  message: z.string().nullable().describe("what the job is doing, in the caller's language (GET /job/get; elsewhere in Chinese)"),
  error: z.string().nullable().describe('why it failed, in the caller\'s language'),
  errorDetail: z.string().nullable().optional().describe('WeCom failures: the raw errcode and errmsg (GET /job/get)'),
  result: z.unknown(),
  cuser: z.string().nullable(),
  ctime: dateTime,
  startedAt: dateTime.nullable(),
  finishedAt: dateTime.nullable(),
});

export const jobRoutes = (deps: { db: Db; jobs: JobService }) => async (app: FastifyInstance) => {
  const reader = createJobReader(deps);
  route(app, {
    method: 'GET',
    url: '/get',
    summary: '查询任务进度 (for holders of the permission that starts that kind of job; imports and transfers: their starter, or a caller whose data scope covers the starter; else 404)',
    permission: 'login',
    query: idQuery,
    response: jobSchema,
    handler: async ({ ctx, query }) => {
      const job = await reader.get(ctx, query.id);
      const failure = readStoredFailure(job.error, ctx.locale);
      return { ...job, message: renderJobMessage(job.storedMessage, ctx.locale), error: failure?.message ?? null, errorDetail: failure?.detail ?? null } as never;
    },
  });
};
