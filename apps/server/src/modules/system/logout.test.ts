// Issue 14, hole 5: a password sign-in token worked for 12 h after /admin/logout. Now logout revokes it at once
// on every replica (sys_revoked_token, checked in the same round trip as the auth version), and the
// revocations expire with the tokens.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { SignJWT } from 'jose';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../app.ts';
import { createTokenService } from '../../platform/auth/tokens.ts';
import { createTestApp, type TestApp } from '../../testing/test-app.ts';

describe('logout', () => {
  let t: TestApp;
  let replica: FastifyInstance;

  before(async () => {
    t = await createTestApp();
    // A second replica on the same database: its own caches, the same secret.
    const now = () => t.clock.now;
    replica = await buildApp({
      config: t.config,
      database: t.database,
      tokens: createTokenService(t.config.JWT_SECRET!, t.config.JWT_TTL_HOURS * 3600, now),
      jobs: t.jobs,
      now,
      logger: false,
      eventWorker: false,
    });
    await replica.ready();
  });
  after(async () => {
    await replica.close();
    await t.close();
  });

  const current = async (app: FastifyInstance, token: string) => {
    const response = await app.inject({ method: 'GET', url: '/scrm/admin/sys/user/current', headers: { token, 'accept-language': 'en' } });
    return { status: response.statusCode, msg: response.json().msg as string };
  };
  const revokedRows = async () =>
    (await t.db.execute<{ jti: string; expires_at: Date }>(sql`SELECT jti, expires_at FROM sys_revoked_token ORDER BY expires_at`)).rows;
  const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { jti: string; exp: number };

  test('the signed-out token is refused at once on every replica; other sessions of the same user keep working', async () => {
    const first = await t.login();
    const second = await t.login();
    // Both replicas have seen (and cached) the user and the token.
    for (const app of [t.app, replica]) assert.equal((await current(app, first.token)).status, 200);

    const logout = await first.post('/scrm/admin/logout');
    assert.equal(logout.status, 200);
    assert.deepEqual(logout.body.date, { revoked: true });

    for (const app of [t.app, replica]) {
      assert.deepEqual(await current(app, first.token), { status: 401, msg: 'This session is no longer valid; please sign in again' });
      assert.equal((await current(app, second.token)).status, 200, 'another sign-in of the same user is not affected');
    }
    // Logging out again with the revoked token is a 401 like any other request with it.
    assert.equal((await first.post('/scrm/admin/logout')).status, 401);
    const [row] = (await revokedRows()).filter((r) => r.jti === claimsOf(first.token).jti);
    assert.equal(new Date(row.expires_at).getTime(), claimsOf(first.token).exp * 1000, 'kept exactly until the token would expire');
  });

  test('revocations expire with their tokens: storage holds one token lifetime of logouts', async () => {
    const early = await t.login();
    await early.post('/scrm/admin/logout');
    assert.ok((await revokedRows()).some((r) => r.jti === claimsOf(early.token).jti));

    // A token lifetime later, the next logout prunes what has expired.
    t.clock.now += t.config.JWT_TTL_HOURS * 3600_000 + 1000;
    const late = await t.login();
    await late.post('/scrm/admin/logout');
    const jtis = (await revokedRows()).map((r) => r.jti);
    assert.deepEqual(jtis, [claimsOf(late.token).jti]);
    assert.equal((await current(t.app, early.token)).status, 401, 'the expired token stays refused (expired)');
  });

  test('a token without a jti (which no logout could revoke) is refused', async () => {
    const claims = claimsOf((await t.login()).token) as unknown as Record<string, unknown>;
    const { jti: _jti, ...withoutJti } = claims;
    const token = await new SignJWT(withoutJti)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(new TextEncoder().encode(t.config.JWT_SECRET!));
    assert.equal((await current(t.app, token)).status, 401);
  });
});
