import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { TestApp } from '../../testing/test-app.ts';
import { createTokenService } from '../../platform/auth/tokens.ts';
import { ssoRevocationCheck } from './nexus.module.ts';
import { createNexusTestApp, nexusClient, type NexusClient } from './nexus.testing.ts';

const HOUR = 3600_000;

describe('Nexus single sign-on', () => {
  let t: TestApp;
  let nexus: NexusClient;

  const sso = async (nexusToken: string, empNo = 'S001') => {
    const response = await nexus('/sso', { nexusToken, empNo });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.date as { token: string; expiresAt: string; user: { empNo: string } };
  };
  const current = (token: string) => t.client(token).get('/scrm/admin/sys/user/current');

  before(async () => {
    t = await createNexusTestApp();
    nexus = nexusClient(t);
    assert.equal((await nexus('/dept/save', { deptId: 'HQ', name: '总部' })).status, 200);
    assert.equal((await nexus('/user/add', { empNo: 'S001', nickname: '单点用户', deptId: 'HQ', roleKeys: ['admin'] })).status, 200);
    assert.equal((await nexus('/user/add', { empNo: 'S002', nickname: '另一位' })).status, 200);
  });
  after(() => t.close());

  test('exchanges a Nexus token for an SCRM token usable on admin endpoints', async () => {
    const date = await sso('nexus-token-1');
    assert.equal(date.user.empNo, 'S001');
    assert.equal(new Date(date.expiresAt).getTime(), Math.floor(t.clock.now / 1000) * 1000 + 12 * HOUR);
    const claims = JSON.parse(Buffer.from(date.token.split('.')[1], 'base64url').toString());
    assert.equal(claims.emp_no, 'S001');
    assert.match(claims.sid, /^[0-9a-f-]{36}$/);
    const me = await current(date.token);
    assert.equal(me.status, 200);
    assert.equal(me.body.date.empNo, 'S001');
    const page = await t.client(date.token).post('/scrm/admin/sys/user/page', { empNo: 'S002' });
    assert.equal(page.status, 200);
    assert.equal(page.body.date.total, 1);
  });

  test('unknown or disabled employees, and bad bodies, are refused', async () => {
    const unknown = await nexus('/sso', { nexusToken: 'x', empNo: 'NOBODY' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.msg, '工号对应的用户不存在：NOBODY');
    assert.equal((await nexus('/sso', { nexusToken: '', empNo: 'S001' })).status, 400);
    assert.equal((await nexus('/sso', { empNo: 'S001' })).status, 400);
    assert.equal((await nexus('/sso/logout', {})).status, 400);
    const sessions = await t.db.execute(sql`SELECT 1 FROM nexus_sso_session`);
    assert.equal(sessions.rows.length, 1);
  });

  test('a Nexus token paired with one employee cannot sign in another', async () => {
    await sso('nexus-token-shared', 'S002');
    const other = await nexus('/sso', { nexusToken: 'nexus-token-shared', empNo: 'S001' });
    assert.equal(other.status, 409);
    assert.equal(other.body.msg, '该 Nexus token 已与其他用户绑定');
    // The same employee may exchange it again (a second tab): a second pairing.
    await sso('nexus-token-shared', 'S002');
  });

  test('the pairing lasts 12 hours: the token works just before and is refused after', async () => {
    const { token } = await sso('nexus-token-expiry');
    const start = t.clock.now;
    try {
      t.clock.now = start + 12 * HOUR - 60_000;
      assert.equal((await current(token)).status, 200);
      t.clock.now = start + 12 * HOUR + 1_000;
      const expired = await current(token);
      assert.equal(expired.status, 401);
    } finally {
      t.clock.now = start;
    }
  });

  test('the pairing expiry is enforced by the session, not only by the JWT lifetime', async () => {
    // Sign a token for the same pairing that would outlive it: the session check still refuses it.
    const { token } = await sso('nexus-token-long-jwt');
    const tokens = createTokenService('test-secret-test-secret-0123456789', 48 * 3600, () => t.clock.now);
    const claims = (await tokens.verify(token))!;
    const { exp: _exp, iat: _iat, ...rest } = claims;
    const { token: longToken } = await tokens.sign(rest, 48 * 3600);
    const check = ssoRevocationCheck(t.db, () => t.clock.now);
    const start = t.clock.now;
    try {
      assert.equal((await current(longToken)).status, 200);
      assert.equal(await check(claims), false);
      t.clock.now = start + 12 * HOUR + 1_000;
      assert.equal(await check(claims), true);
      const refused = await current(longToken);
      assert.equal(refused.status, 401);
      assert.equal(refused.body.msg, '登录状态已失效，请重新登录');
      assert.equal(await check({ ...claims, sid: undefined }), false, 'tokens without sid are not SSO tokens');
      assert.equal(await check({ ...claims, sid: 'no-such-session' }), true);
    } finally {
      t.clock.now = start;
    }
  });

  test('logout from Nexus ends every pairing of its token', async () => {
    const first = await sso('nexus-token-logout');
    const second = await sso('nexus-token-logout');
    const unrelated = await sso('nexus-token-unrelated');
    const response = await nexus('/sso/logout', { nexusToken: 'nexus-token-logout' });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body.date, { revoked: 2 });
    for (const { token } of [first, second]) {
      const refused = await current(token);
      assert.equal(refused.status, 401);
      assert.equal(refused.body.msg, '登录状态已失效，请重新登录');
    }
    assert.equal((await current(unrelated.token)).status, 200);
    assert.deepEqual((await nexus('/sso/logout', { nexusToken: 'nexus-token-logout' })).body.date, { revoked: 0 });
    // The token may be paired again after its logout.
    assert.equal((await current((await sso('nexus-token-logout')).token)).status, 200);
  });

  test('logout from SCRM ends the pairing of the calling token', async () => {
    const { token } = await sso('nexus-token-scrm-logout');
    const other = await sso('nexus-token-scrm-logout');
    const response = await t.client(token).post('/scrm/admin/logout');
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(response.body.date, { revoked: true });
    assert.equal((await current(token)).status, 401);
    assert.equal((await current(other.token)).status, 200, 'only the calling pairing ends');
    const sid = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sid as string;
    const [row] = (await t.db.execute<{ revoked_by: string }>(sql`SELECT revoked_by FROM nexus_sso_session WHERE id = ${sid}`)).rows;
    assert.equal(row.revoked_by, 'S001');

    // A password sign-in has no pairing, but its token is signed out just the same (issue 14, hole 5).
    const admin = await t.login();
    const plain = await admin.post('/scrm/admin/logout');
    assert.deepEqual(plain.body.date, { revoked: true });
    assert.equal((await admin.get('/scrm/admin/sys/user/current')).status, 401);
    assert.equal((await t.anonymous.post('/scrm/admin/logout')).status, 401);
  });

  test('logins and logouts are audited without the tokens', async () => {
    const rows = (await t.db.execute<{ action: string; actor: string; before: unknown; after: unknown }>(
      sql`SELECT action, actor, before, after FROM sys_audit_log WHERE target_type = 'sso_session' ORDER BY id`,
    )).rows;
    assert.ok(rows.filter((row) => row.action === 'nexus.sso.login').length >= 8);
    assert.ok(rows.some((row) => row.action === 'nexus.sso.logout' && row.actor === 'nexus-test-app'));
    assert.ok(rows.some((row) => row.action === 'nexus.sso.logout' && row.actor === 'S001'));
    assert.doesNotMatch(JSON.stringify(rows), /nexus-token-/);
    assert.doesNotMatch(JSON.stringify(rows), /eyJ/);
  });
});
