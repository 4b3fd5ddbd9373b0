import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { route, attachment } from '../../platform/http/route.ts';
import { idQuery, page } from '../../platform/http/schemas.ts';
import { jobSchema } from '../../platform/jobs/job.routes.ts';
import type { CustomerService } from './customers.service.ts';
import {
  channelGroup, customerDetail, customerPageQuery, customerRecord, customerSaveBody, dailyStat, dailyStatBody, externalUseridQuery,
  listByUserQuery, relationBulkTagBody, relationBulkTagResult, relationFilters, relationPageQuery, relationRecord, relationSaveBody, totalsStat,
  totalsStatBody,
} from './customers.schemas.ts';
import { BATCH_MARK_MAX } from '../tags/tags.schemas.ts';

/** 客户信息: /scrm/admin/cust/info/* */
export const customerInfoRoutes = (customers: CustomerService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'POST', url: '/page', summary: '根据条件分页查询客户信息', permission: 'cust:info:list',
    body: customerPageQuery, response: page(customerRecord),
    handler: ({ ctx, body }) => customers.pageCustomers(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/save', summary: '添加或者修改客户信息', permission: 'cust:info:save',
    body: customerSaveBody, response: customerDetail,
    handler: ({ ctx, body }) => customers.saveCustomer(ctx, body),
  });
  route(app, {
    method: 'GET', url: '/get', summary: '根据id查询客户信息', permission: 'cust:info:query',
    query: idQuery, response: customerDetail,
    handler: ({ ctx, query }) => customers.getCustomer(ctx, query.id),
  });
  route(app, {
    method: 'GET', url: '/getByExternalUserid', summary: '根据客户的userid查询客户信息', permission: 'cust:info:query',
    query: externalUseridQuery, response: customerDetail,
    handler: ({ ctx, query }) => customers.getCustomerByExternalUserid(ctx, query.externalUserid),
  });
  route(app, {
    method: 'GET', url: '/realtime', summary: '根据客户的userid查询实时客户信息 (live from WeCom; refreshes the stored copy)', permission: 'cust:info:realtime',
    query: externalUseridQuery, response: customerDetail,
    handler: ({ ctx, query }) => customers.realtime(ctx, query.externalUserid),
  });
  route(app, {
    method: 'POST', url: '/stat', summary: '统计企业客户净增,存活信息 (per Asia/Shanghai day)', permission: 'cust:info:stat',
    body: dailyStatBody, response: z.array(dailyStat),
    handler: ({ ctx, body }) => customers.dailyStat(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/sync', summary: '同步客户信息 (starts job customers.sync; progress at /admin/job/get)', permission: 'cust:info:sync',
    response: jobSchema,
    handler: ({ ctx }) => customers.startSync(ctx) as never,
  });
};

/** 客户员工关联关系: /scrm/admin/cust/emp/* */
export const customerRelationRoutes = (customers: CustomerService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'GET', url: '/listByUser', summary: '根据员工id查询所有的有效客户', permission: 'cust:emp:list',
    query: listByUserQuery, response: z.array(relationRecord),
    handler: ({ ctx, query }) => customers.listByUser(ctx, query.userId),
  });
  route(app, {
    method: 'POST', url: '/page', summary: '根据条件分页查询客户员工关联关系信息', permission: 'cust:emp:list',
    body: relationPageQuery, response: page(relationRecord),
    handler: ({ ctx, body }) => customers.pageRelations(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/save', summary: '添加或者修改客户员工关联关系信息 (remark, description, remark company and mobiles; written to WeCom)', permission: 'cust:emp:save',
    body: relationSaveBody, response: relationRecord,
    handler: ({ ctx, body }) => customers.saveRelation(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/batchTag',
    summary: `批量打标签 (客户列表: the selected rows or every active row matching the filters, at most ${BATCH_MARK_MAX}; WeCom mark_tag per relation, each succeeds or fails on its own; audited)`,
    permission: 'cust:tag:save',
    body: relationBulkTagBody, response: relationBulkTagResult,
    handler: ({ ctx, body }) => customers.bulkTag(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/pageByChannel', summary: '根据条件分页查询客户员工关联关系信息 (grouped by channel state)', permission: 'cust:emp:list',
    body: relationPageQuery, response: page(channelGroup),
    handler: ({ ctx, body }) => customers.pageByChannel(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/stat', summary: '客户统计 (totals by employee, channel and tag)', permission: 'cust:emp:stat',
    body: totalsStatBody, response: totalsStat,
    handler: ({ ctx, body }) => customers.totalsStat(ctx, body),
  });
  route(app, {
    method: 'GET', url: '/get', summary: '根据id查询客户员工关联关系信息', permission: 'cust:emp:query',
    query: idQuery, response: relationRecord,
    handler: ({ ctx, query }) => customers.getRelation(ctx, query.id),
  });

  // The export answers with a file, not the envelope.
  app.route({
    method: 'POST',
    url: '/export',
    schema: {
      summary: '导出客户员工关联关系 (xlsx; same filters as /page)',
      tags: ['admin/cust/emp'],
      security: [{ token: [] }],
      body: relationFilters,
      produces: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    },
    config: { permission: 'cust:emp:export', allowWhilePasswordExpired: false },
    handler: async (request, reply) => {
      const stream = await customers.exportRelations(request.ctx, request.body as z.output<typeof relationFilters>, (error) =>
        request.log.error({ err: error }, 'customer export failed'),
      );
      const fileName = `客户列表-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}.xlsx`;
      return reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', attachment('customers.xlsx', fileName))
        .send(stream);
    },
  });
};
