import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { route } from '../../platform/http/route.ts';
import { idQuery, idsBody, page } from '../../platform/http/schemas.ts';
import type { SopKind } from '../../db/schema/sop.ts';
import type { SopService } from './sop.service.ts';
import { sopEnableBody, sopPageQuery, sopRecord, sopSaveBody, sopStatBody, sopStatResult, sopTaskPageQuery, sopTaskRecord, taskDoneBody, todoPageQuery } from './sop.schemas.ts';

const NAMES: Record<SopKind, string> = { customer: '客户SOP', group: '群SOP' };
const PERMS = {
  customer: { list: 'sop:customer:list', save: 'sop:customer:save', delete: 'sop:customer:delete', task: 'sop:customer:task', stat: 'sop:customer:stat' },
  group: { list: 'sop:group:list', save: 'sop:group:save', delete: 'sop:group:delete', task: 'sop:group:task', stat: 'sop:group:stat' },
} as const;

/** /scrm/admin/sop/{customer|group}/** (rules, their tasks in the caller's data scope, completion) and /scrm/admin/sop/todo/** (我的待办). */
export const sopRoutes = (service: SopService) => async (app: FastifyInstance) => {
  for (const kind of ['customer', 'group'] as const) {
    const name = NAMES[kind];
    const perms = PERMS[kind];
    route(app, {
      method: 'POST', url: `/${kind}/save`, summary: `添加或者修改${name} (employees, trigger, steps; audited)`,
      permission: perms.save, body: sopSaveBody, response: sopRecord,
      handler: ({ ctx, body }) => service.save(ctx, kind, body),
    });
    route(app, {
      method: 'POST', url: `/${kind}/page`, summary: `根据条件分页查询${name} (with task counts in the caller's scope)`,
      permission: perms.list, body: sopPageQuery, response: page(sopRecord),
      handler: ({ ctx, body }) => service.page(ctx, kind, body),
    });
    route(app, {
      method: 'GET', url: `/${kind}/get`, summary: `根据id查询${name}`,
      permission: perms.list, query: idQuery, response: sopRecord,
      handler: ({ ctx, query }) => service.get(ctx, kind, query.id),
    });
    route(app, {
      method: 'POST', url: `/${kind}/delete`, summary: `删除${name} (its open steps make no more tasks; audited)`,
      permission: perms.delete, body: idsBody, response: z.number(),
      handler: ({ ctx, body }) => service.delete(ctx, kind, body.ids),
    });
    route(app, {
      method: 'POST', url: `/${kind}/enable`, summary: `启用或停用${name} (enabled again: starts from now; audited)`,
      permission: perms.save, body: sopEnableBody, response: sopRecord,
      handler: ({ ctx, body }) => service.enable(ctx, kind, body.id, body.enabled),
    });
    route(app, {
      method: 'POST', url: `/${kind}/tasks/page`, summary: `${name}任务分页 (tasks of employees in the caller's data scope; filters: SOP, employees, state, due time)`,
      permission: perms.task, body: sopTaskPageQuery, response: page(sopTaskRecord),
      handler: ({ ctx, body }) => service.tasks(ctx, kind, body),
    });
    route(app, {
      method: 'POST', url: `/${kind}/tasks/done`, summary: `标记${name}任务已完成 (tasks in the caller's data scope; any other id: 404, nothing marked)`,
      permission: perms.task, body: taskDoneBody, response: z.number(),
      handler: ({ ctx, body }) => service.tasksDone(ctx, kind, body.ids),
    });
    route(app, {
      method: 'POST', url: `/${kind}/stat`, summary: `${name}完成情况 (per SOP and per employee, tasks in the caller's data scope)`,
      permission: perms.stat, body: sopStatBody, response: sopStatResult,
      handler: ({ ctx, body }) => service.stat(ctx, kind, body),
    });
  }
  route(app, {
    method: 'POST', url: '/todo/page', summary: '我的待办 (the caller\'s own SOP tasks as the WeCom employee bound to their account; today, overdue, done)',
    permission: 'sop:todo', body: todoPageQuery,
    response: page(sopTaskRecord).extend({ counts: z.object({ today: z.number(), overdue: z.number(), done: z.number() }) }),
    handler: ({ ctx, body }) => service.todo(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/todo/done', summary: '我的待办 标记完成 (own tasks only; another employee\'s: 404, nothing marked)',
    permission: 'sop:todo', body: taskDoneBody, response: z.number(),
    handler: ({ ctx, body }) => service.todoDone(ctx, body.ids),
  });
};
