import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { route } from '../../platform/http/route.ts';
import { idQuery, idsBody, page } from '../../platform/http/schemas.ts';
import type { InterceptService } from './intercept.service.ts';
import { interceptPageQuery, interceptRecord, interceptSaveBody, interceptSyncResult } from './intercept.schemas.ts';

/** 敏感词拦截: /scrm/admin/intercept/* — WeCom's chat sensitive-word rules (管理聊天敏感词). */
export const interceptRoutes = (service: InterceptService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'POST', url: '/page', summary: '敏感词拦截规则 分页查询 (with the applicable employees and departments by name)',
    permission: 'intercept:list', body: interceptPageQuery, response: page(interceptRecord),
    handler: ({ ctx, body }) => service.page(ctx, body),
  });
  route(app, {
    method: 'GET', url: '/get', summary: '敏感词拦截规则 详情',
    permission: 'intercept:query', query: idQuery, response: interceptRecord,
    handler: ({ ctx, query }) => service.get(ctx, query.id),
  });
  route(app, {
    method: 'POST', url: '/save',
    summary: '敏感词拦截规则 保存 (writes WeCom first: add_intercept_rule or update_intercept_rule; WeCom\'s limits checked before, 400 in words; audited)',
    permission: 'intercept:save', body: interceptSaveBody, response: interceptRecord,
    handler: ({ ctx, body }) => service.save(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/delete', summary: '敏感词拦截规则 删除 (from WeCom, then here; rules made in WeCom\'s admin console cannot; audited)',
    permission: 'intercept:delete', body: idsBody, response: z.object({ deleted: z.number() }),
    handler: ({ ctx, body }) => service.remove(ctx, body.ids),
  });
  route(app, {
    method: 'POST', url: '/sync', summary: '从企业微信同步敏感词拦截规则 (picks up rules made in WeCom\'s admin console; audited)',
    permission: 'intercept:sync', response: interceptSyncResult,
    handler: ({ ctx }) => service.sync(ctx),
  });
};
