import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import QRCode from 'qrcode';
import type { PermissionCode } from '@scrm/shared';
import { route, attachment } from '../../platform/http/route.ts';
import type { RequestContext } from '../../platform/auth/context.ts';
import { BadRequest, NotFound } from '../../platform/http/errors.ts';
import { envelope, idQuery, idsBody, page } from '../../platform/http/schemas.ts';
import { translate, localeOf } from '../../platform/http/i18n.ts';
import { OPEN_SIGNATURE_DOC, OPEN_HEADERS, type OpenApiGuard } from '../../platform/open-signature.ts';
import type { GetType } from '../../db/schema/index.ts';
import {
  channelPageBody, channelRecord, channelSaveBody, joinWayPageBody, joinWayRecord, joinWaySaveBody, linkPageBody, linkRecord, linkSaveBody,
  mediaListQuery, mediaPageBody, mediaRecord, miniLinkPageBody, miniLinkRecord, miniLinkSaveBody, openAppPageBody, openAppRecord,
  openAppSaveBody, openAppWithSecret, pngQuery, routeAnswer, routeHitQuery, linkStats, linkStatsQuery,
} from './acquisition.schemas.ts';
import type { ChannelService } from './channel.service.ts';
import type { LinkService } from './link.service.ts';
import type { RoutingService } from './routing.service.ts';
import type { MediaService } from './media.service.ts';
import type { JoinWayService } from './join-way.service.ts';
import type { MiniLinkService } from './mini-link.service.ts';
import type { OpenAppService } from './open-app.service.ts';

const deletedCount = z.object({ deleted: z.number() });

/** A PNG of a QR code for `text` (a link URL, or a WeCom QR / join-way URL). */
async function sendQrPng(reply: FastifyReply, text: string, fileName: string) {
  const png = await QRCode.toBuffer(text, { type: 'png', width: 430, margin: 2, errorCorrectionLevel: 'M' });
  return reply.header('content-type', 'image/png').header('content-disposition', `attachment; filename="${fileName}"`).send(png);
}

/** A GET answering with a PNG (not the envelope), behind the token and a permission. */
function pngRoute(app: FastifyInstance, url: string, summary: string, permission: PermissionCode, querystring: z.ZodType, handler: (ctx: RequestContext, query: any, reply: FastifyReply) => Promise<unknown>) {
  app.route({
    method: 'GET',
    url,
    schema: { summary, tags: [app.prefix.replace(/^\/scrm\/?/, '')], security: [{ token: [] }], querystring, produces: ['image/png'] },
    config: { permission, allowWhilePasswordExpired: false },
    handler: (request, reply) => handler(request.ctx, request.query, reply),
  });
}

export const channelRoutes = (channels: ChannelService) => async (app: FastifyInstance) => {
  route(app, { method: 'GET', url: '/list', summary: '查询所有渠道', permission: 'cust:channel:list', response: z.array(channelRecord), handler: ({ ctx }) => channels.list(ctx) });
  route(app, { method: 'POST', url: '/page', summary: '根据条件分页查询渠道', permission: 'cust:channel:list', body: channelPageBody, response: page(channelRecord), handler: ({ ctx, body }) => channels.page(ctx, body) });
  route(app, { method: 'POST', url: '/save', summary: '添加或者修改渠道', permission: 'cust:channel:save', body: channelSaveBody, response: channelRecord, handler: ({ ctx, body }) => channels.save(ctx, body) });
  route(app, { method: 'GET', url: '/get', summary: '根据id查询渠道', permission: 'cust:channel:query', query: idQuery, response: channelRecord, handler: ({ ctx, query }) => channels.get(ctx, query.id) });
};

const LINK_DOC: Record<GetType, { name: string; perm: 'cust:link' | 'cust:qr' }> = {
  link: { name: '获客链接', perm: 'cust:link' },
  qr: { name: '获客二维码', perm: 'cust:qr' },
};

/** /admin/cust/get/link/* and /admin/cust/get/qr/*: the same shapes, told apart by getType. */
export const linkRoutes = (getType: GetType, links: LinkService, routing: RoutingService) => async (app: FastifyInstance) => {
  const { name, perm } = LINK_DOC[getType];
  const publishDoc =
    getType === 'link'
      ? 'status 0 saves a draft (checked for shape only); status 1 publishes: employees, departments, tags, media, rules and working hours are checked against what exists, then the WeCom acquisition link (create_link / update_link) and one single-employee sub-link per rule are created or updated. A WeCom failure leaves status 2 with statusReason. Each link and rule has its own state, appended to its URL as customer_channel.'
      : 'status 0 saves a draft (checked for shape only); status 1 publishes: checks as for links, then the WeCom 「联系我」 contact way (add_contact_way type 1 or 2, scene 2, skip_verify, state) and one single-employee contact way per rule. A WeCom failure leaves status 2 with statusReason.';
  route(app, { method: 'POST', url: '/delete', summary: `删除${name} (also on WeCom, with the rules' sub-links)`, permission: `${perm}:delete` as PermissionCode, body: idsBody, response: deletedCount, handler: async ({ ctx, body }) => ({ deleted: await links.delete(ctx, getType, body.ids) }) });
  route(app, { method: 'POST', url: '/page', summary: `根据条件分页查询${name}`, permission: `${perm}:list` as PermissionCode, body: linkPageBody, response: page(linkRecord), handler: ({ ctx, body }) => links.page(ctx, getType, body) });
  route(app, { method: 'POST', url: '/save', summary: `添加或者修改${name} — ${publishDoc}`, permission: `${perm}:save` as PermissionCode, body: linkSaveBody, response: linkRecord, handler: ({ ctx, body }) => links.save(ctx, getType, body) });
  route(app, { method: 'GET', url: '/get', summary: `根据id查询${name}`, permission: `${perm}:query` as PermissionCode, query: idQuery, response: linkRecord, handler: ({ ctx, query }) => links.get(ctx, getType, query.id) });
  route(app, {
    method: 'GET', url: '/preview', summary: `预览：下一位客户会分配给谁 (who would get the next customer now and why; counts nothing)`, permission: `${perm}:query` as PermissionCode,
    query: idQuery, response: routeAnswer, handler: ({ ctx, query }) => routing.preview(ctx, getType, query.id),
  });
  route(app, {
    method: 'GET', url: '/stats', summary: `${name}统计：按员工、按天的新增客户与访问 (adds and route/hit visitors per employee and per local day over the last N days; names, not ids)`,
    permission: `${perm}:query` as PermissionCode, query: linkStatsQuery, response: linkStats, handler: ({ ctx, query }) => links.stats(ctx, getType, query.id, query.days),
  });
  pngRoute(app, '/png', `下载${name}二维码 PNG (ruleId: a rule's own one)`, `${perm}:query` as PermissionCode, pngQuery, async (ctx, query: z.output<typeof pngQuery>, reply) => {
    const link = await links.get(ctx, getType, query.id);
    const rule = query.ruleId ? link.allocationRules.find((candidate) => candidate.id === query.ruleId) : undefined;
    if (query.ruleId && !rule) throw new NotFound('acqRule', query.ruleId);
    const text = rule ? (getType === 'link' ? rule.linkUrl : rule.qrCode) : link.url;
    if (!text) throw new BadRequest('acqNoQrCode');
    return sendQrPng(reply, text, `${getType}-${link.id}${rule ? `-rule-${rule.id}` : ''}.png`);
  });
};

export const mediaRoutes = (media: MediaService) => async (app: FastifyInstance) => {
  route(app, { method: 'POST', url: '/delete', summary: '删除素材 (refused while a published link or QR code uses it)', permission: 'media:delete', body: idsBody, response: deletedCount, handler: async ({ ctx, body }) => ({ deleted: await media.delete(ctx, body.ids) }) });
  route(app, { method: 'GET', url: '/listByType', summary: '按照类型查询所有素材 (type text|image|link|miniprogram|video|file; scope 1 customer, 2 group chat, 3 app message)', permission: 'media:list', query: mediaListQuery, response: z.array(mediaRecord), handler: ({ ctx, query }) => media.listByType(ctx, query.type, query.scope) });
  route(app, { method: 'POST', url: '/page', summary: '根据条件分页查询素材列表', permission: 'media:list', body: mediaPageBody, response: page(mediaRecord), handler: ({ ctx, body }) => media.page(ctx, body) });
  // The stored file itself (not the envelope), behind the token: the console fetches it as a blob for previews.
  app.route({
    method: 'GET',
    url: '/file',
    schema: {
      summary: '素材文件 — the stored image, video, file or mini-program cover of a media with its content type (inline for images and videos); 404 for a deleted media or one without a file',
      tags: [app.prefix.replace(/^\/scrm\/?/, '')], security: [{ token: [] }], querystring: idQuery, produces: ['image/png', 'image/jpeg', 'video/mp4', 'application/octet-stream'],
    },
    config: { permission: 'media:list', allowWhilePasswordExpired: false },
    handler: async (request, reply) => {
      const { id } = request.query as { id: number };
      const file = await media.file(request.ctx, id);
      const inline = /^(image|video)\//.test(file.mime);
      const asciiName = file.fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
      return reply
        .type(file.mime)
        .header('content-disposition', attachment(asciiName, file.fileName, inline ? 'inline' : 'attachment'))
        .header('cache-control', 'private, max-age=300')
        .header('x-content-type-options', 'nosniff')
        .send(file.stream);
    },
  });
  route(app, {
    method: 'POST', url: '/upload',
    summary: '上传素材 — multipart; fields first: type (text|image|link|miniprogram|video|file), scope (1|2|3), title; text: content; link: url, desc, picUrl; miniprogram: appid, page; then the file ("file"): image / miniprogram cover / link cover (optional; a link needs one to go in a customer moment) JPG or PNG ≤10 MB, video MP4 ≤10 MB, file ≤20 MB, all > 5 bytes (WeCom limits; checked by content). The WeCom media_ids (media/upload; media/upload_attachment for moments) are obtained when first used and renewed after 3 days.',
    permission: 'media:upload', response: mediaRecord,
    handler: async ({ ctx, raw }) => {
      if (!raw.isMultipart()) throw new BadRequest('fileRequired');
      return media.upload(ctx, raw.parts());
    },
  });
};

export const joinWayRoutes = (joinWays: JoinWayService) => async (app: FastifyInstance) => {
  route(app, { method: 'POST', url: '/delete', summary: '根据id删除加群二维码 (also del_join_way on WeCom)', permission: 'group:join:delete', body: idsBody, response: deletedCount, handler: async ({ ctx, body }) => ({ deleted: await joinWays.delete(ctx, body.ids) }) });
  route(app, { method: 'POST', url: '/page', summary: '根据条件分页查询加群二维码', permission: 'group:join:list', body: joinWayPageBody, response: page(joinWayRecord), handler: ({ ctx, body }) => joinWays.page(ctx, body) });
  route(app, { method: 'POST', url: '/save', summary: '添加或者修改加群二维码 (WeCom add_join_way / update_join_way: 1–5 chat ids, auto-create room with base name and id, state; a WeCom failure leaves status 2)', permission: 'group:join:save', body: joinWaySaveBody, response: joinWayRecord, handler: ({ ctx, body }) => joinWays.save(ctx, body) });
  route(app, { method: 'GET', url: '/get', summary: '根据id查询加群二维码详情', permission: 'group:join:query', query: idQuery, response: joinWayRecord, handler: ({ ctx, query }) => joinWays.get(ctx, query.id) });
  pngRoute(app, '/png', '下载加群二维码 PNG', 'group:join:query', idQuery, async (ctx, query: { id: number }, reply) => {
    const way = await joinWays.get(ctx, query.id);
    if (!way.qrCode) throw new BadRequest('acqNoQrCode');
    return sendQrPng(reply, way.qrCode, `join-way-${way.id}.png`);
  });
};

export const miniLinkRoutes = (miniLinks: MiniLinkService) => async (app: FastifyInstance) => {
  route(app, { method: 'POST', url: '/delete', summary: '删除小程序跳转链接', permission: 'mini:link:delete', body: idsBody, response: deletedCount, handler: async ({ ctx, body }) => ({ deleted: await miniLinks.delete(ctx, body.ids) }) });
  route(app, { method: 'GET', url: '/get', summary: '小程序 根据id查询信息', permission: 'mini:link:query', query: idQuery, response: miniLinkRecord, handler: ({ ctx, query }) => miniLinks.get(ctx, query.id) });
  route(app, { method: 'POST', url: '/page', summary: '根据渠道类型,渠道id条件分页查询', permission: 'mini:link:list', body: miniLinkPageBody, response: page(miniLinkRecord), handler: ({ ctx, body }) => miniLinks.page(ctx, body) });
  route(app, { method: 'POST', url: '/save', summary: '小程序 添加或者修改 (the path carries our state)', permission: 'mini:link:save', body: miniLinkSaveBody, response: miniLinkRecord, handler: ({ ctx, body }) => miniLinks.save(ctx, body) });
};

export const openAppRoutes = (apps: OpenAppService) => async (app: FastifyInstance) => {
  route(app, { method: 'POST', url: '/page', summary: '开放平台应用 分页查询', permission: 'open:app:list', body: openAppPageBody, response: page(openAppRecord), handler: ({ ctx, body }) => apps.page(ctx, body) });
  route(app, { method: 'POST', url: '/save', summary: `开放平台应用 添加或者修改 (a new app's secret is in the answer this once). ${OPEN_SIGNATURE_DOC}`, permission: 'open:app:save', body: openAppSaveBody, response: openAppWithSecret, handler: ({ ctx, body }) => apps.save(ctx, body) });
  route(app, { method: 'POST', url: '/rotate', summary: '开放平台应用 重置 secret (the new secret is in the answer this once; the old one stops working)', permission: 'open:app:save', body: z.object({ id: z.number().int().positive() }), response: openAppWithSecret, handler: ({ ctx, body }) => apps.rotate(ctx, body.id) });
  route(app, { method: 'POST', url: '/delete', summary: '开放平台应用 删除', permission: 'open:app:delete', body: idsBody, response: deletedCount, handler: async ({ ctx, body }) => ({ deleted: await apps.delete(ctx, body.ids) }) });
  route(app, { method: 'GET', url: '/get', summary: '开放平台应用 根据id查询', permission: 'open:app:list', query: idQuery, response: openAppRecord, handler: ({ ctx, query }) => apps.get(ctx, query.id) });
};

const signatureHeaders = z.object({
  [OPEN_HEADERS.key]: z.string().optional().describe('app key'),
  [OPEN_HEADERS.timestamp]: z.string().optional().describe('unix seconds, ±300 s'),
  [OPEN_HEADERS.nonce]: z.string().optional().describe('8–64 of [A-Za-z0-9_-], single use'),
  [OPEN_HEADERS.signature]: z.string().optional().describe('hex HMAC-SHA256(secret, METHOD\\npathAndQuery\\ntimestamp\\nnonce\\nrawBody)'),
});

/** /open/route/hit: signed third-party calls. */
export const openRoutes = (guard: OpenApiGuard, routing: RoutingService) => async (app: FastifyInstance) => {
  guard.protect(app);
  app.get('/route/hit', {
    schema: {
      summary: '查询自定义规则分配的命中二维码或者link — the chosen employee’s qrCode / linkUrl and why each other rule was skipped; when nobody is eligible, the main link / QR (fallback: true). Each answer takes one of the chosen rule’s places for today. Deterministic: weight is a smooth weighted round robin, round the next in turn — one sequence per link, shared with the main link / QR code (which leads to the pick held for it).',
      description: OPEN_SIGNATURE_DOC,
      tags: ['open'],
      headers: signatureHeaders,
      querystring: routeHitQuery,
      response: { 200: envelope(routeAnswer) },
    },
    handler: async (request) => {
      const query = request.query as z.output<typeof routeHitQuery>;
      const date = await routing.hit(query.getType, query.id);
      return { code: '200', msg: translate('ok', localeOf(request.headers['accept-language'])), date };
    },
  });
};
