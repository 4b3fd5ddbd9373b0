import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../../testing/test-app.ts';
import { loadConfig } from '../../config.ts';
import { checkNexusSignature, signNexusRequest, signNexusRequestLegacy } from './nexus-signature.ts';
import { createNexusTestApp, NEXUS_TEST_SECRET, nexusClient, type NexusClient } from './nexus.testing.ts';

describe('signNexusRequest / checkNexusSignature', () => {
  const body = '{"deptId":"10","name":"总部"}';
  const credentials = { appKey: 'demo-app', secret: 'demo-secret' };
  const request = { method: 'POST', target: '/scrm/nexus/dept/save', rawBody: body };
  const current = '9007c7f6173f03efb57c7376d95c36bf8985e199ca976eeded93a7f70fd364af';
  const legacy = 'e292799600135bf4e0d43c7bab773b2b00a7bfb13a53f7fa39a0b32ffd7f8f03';
  const headers = (overrides = {}) => ({ key: 'demo-app', timestamp: '1700000000', nonce: 'nonce-0001', signature: current, ...overrides });

  test('matches vectors computed with openssl (the current form and the legacy one)', () => {
    // printf 'POST\n/scrm/nexus/dept/save\n1700000000\nnonce-0001\n{"deptId":"10","name":"总部"}' | openssl dgst -sha256 -hmac demo-secret
    assert.equal(signNexusRequest('demo-secret', { ...request, timestamp: '1700000000', nonce: 'nonce-0001' }), current);
    // printf '1700000000\nnonce-0001\n{"deptId":"10","name":"总部"}' | openssl dgst -sha256 -hmac demo-secret
    assert.equal(signNexusRequestLegacy('demo-secret', '1700000000', 'nonce-0001', body), legacy);
  });

  test('accepts the vector, upper-case hex included, within the window', () => {
    const now = 1_700_000_000_000;
    assert.deepEqual(checkNexusSignature(credentials, headers(), request, now), { ok: true, timestamp: 1_700_000_000, nonce: 'nonce-0001', legacy: false });
    assert.equal(checkNexusSignature(credentials, headers({ signature: current.toUpperCase() }), request, now).ok, true);
    assert.equal(checkNexusSignature(credentials, headers(), request, now + 300_000).ok, true);
    assert.equal(checkNexusSignature(credentials, headers(), request, now - 300_000).ok, true);
  });

  test('the signature covers method and path: the same body on another endpoint or method is refused', () => {
    const now = 1_700_000_000_000;
    const failure = (other: Partial<typeof request>) => {
      const result = checkNexusSignature(credentials, headers(), { ...request, ...other }, now);
      return result.ok ? 'ok' : result.failure;
    };
    assert.equal(failure({ target: '/scrm/nexus/dept/delete' }), 'nexusBadSignature');
    assert.equal(failure({ target: '/scrm/nexus/dept/save?x=1' }), 'nexusBadSignature');
    assert.equal(failure({ method: 'PUT' }), 'nexusBadSignature');
    assert.equal(failure({ method: 'post' }), 'ok');
  });

  test('the legacy form: refused by default with its own reason, accepted when the setting allows it', () => {
    const now = 1_700_000_000_000;
    assert.deepEqual(checkNexusSignature(credentials, headers({ signature: legacy }), request, now), { ok: false, failure: 'nexusLegacySignature' });
    assert.deepEqual(checkNexusSignature(credentials, headers({ signature: legacy }), request, now, { acceptLegacy: false }), { ok: false, failure: 'nexusLegacySignature' });
    assert.deepEqual(checkNexusSignature(credentials, headers({ signature: legacy }), request, now, { acceptLegacy: true }), { ok: true, timestamp: 1_700_000_000, nonce: 'nonce-0001', legacy: true });
    // The current form stays accepted (and is not reported as legacy) with the setting on.
    assert.deepEqual(checkNexusSignature(credentials, headers(), request, now, { acceptLegacy: true }), { ok: true, timestamp: 1_700_000_000, nonce: 'nonce-0001', legacy: false });
    // Legacy acceptance does not relax anything else.
    const stale = checkNexusSignature(credentials, headers({ signature: legacy }), request, now + 301_000, { acceptLegacy: true });
    assert.deepEqual(stale, { ok: false, failure: 'nexusStaleRequest' });
    const tampered = checkNexusSignature(credentials, headers({ signature: legacy }), { ...request, rawBody: `${body} ` }, now, { acceptLegacy: true });
    assert.deepEqual(tampered, { ok: false, failure: 'nexusBadSignature' });
  });

  test('names each failure', () => {
    const now = 1_700_000_000_000;
    const failure = (h: object, raw = body, at = now) => {
      const result = checkNexusSignature(credentials, h, { ...request, rawBody: raw }, at);
      return result.ok ? 'ok' : result.failure;
    };
    assert.equal(failure(headers({ nonce: undefined })), 'nexusMissingHeaders');
    assert.equal(failure(headers({ signature: '' })), 'nexusMissingHeaders');
    assert.equal(failure(headers({ key: 'other-app' })), 'nexusUnknownKey');
    assert.equal(failure(headers({ timestamp: '1700000000.5' })), 'nexusBadTimestamp');
    assert.equal(failure(headers({ timestamp: '-1' })), 'nexusBadTimestamp');
    assert.equal(failure(headers(), body, now + 301_000), 'nexusStaleRequest');
    assert.equal(failure(headers(), body, now - 301_000), 'nexusStaleRequest');
    assert.equal(failure(headers({ nonce: 'short' })), 'nexusBadNonce');
    assert.equal(failure(headers({ nonce: 'has space 123' })), 'nexusBadNonce');
    assert.equal(failure(headers({ signature: 'zz' })), 'nexusBadSignature');
    assert.equal(failure(headers(), body.replace('总部', '总公司')), 'nexusBadSignature');
    assert.equal(failure(headers(), `${body} `), 'nexusBadSignature');
    assert.equal(failure(headers({ signature: current.slice(0, 62) + '00' })), 'nexusBadSignature');
  });
});

describe('signed Nexus requests over HTTP', () => {
  let t: TestApp;
  let nexus: NexusClient;
  const dept = (id: string) => ({ deptId: id, name: `部门 ${id}` });
  const deptCount = async () => Number((await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM nexus_dept_map`)).rows[0].n);

  before(async () => {
    t = await createNexusTestApp();
    nexus = nexusClient(t);
  });
  after(() => t.close());

  test('a correctly signed request is accepted', async () => {
    const response = await nexus('/dept/save', dept('sig-1'));
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.code, '200');
    assert.equal(response.body.date.nexusDeptId, 'sig-1');
  });

  test('missing headers: 401 in Chinese by default, English on request', async () => {
    const zh = await t.anonymous.post('/scrm/nexus/dept/save', dept('sig-x'));
    assert.equal(zh.status, 401);
    assert.deepEqual(zh.body, { code: '401', msg: '缺少签名请求头：x-nexus-key、x-nexus-timestamp、x-nexus-nonce、x-nexus-signature', date: null });
    const en = await t.anonymous.post('/scrm/nexus/dept/save', dept('sig-x'), { 'accept-language': 'en' });
    assert.equal(en.status, 401);
    assert.match(en.body.msg, /^Missing signature headers/);
  });

  test('wrong key, wrong secret, tampered body, bad nonce or timestamp: 401 and nothing changes', async () => {
    const before = await deptCount();
    const cases = [
      [await nexus('/dept/save', dept('sig-2'), { key: 'someone-else' }), 'x-nexus-key 不正确'],
      [await nexus('/dept/save', dept('sig-2'), { secret: 'not-the-secret' }), '签名校验失败'],
      [await nexus('/dept/save', dept('sig-2'), { signature: signNexusRequest(NEXUS_TEST_SECRET, { method: 'POST', target: '/scrm/nexus/dept/save', timestamp: '1', nonce: 'x', rawBody: '{}' }) }), '签名校验失败'],
      [await nexus('/dept/save', dept('sig-2'), { nonce: 'bad nonce!' }), 'x-nexus-nonce 格式不正确（8–64 位字母、数字、_ 或 -）'],
      [await nexus('/dept/save', dept('sig-2'), { timestamp: 'yesterday' }), 'x-nexus-timestamp 格式不正确，应为 Unix 时间戳（秒）'],
    ] as const;
    for (const [response, message] of cases) assert.deepEqual([response.status, response.body], [401, { code: '401', msg: message, date: null }]);
    // Tampering: sign one body, send another.
    const timestamp = Math.floor(t.clock.now / 1000);
    const tampered = await nexus('/dept/save', undefined, {
      rawBody: JSON.stringify({ ...dept('sig-2'), name: 'Evil' }),
      timestamp,
      nonce: 'tamper-nonce-1',
      signature: signNexusRequest(NEXUS_TEST_SECRET, { method: 'POST', target: '/scrm/nexus/dept/save', timestamp: String(timestamp), nonce: 'tamper-nonce-1', rawBody: JSON.stringify(dept('sig-2')) }),
    });
    assert.equal(tampered.status, 401);
    const english = await nexus('/dept/save', dept('sig-2'), { secret: 'nope', headers: { 'accept-language': 'en' } });
    assert.equal(english.body.msg, 'Signature mismatch');
    assert.equal(await deptCount(), before);
  });

  test('clock skew: accepted within 5 minutes either way, refused beyond', async () => {
    const now = Math.floor(t.clock.now / 1000);
    assert.equal((await nexus('/dept/save', dept('skew-1'), { timestamp: now - 299 })).status, 200);
    assert.equal((await nexus('/dept/save', dept('skew-2'), { timestamp: now + 299 })).status, 200);
    const past = await nexus('/dept/save', dept('skew-3'), { timestamp: now - 301 });
    assert.equal(past.status, 401);
    assert.match(past.body.msg, /5 分钟/);
    const future = await nexus('/dept/save', dept('skew-3'), { timestamp: now + 301, headers: { 'accept-language': 'en' } });
    assert.equal(future.status, 401);
    assert.match(future.body.msg, /more than 5 minutes/);
    const saved = await t.db.execute(sql`SELECT 1 FROM nexus_dept_map WHERE nexus_dept_id = 'skew-3'`);
    assert.equal(saved.rows.length, 0);
  });

  test('a replayed request (same nonce) is refused', async () => {
    const timestamp = Math.floor(t.clock.now / 1000);
    const first = await nexus('/dept/save', dept('replay-1'), { nonce: 'replay-nonce-1', timestamp });
    assert.equal(first.status, 200);
    const again = await nexus('/dept/save', dept('replay-1'), { nonce: 'replay-nonce-1', timestamp });
    assert.equal(again.status, 401);
    assert.equal(again.body.msg, 'nonce 已被使用，疑似重放请求，已拒绝');
    // Even re-signed with a new timestamp, the nonce stays spent while the window lasts.
    t.clock.now += 60_000;
    const resigned = await nexus('/dept/save', dept('replay-1'), { nonce: 'replay-nonce-1' });
    assert.equal(resigned.status, 401);
    const audits = await t.db.execute(sql`SELECT 1 FROM sys_audit_log WHERE action = 'nexus.dept.create' AND after->>'nexusDeptId' = 'replay-1'`);
    assert.equal(audits.rows.length, 1);
  });

  test('spent nonces are purged once their window has passed', async () => {
    await nexus('/dept/save', dept('purge-1'), { nonce: 'purge-nonce-1' });
    const stored = await t.db.execute(sql`SELECT app_key FROM open_nonce WHERE nonce = 'purge-nonce-1'`);
    assert.deepEqual(stored.rows, [{ app_key: 'nexus:nexus-test-app' }]);
    t.clock.now += 11 * 60_000;
    await nexus('/dept/save', dept('purge-2'));
    // One nonce store for Nexus and the open API (platform/signed-request.ts): Nexus's caller is `nexus:<key>`.
    const left = await t.db.execute(sql`SELECT 1 FROM open_nonce WHERE nonce = 'purge-nonce-1'`);
    assert.equal(left.rows.length, 0);
  });

  test('the signature covers method and path: a body signed for one endpoint is refused on another', async () => {
    const before = await deptCount();
    // Signed for /dept/delete, sent to /dept/save (a captured request moved to another endpoint).
    const moved = await nexus('/dept/save', dept('path-1'), { signedPath: '/scrm/nexus/dept/delete' });
    assert.deepEqual([moved.status, moved.body], [401, { code: '401', msg: '签名校验失败', date: null }]);
    const query = await nexus('/dept/save', dept('path-1'), { signedPath: '/scrm/nexus/dept/save?x=1' });
    assert.equal(query.status, 401);
    assert.equal(await deptCount(), before);
    const right = await nexus('/dept/save', dept('path-1'));
    assert.equal(right.status, 200, JSON.stringify(right.body));
  });

  test('by default the legacy form (no method, no path) is refused, saying how to proceed', async () => {
    const before = await deptCount();
    const zh = await nexus('/dept/save', dept('legacy-1'), { legacy: true });
    assert.deepEqual([zh.status, zh.body.code], [401, '401']);
    assert.match(zh.body.msg, /旧格式/);
    assert.match(zh.body.msg, /NEXUS_LEGACY_SIGNATURE=accept/);
    const en = await nexus('/dept/save', dept('legacy-1'), { legacy: true, headers: { 'accept-language': 'en' } });
    assert.match(en.body.msg, /^Signed in the legacy form/);
    assert.equal(await deptCount(), before);
  });

  test('invalid JSON: 400 when signed, 401 when not', async () => {
    const signed = await nexus('/dept/save', undefined, { rawBody: '{"deptId": ' });
    assert.equal(signed.status, 400);
    assert.equal(signed.body.msg, '请求体不是合法的 JSON');
    const unsigned = await t.app.inject({ method: 'POST', url: '/scrm/nexus/dept/save', payload: '{"deptId": ', headers: { 'content-type': 'application/json' } });
    assert.equal(unsigned.statusCode, 401);
  });

  test('the OpenAPI document describes the signature on every Nexus endpoint', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/scrm/docs/json' });
    assert.equal(response.statusCode, 200);
    const paths = response.json().paths as Record<string, { post: { description: string; parameters: { name: string; in: string }[] } }>;
    const nexusPaths = Object.keys(paths).filter((path) => path.startsWith('/scrm/nexus/'));
    assert.equal(nexusPaths.length, 8);
    for (const path of nexusPaths) {
      assert.match(paths[path].post.description, /HMAC-SHA256 keyed with NEXUS_SECRET/);
      assert.ok(paths[path].post.parameters.some((p) => p.in === 'header' && p.name === 'x-nexus-signature'), path);
    }
    assert.ok(paths['/scrm/admin/sys/audit/page']);
    assert.ok(paths['/scrm/admin/logout']);
  });

  test('admin JSON endpoints still parse bodies normally (the raw parser is scoped)', async () => {
    const admin = await t.login();
    const response = await admin.post('/scrm/admin/sys/user/page', { pageNum: 1, pageSize: 5, username: 'admin' });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.date.records[0].username, 'admin');
  });
});

test('without NEXUS_APP_KEY / NEXUS_SECRET the endpoints answer 503', async () => {
  const t = await createTestApp();
  try {
    const response = await nexusClient(t)('/dept/save', { deptId: '1', name: 'x' });
    assert.equal(response.status, 503);
    assert.equal(response.body.code, '503');
    assert.match(response.body.msg, /Nexus 对接未配置/);
    const en = await nexusClient(t)('/sso', { nexusToken: 'x', empNo: 'E1' }, { headers: { 'accept-language': 'en' } });
    assert.match(en.body.msg, /^Nexus integration not configured/);
  } finally {
    await t.close();
  }
});

describe('NEXUS_LEGACY_SIGNATURE=accept (transition for HR systems integrated before the change)', () => {
  let t: TestApp & { nexus: NexusClient };
  before(async () => {
    t = await createNexusTestApp({ NEXUS_LEGACY_SIGNATURE: 'accept' });
  });
  after(() => t.close());

  test('the legacy form and the current one are both accepted; nonces and the clock still apply', async () => {
    const legacy = await t.nexus('/dept/save', { deptId: 'lg-1', name: '旧签名' }, { legacy: true, nonce: 'legacy-nonce-1' });
    assert.equal(legacy.status, 200, JSON.stringify(legacy.body));
    assert.equal(legacy.body.date.nexusDeptId, 'lg-1');
    const current = await t.nexus('/dept/save', { deptId: 'lg-2', name: '新签名' });
    assert.equal(current.status, 200, JSON.stringify(current.body));
    const replayed = await t.nexus('/dept/save', { deptId: 'lg-1', name: '旧签名' }, { legacy: true, nonce: 'legacy-nonce-1' });
    assert.deepEqual([replayed.status, replayed.body.msg], [401, 'nonce 已被使用，疑似重放请求，已拒绝']);
    const stale = await t.nexus('/dept/save', { deptId: 'lg-3', name: 'x' }, { legacy: true, timestamp: Math.floor(t.clock.now / 1000) - 301 });
    assert.equal(stale.status, 401);
    const wrongSecret = await t.nexus('/dept/save', { deptId: 'lg-3', name: 'x' }, { legacy: true, secret: 'not-the-secret' });
    assert.deepEqual([wrongSecret.status, wrongSecret.body.msg], [401, '签名校验失败']);
  });

  test('an invalid setting is refused at start', () => {
    assert.throws(() => loadConfig({ NEXUS_LEGACY_SIGNATURE: 'yes' }), /NEXUS_LEGACY_SIGNATURE/);
    assert.equal(loadConfig({}).NEXUS_LEGACY_SIGNATURE, 'reject');
  });
});
