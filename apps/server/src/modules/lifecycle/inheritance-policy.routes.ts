import type { FastifyInstance } from 'fastify';
import { route } from '../../platform/http/route.ts';
import { page } from '../../platform/http/schemas.ts';
import type { InheritanceService } from './inheritance-policy.service.ts';
import { departurePageQuery, departureRecord, policyRecord, policySaveBody, previewBody, previewResult } from './inheritance-policy.schemas.ts';

/** 自动继承: the policy, its dry run and the departures it acted on — /scrm/admin/lifecycle/policy/*, /departure/*. */
export const inheritanceRoutes = (service: InheritanceService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'GET', url: '/policy/get', summary: '查询自动继承策略 (one per corp; names, never bare ids)',
    permission: 'lifecycle:policy:query', response: policyRecord,
    handler: ({ ctx }) => service.getPolicy(ctx),
  });
  route(app, {
    method: 'POST', url: '/policy/save', summary: '保存自动继承策略 (takeover and fallback employees must be eligible; audited)',
    permission: 'lifecycle:policy:save', body: policySaveBody, response: policyRecord,
    handler: ({ ctx, body }) => service.savePolicy(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/policy/preview', summary: '自动继承预览 (dry run for one employee in your data scope: who would get which customers and groups; asks WeCom for nothing)',
    permission: 'lifecycle:policy:query', body: previewBody, response: previewResult,
    handler: ({ ctx, body }) => service.preview(ctx, body.userid),
  });
  route(app, {
    method: 'POST', url: '/departure/page', summary: '离职记录分页 (pending: announced by HR, waiting for WeCom; transferred; manual with the reason) — departed employees in your data scope',
    permission: 'lifecycle:resigned:list', body: departurePageQuery, response: page(departureRecord),
    handler: ({ ctx, body }) => service.departurePage(ctx, body),
  });
};
