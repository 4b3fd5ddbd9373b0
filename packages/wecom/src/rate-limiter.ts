// Outbound limiter: WeCom allows each corp 10,000 calls per minute per API (API-FACTS §1.4) and blocks the
// API for 60 s when that is exceeded, so the client paces itself instead. The server can plug a shared
// (Redis) limiter so that all replicas together stay under the limit.

export interface RateLimiter {
  /** Resolves when one call for `key` (corp id + API path) may be made. */
  acquire(key: string): Promise<void>;
}

export interface MemoryRateLimiterOptions {
  /** Calls allowed per key per minute; also the burst size. Default 10,000. */
  callsPerMinute?: number;
  now?: () => number;
  sleep?: (milliseconds: number) => Promise<void>;
}

/** A token bucket per key that refills continuously; callers over the budget wait their turn in order. */
export class MemoryRateLimiter implements RateLimiter {
  readonly #capacity: number;
  readonly #refillPerMillisecond: number;
  readonly #now: () => number;
  readonly #sleep: (milliseconds: number) => Promise<void>;
  readonly #buckets = new Map<string, { tokens: number; updatedAt: number }>();

  constructor(options: MemoryRateLimiterOptions = {}) {
    const callsPerMinute = options.callsPerMinute ?? 10_000;
    if (!(callsPerMinute > 0)) throw new RangeError('callsPerMinute must be positive');
    this.#capacity = callsPerMinute;
    this.#refillPerMillisecond = callsPerMinute / 60_000;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? defaultSleep;
  }

  async acquire(key: string): Promise<void> {
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#capacity, updatedAt: now };
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + (now - bucket.updatedAt) * this.#refillPerMillisecond);
    bucket.updatedAt = now;
    // Reserve a token even when the bucket is empty: the debt orders waiting callers first come, first served.
    bucket.tokens -= 1;
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 0) await this.#sleep(Math.ceil(-bucket.tokens / this.#refillPerMillisecond));
  }
}

export function defaultSleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
