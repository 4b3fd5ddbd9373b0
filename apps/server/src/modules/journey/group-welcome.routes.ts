import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { route } from '../../platform/http/route.ts';
import { idQuery, idsBody, page } from '../../platform/http/schemas.ts';
import type { GroupWelcomeService } from './group-welcome.service.ts';
import { groupWelcomePageQuery, groupWelcomeRecord, groupWelcomeSaveBody } from './group-welcome.schemas.ts';

/** 入群欢迎语: /scrm/admin/group/welcome/* — WeCom's 入群欢迎语素材 library (group owners choose one in WeCom). */
export const groupWelcomeRoutes = (service: GroupWelcomeService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'POST', url: '/page', summary: '入群欢迎语 分页查询 (the corp library as written to WeCom)',
    permission: 'group:welcome:list', body: groupWelcomePageQuery, response: page(groupWelcomeRecord),
    handler: ({ ctx, body }) => service.page(ctx, body),
  });
  route(app, {
    method: 'GET', url: '/get', summary: '入群欢迎语 详情',
    permission: 'group:welcome:query', query: idQuery, response: groupWelcomeRecord,
    handler: ({ ctx, query }) => service.get(ctx, query.id),
  });
  route(app, {
    method: 'POST', url: '/save',
    summary: '入群欢迎语 保存 (writes WeCom first: group_welcome_template/add or edit; at most 100 a corp, text ≤3000 bytes, one attachment; audited)',
    permission: 'group:welcome:save', body: groupWelcomeSaveBody, response: groupWelcomeRecord,
    handler: ({ ctx, body }) => service.save(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/delete', summary: '入群欢迎语 删除 (from WeCom, then here; audited)',
    permission: 'group:welcome:delete', body: idsBody, response: z.object({ deleted: z.number() }),
    handler: ({ ctx, body }) => service.remove(ctx, body.ids),
  });
};
