// The one verifier and the one nonce store of signed requests (open API and Nexus), in the database and in
// Redis (REDIS_URL; the local Redis like wecom-redis-token-cache.test.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from '../testing/test-app.ts';
import { createNonceStore, hmacSha256Hex, nonceExpiry, signRequest, stringToSign, verifySignature, type NonceStore } from './signed-request.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('verifySignature', () => {
  const parts = { method: 'GET', target: '/scrm/open/route/hit?getType=link&id=3', timestamp: '1700000000', nonce: 'nonce-0001', rawBody: '' };
  const now = 1_700_000_000_000;
  const forms = (timestamp: string, nonce: string) => [stringToSign({ ...parts, timestamp, nonce }), `${timestamp}\n${nonce}\n`];

  test('names the form that matched, and each failure', () => {
    const signature = signRequest('s3cret', parts);
    assert.deepEqual(verifySignature('s3cret', { ...parts, signature }, forms, now), { ok: true, timestamp: 1_700_000_000, nonce: 'nonce-0001', form: 0 });
    const second = verifySignature('s3cret', { ...parts, signature: signRequest('s3cret', parts).replace(/./g, '0') }, forms, now);
    assert.deepEqual(second, { ok: false, failure: 'badSignature' });
    const legacy = verifySignature('s3cret', { ...parts, signature: hmacSha256Hex('s3cret', '1700000000\nnonce-0001\n') }, forms, now);
    assert.equal(legacy.ok && legacy.form, 1);
    const failure = (headers: object, at = now) => {
      const result = verifySignature('s3cret', headers, forms, at);
      return result.ok ? 'ok' : result.failure;
    };
    assert.equal(failure({ ...parts, signature: undefined }), 'missingHeaders');
    assert.equal(failure({ ...parts, timestamp: '1e9', signature }), 'badTimestamp');
    assert.equal(failure({ ...parts, signature }, now + 301_000), 'staleRequest');
    assert.equal(failure({ ...parts, nonce: 'short', signature }), 'badNonce');
    assert.equal(failure({ ...parts, signature: 'xyz' }), 'badSignature');
    assert.equal(failure({ ...parts, signature: signRequest('other', parts) }), 'badSignature');
    assert.equal(failure({ ...parts, signature: signRequest('s3cret', { ...parts, method: 'POST' }) }), 'badSignature');
  });

  test('a nonce is remembered until its timestamp leaves the window', () => {
    assert.equal(nonceExpiry(1_700_000_000).getTime(), (1_700_000_000 + 301) * 1000);
  });
});

for (const mode of ['database', 'redis'] as const) {
  describe(`the nonce store (${mode})`, () => {
    let t: TestApp;
    let replicas: NonceStore[];
    const caller = () => `ak_test_${randomUUID().slice(0, 8)}`;

    before(async () => {
      t = await createTestApp();
      const options = { db: t.db, now: () => t.clock.now, redisUrl: mode === 'redis' ? REDIS_URL : undefined };
      replicas = [createNonceStore(options), createNonceStore(options)];
    });
    after(async () => {
      for (const store of replicas) await store.close();
      await t.close();
    });

    test('a nonce is single use per caller, on every replica; another caller may use the same nonce', async () => {
      const [one, two] = replicas;
      const app = caller();
      const expiresAt = new Date(t.clock.now + 300_000);
      assert.equal(await one.consume(app, 'nonce-shared-1', expiresAt), true);
      assert.equal(await one.consume(app, 'nonce-shared-1', expiresAt), false);
      assert.equal(await two.consume(app, 'nonce-shared-1', expiresAt), false, 'the other replica sees it spent');
      assert.equal(await two.consume(`nexus:${app}`, 'nonce-shared-1', expiresAt), true, 'nonces are per caller');
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => replicas[i % 2].consume(app, 'nonce-race-1', expiresAt)));
      assert.equal(results.filter(Boolean).length, 1, 'concurrent uses: exactly one wins');
    });

    test('consumeAndCount: the nonce, and the caller\'s requests counted in a one-minute window shared by the replicas', async () => {
      const app = caller();
      const expiresAt = new Date(t.clock.now + 300_000);
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await replicas[i % 2].consumeAndCount(app, `nonce-count-${i}`, expiresAt, 3));
      assert.deepEqual(answers.map((answer) => [answer.fresh, answer.remaining]), [[true, 2], [true, 1], [true, 0], [true, -1]]);
      assert.ok(answers[3].retryAfterMs > 0 && answers[3].retryAfterMs <= 60_000, String(answers[3].retryAfterMs));
      const replay = await replicas[0].consumeAndCount(app, 'nonce-count-0', expiresAt, 3);
      assert.equal(replay.fresh, false);
    });

    // The database's requests waiting together share one statement (Redis answers each on its own; a replay is not counted there).
    if (mode === 'database') test('consumeAndCount at once (one statement for the requests waiting together): each counted once, in turn; a nonce twice is fresh once', async () => {
      const app = caller();
      const expiresAt = new Date(t.clock.now + 300_000);
      const nonces = ['burst-1', 'burst-2', 'burst-3', 'burst-2', 'burst-4', 'burst-5'];
      const answers = await Promise.all(nonces.map((nonce) => replicas[0].consumeAndCount(app, nonce, expiresAt, 4)));
      assert.equal(answers.filter((answer) => answer.fresh).length, 5, 'five distinct nonces');
      assert.equal(answers.filter((answer, i) => nonces[i] === 'burst-2' && answer.fresh).length, 1, 'the repeated nonce: one fresh');
      assert.deepEqual(answers.map((answer) => answer.remaining).sort((a, b) => b - a), [3, 2, 1, 0, -1, -2], 'every request counted once');
      const other = await replicas[1].consumeAndCount(app, 'burst-6', expiresAt, 4);
      assert.deepEqual([other.fresh, other.remaining], [true, -3], 'the other replica counts on from there');
    });
  });
}
