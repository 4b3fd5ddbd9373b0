import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { route } from '../../platform/http/route.ts';
import { idQuery, page } from '../../platform/http/schemas.ts';
import { jobSchema } from '../../platform/jobs/job.routes.ts';
import type { OrgService } from './org.service.ts';
import { nameQuery, qwDeptPageBody, qwDeptRecord, qwDeptSaveBody, qwEmpPageBody, qwEmpRecord, qwEmpSaveBody, useridQuery } from './org.schemas.ts';

/** 企微部门 /admin/qw/dept/*. */
export const qwDeptRoutes = (org: OrgService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'POST', url: '/page', summary: '根据条件分页查询企微部门', permission: 'qw:dept:list',
    body: qwDeptPageBody, response: page(qwDeptRecord),
    handler: ({ ctx, body }) => org.deptPage(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/save', summary: '添加或者修改企微部门 (the mirror row; WeCom stays the authority at the next sync)', permission: 'qw:dept:save',
    body: qwDeptSaveBody, response: qwDeptRecord,
    handler: ({ ctx, body }) => org.deptSave(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/sync', summary: '同步企微部门 (starts the org.dept.sync job, or returns the one running; progress: GET /admin/job/get)', permission: 'qw:dept:sync',
    response: jobSchema,
    handler: ({ ctx }) => org.startDeptSync(ctx) as never,
  });
  route(app, {
    method: 'GET', url: '/get', summary: '根据id查询企微部门', permission: 'qw:dept:query',
    query: idQuery, response: qwDeptRecord,
    handler: ({ ctx, query }) => org.deptGet(ctx, query.id),
  });
};

/** 企微员工 /admin/qw/emp/*. */
export const qwEmpRoutes = (org: OrgService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'GET', url: '/listByName', summary: '按照name模糊查询所有的企微员工信息 (members still in the corp; at most 200; eligible=true: only those who can take customers)', permission: 'qw:emp:list',
    query: nameQuery, response: z.array(qwEmpRecord),
    handler: ({ ctx, query }) => org.empListByName(ctx, query.name, query.eligible),
  });
  route(app, {
    method: 'POST', url: '/page', summary: '根据条件分页查询企微员工', permission: 'qw:emp:list',
    body: qwEmpPageBody, response: page(qwEmpRecord),
    handler: ({ ctx, body }) => org.empPage(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/save', summary: '添加或者修改企微员工 (the mirror row; WeCom stays the authority at the next sync)', permission: 'qw:emp:save',
    body: qwEmpSaveBody, response: qwEmpRecord,
    handler: ({ ctx, body }) => org.empSave(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/sync', summary: '同步企微员工 (starts the org.emp.sync job, or returns the one running; progress: GET /admin/job/get)', permission: 'qw:emp:sync',
    response: jobSchema,
    handler: ({ ctx }) => org.startEmpSync(ctx) as never,
  });
  route(app, {
    method: 'GET', url: '/get', summary: '根据id查询企微员工', permission: 'qw:emp:query',
    query: idQuery, response: qwEmpRecord,
    handler: ({ ctx, query }) => org.empGet(ctx, query.id),
  });
  route(app, {
    method: 'GET', url: '/getByUserid', summary: '根据userid查询企微员工', permission: 'qw:emp:query',
    query: useridQuery, response: qwEmpRecord,
    handler: ({ ctx, query }) => org.empGetByUserid(ctx, query.userid),
  });
};
