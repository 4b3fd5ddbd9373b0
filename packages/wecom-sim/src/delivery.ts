// Callback delivery as WeCom does it: the event XML is encrypted and signed (CallbackCrypto from
// @scrm/wecom), POSTed to the callback URL with msg_signature/timestamp/nonce, and retried when the
// receiver does not answer `success` (or an empty body) in time. Every attempt is recorded.
import { randomInt } from 'node:crypto';
import { CallbackCrypto } from '@scrm/wecom';

export interface CallbackTarget {
  url?: string;
  token: string;
  encodingAesKey: string;
  corpId: string;
  agentId: number;
}

export interface DeliveryOptions {
  /** How long the receiver has to answer (WeCom: 5 s). */
  timeoutMs: number;
  /** Retries after the first attempt (WeCom: 3). */
  maxRetries: number;
  /** Pause between attempts. */
  retryDelayMs: number;
  /** Deliveries in flight at once; 1 keeps callbacks in emission order. */
  concurrency: number;
  /** Records kept for inspection (oldest dropped first). */
  keep: number;
}

export const DEFAULT_DELIVERY_OPTIONS: DeliveryOptions = { timeoutMs: 5000, maxRetries: 3, retryDelayMs: 1000, concurrency: 1, keep: 10_000 };

export interface DeliveryAttempt {
  /** Wall-clock ms when the attempt started. */
  at: number;
  durationMs: number;
  httpStatus?: number;
  response?: string;
  error?: string;
  ok: boolean;
}

export interface Delivery {
  id: number;
  event: string;
  changeType?: string;
  /** Sim-clock seconds the event happened at (its CreateTime). */
  createTime: number;
  /** The plaintext event XML (what the receiver decrypts). */
  xml: string;
  url?: string;
  /** skipped: no callback URL configured (the event is still recorded). */
  status: 'pending' | 'delivering' | 'delivered' | 'failed' | 'skipped';
  attempts: DeliveryAttempt[];
}

export class CallbackDispatcher {
  readonly records: Delivery[] = [];
  options: DeliveryOptions;
  #nextId = 1;
  readonly #queue: Delivery[] = [];
  #active = 0;
  #idleWaiters: Array<() => void> = [];
  readonly #closing = new AbortController();
  readonly #timers = new Set<NodeJS.Timeout>();
  #crypto: { key: string; crypto: CallbackCrypto } | undefined;

  constructor(
    private readonly target: () => CallbackTarget,
    options: Partial<DeliveryOptions> = {},
  ) {
    this.options = { ...DEFAULT_DELIVERY_OPTIONS, ...options };
  }

  crypto(): CallbackCrypto {
    const { token, encodingAesKey, corpId } = this.target();
    const key = `${token}\n${encodingAesKey}\n${corpId}`;
    if (this.#crypto?.key !== key) this.#crypto = { key, crypto: new CallbackCrypto({ token, encodingAesKey, receiveId: corpId }) };
    return this.#crypto.crypto;
  }

  /** Records the event and queues its delivery; returns the record (which fills in as attempts happen). */
  dispatch(event: { event: string; changeType?: string; createTime: number; xml: string }): Delivery {
    const url = this.target().url;
    const delivery: Delivery = { id: this.#nextId++, ...event, url, status: url ? 'pending' : 'skipped', attempts: [] };
    this.records.push(delivery);
    if (this.records.length > this.options.keep) this.records.splice(0, this.records.length - this.options.keep);
    if (url && !this.#closing.signal.aborted) {
      this.#queue.push(delivery);
      this.#pump();
    }
    return delivery;
  }

  /** Resolves once every queued delivery has finished (delivered or out of retries). */
  flush(): Promise<void> {
    if (this.#queue.length === 0 && this.#active === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  close(): void {
    this.#closing.abort();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const delivery of this.#queue.splice(0)) delivery.status = 'failed';
    this.#settleIfIdle();
  }

  /** WeCom's URL check when the callback is configured: GET with echostr, expects the plaintext back. */
  async verifyUrl(): Promise<{ ok: boolean; expected: string; response?: string; error?: string }> {
    const url = this.target().url;
    const expected = `${randomInt(1e9, 9e9)}${randomInt(1e9, 9e9)}`;
    if (!url) return { ok: false, expected, error: 'no callback url configured' };
    const crypto = this.crypto();
    const echostr = crypto.encrypt(expected);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = String(randomInt(1e8, 1e10));
    const query = new URLSearchParams({ msg_signature: crypto.sign(timestamp, nonce, echostr), timestamp, nonce, echostr });
    try {
      const response = await fetch(withQuery(url, query), { signal: AbortSignal.timeout(this.options.timeoutMs) });
      const text = await response.text();
      return { ok: response.status === 200 && text === expected, expected, response: text };
    } catch (error) {
      return { ok: false, expected, error: (error as Error).message };
    }
  }

  #pump(): void {
    while (this.#active < this.options.concurrency && this.#queue.length > 0) {
      const delivery = this.#queue.shift() as Delivery;
      this.#active++;
      void this.#deliver(delivery).finally(() => {
        this.#active--;
        this.#pump();
        this.#settleIfIdle();
      });
    }
  }

  #settleIfIdle(): void {
    if (this.#queue.length === 0 && this.#active === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  async #deliver(delivery: Delivery): Promise<void> {
    delivery.status = 'delivering';
    const { agentId } = this.target();
    for (let attempt = 0; attempt <= this.options.maxRetries; attempt++) {
      if (this.#closing.signal.aborted) break;
      if (attempt > 0 && this.options.retryDelayMs > 0) await this.#sleep(this.options.retryDelayMs);
      if (this.#closing.signal.aborted) break;
      // Each attempt is sealed afresh: new timestamp, nonce and signature, as a real retry would be.
      const sealed = this.crypto().sealCallback(delivery.xml, { agentId: String(agentId) });
      const record = await this.#attempt(delivery.url as string, sealed);
      delivery.attempts.push(record);
      if (record.ok) {
        delivery.status = 'delivered';
        return;
      }
    }
    delivery.status = 'failed';
  }

  async #attempt(url: string, sealed: { query: { msg_signature: string; timestamp: string; nonce: string }; body: string }): Promise<DeliveryAttempt> {
    const at = Date.now();
    const started = performance.now();
    const signal = AbortSignal.any([this.#closing.signal, AbortSignal.timeout(this.options.timeoutMs)]);
    try {
      const response = await fetch(withQuery(url, new URLSearchParams({ ...sealed.query })), {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8' },
        body: sealed.body,
        signal,
      });
      const text = await response.text();
      const answer = text.trim();
      const ok = response.status === 200 && (answer === 'success' || answer === '');
      return { at, durationMs: Math.round(performance.now() - started), httpStatus: response.status, response: text.slice(0, 500), ok };
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      return { at, durationMs: Math.round(performance.now() - started), error: timedOut ? `no answer within ${this.options.timeoutMs} ms` : (error as Error).message, ok: false };
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
      this.#closing.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }
}

function withQuery(url: string, query: URLSearchParams): string {
  return `${url}${url.includes('?') ? '&' : '?'}${query.toString()}`;
}
