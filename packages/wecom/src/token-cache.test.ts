import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CachedCredential, MemoryTokenCache } from './token-cache.ts';

describe('MemoryTokenCache', () => {
  it('expires entries after their ttl', async () => {
    let now = 1_000_000;
    const cache = new MemoryTokenCache({ now: () => now });
    await cache.set('key', 'value', 10);
    assert.equal(await cache.get('key'), 'value');
    now += 9_999;
    assert.equal(await cache.get('key'), 'value');
    now += 1;
    assert.equal(await cache.get('key'), undefined);
    assert.equal(await cache.get('missing'), undefined);
  });
});

describe('CachedCredential', () => {
  function counting(values: string[], expiresInSeconds = 7200) {
    let fetches = 0;
    const ttls: number[] = [];
    const cache = new MemoryTokenCache();
    const spy = {
      get: (key: string) => cache.get(key),
      set: (key: string, value: string, ttl: number) => {
        ttls.push(ttl);
        return cache.set(key, value, ttl);
      },
    };
    const credential = new CachedCredential({
      cache: spy,
      key: 'token',
      fetch: async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { value: values[fetches++], expiresInSeconds };
      },
    });
    return { credential, cache, ttls, fetches: () => fetches };
  }

  it('caches with a margin before WeCom expiry, and half the lifetime for short ones', async () => {
    const long = counting(['A']);
    assert.equal(await long.credential.get(), 'A');
    assert.deepEqual(long.ttls, [6900]);
    const short = counting(['B'], 300);
    await short.credential.get();
    assert.deepEqual(short.ttls, [150]);
  });

  it('refreshes a stale value once for concurrent callers', async () => {
    const { credential, fetches } = counting(['A', 'B', 'C']);
    assert.equal(await credential.get(), 'A');
    const refreshed = await Promise.all([credential.refresh('A'), credential.refresh('A'), credential.refresh('A')]);
    assert.deepEqual(refreshed, ['B', 'B', 'B']);
    assert.equal(fetches(), 2);
    // A caller still holding A after B was stored gets B without another fetch.
    assert.equal(await credential.refresh('A'), 'B');
    assert.equal(fetches(), 2);
  });

  it('never hands a stale value back from refresh, even when joining a plain cache fill', async () => {
    // The first read misses; while the resulting fill re-reads the cache (slowly), another replica has
    // stored A. A refresh('A') that joins that fill must not be satisfied with A.
    let reads = 0;
    let stored: string | undefined;
    let fetches = 0;
    const credential = new CachedCredential({
      cache: {
        async get() {
          reads++;
          if (reads === 1) return undefined;
          await new Promise((resolve) => setTimeout(resolve, 20));
          return stored ?? 'A';
        },
        async set(_key, value) {
          stored = value;
        },
      },
      key: 'token',
      fetch: async () => ({ value: `B${++fetches}`, expiresInSeconds: 7200 }),
    });
    const filling = credential.get();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const refreshing = credential.refresh('A');
    assert.equal(await filling, 'A');
    assert.equal(await refreshing, 'B1');
    assert.equal(fetches, 1);
  });

  it('lets a failed fetch be retried by the next caller', async () => {
    let attempts = 0;
    const credential = new CachedCredential({
      cache: new MemoryTokenCache(),
      key: 'token',
      fetch: async () => {
        attempts++;
        if (attempts === 1) throw new Error('gettoken failed');
        return { value: 'A', expiresInSeconds: 7200 };
      },
    });
    await assert.rejects(credential.get(), /gettoken failed/);
    assert.equal(await credential.get(), 'A');
  });
});
