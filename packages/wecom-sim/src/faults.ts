// Fault injection for /cgi-bin calls (never gettoken): added latency, 45009 after N calls per window
// and API, -1 for a seeded share of calls or the next N calls, and early token expiry after N calls.
import { SeededRandom } from './random.ts';

export interface FaultSettings {
  /** Answer 45009 once an API got more than `calls` calls in the current window (WeCom: per minute). */
  rateLimit: { calls: number; windowMs: number } | null;
  /** Share (0..1) of calls answered -1 (system busy), drawn from a seeded sequence. */
  failureRate: number;
  /** The next N calls fail with `failNextErrcode` (default -1); counts down. */
  failNext: number;
  failNextErrcode: number;
  /** Added to every call before it is answered. */
  latencyMs: number;
  /** Each token is revoked (42001) after this many calls. */
  tokenExpiryAfterCalls: number | null;
  /** Limit faults to these API paths (e.g. 'user/get'); null = all. */
  apis: string[] | null;
}

export type FaultOptions = Partial<Omit<FaultSettings, 'rateLimit'>> & {
  rateLimit?: { calls: number; windowMs?: number } | null;
};

const NO_FAULTS: FaultSettings = {
  rateLimit: null,
  failureRate: 0,
  failNext: 0,
  failNextErrcode: -1,
  latencyMs: 0,
  tokenExpiryAfterCalls: null,
  apis: null,
};

export interface FaultCounters {
  rateLimited: number;
  failed: number;
  delayed: number;
}

export class FaultInjector {
  settings: FaultSettings = { ...NO_FAULTS };
  readonly counters: FaultCounters = { rateLimited: 0, failed: 0, delayed: 0 };
  readonly #random: SeededRandom;
  readonly #windows = new Map<string, { startMs: number; count: number }>();
  /** Calls per token since the token-expiry fault was set. */
  readonly #tokenCalls = new Map<string, number>();

  constructor(
    seed: string,
    private readonly now: () => number,
    initial?: FaultOptions,
  ) {
    this.#random = new SeededRandom(`${seed}:faults`);
    if (initial) this.set(initial);
  }

  set(options: FaultOptions): FaultSettings {
    const { rateLimit, ...rest } = options;
    const defined = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
    this.settings = { ...this.settings, ...defined };
    if ('tokenExpiryAfterCalls' in defined) this.#tokenCalls.clear();
    if (rateLimit !== undefined) {
      this.settings.rateLimit = rateLimit === null ? null : { calls: rateLimit.calls, windowMs: rateLimit.windowMs ?? 60_000 };
      this.#windows.clear();
    }
    return this.settings;
  }

  reset(): FaultSettings {
    this.settings = { ...NO_FAULTS };
    this.#windows.clear();
    this.#tokenCalls.clear();
    return this.settings;
  }

  applies(api: string): boolean {
    return this.settings.apis === null || this.settings.apis.includes(api);
  }

  async delay(api: string): Promise<void> {
    if (this.settings.latencyMs > 0 && this.applies(api)) {
      this.counters.delayed++;
      await new Promise((resolve) => setTimeout(resolve, this.settings.latencyMs));
    }
  }

  /** Counts a call made with `token`; true once the token has used up its calls (revoke it: 42001). */
  tokenExpired(api: string, token: string): boolean {
    const limit = this.settings.tokenExpiryAfterCalls;
    if (limit === null || !this.applies(api)) return false;
    const calls = (this.#tokenCalls.get(token) ?? 0) + 1;
    this.#tokenCalls.set(token, calls);
    return calls > limit;
  }

  /** The errcode this call must fail with, if any. */
  failure(api: string): number | undefined {
    if (!this.applies(api)) return undefined;
    const { rateLimit } = this.settings;
    if (rateLimit) {
      const nowMs = this.now();
      let window = this.#windows.get(api);
      if (!window || nowMs - window.startMs >= rateLimit.windowMs) this.#windows.set(api, (window = { startMs: nowMs, count: 0 }));
      window.count++;
      if (window.count > rateLimit.calls) {
        this.counters.rateLimited++;
        return 45009;
      }
    }
    if (this.settings.failNext > 0) {
      this.settings.failNext--;
      this.counters.failed++;
      return this.settings.failNextErrcode;
    }
    if (this.settings.failureRate > 0 && this.#random.next() < this.settings.failureRate) {
      this.counters.failed++;
      return -1;
    }
    return undefined;
  }
}
