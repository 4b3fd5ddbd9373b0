// Issue 14, hole 6: five wrong passwords from anyone locked `admin` out for 15 minutes; no per-address limit;
// failure rows for unknown usernames grew without bound; X-Forwarded-For was not a question of configuration.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createTestApp, TEST_ADMIN_PASSWORD, type TestApp } from '../../testing/test-app.ts';
import { PASSWORD, createUser } from './test-fixtures.ts';
import {
  DEVICE_REVOKE_FAILURES, LOGIN_FREE_FAILURES, LOGIN_MAX_WAIT_SECONDS, LOGIN_QUIET_SECONDS, LOGIN_THROTTLE_BUCKETS, throttleKeyOf, waitAfterFailures,
} from './login-throttle.ts';

const login = (t: TestApp, username: string, password: string, options: { ip?: string; forwardedFor?: string; deviceToken?: string } = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/scrm/admin/login',
    payload: { username, password, ...(options.deviceToken === undefined ? {} : { deviceToken: options.deviceToken }) },
    remoteAddress: options.ip ?? '127.0.0.1',
    headers: options.forwardedFor ? { 'x-forwarded-for': options.forwardedFor } : {},
  });

describe('waitAfterFailures', () => {
  test('nothing for the free failures, then doubling from 1 s, never above the cap', () => {
    for (let n = 0; n < LOGIN_FREE_FAILURES; n++) assert.equal(waitAfterFailures(n), 0);
    assert.deepEqual([5, 6, 7, 8, 9, 10].map(waitAfterFailures), [1, 2, 4, 8, 16, 32]);
    for (const n of [11, 12, 20, 100, 10_000]) assert.equal(waitAfterFailures(n), LOGIN_MAX_WAIT_SECONDS);
  });
  test('throttle keys are one of a fixed number of buckets, never the username', () => {
    const keys = new Set(Array.from({ length: 2000 }, (_, i) => throttleKeyOf(`user${i}`)));
    for (const key of keys) {
      assert.match(key, /^b\d+$/);
      assert.ok(Number(key.slice(1)) < LOGIN_THROTTLE_BUCKETS);
    }
    assert.equal(throttleKeyOf('admin'), throttleKeyOf('admin'));
    assert.ok(keys.size > 1900, 'spread over the buckets');
  });
});

describe('sign-in abuse', () => {
  let t: TestApp;

  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  test('nobody can lock admin out: failures slow attempts down to one a minute at most, and the right password then works', async () => {
    const start = t.clock.now;
    try {
      let failures = 0;
      // An attacker who always waits exactly as told: 40 wrong passwords.
      for (let i = 0; i < 40; i++) {
        const response = await login(t, 'admin', `wrong-${i}`);
        assert.equal(response.statusCode, 401, `attempt ${i}`);
        failures++;
        const wait = waitAfterFailures(failures);
        if (wait > 0) {
          // Too early: refused without checking the password, even the right one, with Retry-After.
          const early = await login(t, 'admin', TEST_ADMIN_PASSWORD);
          assert.equal(early.statusCode, 429);
          assert.equal(early.headers['retry-after'], String(wait));
          assert.equal(early.json().code, '429');
          assert.ok(wait <= LOGIN_MAX_WAIT_SECONDS);
          t.clock.now += wait * 1000;
        }
      }
      assert.equal(failures, 40);
      // The guessing rate is bounded: the last waits were the cap.
      assert.equal(waitAfterFailures(failures), LOGIN_MAX_WAIT_SECONDS);
      // After at most the cap the administrator signs in (old code: 15 minutes locked after five failures).
      const response = await login(t, 'admin', TEST_ADMIN_PASSWORD);
      assert.equal(response.statusCode, 200, response.body);
    } finally {
      t.clock.now = start;
    }
  });

  test('an unknown username is answered exactly like a wrong password, throttled alike, in similar time', async () => {
    const wrong = await login(t, 'admin', 'not-the-password');
    const unknown = await login(t, 'nobody-by-this-name', 'not-the-password');
    assert.equal(unknown.statusCode, wrong.statusCode);
    assert.deepEqual(unknown.json(), wrong.json());
    assert.equal(unknown.json().msg, '用户名或密码错误');
    // The same waits for a name that does not exist.
    for (let i = 1; i < LOGIN_FREE_FAILURES; i++) assert.equal((await login(t, 'nobody-by-this-name', 'x')).statusCode, 401);
    const waiting = await login(t, 'nobody-by-this-name', 'x');
    assert.equal(waiting.statusCode, 429);
    assert.equal(waiting.headers['retry-after'], '1');

    // Both check a password hash: neither answers much faster than the other. The two are timed in turns, so a
    // burst of load on a shared machine falls on both alike; the median of five each.
    const times = { known: [] as number[], missing: [] as number[] };
    await t.db.execute(sql`DELETE FROM sys_login_failure`);
    for (let i = 0; i < 5; i++) {
      for (const [key, username] of [['known', 'admin'], ['missing', 'someone-else-entirely']] as const) {
        const begin = performance.now();
        await login(t, username, `wrong-${i}`);
        times[key].push(performance.now() - begin);
        // Keep clear of the waits so each attempt checks a password.
        await t.db.execute(sql`DELETE FROM sys_login_failure`);
      }
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[2];
    const known = median(times.known);
    const missing = median(times.missing);
    assert.ok(missing > known / 3 && known > missing / 3, `known ${known.toFixed(1)} ms, unknown ${missing.toFixed(1)} ms`);
  });

  test('storage stays bounded: rows are buckets, not usernames, and quiet rows are pruned', async () => {
    await t.db.execute(sql`DELETE FROM sys_login_failure`);
    for (let i = 0; i < 150; i++) assert.equal((await login(t, `random-${i}-${Math.random()}`, 'x', { ip: `10.0.${i >> 8}.${i & 255}` })).statusCode, 401);
    const rows = (await t.db.execute<{ username: string }>(sql`SELECT username FROM sys_login_failure`)).rows;
    assert.ok(rows.length > 0 && rows.length <= 150);
    assert.ok(rows.every((row) => /^b\d+$/.test(row.username)), 'no username is stored');

    const start = t.clock.now;
    try {
      t.clock.now = start + LOGIN_QUIET_SECONDS * 1000 + 1000;
      await login(t, 'one-more', 'x');
      const left = (await t.db.execute<{ username: string }>(sql`SELECT username FROM sys_login_failure`)).rows.map((row) => row.username);
      assert.deepEqual(left, [throttleKeyOf('one-more')], 'the quiet rows are gone');
    } finally {
      t.clock.now = start;
    }
  });
});

describe('device tokens (OWASP device cookies): an attacker keeping the account waiting does not keep its owner out', () => {
  let t: TestApp;

  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  /** Wrong passwords for `admin` until its account answers 429: an attacker who never stops. */
  const keepAdminWaiting = async () => {
    for (let i = 0; i < 100; i++) {
      const response = await login(t, 'admin', `attacker-guess-${i}`);
      if (response.statusCode === 429) return;
      assert.equal(response.statusCode, 401);
    }
    assert.fail('the account never waits');
  };
  const deviceTokenOf = (response: { statusCode: number; body: string; json(): any }) => {
    assert.equal(response.statusCode, 200, response.body);
    const token = response.json().date.deviceToken as string;
    assert.match(token, /^d1\.[\w-]+\.[\w-]+$/);
    return token;
  };

  test('the real admin with a device token signs in at once; with a wrong password it gets a wait of its own, then is revoked', async () => {
    const start = t.clock.now;
    try {
      const device = deviceTokenOf(await login(t, 'admin', TEST_ADMIN_PASSWORD));
      const otherDevice = deviceTokenOf(await login(t, 'admin', TEST_ADMIN_PASSWORD));
      assert.notEqual(device, otherDevice, 'every sign-in hands out a new device token');
      await keepAdminWaiting();
      assert.equal((await login(t, 'admin', TEST_ADMIN_PASSWORD)).statusCode, 429, 'without a device token: the account waits');
      // With one: signed in at once (old code: 429 until the attacker stops), and a fresh device token.
      deviceTokenOf(await login(t, 'admin', TEST_ADMIN_PASSWORD, { deviceToken: device }));

      // Wrong passwords with the device token: the free failures, then the device's own waits.
      let failures = 0;
      for (; failures < LOGIN_FREE_FAILURES; failures++) {
        await keepAdminWaiting();
        assert.equal((await login(t, 'admin', `device-guess-${failures}`, { deviceToken: device })).statusCode, 401, 'the account wait does not apply');
      }
      while (failures < DEVICE_REVOKE_FAILURES) {
        const wait = waitAfterFailures(failures);
        const early = await login(t, 'admin', TEST_ADMIN_PASSWORD, { deviceToken: device });
        assert.equal(early.statusCode, 429, 'a stolen device token still cannot guess fast');
        assert.equal(early.headers['retry-after'], String(wait));
        // Another device of the same user is not held up by this one's wait, nor by the account's.
        await keepAdminWaiting();
        deviceTokenOf(await login(t, 'admin', TEST_ADMIN_PASSWORD, { deviceToken: otherDevice }));
        t.clock.now += wait * 1000;
        await keepAdminWaiting();
        assert.equal((await login(t, 'admin', `device-guess-${failures}`, { deviceToken: device })).statusCode, 401);
        failures++;
      }
      // Tripped too far: the device token is revoked, even with the right password and a long quiet while
      // (its sign-ins are now like those without one: the account's wait).
      t.clock.now += 2 * LOGIN_QUIET_SECONDS * 1000;
      await keepAdminWaiting();
      assert.equal((await login(t, 'admin', TEST_ADMIN_PASSWORD, { deviceToken: device })).statusCode, 429);
      deviceTokenOf(await login(t, 'admin', TEST_ADMIN_PASSWORD, { deviceToken: otherDevice }));
    } finally {
      t.clock.now = start;
      await t.db.execute(sql`DELETE FROM sys_login_failure`);
    }
  });

  test('a forged, altered, expired or other user\'s device token, or one from before a password change, gives no way around the wait', async () => {
    const start = t.clock.now;
    try {
      const admin = await t.login();
      await createUser(admin, { username: 'device_owner', password: PASSWORD });
      const devices = deviceTokenOf(await login(t, 'device_owner', PASSWORD));
      const adminDevice = deviceTokenOf(await login(t, 'admin', TEST_ADMIN_PASSWORD));
      const [version, payload, signature] = adminDevice.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      const resigned = (changes: object) => `${version}.${Buffer.from(JSON.stringify({ ...claims, ...changes })).toString('base64url')}.${signature}`;
      await keepAdminWaiting();
      const refused = [
        devices, // another user's
        resigned({ username: 'admin', uid: claims.uid + 1 }),
        resigned({ exp: claims.exp + 3600 }), // altered payload, old signature
        `${version}.${payload}.${'A'.repeat(signature.length)}`, // forged signature
        'd1.e30.AAAA',
        'garbage',
        '',
      ];
      for (const deviceToken of refused) {
        assert.equal((await login(t, 'admin', TEST_ADMIN_PASSWORD, { deviceToken })).statusCode, 429, deviceToken);
      }
      assert.equal((await login(t, 'admin', TEST_ADMIN_PASSWORD, { deviceToken: 'x'.repeat(600) })).statusCode, 400, 'too long');
      // Expired after 180 days.
      t.clock.now += 181 * 24 * 3600 * 1000;
      await keepAdminWaiting();
      assert.equal((await login(t, 'admin', TEST_ADMIN_PASSWORD, { deviceToken: adminDevice })).statusCode, 429, 'expired');
      t.clock.now = start;
      await t.db.execute(sql`DELETE FROM sys_login_failure`);

      // A password change invalidates the user's device tokens.
      const owner = await t.login('device_owner', PASSWORD);
      assert.equal((await owner.post('/scrm/admin/sys/user/updatePassword', { oldPassword: PASSWORD, newPassword: 'Changed-pass-5678' })).status, 200);
      for (let i = 0; i < LOGIN_FREE_FAILURES + 1; i++) await login(t, 'device_owner', `attacker-${i}`);
      assert.equal((await login(t, 'device_owner', 'Changed-pass-5678', { deviceToken: devices })).statusCode, 429, 'issued before the password change');
    } finally {
      t.clock.now = start;
      await t.db.execute(sql`DELETE FROM sys_login_failure`);
    }
  });
});

describe('sign-in rate limit per client address', () => {
  let direct: TestApp;
  let proxied: TestApp;

  before(async () => {
    direct = await createTestApp({ env: { LOGIN_RATE_LIMIT: '5' } });
    proxied = await createTestApp({ env: { LOGIN_RATE_LIMIT: '5', TRUST_PROXY: '127.0.0.1' } });
  });
  after(async () => {
    await direct.close();
    await proxied.close();
  });

  test('a burst of sign-ins with random usernames from one address gets 429 (with Retry-After), other addresses do not', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await login(direct, `random-${i}`, 'x', { ip: '203.0.113.7' })).statusCode);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429, 429]);
    const limited = await login(direct, 'admin', TEST_ADMIN_PASSWORD, { ip: '203.0.113.7' });
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().code, '429');
    assert.match(limited.json().msg, /登录请求过于频繁，请 \d+ 秒后再试/);
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.equal((await login(direct, 'admin', TEST_ADMIN_PASSWORD, { ip: '203.0.113.8' })).statusCode, 200);
  });

  test('without TRUST_PROXY a forged X-Forwarded-For changes nothing', async () => {
    for (let i = 0; i < 5; i++) await login(direct, `spoof-${i}`, 'x', { ip: '198.51.100.1', forwardedFor: `192.0.2.${i}` });
    assert.equal((await login(direct, 'spoof-x', 'x', { ip: '198.51.100.1', forwardedFor: '192.0.2.200' })).statusCode, 429);
  });

  test('with TRUST_PROXY the configured proxy\'s X-Forwarded-For names the client; others\' is ignored', async () => {
    // Through the trusted proxy (127.0.0.1): each client address has its own allowance.
    for (let i = 0; i < 5; i++) assert.equal((await login(proxied, `via-${i}`, 'x', { forwardedFor: '192.0.2.10' })).statusCode, 401);
    assert.equal((await login(proxied, 'via-x', 'x', { forwardedFor: '192.0.2.10' })).statusCode, 429);
    assert.equal((await login(proxied, 'admin', TEST_ADMIN_PASSWORD, { forwardedFor: '192.0.2.11' })).statusCode, 200);
    // From an untrusted peer the header is ignored: the peer itself is limited.
    for (let i = 0; i < 5; i++) await login(proxied, `direct-${i}`, 'x', { ip: '198.51.100.2', forwardedFor: `192.0.2.${20 + i}` });
    assert.equal((await login(proxied, 'direct-x', 'x', { ip: '198.51.100.2', forwardedFor: '192.0.2.99' })).statusCode, 429);
  });
});
