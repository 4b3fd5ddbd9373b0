import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { route, attachment } from '../../platform/http/route.ts';
import { idQuery, page } from '../../platform/http/schemas.ts';
import { jobSchema } from '../../platform/jobs/job.routes.ts';
import type { GroupService } from './groups.service.ts';
import {
  channelStats, channelStatsBody, chatIdQuery, chatSaveBody, groupPageQuery, groupRecord, groupStats, groupStatsBody, memberFilters, memberPageQuery,
  memberRecord, memberStat,
} from './groups.schemas.ts';

/** 客户群信息: /scrm/admin/group/* */
export const groupRoutes = (groups: GroupService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'GET', url: '/list', summary: '查询所有群列表 (live groups in scope, newest first)', permission: 'group:list',
    response: z.array(groupRecord),
    handler: ({ ctx }) => groups.listGroups(ctx),
  });
  route(app, {
    method: 'GET', url: '/members', summary: '查询群成员详情 (the members in the group now)', permission: 'group:member:list',
    query: chatIdQuery, response: z.array(memberRecord),
    handler: ({ ctx, query }) => groups.groupMembers(ctx, query.chatId),
  });
  route(app, {
    method: 'POST', url: '/page', summary: '根据条件分页查询群列表', permission: 'group:list',
    body: groupPageQuery, response: page(groupRecord),
    handler: ({ ctx, body }) => groups.pageGroups(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/sync', summary: '同步企微群信息 (starts job groups.sync; progress at /admin/job/get)', permission: 'group:sync',
    response: jobSchema,
    handler: ({ ctx }) => groups.startSync(ctx) as never,
  });
};

/** 客户企微群信息 (群成员): /scrm/admin/group/member/* */
export const groupMemberRoutes = (groups: GroupService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'POST', url: '/page', summary: '分页查询群成员列表 state或者chatId (every membership period, newest join first)', permission: 'group:member:list',
    body: memberPageQuery, response: page(memberRecord),
    handler: ({ ctx, body }) => groups.pageMembers(ctx, body),
  });
  route(app, {
    method: 'GET', url: '/stat', summary: '群人数, 今日新增, 今日退群人数 (Asia/Shanghai day)', permission: 'group:member:list',
    query: chatIdQuery, response: memberStat,
    handler: ({ ctx, query }) => groups.memberStat(ctx, query.chatId),
  });
  route(app, {
    method: 'POST', url: '/groupStats', summary: '企业群列表的群统计情况 (per owner over a date range)', permission: 'group:stat',
    body: groupStatsBody, response: groupStats,
    handler: ({ ctx, body }) => groups.groupStats(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/channelStats', summary: '群成员统计-渠道页面 (members who came through a join state)', permission: 'group:stat',
    body: channelStatsBody, response: channelStats,
    handler: ({ ctx, body }) => groups.channelStats(ctx, body),
  });
  route(app, {
    method: 'GET', url: '/get', summary: '查询群成员详情 (one membership by id)', permission: 'group:member:list',
    query: idQuery, response: memberRecord,
    handler: ({ ctx, query }) => groups.getMember(ctx, query.id),
  });

  // The export answers with a file, not the envelope.
  app.route({
    method: 'POST',
    url: '/export',
    schema: {
      summary: '导出群成员信息 (xlsx; same filters as /page)',
      tags: ['admin/group/member'],
      security: [{ token: [] }],
      body: memberFilters,
      produces: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    },
    config: { permission: 'group:member:export', allowWhilePasswordExpired: false },
    handler: async (request, reply) => {
      const stream = await groups.exportMembers(request.ctx, request.body as z.output<typeof memberFilters>, (error) =>
        request.log.error({ err: error }, 'group member export failed'),
      );
      const fileName = `群成员-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}.xlsx`;
      return reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', attachment('group-members.xlsx', fileName))
        .send(stream);
    },
  });
};

/** 企微聊天群信息: /scrm/admin/qw/chat/* */
export const chatRoutes = (groups: GroupService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'POST', url: '/page', summary: '根据条件分页查询企微聊天群', permission: 'qw:chat:list',
    body: groupPageQuery, response: page(groupRecord),
    handler: ({ ctx, body }) => groups.pageGroups(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/save', summary: '添加或者修改企微聊天群 (without id: register a group by chatId, fetched from WeCom; with id: edit the remark)', permission: 'qw:chat:save',
    body: chatSaveBody, response: groupRecord,
    handler: ({ ctx, body }) => groups.saveChat(ctx, body),
  });
  route(app, {
    method: 'GET', url: '/get', summary: '根据id查询企微聊天群', permission: 'qw:chat:query',
    query: idQuery, response: groupRecord,
    handler: ({ ctx, query }) => groups.getGroup(ctx, query.id),
  });
};
