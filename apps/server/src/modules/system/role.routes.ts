import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { route } from '../../platform/http/route.ts';
import { idQuery, idsBody, page } from '../../platform/http/schemas.ts';
import type { RoleService } from './role.service.ts';
import { roleDetail, roleIdQuery, roleMenus, roleMenusBody, rolePageQuery, roleRecord, roleSaveBody } from './role.schemas.ts';

export const roleRoutes = (roles: RoleService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'POST', url: '/delete', summary: '角色 删除 (refuses the built-in administrator role and roles still assigned to users)',
    permission: 'sys:role:delete', body: idsBody, response: z.object({ deleted: z.number() }),
    handler: ({ ctx, body }) => roles.delete(ctx, body.ids),
  });
  route(app, {
    method: 'POST', url: '/page', summary: '根据条件分页查询角色信息', permission: 'sys:role:list',
    body: rolePageQuery, response: page(roleRecord),
    handler: ({ body }) => roles.page(body),
  });
  route(app, {
    method: 'GET', url: '/list', summary: '查询所有的角色', permission: 'sys:role:list',
    response: z.array(roleRecord),
    handler: () => roles.list(),
  });
  route(app, {
    method: 'GET', url: '/menuIds', summary: '获取当前角色的权限菜单ID集合', permission: 'sys:role:query',
    query: roleIdQuery, response: z.array(z.number()),
    handler: ({ query }) => roles.menuIds(query.roleId),
  });
  route(app, {
    method: 'POST', url: '/save', summary: '角色 添加或者修改', permission: 'sys:role:save',
    body: roleSaveBody, response: roleDetail,
    handler: ({ ctx, body }) => roles.save(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/updateMenus', summary: '更新角色权限信息 (replaces the grants; effective on the next request)',
    permission: 'sys:role:grant', body: roleMenusBody, response: roleMenus,
    handler: ({ ctx, body }) => roles.updateMenus(ctx, body.roleId, body.menuIds),
  });
  route(app, {
    method: 'GET', url: '/get', summary: '角色 根据id查询 (with menuIds and deptIds)', permission: 'sys:role:query',
    query: idQuery, response: roleDetail,
    handler: ({ query }) => roles.get(query.id),
  });
};
