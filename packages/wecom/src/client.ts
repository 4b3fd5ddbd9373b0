// The WeCom API client: access token handling, retries, pacing and timeouts around typed API areas.
// The same code talks to the real API and to the simulator; only baseUrl differs.
import { createHash } from 'node:crypto';
import { AcquisitionApi } from './api/acquisition.ts';
import { BroadcastsApi } from './api/broadcasts.ts';
import { ContactWaysApi } from './api/contact-ways.ts';
import { ContactsApi } from './api/contacts.ts';
import { CorpTagsApi } from './api/corp-tags.ts';
import { ExternalContactApi } from './api/external-contact.ts';
import { GroupChatsApi, JoinWaysApi } from './api/group-chats.ts';
import { MediaApi } from './api/media.ts';
import { MomentsApi } from './api/moments.ts';
import { StatisticsApi } from './api/statistics.ts';
import { TicketsApi } from './api/tickets.ts';
import { TransfersApi } from './api/transfers.ts';
import { WelcomeApi } from './api/welcome.ts';
import { MessagesApi } from './api/messages.ts';
import { OAuthApi } from './api/oauth.ts';
import { GroupWelcomeTemplatesApi } from './api/group-welcome-templates.ts';
import { InterceptRulesApi } from './api/intercept-rules.ts';
import {
  RATE_LIMIT_ERRCODES,
  TOKEN_ERRCODES,
  TRANSIENT_ERRCODES,
  WecomApiError,
  WecomRequestError,
} from './errors.ts';
import { encodeMediaMultipart } from './multipart.ts';
import { MemoryRateLimiter, defaultSleep, type RateLimiter } from './rate-limiter.ts';
import type { RequestOptions, WecomRequester } from './requester.ts';
import { CachedCredential, MemoryTokenCache, type TokenCache } from './token-cache.ts';
import type { AccessTokenResponse, WecomResponse } from './types.ts';

export const DEFAULT_BASE_URL = 'https://qyapi.weixin.qq.com';

/** pino-compatible (Fastify's `app.log` fits). Entries never contain secrets, tokens or full URLs. */
export interface WecomLogger {
  debug(data: Record<string, unknown>, message: string): void;
  warn(data: Record<string, unknown>, message: string): void;
}

export interface RetryOptions {
  /** Retries after the first attempt for -1, 6000, 45009, 45033, 5xx and network errors. Default 3. */
  maxRetries?: number;
  /** First backoff delay for -1/6000/network errors, doubled each retry. Default 200 ms. */
  baseDelayMs?: number;
  /** First wait after 45009/45033, doubled each retry. Default 1,000 ms. */
  rateLimitDelayMs?: number;
  /** Upper bound of any single wait. Default 30,000 ms. */
  maxDelayMs?: number;
}

export interface WecomClientOptions {
  corpId: string;
  /** The secret of the app (客户联系 or self-built app); each secret has its own token. */
  secret: string;
  /** Default https://qyapi.weixin.qq.com; the simulator's URL in demo and tests. */
  baseUrl?: string;
  /** Needed for wx.agentConfig signatures. */
  agentId?: string | number;
  /** Where tokens and tickets are cached; memory by default, Redis to share them between replicas. */
  tokenCache?: TokenCache;
  /** Outbound pacing per corp and API; a memory token bucket of `callsPerMinute` by default. */
  limiter?: RateLimiter;
  /** For the default limiter. Default 10,000 (WeCom's per-corp, per-API limit). */
  callsPerMinute?: number;
  /** Per attempt. Default 10,000 ms. */
  timeoutMs?: number;
  logger?: WecomLogger;
  fetch?: typeof fetch;
  retry?: RetryOptions;
  /** Used for every backoff wait; injectable so tests do not wait. */
  sleep?: (milliseconds: number) => Promise<void>;
}

const silentLogger: WecomLogger = { debug() {}, warn() {} };

export class WecomClient implements WecomRequester {
  readonly corpId: string;
  readonly agentId: string | number | undefined;
  readonly baseUrl: string;

  readonly contacts: ContactsApi;
  readonly externalContact: ExternalContactApi;
  readonly corpTags: CorpTagsApi;
  readonly contactWays: ContactWaysApi;
  readonly acquisition: AcquisitionApi;
  readonly groupChats: GroupChatsApi;
  readonly joinWays: JoinWaysApi;
  readonly transfers: TransfersApi;
  readonly media: MediaApi;
  readonly welcome: WelcomeApi;
  readonly messages: MessagesApi;
  readonly oauth: OAuthApi;
  readonly statistics: StatisticsApi;
  readonly broadcasts: BroadcastsApi;
  readonly moments: MomentsApi;
  readonly tickets: TicketsApi;
  readonly groupWelcomeTemplates: GroupWelcomeTemplatesApi;
  readonly interceptRules: InterceptRulesApi;

  readonly #secret: string;
  readonly #accessToken: CachedCredential;
  readonly #limiter: RateLimiter;
  readonly #timeoutMs: number;
  readonly #logger: WecomLogger;
  readonly #fetch: typeof fetch;
  readonly #sleep: (milliseconds: number) => Promise<void>;
  readonly #maxRetries: number;
  readonly #baseDelayMs: number;
  readonly #rateLimitDelayMs: number;
  readonly #maxDelayMs: number;

  constructor(options: WecomClientOptions) {
    if (!options.corpId) throw new TypeError('corpId is required');
    if (!options.secret) throw new TypeError('secret is required');
    this.corpId = options.corpId;
    this.agentId = options.agentId;
    this.baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.#secret = options.secret;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#logger = options.logger ?? silentLogger;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#sleep = options.sleep ?? defaultSleep;
    this.#limiter = options.limiter ?? new MemoryRateLimiter({ callsPerMinute: options.callsPerMinute, sleep: this.#sleep });
    this.#maxRetries = options.retry?.maxRetries ?? 3;
    this.#baseDelayMs = options.retry?.baseDelayMs ?? 200;
    this.#rateLimitDelayMs = options.retry?.rateLimitDelayMs ?? 1_000;
    this.#maxDelayMs = options.retry?.maxDelayMs ?? 30_000;

    const tokenCache = options.tokenCache ?? new MemoryTokenCache();
    // Keyed by a fingerprint of the secret: each app has its own token, and the key must not reveal the secret.
    const secretFingerprint = createHash('sha256').update(options.secret).digest('hex').slice(0, 16);
    const cacheKeyPrefix = `wecom:${options.corpId}:${secretFingerprint}`;
    this.#accessToken = new CachedCredential({
      cache: tokenCache,
      key: `${cacheKeyPrefix}:access_token`,
      fetch: () => this.#fetchAccessToken(),
    });

    this.contacts = new ContactsApi(this);
    this.externalContact = new ExternalContactApi(this);
    this.corpTags = new CorpTagsApi(this);
    this.contactWays = new ContactWaysApi(this);
    this.acquisition = new AcquisitionApi(this);
    this.groupChats = new GroupChatsApi(this);
    this.joinWays = new JoinWaysApi(this);
    this.transfers = new TransfersApi(this);
    this.media = new MediaApi(this);
    this.welcome = new WelcomeApi(this);
    this.messages = new MessagesApi(this);
    this.oauth = new OAuthApi(this);
    this.statistics = new StatisticsApi(this);
    this.broadcasts = new BroadcastsApi(this);
    this.moments = new MomentsApi(this);
    this.groupWelcomeTemplates = new GroupWelcomeTemplatesApi(this);
    this.interceptRules = new InterceptRulesApi(this);
    this.tickets = new TicketsApi(this, { corpId: options.corpId, agentId: options.agentId, cache: tokenCache, cacheKeyPrefix });
  }

  /** The cached access token, fetched (once for all concurrent callers) when missing. */
  getAccessToken(): Promise<string> {
    return this.#accessToken.get();
  }

  /**
   * One API call with everything around it: `api` is the path under /cgi-bin/ (e.g. `externalcontact/get`).
   * Resolves with the body when errcode is 0, else throws WecomApiError; failures without a WeCom answer
   * throw WecomRequestError.
   */
  async request<Response extends WecomResponse>(api: string, options: RequestOptions): Promise<Response> {
    const authenticated = options.authenticated ?? true;
    let token = authenticated ? await this.#accessToken.get() : undefined;
    let tokenRefreshed = false;
    let retries = 0;
    for (;;) {
      await this.#limiter.acquire(`${this.corpId}:${api}`);
      const started = performance.now();
      let failure: WecomApiError | WecomRequestError;
      let delay: number | undefined;
      try {
        const body = await this.#send(api, options, token);
        const durationMs = Math.round(performance.now() - started);
        if (body.errcode === 0 || body.errcode === undefined) {
          this.#logger.debug({ api, method: options.method, retries, durationMs }, 'wecom call succeeded');
          return body as Response;
        }
        failure = new WecomApiError(body.errcode, this.#scrub(String(body.errmsg ?? ''), token), api);
        if (token !== undefined && TOKEN_ERRCODES.has(body.errcode) && !tokenRefreshed) {
          // WeCom may invalidate tokens early; refetch once, without spending a retry.
          this.#logger.warn({ api, errcode: body.errcode }, 'wecom access token rejected, refetching');
          tokenRefreshed = true;
          token = await this.#accessToken.refresh(token);
          continue;
        }
        if (TRANSIENT_ERRCODES.has(body.errcode)) delay = this.#backoff(this.#baseDelayMs, retries);
        else if (RATE_LIMIT_ERRCODES.has(body.errcode)) delay = this.#backoff(this.#rateLimitDelayMs, retries);
      } catch (error) {
        if (!(error instanceof WecomRequestError)) throw error;
        failure = error;
        if (isRetryable(error, options)) delay = this.#backoff(this.#baseDelayMs, retries);
      }
      if (delay === undefined || retries >= this.#maxRetries) throw failure;
      retries++;
      this.#logger.warn(
        {
          api,
          retry: retries,
          delayMs: delay,
          errcode: failure instanceof WecomApiError ? failure.errcode : undefined,
          failure: failure instanceof WecomRequestError ? failure.failure : undefined,
        },
        'wecom call failed, retrying',
      );
      await this.#sleep(delay);
    }
  }

  async #fetchAccessToken(): Promise<{ value: string; expiresInSeconds: number }> {
    const response = await this.request<AccessTokenResponse>('gettoken', {
      method: 'GET',
      query: { corpid: this.corpId, corpsecret: this.#secret },
      authenticated: false,
    });
    if (typeof response.access_token !== 'string' || response.access_token === '') {
      throw new WecomRequestError('invalid_response', 'gettoken', 'no access_token in the response');
    }
    return { value: response.access_token, expiresInSeconds: Number(response.expires_in) || 7200 };
  }

  async #send(api: string, options: RequestOptions, token: string | undefined): Promise<WecomResponse> {
    const url = new URL(`${this.baseUrl}/cgi-bin/${api}`);
    if (token !== undefined) url.searchParams.set('access_token', token);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: Uint8Array<ArrayBuffer> | string | undefined;
    if (options.file) {
      const multipart = encodeMediaMultipart(options.file);
      headers['content-type'] = multipart.contentType;
      body = multipart.body;
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }

    let status: number;
    let text: string;
    try {
      const response = await this.#fetch(url, { method: options.method, headers, body, signal: AbortSignal.timeout(this.#timeoutMs) });
      status = response.status;
      text = await response.text();
    } catch (error) {
      throw this.#requestFailure(api, error, token);
    }
    if (status < 200 || status >= 300) {
      throw new WecomRequestError('http_status', api, `HTTP ${status}`, status);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new WecomRequestError('invalid_response', api, 'the body is not JSON', status);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new WecomRequestError('invalid_response', api, 'the body is not a JSON object', status);
    }
    const errcode = (parsed as { errcode?: unknown }).errcode;
    if (errcode !== undefined && typeof errcode !== 'number') {
      throw new WecomRequestError('invalid_response', api, 'errcode is not a number', status);
    }
    return parsed as WecomResponse;
  }

  #requestFailure(api: string, error: unknown, token: string | undefined): WecomRequestError {
    const name = (error as { name?: string } | null)?.name;
    if (name === 'TimeoutError') return new WecomRequestError('timeout', api, `no answer within ${this.#timeoutMs} ms`);
    const message = error instanceof Error ? error.message : String(error);
    const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
    const detail = [message, cause?.code ?? cause?.message].filter(Boolean).join(': ');
    return new WecomRequestError('network', api, this.#scrub(detail, token));
  }

  /** Exponential backoff with up to 20% jitter, so replicas hit by the same -1 do not retry in step. */
  #backoff(base: number, retriesSoFar: number): number {
    return Math.round(Math.min(this.#maxDelayMs, base * 2 ** retriesSoFar * (1 + Math.random() * 0.2)));
  }

  /** Belt and braces: errmsg and transport errors must never echo the secret or the token back. */
  #scrub(text: string, token: string | undefined): string {
    let scrubbed = text.split(this.#secret).join('***');
    if (token) scrubbed = scrubbed.split(token).join('***');
    return scrubbed;
  }
}

function isRetryable(error: WecomRequestError, options: RequestOptions): boolean {
  switch (error.failure) {
    case 'network':
      return true;
    case 'timeout':
      // A write that timed out may have been applied; repeating it could, e.g., create a link twice.
      return !options.mutating;
    case 'http_status':
      return error.status === 429 || (error.status ?? 0) >= 500;
    case 'invalid_response':
      return false;
  }
}
