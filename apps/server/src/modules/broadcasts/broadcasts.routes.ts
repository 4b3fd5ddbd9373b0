import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PermissionCode } from '@scrm/shared';
import { attachment, route } from '../../platform/http/route.ts';
import { idQuery, page } from '../../platform/http/schemas.ts';
import type { BroadcastService } from './broadcasts.service.ts';
import {
  BROADCAST_KINDS,
  broadcastDetail,
  broadcastPageQuery,
  broadcastRecord,
  broadcastSaveBody,
  dndPageQuery,
  dndRecord,
  dndSaveBody,
  exportQuery,
  idBody,
  idsBody,
  previewResult,
  recipientPageQuery,
  recipientRecord,
  remindResult,
  sendBody,
  settingsRecord,
  settingsSaveBody,
  statResult,
  progressBody,
  progressResult,
  type Kind,
} from './broadcasts.schemas.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const TITLE: Record<Kind, string> = { customer: '客户群发', group: '客户群群发', moment: '朋友圈' };
const permission = (kind: Kind, action: string) => `broadcast:${kind}:${action}` as PermissionCode;

/** 客户群发 / 客户群群发 / 朋友圈: /scrm/admin/broadcast/{customer|group|moment}/*, the do-not-disturb list and the settings. */
export const broadcastRoutes = (service: BroadcastService) => async (app: FastifyInstance) => {
  // The same handlers for the three kinds; each kind has its own menu permissions (packages/shared menus.ts).
  for (const kind of BROADCAST_KINDS) {
    const title = TITLE[kind];
    route(app, {
      method: 'POST', url: `/${kind}/save`, summary: `${title} 保存 (a draft; with id changes a draft or scheduled one; senders, tags, media and groups are checked: 400 naming the field)`,
      permission: permission(kind, 'save'), body: broadcastSaveBody, response: broadcastRecord,
      handler: ({ ctx, body }) => service.save(ctx, kind, body),
    });
    route(app, {
      method: 'POST', url: `/${kind}/page`, summary: `${title} 分页查询 (broadcasts of creators in your data scope)`,
      permission: permission(kind, 'list'), body: broadcastPageQuery, response: page(broadcastRecord),
      handler: ({ ctx, body }) => service.page(ctx, kind, body),
    });
    route(app, {
      method: 'GET', url: `/${kind}/get`, summary: `${title} 详情 (with its WeCom tasks: created, failed with why, unknown)`,
      permission: permission(kind, 'query'), query: idQuery, response: broadcastDetail,
      handler: ({ ctx, query }) => service.get(ctx, kind, query.id),
    });
    route(app, {
      method: 'POST', url: `/${kind}/delete`, summary: `${title} 删除 (drafts only)`,
      permission: permission(kind, 'delete'), body: idsBody, response: z.object({ deleted: z.number() }),
      handler: ({ ctx, body }) => service.remove(ctx, kind, body.ids),
    });
    route(app, {
      method: 'POST', url: `/${kind}/preview`,
      summary: kind === 'moment'
        ? '朋友圈 预览 (the senders who will be asked to publish and how many of their customers will see it; visible tags by name)'
        : `${title} 预览 (what send would send now: recipients per sender — each to exactly one sender — and who is left out and why)`,
      permission: permission(kind, 'query'), body: idBody, response: previewResult,
      handler: ({ ctx, body }) => service.preview(ctx, kind, body.id),
    });
    route(app, {
      method: 'POST', url: `/${kind}/send`,
      summary: `${title} 发送 (now, or at its scheduled time; resendUnknown sends again the tasks whose outcome is unknown; audited)`,
      permission: permission(kind, 'send'), body: sendBody, response: broadcastRecord,
      handler: ({ ctx, body }) => service.send(ctx, kind, body.id, { resendUnknown: body.resendUnknown }),
    });
    route(app, {
      method: 'POST', url: `/${kind}/cancel`, summary: `${title} 取消 (a scheduled one is not sent; a sent one stops for senders who have not sent; audited)`,
      permission: permission(kind, 'cancel'), body: idBody, response: broadcastRecord,
      handler: ({ ctx, body }) => service.cancel(ctx, kind, body.id),
    });
    route(app, {
      method: 'POST', url: `/${kind}/remind`, summary: `${title} 提醒发送 (senders who have not confirmed; at most 3 times within 24 hours; audited)`,
      permission: permission(kind, 'remind'), body: idBody, response: remindResult,
      handler: ({ ctx, body }) => service.remind(ctx, kind, body.id),
    });
    route(app, {
      method: 'POST', url: `/${kind}/recipients/page`, summary: `${title} 接收者 (recipients with sender and outcome, by name)`,
      permission: permission(kind, 'query'), body: recipientPageQuery, response: page(recipientRecord),
      handler: ({ ctx, body }) => service.recipients(ctx, kind, body),
    });
    route(app, {
      method: 'POST', url: `/${kind}/progress`, summary: `${title} 列表进度 (a list page's coverage and confirmations in one call; the figures of stat)`,
      permission: permission(kind, 'query'), body: progressBody, response: progressResult,
      handler: ({ ctx, body }) => service.progress(ctx, kind, body.ids),
    });
    route(app, {
      method: 'POST', url: `/${kind}/stat`, summary: `${title} 统计 (coverage, completion per sender, delivered by day)`,
      permission: permission(kind, 'query'), body: idBody, response: statResult,
      handler: ({ ctx, body }) => service.stat(ctx, kind, body.id),
    });
    // The export answers with a file, not the envelope.
    app.route({
      method: 'POST',
      url: `/${kind}/export`,
      schema: { summary: `${title} 导出接收者 (xlsx; names, never ids)`, tags: ['admin/broadcast'], security: [{ token: [] }], body: exportQuery, produces: [XLSX] },
      config: { permission: permission(kind, 'export'), allowWhilePasswordExpired: false },
      handler: async (request, reply) => {
        const body = request.body as z.output<typeof exportQuery>;
        const file = await service.exportRecipients(request.ctx, kind, body, (error) => request.log.error({ err: error }, 'broadcast export failed'));
        return reply.type(XLSX).header('content-disposition', attachment(`broadcast-${body.id}.xlsx`, file.fileName)).send(file.stream);
      },
    });
  }

  route(app, {
    method: 'POST', url: '/dnd/page', summary: '免打扰名单 (customers who asked not to be messaged; always left out)',
    permission: 'broadcast:customer:list', body: dndPageQuery, response: page(dndRecord),
    handler: ({ ctx, body }) => service.dndPage(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/dnd/save', summary: '免打扰名单 添加 (customers in your data scope)',
    permission: 'broadcast:dnd:save', body: dndSaveBody, response: z.object({ added: z.number() }),
    handler: ({ ctx, body }) => service.dndSave(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/dnd/delete', summary: '免打扰名单 移除',
    permission: 'broadcast:dnd:save', body: idsBody, response: z.object({ deleted: z.number() }),
    handler: ({ ctx, body }) => service.dndDelete(ctx, body.ids),
  });
  route(app, {
    method: 'GET', url: '/settings/get', summary: '群发设置 (receive limit, expiry days, reminder time)',
    permission: 'broadcast:customer:list', response: settingsRecord,
    handler: ({ ctx }) => service.settings(ctx),
  });
  route(app, {
    method: 'POST', url: '/settings/save', summary: '群发设置 保存',
    permission: 'broadcast:settings:save', body: settingsSaveBody, response: settingsRecord,
    handler: ({ ctx, body }) => service.saveSettings(ctx, body),
  });
};
