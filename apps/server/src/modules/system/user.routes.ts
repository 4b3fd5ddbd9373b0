import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { route } from '../../platform/http/route.ts';
import { dateTime, idQuery, page } from '../../platform/http/schemas.ts';
import type { UserService } from './user.service.ts';
import {
  bindableEmployee, bindableEmployeesQuery, bindQwUseridBody, createdFromWecom, createFromWecomBody, currentUser, grantRolesBody, idsBody, updateAvatarBody, updatePasswordBody, updateStatusQuery,
  userPageQuery, userRecord, userSaveBody, userWithRoles, usernameBody,
} from './user.schemas.ts';

export const userRoutes = (users: UserService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'POST', url: '/page', summary: '根据条件分页查询用户信息', permission: 'sys:user:list',
    body: userPageQuery, response: page(userRecord),
    handler: ({ ctx, body }) => users.page(ctx, body),
  });
  route(app, {
    method: 'GET', url: '/get', summary: '根据id查询用户以及用户角色', permission: 'sys:user:query',
    query: idQuery, response: userWithRoles,
    handler: ({ ctx, query }) => users.get(ctx, query.id),
  });
  route(app, {
    method: 'GET', url: '/current', summary: '查询登录用户以及用户角色', permission: 'login', allowWhilePasswordExpired: true,
    response: currentUser,
    handler: ({ ctx }) => users.current(ctx),
  });
  route(app, {
    method: 'POST', url: '/save', summary: '添加或者修改', permission: 'sys:user:save',
    body: userSaveBody, response: userWithRoles,
    handler: ({ ctx, body }) => users.save(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/checkUsername', summary: '验证用户名', permission: 'sys:user:save',
    body: usernameBody, response: z.object({ username: z.string(), available: z.boolean() }),
    handler: ({ body }) => users.checkUsername(body.username),
  });
  route(app, {
    method: 'POST', url: '/batchDelete', summary: '批量删除用户', permission: 'sys:user:delete',
    body: idsBody, response: z.object({ deleted: z.number() }),
    handler: ({ ctx, body }) => users.batchDelete(ctx, body.ids),
  });
  route(app, {
    method: 'POST', url: '/grantRoles', summary: '用户角色授权', permission: 'sys:user:grant',
    body: grantRolesBody, response: userWithRoles,
    handler: ({ ctx, body }) => users.grantRoles(ctx, body.userId, body.roleIds),
  });
  route(app, {
    method: 'GET', url: '/resetPassword', summary: '重置密码 (answered with Cache-Control: no-store)', permission: 'sys:user:resetPwd',
    query: idQuery, response: z.object({ id: z.number(), password: z.string().describe('one-time password; the user must change it at next sign-in') }),
    handler: ({ ctx, query, reply }) => {
      // A password in the answer: no browser, proxy or CDN may keep a copy.
      reply.header('cache-control', 'no-store');
      return users.resetPassword(ctx, query.id);
    },
  });
  route(app, {
    method: 'GET', url: '/updateStatus', summary: '更新status状态', permission: 'sys:user:status',
    query: updateStatusQuery, response: userRecord,
    handler: ({ ctx, query }) => users.updateStatus(ctx, query.id, query.status),
  });
  route(app, {
    method: 'POST', url: '/updatePassword', summary: '修改密码', permission: 'login', allowWhilePasswordExpired: true,
    body: updatePasswordBody, response: z.object({ token: z.string(), expiresAt: dateTime }),
    handler: ({ ctx, body }) => users.updatePassword(ctx, body.oldPassword, body.newPassword),
  });
  route(app, {
    method: 'POST', url: '/updateAvatar', summary: '修改用户头像', permission: 'login',
    body: updateAvatarBody, response: userRecord,
    handler: ({ ctx, body }) => users.updateAvatar(ctx, body.avatar),
  });
  route(app, {
    method: 'POST', url: '/uploadAvatar', summary: '头像上传 (multipart field "file"; JPG/PNG/GIF/WEBP ≤ 2 MB)', permission: 'login',
    response: z.object({ url: z.string() }),
    handler: async ({ ctx, raw }) => users.uploadAvatar(ctx, raw.isMultipart() ? await raw.file() : undefined),
  });
  route(app, {
    method: 'POST', url: '/bindQwUserid', summary: '绑定企业微信userid', permission: 'sys:user:bind',
    body: bindQwUseridBody, response: userRecord,
    handler: ({ ctx, body }) => users.bindQwUserid(ctx, body.userId, body.qwUserid),
  });
  route(app, {
    method: 'GET', url: '/bindableEmployees',
    summary: '可绑定的企微员工 (members in the corp bound to no user, within the caller\'s data scope — with a scope other than "all", none unbound; by name or userid, at most 200)',
    permission: 'sys:user:bind',
    query: bindableEmployeesQuery, response: z.array(bindableEmployee),
    handler: ({ ctx, query }) => users.bindableEmployees(ctx, query.name),
  });
  route(app, {
    method: 'POST', url: '/createFromWecom',
    summary:
      '从企微员工批量创建用户 (one user per employee, bound to it, with the roles and system department given and a one-time password answered ' +
      'once — the user changes it at first sign-in; needs sys:user:save, sys:user:grant and sys:user:bind, and the rules of save, grantRoles ' +
      'and bindQwUserid; all or nothing: 400 with every refused row in date.fields; audited; answered with Cache-Control: no-store)',
    permission: 'sys:user:save',
    body: createFromWecomBody, response: createdFromWecom,
    handler: ({ ctx, body, reply }) => {
      // Passwords in the answer: no browser, proxy or CDN may keep a copy.
      reply.header('cache-control', 'no-store');
      return users.createFromWecom(ctx, body);
    },
  });
};
