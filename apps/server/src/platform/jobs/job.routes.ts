import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { route } from '../http/route.ts';
import { dateTime, idQuery } from '../http/schemas.ts';
import type { JobService } from './job-service.ts';

export const jobSchema = z.object({
  id: z.number(),
  type: z.string(),
  state: z.enum(['created', 'active', 'retry', 'completed', 'failed']).describe('created, active, retry, completed, failed'),
  progress: z.number(),
  total: z.number().nullable(),
  message: z.string().nullable(),
  error: z.string().nullable(),
  result: z.unknown(),
  cuser: z.string().nullable(),
  ctime: dateTime,
  startedAt: dateTime.nullable(),
  finishedAt: dateTime.nullable(),
});

export const jobRoutes = (deps: { jobs: JobService }) => async (app: FastifyInstance) => {
  route(app, {
    method: 'GET',
    url: '/get',
    summary: '查询任务进度',
    permission: 'login',
    query: idQuery,
    response: jobSchema,
    handler: ({ query }) => deps.jobs.get(query.id) as never,
  });
};
