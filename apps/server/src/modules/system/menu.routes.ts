import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { route } from '../../platform/http/route.ts';
import { idQuery } from '../../platform/http/schemas.ts';
import type { MenuService } from './menu.service.ts';
import { menuNode, menuRecord, menuSaveBody, userMenuTree } from './menu.schemas.ts';

export const menuRoutes = (menus: MenuService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'GET', url: '/delete', summary: '菜单 删除 (hard delete with its role grants; refused while it has children)',
    permission: 'sys:menu:delete', query: idQuery, response: z.object({ id: z.number() }),
    handler: ({ query }) => menus.delete(query.id),
  });
  route(app, {
    method: 'GET', url: '/userTree', summary: '根据用户权限查询菜单树 (navigation and permission codes of the caller)',
    permission: 'login', response: userMenuTree,
    handler: ({ ctx }) => menus.userTree(ctx),
  });
  route(app, {
    method: 'POST', url: '/save', summary: '菜单 添加或者修改', permission: 'sys:menu:save',
    body: menuSaveBody, response: menuRecord,
    handler: ({ ctx, body }) => menus.save(ctx, body),
  });
  route(app, {
    method: 'GET', url: '/tree', summary: '查询所有菜单树信息 (every menu, siblings by orderNum)', permission: 'sys:menu:list',
    response: z.array(menuNode),
    handler: () => menus.tree(),
  });
  route(app, {
    method: 'GET', url: '/get', summary: '菜单 根据id查询', permission: 'sys:menu:query',
    query: idQuery, response: menuRecord,
    handler: ({ query }) => menus.get(query.id),
  });
};
