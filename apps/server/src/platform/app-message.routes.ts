import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { route } from './http/route.ts';
import { dateTime, idsBody, optionalText, page, pageQuery } from './http/schemas.ts';
import { registerMessages } from './http/i18n.ts';
import type { AppMessageLogService } from './app-message-log.service.ts';

registerMessages({
  appMessageNotFound: { zh: '消息不存在或不在您的数据范围内', en: 'No such message in your data scope' },
  appMessageUncertain: {
    zh: '该消息发送结果未知，企业微信可能已送达，重发可能让员工收到两次；请先在企业微信中确认',
    en: 'This message’s outcome is unknown and WeCom may have delivered it: resending could deliver it twice. Check in WeCom first',
  },
  appMessageNotRetryable: { zh: '只有发送失败或未发送的消息可以重发', en: 'Only failed or unsent messages can be resent' },
});

const STATUSES = ['queued', 'sending', 'sent', 'merged', 'skipped', 'failed'] as const;

export const appMessagePageQuery = pageQuery.extend({
  userid: optionalText(64).describe("the recipient's WeCom userid"),
  status: z.enum(STATUSES).optional(),
  keyword: optionalText(100).describe('in the title or the content'),
  beginTime: dateTime.optional(),
  endTime: dateTime.optional(),
});

export const appMessageRecord = z.object({
  id: z.number(),
  userid: z.string(),
  employeeName: z.string().nullable().describe("the recipient's name (null when not in the employee directory)"),
  employeeLeft: z.boolean().describe('the recipient has left the corp'),
  kind: z.string().describe('what it is about (lead.assigned, broadcast.awaiting, lifecycle.takeover, digest, …)'),
  title: z.string(),
  content: z.string(),
  status: z.enum(STATUSES).describe('queued, sending, sent, merged (folded into a digest), skipped (never sent), failed'),
  reason: z.string().nullable().describe("why it was skipped or failed, in the caller's language"),
  errorDetail: z.string().nullable().describe("WeCom's refusal: the raw errcode and errmsg"),
  retryable: z.boolean().describe('failed (refused by WeCom) or skipped for want of settings: it can be sent again'),
  attempts: z.number(),
  notBefore: dateTime,
  sentAt: dateTime.nullable(),
  ctime: dateTime,
});

export const appMessageRoutes = (service: AppMessageLogService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'POST',
    url: '/page',
    summary: '应用消息记录 (app messages SCRM sent to employees in your data scope, newest first, with what became of each)',
    permission: 'qw:appmsg:list',
    body: appMessagePageQuery,
    response: page(appMessageRecord),
    handler: ({ ctx, body }) => service.page(ctx, body),
  });

  route(app, {
    method: 'POST',
    url: '/retry',
    summary: '重发应用消息 (failed or unsent messages back in the queue; a message whose outcome is unknown is refused)',
    permission: 'qw:appmsg:retry',
    body: idsBody,
    response: z.object({ retried: z.number(), refused: z.array(z.object({ id: z.number(), reason: z.string() })) }),
    handler: ({ ctx, body }) => service.retry(ctx, body.ids),
  });
};
