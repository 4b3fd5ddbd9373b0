/**
 * The authentication matrix, generated from the route table (`app.routeTable`, every route the app registered):
 * for every /scrm/admin route, each kind of bad credential is a 401 and a signed-in user without the route's
 * permission a 403 — in the envelope, before the body is even read, and with no row written (a row trigger on
 * every table counts writes).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { createTestApp, type TestApp } from '../../testing/test-app.ts';
import { createWriteCounter, writtenTables } from '../../testing/write-counter.ts';
import { createTokenService, type TokenClaims } from '../auth/tokens.ts';
import { createUser, ok, PASSWORD, userWith } from '../../modules/system/test-fixtures.ts';

let t: TestApp;
const badTokens: { name: string; token: string }[] = [];
let powerless: string;

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as TokenClaims;

before(async () => {
  t = await createTestApp();
  const admin = await t.login();
  const claims = claimsOf(admin.token);
  const { exp: _exp, iat: _iat, jti: _jti, ...unsigned } = claims;
  const secret = t.config.JWT_SECRET!;

  // Issued an hour and a half ago with a one-hour lifetime: expired by half an hour.
  const expired = await createTokenService(secret, 3600, () => t.clock.now - 90 * 60_000).sign(unsigned);
  // Right claims, signed with another key.
  const forgedSignature = await createTokenService('another-secret-another-secret-0123', 3600, () => t.clock.now).sign(unsigned);
  // `alg: none`: the admin's own claims, unsigned.
  const algNone = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...claims, exp: Math.floor(t.clock.now / 1000) + 3600 })}.`;
  // HS256 with an empty key, and the admin's token with its payload swapped for another user's id.
  const emptyKey = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new Uint8Array(32));
  const [header, , signature] = admin.token.split('.');
  const swappedPayload = `${header}.${base64url({ ...claims, uid: '999' })}.${signature}`;

  // A disabled user's token (issued while enabled).
  const disabledUser = await userWith(t, admin, 'matrix_disabled', ['sys:user:list']);
  await ok(admin.get('/scrm/admin/sys/user/updateStatus', { id: disabledUser.id, status: 1 }));
  // A deleted user's token.
  const deletedUser = await userWith(t, admin, 'matrix_deleted', ['sys:user:list']);
  await ok(admin.post('/scrm/admin/sys/user/batchDelete', { ids: [deletedUser.id] }));
  // A token after its own logout (an administrator's, so the permission would otherwise let it through).
  const loggedOut = await t.login();
  await ok(loggedOut.post('/scrm/admin/logout'));

  badTokens.push(
    { name: 'garbage', token: 'not-a-token' },
    { name: 'forged signature', token: forgedSignature.token },
    { name: 'payload swapped', token: swappedPayload },
    { name: 'empty key', token: emptyKey },
    { name: 'expired', token: expired.token },
    { name: 'alg none', token: algNone },
    { name: 'disabled user', token: disabledUser.token },
    { name: 'deleted user', token: deletedUser.token },
    { name: 'after logout', token: loggedOut.token },
  );

  // Signed in, enabled, holding no permission at all.
  await createUser(admin, { username: 'matrix_powerless' });
  powerless = (await t.login('matrix_powerless', PASSWORD)).token;
});
after(() => t?.close());

/** A body a route might accept, so what is refused is the caller, not the body. */
const BODY = JSON.stringify({ id: 1, ids: [1], pageNum: 1, pageSize: 10, name: 'x', username: 'x', status: 0 });

async function call(method: string, url: string, headers: Record<string, string>) {
  const response = await t.app.inject({
    method: method as 'GET',
    url: method === 'GET' ? `${url}?id=1&pageNum=1` : url,
    ...(method === 'GET' ? {} : { payload: BODY }),
    headers: { ...(method === 'GET' ? {} : { 'content-type': 'application/json' }), ...headers },
  });
  let body: { code?: string; msg?: string; date?: unknown } = {};
  try {
    body = response.json();
  } catch {
    /* not JSON: checked below */
  }
  return { status: response.statusCode, body, raw: response.body };
}

test('every /scrm/admin route: bad credentials → 401, no permission → 403, in the envelope, nothing written', async () => {
  const routes = t.app.routeTable.filter((route) => route.url.startsWith('/scrm/admin/') && !route.public);
  assert.ok(routes.length > 100, `the route table lists the admin routes (${routes.length})`);
  // Every admin route is authenticated: only sign-in is public.
  assert.deepEqual(
    t.app.routeTable.filter((route) => route.url.startsWith('/scrm/admin/') && route.public).map((route) => `${route.method} ${route.url}`),
    ['POST /scrm/admin/login'],
  );
  const writes = await createWriteCounter(t.db);
  let checked = 0;
  for (const route of routes) {
    const label = `${route.method} ${route.url}`;
    const before = await writes();
    const cases = [{ name: 'no token', headers: {} as Record<string, string> }, ...badTokens.map(({ name, token }) => ({ name, headers: { token } }))];
    cases.push({ name: 'bearer forged', headers: { authorization: `Bearer ${badTokens[1].token}` } });
    for (const { name, headers } of cases) {
      const response = await call(route.method, route.url.replace(/:(\w+)/g, '1'), headers);
      assert.equal(response.status, 401, `${label} with ${name}: ${response.status} ${response.raw.slice(0, 200)}`);
      assert.deepEqual(Object.keys(response.body), ['code', 'msg', 'date'], `${label} with ${name}: the envelope`);
      assert.equal(response.body.code, '401');
      assert.equal(response.body.date, null, `${label} with ${name}: nothing about the schema`);
      checked++;
    }
    if (route.permission && route.permission !== 'login') {
      const response = await call(route.method, route.url.replace(/:(\w+)/g, '1'), { token: powerless });
      assert.equal(response.status, 403, `${label} without ${route.permission}: ${response.status} ${response.raw.slice(0, 200)}`);
      assert.equal(response.body.code, '403');
      checked++;
    }
    assert.deepEqual(writtenTables(before, await writes()), [], `${label}: nothing written`);
  }
  assert.ok(checked > 1000, `${checked} requests`);
});
