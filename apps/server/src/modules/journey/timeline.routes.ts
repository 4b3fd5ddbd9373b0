import type { FastifyInstance } from 'fastify';
import { route } from '../../platform/http/route.ts';
import { page } from '../../platform/http/schemas.ts';
import type { TimelineQueries } from './timeline.service.ts';
import { timelineEventRecord, timelinePageQuery } from './timeline.schemas.ts';

/** 客户动态: /scrm/admin/cust/timeline — a customer's events, with the customer detail's permission and data scope. */
export const timelineRoutes = (queries: TimelineQueries) => async (app: FastifyInstance) => {
  route(app, {
    method: 'POST', url: '/timeline',
    summary: '客户动态: every event about a customer (added, lost, tags, remark, stage, broadcasts, SOP tasks, groups, leads, transfers), newest first; events of relations outside the caller\'s data scope left out; 404 when the caller sees no relation of the customer',
    permission: 'cust:info:query', body: timelinePageQuery, response: page(timelineEventRecord),
    handler: ({ ctx, body }) => queries.page(ctx, body),
  });
};
