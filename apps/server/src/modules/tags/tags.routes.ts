import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { route } from '../../platform/http/route.ts';
import { idQuery, idsBody, page } from '../../platform/http/schemas.ts';
import { jobSchema } from '../../platform/jobs/job.routes.ts';
import type { TagService } from './tags.service.ts';
import type { CustomerTagService } from './customer-tags.service.ts';
import {
  batchMarkBody, batchMarkResult, customerTagPageQuery, customerTagRecord, groupedRecord, groupIdQuery, markBody, saveGroupBody, setTagsBody,
  tagBrief, tagGroupRecord, tagInfoPageQuery, tagInfoRecord, tagRecord, updateGroupBody, updateTagBody, type TagType,
} from './tags.schemas.ts';

const done = z.null();

/** /admin/tag/corp/* (WeCom corp tags) and /admin/tag/self/* (SCRM tags): the same endpoints. */
export const tagRoutes = (tags: TagService, type: TagType) => async (app: FastifyInstance) => {
  const kind = type === 'corp' ? '企业' : '自建';
  const note = type === 'corp' ? ' (made in WeCom first; WeCom errors come back as they are and change nothing here)' : '';
  const perm = type === 'corp' ? ({ list: 'tag:corp:list', save: 'tag:corp:save', delete: 'tag:corp:delete' } as const) : ({ list: 'tag:self:list', save: 'tag:self:save', delete: 'tag:self:delete' } as const);

  route(app, {
    method: 'GET', url: '/list', summary: `查询所有${kind}标签列表`, permission: perm.list,
    response: z.array(tagRecord),
    handler: ({ ctx }) => tags.list(ctx, type),
  });
  route(app, {
    method: 'GET', url: '/grouped', summary: '查询所有标签根据标签组分组显示', permission: perm.list,
    response: z.array(groupedRecord),
    handler: ({ ctx }) => tags.grouped(ctx, type),
  });
  route(app, {
    method: 'GET', url: '/groupList', summary: `查询所有${kind}标签组列表`, permission: perm.list,
    response: z.array(tagGroupRecord),
    handler: ({ ctx }) => tags.groupList(ctx, type),
  });
  route(app, {
    method: 'GET', url: '/listByGroup', summary: '根据标签组查询所有标签列表', permission: perm.list,
    query: groupIdQuery, response: z.array(tagRecord),
    handler: ({ ctx, query }) => tags.listByGroup(ctx, type, query.groupId),
  });
  route(app, {
    method: 'POST', url: '/updateTag', summary: `修改标签 (name ≤ 30 characters, unique in its group)${note}`, permission: perm.save,
    body: updateTagBody, response: tagRecord,
    handler: ({ ctx, body }) => tags.updateTag(ctx, type, body),
  });
  route(app, {
    method: 'POST', url: '/deleteTag', summary: `删除标签 (a group left without tags is deleted too; the tags leave every customer)${note}`, permission: perm.delete,
    body: idsBody, response: done,
    handler: async ({ ctx, body }) => {
      await tags.deleteTags(ctx, type, body.ids);
      return null;
    },
  });
  route(app, {
    method: 'POST', url: '/saveGroup',
    summary: `新增标签组/修改标签组名称 (without id: a new group with at least one tag; with id: rename/reorder, and add the tags listed without id)${note}`,
    permission: perm.save,
    body: saveGroupBody, response: groupedRecord,
    handler: ({ ctx, body }) => tags.saveGroup(ctx, type, body),
  });
  route(app, {
    method: 'POST', url: '/updateGroup',
    summary: `修改标签组 (name, order and optionally the whole tag list: unlisted tags are deleted)${note}`,
    permission: perm.save,
    body: updateGroupBody, response: groupedRecord,
    handler: ({ ctx, body }) => tags.updateGroup(ctx, type, body),
  });
  route(app, {
    method: 'POST', url: '/deleteGroup', summary: `删除标签组 (with its tags, off every customer)${note}`, permission: perm.delete,
    body: idsBody, response: done,
    handler: async ({ ctx, body }) => {
      await tags.deleteGroups(ctx, type, body.ids);
      return null;
    },
  });
  if (type === 'corp') {
    route(app, {
      method: 'POST', url: '/sync', summary: '同步企业客户标签信息 (starts the tags.corp.sync job, or returns the one running; progress: GET /admin/job/get)', permission: 'tag:corp:sync',
      response: jobSchema,
      handler: ({ ctx }) => tags.startCorpSync(ctx) as never,
    });
  }
};

const targetTags = z.object({ externalUserid: z.string(), userId: z.string(), corpTags: z.array(tagBrief), selfTags: z.array(tagBrief) });

/** 客户打标签 /admin/cust/tag/*. */
export const customerTagRoutes = (customerTags: CustomerTagService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'POST', url: '/page', summary: '根据条件分页查询客户标签 (客户打标签信息: one row per tag on a relation or customer)', permission: 'cust:tag:list',
    body: customerTagPageQuery, response: page(customerTagRecord),
    handler: ({ ctx, body }) => customerTags.page(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/save',
    summary: '添加或者修改客户标签-自建标签还是企业标签 (corp tags: WeCom mark_tag first, then here; returns the tags now on the relation)',
    permission: 'cust:tag:save',
    body: markBody, response: targetTags,
    handler: ({ ctx, body }) => customerTags.mark(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/batchSave',
    summary: '批量添加或者移除客户标签 (the same change on up to 500 relations/customers; each succeeds or fails on its own)',
    permission: 'cust:tag:save',
    body: batchMarkBody, response: batchMarkResult,
    handler: ({ ctx, body }) => customerTags.batchMark(ctx, body),
  });
  route(app, {
    method: 'GET', url: '/get', summary: '根据id查询客户标签', permission: 'cust:tag:query',
    query: idQuery, response: customerTagRecord,
    handler: ({ ctx, query }) => customerTags.get(ctx, query.id),
  });
};

/** 客户标签信息 /admin/cust/tagInfo/*: relations with their tags. */
export const customerTagInfoRoutes = (customerTags: CustomerTagService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'POST', url: '/page', summary: '客户标签信息 分页 (relations with their corp and SCRM tags; filter by tags: any or all)', permission: 'cust:tag:list',
    body: tagInfoPageQuery, response: page(tagInfoRecord),
    handler: ({ ctx, body }) => customerTags.tagInfoPage(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/save', summary: '客户标签信息 保存 (the relation or customer ends with exactly these tags of the type)', permission: 'cust:tag:save',
    body: setTagsBody, response: targetTags,
    handler: ({ ctx, body }) => customerTags.setTags(ctx, body),
  });
  route(app, {
    method: 'GET', url: '/get', summary: '客户标签信息 根据id查询 (id: the relation id)', permission: 'cust:tag:query',
    query: idQuery, response: tagInfoRecord,
    handler: ({ ctx, query }) => customerTags.tagInfoGet(ctx, query.id),
  });
};
