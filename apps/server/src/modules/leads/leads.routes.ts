import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { route, attachment } from '../../platform/http/route.ts';
import { id, idQuery, page } from '../../platform/http/schemas.ts';
import { jobSchema } from '../../platform/jobs/job.routes.ts';
import type { LeadService } from './leads.service.ts';
import type { LeadImportService } from './lead-import.ts';
import { templateWorkbook } from './lead-import.ts';
import type { LeadWecomService } from './lead-wecom.ts';
import {
  batchAssignBody,
  bulkResult,
  claimBody,
  deleteBody,
  returnBody,
  contactRecord,
  contactsBody,
  dynamicsBody,
  eventRecord,
  importRecord,
  leadAddBody,
  leadDetail,
  leadKeyQuery,
  leadLinkBody,
  employeeUserid,
  leadExportQuery,
  leadPageQuery,
  leadRecord,
  leadUpdateBody,
  linkCustomerBody,
  unlinkCustomerBody,
  mergeBody,
  portraitTags,
  statBody,
  statResult,
  tagBatchAddBody,
  tagDeleteBody,
  tagDeleteByCustomerBody,
  tagListBody,
  tagRef,
  transferRecord,
  updateCorpTagsBody,
  updateSysTagsBody,
  transferBody,
} from './leads.schemas.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** 线索公海: /scrm/admin/clue/* */
export const leadRoutes = (leads: LeadService, imports: LeadImportService, wecom: LeadWecomService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'POST', url: '/page', summary: '分页查询线索列表 (pool leads are visible to every user with clue:list; owned leads follow the data scope)',
    permission: 'clue:list', body: leadPageQuery, response: page(leadRecord),
    handler: ({ ctx, body }) => leads.page(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/add', summary: '新增线索信息接口-页面 (a lead with an owner is assigned, else it goes to the pool)',
    permission: 'clue:add', body: leadAddBody, response: leadRecord,
    handler: ({ ctx, body }) => leads.add(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/update', summary: '修改线索客户基础信息,手动跟进 (base fields, invalid flag, and optionally a follow-up record)',
    permission: 'clue:update', body: leadUpdateBody, response: leadRecord,
    handler: ({ ctx, body }) => leads.update(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/contacts', summary: '联系方式管理,主副联系方式修改 (replaces the contacts; exactly one primary per type)',
    permission: 'clue:update', body: contactsBody, response: z.array(contactRecord),
    handler: ({ ctx, body }) => leads.setContacts(ctx, body.clueId, body.contacts),
  });
  route(app, {
    method: 'POST', url: '/linkCustomer', summary: '关联企微客户信息 (a customer the caller sees: one of its relations is in their data scope; else 404)',
    permission: 'clue:link', body: linkCustomerBody, response: leadRecord,
    handler: ({ ctx, body }) => leads.linkCustomer(ctx, body.clueId, body.externalUserid),
  });
  route(app, {
    method: 'POST', url: '/unlinkCustomer', summary: '解除关联企微客户 (a lead the caller sees; 409 when it is linked to none; timeline and audit log; automatic linking leaves the pair alone afterwards)',
    permission: 'clue:link', body: unlinkCustomerBody, response: leadRecord,
    handler: ({ ctx, body }) => leads.unlinkCustomer(ctx, body.clueId),
  });
  route(app, {
    method: 'POST', url: '/detail/leadLink',
    summary: "线索专属链接 (the lead's own State; with acqLinkId, that published acquisition link's URL with customer_channel = the State: a customer adding through it is linked to the lead)",
    permission: 'clue:link', body: leadLinkBody, response: z.object({ clueId: z.number(), state: z.string(), url: z.string().nullable() }),
    handler: ({ ctx, body }) => leads.leadLink(ctx, body.clueId, body.acqLinkId),
  });
  route(app, {
    method: 'POST', url: '/batchAssign',
    summary: "线索客户批量分配 to a WeCom employee: `userid` (the employee's WeCom userid, active in the synced organization); the older `userId` (a console user id) still works and means the employee bound to that user (400 when unbound). The timeline and the audit log record who assigned whom; the new owner gets a WeCom app message",
    permission: 'clue:assign', body: batchAssignBody,
    response: z.object({ assigned: z.number(), unchanged: z.number(), ownerUserid: z.string(), ownerName: z.string() }),
    handler: ({ ctx, body }) => leads.batchAssign(ctx, body.clueIds, { userid: body.userid, userId: body.userId }),
  });
  route(app, {
    method: 'POST', url: '/claim', summary: "领取线索: pool leads become the caller's (owned by the caller's bound WeCom employee; 400 without a binding, 409 for a lead no longer in the pool)",
    permission: 'clue:claim', body: claimBody, response: bulkResult,
    handler: ({ ctx, body }) => leads.claim(ctx, body.clueIds),
  });
  route(app, {
    method: 'POST', url: '/returnPool', summary: '退回公海: owned leads in the caller\'s data scope go back to the pool, with a reason (timeline and audit log)',
    permission: 'clue:return', body: returnBody, response: bulkResult,
    handler: ({ ctx, body }) => leads.returnToPool(ctx, body.clueIds, body.reason),
  });
  route(app, {
    method: 'POST', url: '/delete', summary: '删除线索 (leads in the caller\'s data scope; kept as deleted, audited)',
    permission: 'clue:delete', body: deleteBody, response: bulkResult,
    handler: ({ ctx, body }) => leads.remove(ctx, body.clueIds),
  });
  // The export answers with a file, not the envelope.
  app.route({
    method: 'POST',
    url: '/export',
    schema: {
      summary: '导出线索 (xlsx; the same filters as /page, in its order; owner and tags by name)',
      tags: ['admin/clue'],
      security: [{ token: [] }],
      body: leadExportQuery,
      produces: [XLSX],
    },
    config: { permission: 'clue:export', allowWhilePasswordExpired: false },
    handler: async (request, reply) => {
      const stream = await leads.exportLeads(request.ctx, request.body as z.output<typeof leadExportQuery>, (error) => request.log.error({ err: error }, 'lead export failed'));
      const fileName = `线索-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}.xlsx`;
      return reply.type(XLSX).header('content-disposition', attachment('leads.xlsx', fileName)).send(stream);
    },
  });
  route(app, {
    method: 'POST', url: '/merge', summary: '客户合并 (the target keeps the sources\' contacts, tags, follow-ups and timeline; sources are marked merged)',
    permission: 'clue:merge', body: mergeBody, response: leadRecord,
    handler: ({ ctx, body }) => leads.merge(ctx, body.targetId, body.sourceIds),
  });
  route(app, {
    method: 'POST', url: '/stat', summary: '线索列表页统计 (by status, new today in Asia/Shanghai, converted share, per owner)',
    permission: 'clue:stat', body: statBody, response: statResult,
    handler: ({ ctx }) => leads.stat(ctx),
  });

  // Import
  route(app, {
    method: 'POST', url: '/import',
    summary: "线索页面excel导入 (multipart: file = xlsx ≤ 20 MB, optional field ownerUserid (a WeCom employee's userid; the older ownerId, a console user id, means the employee bound to it); runs as a job — GET /admin/job/get?id=jobId; the same file again returns the earlier import)",
    permission: 'clue:import', response: importRecord,
    handler: async ({ ctx, raw }) => {
      if (!raw.isMultipart()) return imports.upload(ctx, undefined, {});
      const file = await raw.file();
      const field = (name: string) => {
        const value = (file?.fields[name] as { value?: unknown } | undefined)?.value;
        return value !== undefined && value !== '' ? value : undefined;
      };
      const userid = field('ownerUserid');
      const userId = field('ownerId');
      const owner = userid !== undefined ? { userid: employeeUserid.parse(userid) } : userId !== undefined ? { userId: id.parse(userId) } : undefined;
      const ownerUserid = owner ? await leads.requireOwnerForImport(ctx, owner) : undefined;
      return imports.upload(ctx, file, { ownerUserid });
    },
  });
  route(app, {
    method: 'GET', url: '/import/get', summary: '导入记录 (counts, status, checkpoint; the uploader\'s, or for a caller whose data scope covers the uploader; else 404)',
    permission: 'clue:import', query: idQuery, response: importRecord,
    handler: ({ ctx, query }) => imports.get(ctx, query.id),
  });
  app.get('/import/report', {
    schema: { summary: '导入失败行报告 (xlsx: row, column, reason, values; who may read it: as /import/get)', tags: ['admin/clue'], security: [{ token: [] }], querystring: idQuery },
    config: { permission: 'clue:import' },
    handler: async (request, reply) => {
      const { fileName, stream } = await imports.report(request.ctx, (request.query as { id: number }).id);
      return reply.type(XLSX).header('content-disposition', attachment('lead-import-report.xlsx', fileName)).send(stream);
    },
  });
  app.get('/importTemplate', {
    schema: { summary: '线索导入模板 (xlsx)', tags: ['admin/clue'], security: [{ token: [] }] },
    config: { permission: 'clue:import' },
    handler: async (_request, reply) =>
      reply.type(XLSX).header('content-disposition', attachment('lead-import-template.xlsx', '线索导入模板.xlsx')).send(await templateWorkbook()),
  });

  // Tags (SCRM "self" tags)
  route(app, {
    method: 'POST', url: '/tag/list', summary: '根据条件查询所有标签 (SCRM tags)',
    permission: 'clue:list', body: tagListBody, response: z.array(tagRef),
    handler: ({ ctx, body }) => leads.tagList(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/tag/batchAdd', summary: '批量添加自建客户标签 (to leads, or to customers and their linked leads)',
    permission: 'clue:tag', body: tagBatchAddBody, response: z.object({ leads: z.number(), customers: z.number() }),
    handler: ({ ctx, body }) => leads.tagBatchAdd(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/tag/delete', summary: '删除自建客户标签 (of a lead)',
    permission: 'clue:tag', body: tagDeleteBody, response: z.object({ removed: z.number() }),
    handler: ({ ctx, body }) => leads.tagDelete(ctx, body.clueId, body.tagIds),
  });
  route(app, {
    method: 'POST', url: '/tag/deleteByCustomer', summary: '删除自建客户标签 (of a customer and its linked lead)',
    permission: 'clue:tag', body: tagDeleteByCustomerBody, response: z.object({ removed: z.number() }),
    handler: ({ ctx, body }) => leads.tagDeleteByCustomer(ctx, body.externalUserid, body.tagIds),
  });

  // Detail
  route(app, {
    method: 'GET', url: '/detail/get', summary: '查询线索客户详情 (线索id 或 客户id 二选一; the customer\'s relations and transfers as far as the caller\'s data scope reaches)',
    permission: 'clue:query', query: leadKeyQuery, response: leadDetail,
    handler: ({ ctx, query }) => leads.detail(ctx, query),
  });
  route(app, {
    method: 'GET', url: '/detail/portraitTags', summary: '查询客户画像标签接口 (clueId or externalUserid: corp tags per relation, SCRM tags)',
    permission: 'clue:query', query: leadKeyQuery, response: portraitTags,
    handler: ({ ctx, query }) => leads.portraitTags(ctx, query),
  });
  route(app, {
    method: 'POST', url: '/detail/dynamics', summary: '客户动态: 平台注册消息, 用户轨迹 (the timeline, newest first; entries about employees outside the caller\'s data scope are left out)',
    permission: 'clue:query', body: dynamicsBody, response: page(eventRecord),
    handler: ({ ctx, body }) => leads.dynamics(ctx, body) as never,
  });
  route(app, {
    method: 'POST', url: '/detail/transfer',
    summary: '企微客户主联系人在职转移 (WeCom transfer_customer; the handover employee\'s relation with each customer must be in the caller\'s data scope, else 404; results followed by the leads.transfer-result job, transfer_fail events recorded)',
    permission: 'clue:transfer', body: transferBody,
    response: z.object({ transfers: z.array(transferRecord), job: jobSchema.nullable() }),
    handler: ({ ctx, body }) => wecom.transfer(ctx, body) as never,
  });
  route(app, {
    method: 'POST', url: '/detail/updateCorpTags', summary: '修改企业客户的企微标签 (WeCom mark_tag on the relation(s); tag ids are corp tag ids of /admin/tag/corp)',
    permission: 'clue:tag', body: updateCorpTagsBody, response: portraitTags,
    handler: ({ ctx, body }) => wecom.updateCorpTags(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/detail/updateSysTags', summary: '修改线索/企微客户的系统标签 (replaces the SCRM tags)',
    permission: 'clue:tag', body: updateSysTagsBody, response: z.object({ tagIds: z.array(z.number()) }),
    handler: ({ ctx, body }) => leads.updateSysTags(ctx, body, body.tagIds),
  });
};
