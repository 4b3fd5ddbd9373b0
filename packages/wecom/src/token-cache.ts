// Where access tokens and JS-SDK tickets live between calls. WeCom throttles gettoken, and every replica
// should share one token, so the server can plug a Redis-backed cache; this file has the in-memory one.

export interface TokenCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /**
   * Optional distributed single-flight: run `work` while holding a lock on `key`, so only one replica
   * fetches a new token at a time. Within one process the client already deduplicates fetches.
   */
  lock?<T>(key: string, work: () => Promise<T>): Promise<T>;
}

export interface MemoryTokenCacheOptions {
  /** Clock in milliseconds, injectable for tests. */
  now?: () => number;
}

export class MemoryTokenCache implements TokenCache {
  readonly #entries = new Map<string, { value: string; expiresAt: number }>();
  readonly #now: () => number;

  constructor(options: MemoryTokenCacheOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  async get(key: string): Promise<string | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlSeconds * 1000 });
  }
}

export interface CachedCredentialOptions {
  cache: TokenCache;
  key: string;
  /** Fetches a fresh value and how long WeCom says it lives. */
  fetch: () => Promise<{ value: string; expiresInSeconds: number }>;
  /** Seconds subtracted from WeCom's expires_in so a value is never used right at its expiry. */
  expiryMarginSeconds?: number;
}

/**
 * A cached credential (access token or ticket) with single-flight refresh: concurrent callers that miss
 * the cache share one fetch, and `refresh(stale)` only refetches if nobody replaced the stale value yet.
 */
export class CachedCredential {
  readonly #options: CachedCredentialOptions;
  #inFlight: Promise<string> | undefined;

  constructor(options: CachedCredentialOptions) {
    this.#options = options;
  }

  async get(): Promise<string> {
    return (await this.#options.cache.get(this.#options.key)) ?? this.#singleFlight(undefined);
  }

  /** Called when WeCom rejected `stale`; returns a value that is not `stale`. */
  async refresh(stale: string): Promise<string> {
    const value = await this.#singleFlight(stale);
    // We may have joined a plain cache fill that found the stale value still cached.
    return value === stale ? this.#singleFlight(stale) : value;
  }

  #singleFlight(stale: string | undefined): Promise<string> {
    this.#inFlight ??= this.#load(stale).finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #load(stale: string | undefined): Promise<string> {
    const { cache, key } = this.#options;
    const work = async () => {
      // Another caller (or replica, under the lock) may have stored a fresh value meanwhile.
      const current = await cache.get(key);
      if (current !== undefined && current !== stale) return current;
      const fetched = await this.#options.fetch();
      const margin = this.#options.expiryMarginSeconds ?? 300;
      const lifetime = fetched.expiresInSeconds;
      const ttl = lifetime > margin * 2 ? lifetime - margin : Math.max(1, Math.floor(lifetime / 2));
      await cache.set(key, fetched.value, ttl);
      return fetched.value;
    };
    return cache.lock ? cache.lock(key, work) : work();
  }
}
