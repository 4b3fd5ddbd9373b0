// The Journey parts in the sidebar — the customer's stage (and moving it), the customer timeline as this employee sees
// it, and their SOP to-dos — served by the journey module's own services with the sidebar's context (the signed-in
// employee as a self-scope viewer), so the same rules, history, timeline events and audit apply as in the console.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { viewerOf } from '../../platform/auth/data-scope.ts';
import { page } from '../../platform/http/schemas.ts';
import type { StageService } from '../journey/stage.service.ts';
import type { SopService } from '../journey/sop.service.ts';
import type { TimelineQueries } from '../journey/timeline.service.ts';
import { stageHistoryResult, stageMoveResult, stageRecord } from '../journey/stage.schemas.ts';
import { sopTaskRecord, taskDoneBody, todoPageQuery } from '../journey/sop.schemas.ts';
import { timelineEventRecord } from '../journey/timeline.schemas.ts';
import { sidebarRoute } from './sidebar.routes.ts';

export interface SidebarJourneyDeps {
  stages: Pick<StageService, 'list' | 'history' | 'move'>;
  sop: Pick<SopService, 'todo' | 'todoDone'>;
  timeline: Pick<TimelineQueries, 'pageForEmployee'>;
}

const externalUserid = z.string().trim().min(1).max(64);

export const sidebarJourneyRoutes = (deps: SidebarJourneyDeps) => async (app: FastifyInstance) => {
  sidebarRoute(app, {
    method: 'GET', url: '/customer/stage', summary: "The customer's stage on this employee's relation, its history, and the stages to move to",
    query: z.object({ externalUserid }), response: stageHistoryResult.extend({ stages: z.array(stageRecord) }),
    handler: async ({ ctx, query }) => {
      const [history, stages] = await Promise.all([deps.stages.history(ctx, { externalUserid: query.externalUserid, userid: ctx.user.qwUserid ?? '' }), deps.stages.list(ctx)]);
      return { ...history, stages };
    },
  });
  sidebarRoute(app, {
    method: 'POST', url: '/customer/stage', summary: "Moves this employee's relation with the customer to a stage (history and timeline as in the console)",
    body: z.object({ externalUserid, stageId: z.number().int().positive(), note: z.string().trim().max(200).default('') }), response: stageMoveResult,
    handler: ({ ctx, body }) => deps.stages.move(ctx, { relations: [{ externalUserid: body.externalUserid, userid: ctx.user.qwUserid ?? '' }], stageId: body.stageId, note: body.note }),
  });
  sidebarRoute(app, {
    method: 'GET', url: '/customer/timeline', summary: "The customer's timeline as this employee sees it (their relation's events and the customer's own), newest first",
    query: z.object({ externalUserid, pageNum: z.coerce.number().int().min(1).default(1), pageSize: z.coerce.number().int().min(1).max(100).default(30) }),
    response: page(timelineEventRecord),
    handler: async ({ ctx, query }) => deps.timeline.pageForEmployee(await viewerOf(ctx), query.externalUserid, ctx.user.qwUserid ?? '', { pageNum: query.pageNum, pageSize: query.pageSize }),
  });
  sidebarRoute(app, {
    method: 'POST', url: '/todo/page', summary: "This employee's SOP to-dos (today, overdue, done)", body: todoPageQuery,
    response: page(sopTaskRecord).extend({ counts: z.object({ today: z.number(), overdue: z.number(), done: z.number() }) }),
    handler: ({ ctx, body }) => deps.sop.todo(ctx, body),
  });
  sidebarRoute(app, {
    method: 'POST', url: '/todo/done', summary: "Marks this employee's to-dos done (another employee's: 404, nothing marked)", body: taskDoneBody, response: z.number(),
    handler: ({ ctx, body }) => deps.sop.todoDone(ctx, body.ids),
  });
};
