import type { FastifyInstance } from 'fastify';
import { route } from '../../platform/http/route.ts';
import { page } from '../../platform/http/schemas.ts';
import type { LifecycleService } from './lifecycle.service.ts';
import {
  onJobCandidatePage,
  onJobCandidatesQuery,
  onJobGroups,
  onJobGroupsQuery,
  onJobTransferBody,
  recordPage,
  recordPageQuery,
  resignedTransferBody,
  transferResult,
  unassignedDetail,
  unassignedEmployee,
  unassignedGetQuery,
  unassignedPageQuery,
} from './lifecycle.schemas.ts';

/** 离职继承 / 在职继承: /scrm/admin/lifecycle/* (the handover employee must be in the caller's data scope). */
export const transferRoutes = (service: LifecycleService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'POST', url: '/unassigned/page', summary: '待分配的离职成员 (departed employees with customers or groups awaiting inheritance, by data scope)',
    permission: 'lifecycle:resigned:list', body: unassignedPageQuery, response: page(unassignedEmployee),
    handler: ({ ctx, body }) => service.unassignedPage(ctx, body),
  });
  route(app, {
    method: 'GET', url: '/unassigned/get', summary: '离职成员的待分配客户和群',
    permission: 'lifecycle:resigned:query', query: unassignedGetQuery, response: unassignedDetail,
    handler: ({ ctx, query }) => service.unassignedOf(ctx, query.userid),
  });
  route(app, {
    method: 'POST', url: '/resigned/transfer', summary: '离职继承: customers (resigned/transfer_customer) and groups (groupchat/transfer) to a takeover employee',
    permission: 'lifecycle:resigned:transfer', body: resignedTransferBody, response: transferResult,
    handler: ({ ctx, body }) => service.transferResigned(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/resigned/record/page', summary: '离职继承记录 (one row per customer or group)',
    permission: 'lifecycle:resigned:list', body: recordPageQuery.omit({ kind: true }), response: recordPage,
    handler: ({ ctx, body }) => service.recordPage(ctx, { ...body, kind: 'resigned' }),
  });
  route(app, {
    method: 'POST', url: '/onjob/candidates', summary: '在职继承: the handover employee’s active customers (customer page filters), with open transfers and what blocks them',
    permission: 'lifecycle:onjob:list', body: onJobCandidatesQuery, response: onJobCandidatePage,
    handler: ({ ctx, body }) => service.onJobCandidates(ctx, body),
  });
  route(app, {
    method: 'GET', url: '/onjob/groups', summary: '在职继承: the groups the handover employee owns',
    permission: 'lifecycle:onjob:list', query: onJobGroupsQuery, response: onJobGroups,
    handler: ({ ctx, query }) => service.onJobGroups(ctx, query.handoverUserid),
  });
  route(app, {
    method: 'POST', url: '/onjob/transfer', summary: '在职继承: customers (transfer_customer, optional transfer_success_msg) and groups (groupchat/onjob_transfer)',
    permission: 'lifecycle:onjob:transfer', body: onJobTransferBody, response: transferResult,
    handler: ({ ctx, body }) => service.transferOnJob(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/onjob/record/page', summary: '在职继承记录 (one row per customer or group)',
    permission: 'lifecycle:onjob:list', body: recordPageQuery.omit({ kind: true }), response: recordPage,
    handler: ({ ctx, body }) => service.recordPage(ctx, { ...body, kind: 'onjob' }),
  });
};


