import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { z } from 'zod';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { registerErrorHandling } from './error-handler.ts';
import { NotFound } from './errors.ts';

async function appWithRoutes() {
  const app = Fastify({ bodyLimit: 64 });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app, { bodyLimitText: '64 B' });
  app.post('/echo', {
    schema: { body: z.object({ pageSize: z.number().max(500), code: z.string().regex(/^\d+$/, 'digits only') }) },
    handler: async (request) => request.body,
  });
  app.get('/missing', async () => {
    throw new NotFound('user', 7);
  });
  app.get('/boom', async () => {
    throw new Error('secret detail');
  });
  return app;
}

test('validation errors list the fields, in Chinese by default and English on request', async () => {
  const app = await appWithRoutes();
  const zh = await app.inject({ method: 'POST', url: '/echo', payload: { pageSize: 501, code: 'x' } });
  assert.equal(zh.statusCode, 400);
  const body = zh.json();
  assert.equal(body.code, '400');
  assert.match(body.msg, /参数校验失败：body.pageSize, body.code/);
  assert.deepEqual(body.date.fields.map((f: { field: string }) => f.field), ['body.pageSize', 'body.code']);
  assert.match(body.date.fields[0].message, /[\u4e00-\u9fa5]/, 'default zod message is localised to Chinese');
  assert.equal(body.date.fields[1].message, 'digits only', 'a message the schema set is kept');
  const en = await app.inject({ method: 'POST', url: '/echo', payload: { pageSize: 501, code: '1' }, headers: { 'accept-language': 'en-US,en;q=0.9' } });
  assert.match(en.json().msg, /^Validation failed: body.pageSize$/);
  assert.match(en.json().date.fields[0].message, /500/);
  assert.doesNotMatch(en.json().date.fields[0].message, /[\u4e00-\u9fa5]/);
});

test('typed errors, unknown routes, oversized and malformed bodies use the envelope; 5xx hide their detail', async () => {
  const app = await appWithRoutes();
  const missing = await app.inject({ url: '/missing' });
  assert.deepEqual([missing.statusCode, missing.json().msg], [404, '用户不存在：7']);
  const missingEn = await app.inject({ url: '/missing', headers: { 'accept-language': 'en' } });
  assert.equal(missingEn.json().msg, 'User 7 not found');
  const route = await app.inject({ url: '/nowhere' });
  assert.deepEqual([route.statusCode, route.json().code], [404, '404']);
  const large = await app.inject({ method: 'POST', url: '/echo', payload: { pageSize: 1, code: '1'.repeat(100) } });
  assert.deepEqual([large.statusCode, large.json().code], [413, '413']);
  assert.match(large.json().msg, /64 B/);
  const malformed = await app.inject({ method: 'POST', url: '/echo', payload: '{"pageSize":', headers: { 'content-type': 'application/json' } });
  assert.deepEqual([malformed.statusCode, malformed.json().code], [400, '400']);
  const boom = await app.inject({ url: '/boom' });
  assert.equal(boom.statusCode, 500);
  assert.doesNotMatch(boom.body, /secret detail/);
  assert.match(boom.json().msg, /请求号/);
});
