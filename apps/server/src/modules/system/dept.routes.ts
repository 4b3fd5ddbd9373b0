import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { route } from '../../platform/http/route.ts';
import { idQuery, idsBody } from '../../platform/http/schemas.ts';
import type { DeptService } from './dept.service.ts';
import { deptNode, deptRecord, deptSaveBody } from './dept.schemas.ts';

export const deptRoutes = (depts: DeptService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'GET', url: '/tree', summary: '查询所有部门树信息 (live departments; a pick-list for every signed-in user)',
    permission: 'login', response: z.array(deptNode),
    handler: () => depts.tree(),
  });
  route(app, {
    method: 'GET', url: '/get', summary: '部门 根据id查询', permission: 'sys:dept:list',
    query: idQuery, response: deptRecord,
    handler: ({ query }) => depts.get(query.id),
  });
  route(app, {
    method: 'POST', url: '/save', summary: '部门 添加或者修改 (moving a department moves its subtree)', permission: 'sys:dept:save',
    body: deptSaveBody, response: deptRecord,
    handler: ({ ctx, body }) => depts.save(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/delete', summary: '部门 删除 (soft; refused while it has departments or users)', permission: 'sys:dept:delete',
    body: idsBody, response: z.object({ deleted: z.number() }),
    handler: ({ ctx, body }) => depts.delete(ctx, body.ids),
  });
};
