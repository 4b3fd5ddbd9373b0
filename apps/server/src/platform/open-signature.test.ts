// The open API guard (hole 7 of issue 14): the app key's shape is checked before any lookup, the key cache
// is bounded (unknown keys included), and one guard serves every /scrm/open/** endpoint, so an app changed in
// the console is refused at once everywhere.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { randomBytes } from 'node:crypto';
import { createTestApp, type TestApp, type TestClient } from '../testing/test-app.ts';
import { registerErrorHandling } from './http/error-handler.ts';
import { createOpenApiGuard, OPEN_APP_KEY_PATTERN, openRequestHeaders } from './open-signature.ts';
import { createNonceStore } from './signed-request.ts';

/** Counts the statements reading open_app that reach the database's pool. */
function countAppLookups(t: TestApp): { count: number; stop(): void } {
  const pool = t.database.pool as unknown as { query: (...args: unknown[]) => unknown };
  const original = pool.query;
  const counter = {
    count: 0,
    stop: () => {
      pool.query = original;
    },
  };
  pool.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: string };
    const text = typeof first === 'string' ? first : (first?.text ?? '');
    if (/from "open_app"/i.test(text)) counter.count += 1;
    return original.apply(this, args);
  } as typeof pool.query;
  return counter;
}

describe('the open API guard over HTTP', () => {
  let t: TestApp;
  let admin: TestClient;

  before(async () => {
    t = await createTestApp();
    admin = await t.login();
  });
  after(() => t.close());

  const collect = (credentials: { appKey: string; secret: string }, requestId: string, extra: Record<string, string> = {}) => {
    const payload = JSON.stringify({ requestId, phone: '13900000099' });
    const url = '/scrm/open/clue/collect';
    const headers = openRequestHeaders(credentials, { method: 'POST', target: url, body: payload, timestamp: Math.floor(t.clock.now / 1000) });
    return t.app.inject({ method: 'POST', url, payload, headers: { ...headers, 'content-type': 'application/json', ...extra } });
  };
  const routeHit = (credentials: { appKey: string; secret: string }) => {
    const url = '/scrm/open/route/hit?getType=link&id=999999';
    return t.app.inject({ method: 'GET', url, headers: openRequestHeaders(credentials, { method: 'GET', target: url, timestamp: Math.floor(t.clock.now / 1000) }) });
  };

  test('a malformed or oversized app key is refused before any lookup (401 in the envelope, no query)', async () => {
    const lookups = countAppLookups(t);
    try {
      const keys = [
        `ak_${'x'.repeat(8 * 1024)}`, // the 8 KB keys that grew the old cache by 37 MB per 2,000 requests
        'a'.repeat(8 * 1024),
        `ak_${'b'.repeat(62)}`, // 65 characters: one too many
        'ak_has space',
        'ak_ünïcode',
        'no-prefix-key',
        'ak_',
      ];
      for (const key of keys) {
        for (let i = 0; i < 20; i++) {
          const response = await collect({ appKey: key, secret: 'whatever' }, `bad-key-${i}`);
          assert.equal(response.statusCode, 401, key.slice(0, 20));
          assert.deepEqual(response.json(), { code: '401', msg: '应用不存在或已停用', date: null });
        }
        const english = await collect({ appKey: key, secret: 'whatever' }, 'bad-key-en', { 'accept-language': 'en' });
        assert.equal(english.json().msg, 'Unknown or disabled app key');
      }
      assert.equal(lookups.count, 0, 'no malformed key reached the database');
      // Distinct random 8 KB keys, as an attacker would send them: refused the same way, still no lookup.
      for (let i = 0; i < 200; i++) {
        const response = await routeHit({ appKey: `ak_${randomBytes(4 * 1024).toString('hex')}`, secret: 'whatever' });
        assert.equal(response.statusCode, 401);
      }
      assert.equal(lookups.count, 0);
    } finally {
      lookups.stop();
    }
  });

  test('an unknown well-formed key is looked up once, then answered from the cache for a moment', async () => {
    const lookups = countAppLookups(t);
    try {
      await Promise.all(Array.from({ length: 30 }, (_, i) => collect({ appKey: 'ak_unknown0001', secret: 'whatever' }, `unknown-${i}`)));
      for (let i = 0; i < 30; i++) assert.equal((await routeHit({ appKey: 'ak_unknown0001', secret: 'whatever' })).statusCode, 401);
      assert.equal(lookups.count, 1);
    } finally {
      lookups.stop();
    }
  });

  test('one guard for every /open endpoint: an app disabled in the console is refused at once on /open/clue/collect and /open/route/hit', async () => {
    const saved = await admin.post('/scrm/admin/open/app/save', { name: 'landing page', rateLimit: 1000 });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    const { id, appKey, secret } = saved.body.date as { id: number; appKey: string; secret: string };
    assert.match(appKey, OPEN_APP_KEY_PATTERN);
    const credentials = { appKey, secret };

    // Both endpoints accept the app (and cache it).
    const first = await collect(credentials, 'disable-1');
    assert.equal(first.statusCode, 200, first.body);
    assert.notEqual((await routeHit(credentials)).statusCode, 401);

    // Disabled in the console: refused at once on both, not a few seconds later.
    const disabled = await admin.post('/scrm/admin/open/app/save', { id, name: 'landing page', rateLimit: 1000, status: 1 });
    assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
    const refused = await collect(credentials, 'disable-2');
    assert.equal(refused.statusCode, 401);
    assert.deepEqual(refused.json(), { code: '401', msg: '应用不存在或已停用', date: null });
    assert.equal((await routeHit(credentials)).statusCode, 401);

    // Enabled again: accepted at once.
    await admin.post('/scrm/admin/open/app/save', { id, name: 'landing page', rateLimit: 1000, status: 0 });
    assert.equal((await collect(credentials, 'disable-3')).statusCode, 200);

    // A rotated secret: the old one is refused at once on both endpoints, the new one accepted.
    const rotated = await admin.post('/scrm/admin/open/app/rotate', { id });
    assert.equal(rotated.status, 200);
    assert.equal((await collect(credentials, 'rotate-1')).statusCode, 401);
    assert.equal((await routeHit(credentials)).statusCode, 401);
    assert.equal((await collect({ appKey, secret: rotated.body.date.secret }, 'rotate-2')).statusCode, 200);

    // Deleted: refused at once.
    await admin.post('/scrm/admin/open/app/delete', { ids: [id] });
    assert.equal((await collect({ appKey, secret: rotated.body.date.secret }, 'delete-1')).statusCode, 401);
  });
});

describe('the open API guard cache', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  test('is bounded: distinct unknown keys never hold more than the configured number of entries', async () => {
    const nonces = createNonceStore({ db: t.db, now: () => t.clock.now });
    const guard = createOpenApiGuard({ db: t.db, now: () => t.clock.now, nonces, cacheEntries: 50 });
    const app = Fastify();
    registerErrorHandling(app, { bodyLimitText: '1 MB' });
    await app.register(async (scope) => {
      guard.protect(scope);
      scope.get('/open/ping', async () => ({ code: '200', msg: 'ok', date: null }));
    });
    try {
      for (let i = 0; i < 400; i++) {
        const credentials = { appKey: `ak_${randomBytes(20).toString('hex')}`, secret: 'whatever' };
        const response = await app.inject({ method: 'GET', url: '/open/ping', headers: openRequestHeaders(credentials, { method: 'GET', target: '/open/ping', timestamp: Math.floor(t.clock.now / 1000) }) });
        assert.equal(response.statusCode, 401);
        assert.ok(guard.cachedKeys() <= 50, `${guard.cachedKeys()} cached keys`);
      }
      assert.equal(guard.cachedKeys(), 50);
      guard.invalidate();
      assert.equal(guard.cachedKeys(), 0);
    } finally {
      await app.close();
      await nonces.close();
    }
  });
});
