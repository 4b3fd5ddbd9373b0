import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { route } from '../../platform/http/route.ts';
import { idQuery } from '../../platform/http/schemas.ts';
import { page } from '../../platform/http/schemas.ts';
import { BadRequest } from '../../platform/http/errors.ts';
import type { PortalService } from './portal.service.ts';
import {
  callbackQuery,
  eventPageBody,
  eventRecord,
  jsConfBody,
  jsConfResult,
  portalTestResult,
  replayBody,
  replayResult,
  verifyQuery,
} from './portal.schemas.ts';

const xmlTypes = ['text/xml', 'application/xml'];

/** Reads XML bodies (WeCom posts text/xml) as strings; the app's 1 MB body limit answers 413 above it. */
function acceptXml(app: FastifyInstance) {
  app.addContentTypeParser(xmlTypes, { parseAs: 'string' }, (_request, body, done) => done(null, body));
  // Whatever else a proxy or a test tool labels it, the body is text to us.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
}

function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  throw new BadRequest('callbackMalformed');
}

/** WeCom's entry points: GET/POST /wx/portal (own authentication: the callback signature). */
export const portalCallbackRoutes = (portal: PortalService) => async (app: FastifyInstance) => {
  acceptXml(app);

  app.get('/wx/portal', {
    schema: { summary: 'authGet — WeCom callback URL verification (answers the echostr plaintext)', tags: ['wx'], querystring: verifyQuery },
    handler: async (request, reply) => {
      const plaintext = portal.verifyUrl(request.query as z.output<typeof verifyQuery>);
      return reply.type('text/plain; charset=utf-8').send(plaintext);
    },
  });

  app.post('/wx/portal', {
    schema: { summary: 'post — receive an encrypted callback: verify, decrypt, store, answer success', tags: ['wx'], querystring: callbackQuery },
    handler: async (request, reply) => {
      await portal.receive(request.query as z.output<typeof callbackQuery>, bodyText(request.body));
      return reply.type('text/plain; charset=utf-8').send('success');
    },
  });
};

/** Admin side: the test entry, the event list and replay, and the JS-SDK signatures. */
export const portalAdminRoutes = (portal: PortalService) => async (app: FastifyInstance) => {
  acceptXml(app);

  route(app, {
    method: 'POST',
    url: '/wx/portal/test',
    summary: 'test — feed a plaintext event XML through the callback pipeline (body: the XML; or JSON {xml})',
    permission: 'wx:portal:test',
    response: portalTestResult,
    handler: ({ raw }) => {
      const body = raw.body as unknown;
      const xml = body && typeof body === 'object' && !Buffer.isBuffer(body) ? (body as { xml?: unknown }).xml : body;
      return portal.receivePlaintext(bodyText(xml));
    },
  });

  route(app, {
    method: 'POST',
    url: '/admin/event/page',
    summary: '回调事件 分页查询 (filters: event, changeType, status, source, received time range)',
    permission: 'wx:event:list',
    body: eventPageBody,
    response: page(eventRecord),
    handler: ({ ctx, body }) => portal.page(ctx, body),
  });

  route(app, {
    method: 'GET',
    url: '/admin/event/get',
    summary: '回调事件 根据id查询',
    permission: 'wx:event:list',
    query: idQuery,
    response: eventRecord,
    handler: ({ ctx, query }) => portal.get(ctx, query.id),
  });

  route(app, {
    method: 'POST',
    url: '/admin/event/replay',
    summary: '回调事件 重放 (queues the events again as new; one being processed right now is skipped)',
    permission: 'wx:event:replay',
    body: replayBody,
    response: replayResult,
    handler: ({ ctx, body }) => portal.replay(ctx, body.ids),
  });

  route(app, {
    method: 'POST',
    url: '/wx/js/getJsConf',
    summary: 'getJsConf — JS-SDK wx.config and wx.agentConfig signatures for a page URL',
    permission: 'login',
    body: jsConfBody,
    response: jsConfResult,
    handler: ({ ctx, body }) => portal.jsConfig(ctx, body.url),
  });
};
