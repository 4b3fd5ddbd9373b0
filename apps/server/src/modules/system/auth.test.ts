import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { eq } from 'drizzle-orm';
import { sysLoginFailure, sysUser } from '../../db/schema/index.ts';
import { createTestApp, TEST_ADMIN_PASSWORD, type TestApp, type TestClient } from '../../testing/test-app.ts';
import { createUser, ok, PASSWORD } from './test-fixtures.ts';
import { LOGIN_FREE_FAILURES, throttleKeyOf } from './login-throttle.ts';

describe('login and authentication', () => {
  let t: TestApp;
  let admin: TestClient & { token: string };

  before(async () => {
    t = await createTestApp();
    admin = await t.login();
  });
  after(() => t.close());

  const current = (token: string, headers: Record<string, string> = {}) => t.client(token).get('/scrm/admin/sys/user/current', undefined, headers);

  test('login returns a token with the seed claims and the user, never the password hash', async () => {
    const response = await t.anonymous.post('/scrm/admin/login', { username: 'admin', password: TEST_ADMIN_PASSWORD });
    assert.equal(response.status, 200);
    assert.equal(response.body.code, '200');
    const { token, user, expiresAt, mustChangePassword } = response.body.date;
    assert.equal(user.username, 'admin');
    assert.equal(mustChangePassword, false);
    assert.ok(!JSON.stringify(response.body).includes('argon2'));
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    for (const claim of ['uid', 'emp_no', 'user_name', 'phone_num', 'account_status', 'dept_id', 'exp']) assert.ok(claim in claims, claim);
    assert.equal(claims.user_name, 'admin');
    assert.equal(claims.exp - claims.iat, 12 * 3600);
    assert.equal(new Date(expiresAt).getTime(), claims.exp * 1000);
    // Both headers are accepted.
    assert.equal((await current(token)).status, 200);
    const bearer = await t.app.inject({ method: 'GET', url: '/scrm/admin/sys/user/current', headers: { authorization: `Bearer ${token}` } });
    assert.equal(bearer.statusCode, 200);
  });

  test('wrong password, unknown user and invalid bodies are refused', async () => {
    const wrong = await t.anonymous.post('/scrm/admin/login', { username: 'admin', password: 'nope' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.msg, '用户名或密码错误');
    const unknown = await t.anonymous.post('/scrm/admin/login', { username: 'ghost', password: 'nope' }, { 'accept-language': 'en-US,en;q=0.9' });
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.msg, 'Wrong username or password');
    const invalid = await t.anonymous.post('/scrm/admin/login', { username: '' });
    assert.equal(invalid.status, 400);
    assert.deepEqual(invalid.body.date.fields.map((f: any) => f.field).sort(), ['body.password', 'body.username']);
    await t.db.delete(sysLoginFailure);
  });

  test('no token, expired token and forged tokens → 401', async () => {
    const none = await t.anonymous.get('/scrm/admin/sys/user/current');
    assert.equal(none.status, 401);
    assert.equal(none.body.code, '401');
    assert.equal((await t.anonymous.get('/scrm/admin/sys/user/current', undefined, { 'accept-language': 'en' })).body.msg, 'Not signed in or the session has expired');
    assert.equal((await current('not-a-jwt')).status, 401);

    // Signed with another secret.
    const [, payload] = admin.token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode('another-secret-another-secret-0000'));
    assert.equal((await current(forged)).status, 401);
    // Payload tampered (another uid), original signature kept.
    const [head, , signature] = admin.token.split('.');
    const tampered = `${head}.${Buffer.from(JSON.stringify({ ...claims, uid: '2' })).toString('base64url')}.${signature}`;
    assert.equal((await current(tampered)).status, 401);
    // alg "none".
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    assert.equal((await current(unsigned)).status, 401);

    const start = t.clock.now;
    try {
      const fresh = await t.login();
      t.clock.now = start + 12 * 3600 * 1000 - 5_000;
      assert.equal((await current(fresh.token)).status, 200, 'still valid just before 12 h');
      t.clock.now = start + 12 * 3600 * 1000 + 1_000;
      const expired = await current(fresh.token);
      assert.equal(expired.status, 401);
    } finally {
      t.clock.now = start;
    }
  });

  test('disabled and deleted users are refused even with unexpired tokens', async () => {
    await createUser(admin, { username: 'to_disable', roleIds: [] });
    const disabled = await t.login('to_disable', PASSWORD);
    assert.equal((await current(disabled.token)).status, 200);
    const [row] = await t.db.select().from(sysUser).where(eq(sysUser.username, 'to_disable'));
    await ok(admin.get('/scrm/admin/sys/user/updateStatus', { id: row.id, status: 1 }));
    assert.equal((await current(disabled.token)).status, 401);
    const relogin = await t.anonymous.post('/scrm/admin/login', { username: 'to_disable', password: PASSWORD });
    assert.equal(relogin.status, 401);
    assert.equal(relogin.body.msg, '账号已停用');
    // Re-enabling does not revive tokens issued before the disable.
    await ok(admin.get('/scrm/admin/sys/user/updateStatus', { id: row.id, status: 0 }));
    assert.equal((await current(disabled.token)).status, 401);
    assert.equal((await current((await t.login('to_disable', PASSWORD)).token)).status, 200);

    const deletedId = await createUser(admin, { username: 'to_delete' });
    const deleted = await t.login('to_delete', PASSWORD);
    await ok(admin.post('/scrm/admin/sys/user/batchDelete', { ids: [deletedId] }));
    assert.equal((await current(deleted.token)).status, 401);
    assert.equal((await t.anonymous.post('/scrm/admin/login', { username: 'to_delete', password: PASSWORD })).status, 401);
  });

  test('repeated failures make the next attempt wait (429 with Retry-After); a success clears the count', async () => {
    await createUser(admin, { username: 'throttled' });
    const attempt = (password: string) => t.anonymous.post('/scrm/admin/login', { username: 'throttled', password });
    for (let i = 0; i < LOGIN_FREE_FAILURES - 1; i++) assert.equal((await attempt('wrong')).status, 401);
    assert.equal((await attempt(PASSWORD)).status, 200, 'below the free failures a success works');
    // The success cleared the count: another FREE-1 failures cost nothing.
    for (let i = 0; i < LOGIN_FREE_FAILURES - 1; i++) assert.equal((await attempt('wrong')).status, 401);
    assert.equal((await attempt(PASSWORD)).status, 200);

    for (let i = 0; i < LOGIN_FREE_FAILURES; i++) assert.equal((await attempt('wrong')).status, 401);
    const waiting = await attempt(PASSWORD);
    assert.equal(waiting.status, 429);
    assert.equal(waiting.body.code, '429');
    assert.match(waiting.body.msg, /登录失败次数过多，请 1 秒后再试/);
    assert.equal(waiting.raw.headers['retry-after'], '1');
    assert.equal((await t.anonymous.post('/scrm/admin/login', { username: 'admin', password: TEST_ADMIN_PASSWORD })).status, 200, 'other users unaffected');

    const start = t.clock.now;
    try {
      t.clock.now = start + 1000;
      assert.equal((await attempt(PASSWORD)).status, 200, 'after the wait the right password works');
      assert.equal((await t.db.select().from(sysLoginFailure).where(eq(sysLoginFailure.username, throttleKeyOf('throttled')))).length, 0);
    } finally {
      t.clock.now = start;
    }
  });

  test('the OpenAPI document lists the system endpoints', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/scrm/docs/json' });
    assert.equal(response.statusCode, 200);
    const paths = Object.keys(response.json().paths);
    for (const path of ['/scrm/admin/login', '/scrm/admin/sys/role/updateMenus', '/scrm/admin/sys/menu/userTree', '/scrm/admin/sys/dept/tree', '/scrm/admin/sys/dept/save']) {
      assert.ok(paths.includes(path), path);
    }
  });
});
