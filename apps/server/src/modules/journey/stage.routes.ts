import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { route } from '../../platform/http/route.ts';
import type { StageService } from './stage.service.ts';
import {
  funnelQuery, funnelResult, stageDeleteBody, stageDeleteResult, stageHistoryQuery, stageHistoryResult, stageMoveBody, stageMoveResult, stageRecord,
  stageSaveBody, stageSortBody,
} from './stage.schemas.ts';

/** 客户阶段: /scrm/admin/stage/* — the pipeline, moving relations in the caller's scope, their history, the funnel. */
export const stageRoutes = (service: StageService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'GET', url: '/list', summary: '客户阶段列表 (the pipeline in order, the lost stage last; relations in each, in your scope)',
    permission: 'stage:list', response: z.array(stageRecord),
    handler: ({ ctx }) => service.list(ctx),
  });
  route(app, {
    method: 'POST', url: '/save', summary: '保存客户阶段 (add at the end of the steps, or rename / change kind)',
    permission: 'stage:save', body: stageSaveBody, response: stageRecord,
    handler: ({ ctx, body }) => service.save(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/sort', summary: '客户阶段排序 (every stage but the lost one, in order)',
    permission: 'stage:save', body: stageSortBody, response: z.array(stageRecord),
    handler: ({ ctx, body }) => service.sort(ctx, body.ids),
  });
  route(app, {
    method: 'POST', url: '/delete', summary: '删除客户阶段 (one holding relations needs moveToStageId; the lost stage stays; audited)',
    permission: 'stage:delete', body: stageDeleteBody, response: stageDeleteResult,
    handler: ({ ctx, body }) => service.delete(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/move', summary: '移动客户阶段 (customer × employee pairs in your scope; history and a timeline event each)',
    permission: 'stage:move', body: stageMoveBody, response: stageMoveResult,
    handler: ({ ctx, body }) => service.move(ctx, body),
  });
  route(app, {
    method: 'GET', url: '/history', summary: '客户阶段记录 (one customer × employee pair: its stage now and every move, newest first)',
    permission: 'stage:history', query: stageHistoryQuery, response: stageHistoryResult,
    handler: ({ ctx, query }) => service.history(ctx, query),
  });
  route(app, {
    method: 'POST', url: '/funnel', summary: '客户阶段漏斗 (a period in the corp\'s days; per stage, employee and channel)',
    permission: 'stage:funnel', body: funnelQuery, response: funnelResult,
    handler: ({ ctx, body }) => service.funnel(ctx, body),
  });
};
