// Signed requests from third-party apps (the open API, /scrm/open/**): who is calling (app key), that the
// request is theirs and unchanged (HMAC-SHA256 with the app's secret), fresh (±5 minutes) and not replayed
// (single-use nonce), and within the app's rate limit. Reusable by any /open route: register the guard in a
// plugin and read `request.openApp`.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { and, eq, lt, sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Db } from './db/database.ts';
import { openApp, openNonce } from '../db/schema/index.ts';
import { AppError, BadRequest } from './http/errors.ts';
import { registerMessages } from './http/i18n.ts';
import { keepRawJsonBodies } from './http/raw-body.ts';

export const OPEN_HEADERS = {
  key: 'x-app-key',
  timestamp: 'x-timestamp',
  nonce: 'x-nonce',
  signature: 'x-signature',
} as const;

/** Accepted clock difference between a caller and SCRM, either direction. */
export const OPEN_MAX_SKEW_SECONDS = 300;

/** The scheme, for OpenAPI descriptions of every signed endpoint. */
export const OPEN_SIGNATURE_DOC = [
  'Signed request (third-party app). Headers:',
  '`x-app-key`: the app key (系统管理 → 开放平台);',
  '`x-timestamp`: unix time in seconds, within ±300 s of the server clock;',
  '`x-nonce`: 8–64 characters [A-Za-z0-9_-], single use;',
  '`x-signature`: lowercase hex HMAC-SHA256 keyed with the app secret of the UTF-8 string',
  '`${METHOD}\\n${pathAndQuery}\\n${timestamp}\\n${nonce}\\n${rawBody}` — METHOD upper case, pathAndQuery the request target exactly as sent',
  '(e.g. `/scrm/open/route/hit?getType=link&id=3`), rawBody the body bytes exactly as sent ("" for GET).',
  'Failures: 401 (missing headers, unknown or disabled key, stale timestamp, bad nonce, bad signature, replayed nonce); 429 over the app\'s per-minute limit.',
].join(' ');

const NONCE_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
const TIMESTAMP_PATTERN = /^\d{1,12}$/;
const SIGNATURE_PATTERN = /^[0-9a-fA-F]{64}$/;

registerMessages({
  openMissingHeaders: { zh: '缺少签名请求头：x-app-key、x-timestamp、x-nonce、x-signature', en: 'Missing signature headers: x-app-key, x-timestamp, x-nonce, x-signature' },
  openUnknownKey: { zh: '应用不存在或已停用', en: 'Unknown or disabled app key' },
  openBadTimestamp: { zh: 'x-timestamp 须为秒级时间戳', en: 'x-timestamp must be unix seconds' },
  openStaleRequest: { zh: '请求时间与服务器相差超过 5 分钟', en: 'The request timestamp is more than 5 minutes away from the server clock' },
  openBadNonce: { zh: 'x-nonce 须为 8–64 位字母、数字、_ 或 -', en: 'x-nonce must be 8–64 of [A-Za-z0-9_-]' },
  openBadSignature: { zh: '签名错误', en: 'Bad signature' },
  openReplayedNonce: { zh: '请求已使用过（nonce 重复）', en: 'Replayed request (nonce already used)' },
  openRateLimited: { zh: '请求过于频繁（每分钟上限 {limit} 次），请 {seconds} 秒后再试', en: 'Rate limit of {limit} requests a minute reached; retry in {seconds} s' },
  openInvalidJson: { zh: '请求体不是合法的 JSON', en: 'The body is not valid JSON' },
});

export interface SignedParts {
  method: string;
  /** Path and query exactly as sent. */
  target: string;
  timestamp: string;
  nonce: string;
  rawBody: string;
}

export function openStringToSign(parts: SignedParts): string {
  return `${parts.method.toUpperCase()}\n${parts.target}\n${parts.timestamp}\n${parts.nonce}\n${parts.rawBody}`;
}

export function signOpenRequest(secret: string, parts: SignedParts): string {
  return createHmac('sha256', secret).update(openStringToSign(parts), 'utf8').digest('hex');
}

/** Headers for a signed request (callers, tests, benchmarks). */
export function openRequestHeaders(
  credentials: { appKey: string; secret: string },
  request: { method: string; target: string; body?: string; timestamp?: number; nonce?: string },
): Record<string, string> {
  const timestamp = String(request.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = request.nonce ?? `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 12)}`;
  const signature = signOpenRequest(credentials.secret, { method: request.method, target: request.target, timestamp, nonce, rawBody: request.body ?? '' });
  return { [OPEN_HEADERS.key]: credentials.appKey, [OPEN_HEADERS.timestamp]: timestamp, [OPEN_HEADERS.nonce]: nonce, [OPEN_HEADERS.signature]: signature };
}

export type OpenSignatureFailure = 'openMissingHeaders' | 'openBadTimestamp' | 'openStaleRequest' | 'openBadNonce' | 'openBadSignature';

export interface OpenSignedHeaders {
  key?: string;
  timestamp?: string;
  nonce?: string;
  signature?: string;
}

/** Shape, freshness and signature; the key lookup, nonce and rate limit need storage (the guard). */
export function checkOpenSignature(
  secret: string,
  headers: OpenSignedHeaders,
  request: { method: string; target: string; rawBody: string },
  nowMs: number,
): { ok: true; timestamp: number; nonce: string } | { ok: false; failure: OpenSignatureFailure } {
  const { timestamp, nonce, signature } = headers;
  if (!headers.key || !timestamp || !nonce || !signature) return { ok: false, failure: 'openMissingHeaders' };
  if (!TIMESTAMP_PATTERN.test(timestamp)) return { ok: false, failure: 'openBadTimestamp' };
  const seconds = Number(timestamp);
  if (Math.abs(nowMs / 1000 - seconds) > OPEN_MAX_SKEW_SECONDS) return { ok: false, failure: 'openStaleRequest' };
  if (!NONCE_PATTERN.test(nonce)) return { ok: false, failure: 'openBadNonce' };
  if (!SIGNATURE_PATTERN.test(signature)) return { ok: false, failure: 'openBadSignature' };
  const expected = Buffer.from(signOpenRequest(secret, { ...request, timestamp, nonce }), 'hex');
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, failure: 'openBadSignature' };
  return { ok: true, timestamp: seconds, nonce };
}

export interface OpenAppIdentity {
  id: number;
  appKey: string;
  name: string;
  rateLimit: number;
}

interface CachedApp extends OpenAppIdentity {
  secret: string;
  status: number;
}

export interface OpenApiGuardOptions {
  db: Db;
  now: () => number;
  /**
   * Nonces and rate limits in Redis when set (rate-limiter-flexible's Redis limiter, SET NX nonces); else in
   * the database: one statement records the nonce and counts the app's one-minute window.
   */
  redisUrl?: string;
  /** How long an app's key, secret and limit are cached per process (ms). */
  cacheMs?: number;
}

export interface OpenApiGuard {
  /** Adds the raw-body JSON parser and the signature hook to a plugin scope (call inside the plugin). */
  protect(app: FastifyInstance): void;
  /** Forget cached apps (after a change to them in this process). */
  invalidate(): void;
  close(): Promise<void>;
}

/**
 * The guard: in a plugin, `guard.protect(app)` before the routes. Every request is checked in this order:
 * headers, app key (enabled app), timestamp window, nonce shape, signature, nonce unused, rate limit.
 */
export function createOpenApiGuard(options: OpenApiGuardOptions): OpenApiGuard {
  const { db, now } = options;
  const cacheMs = options.cacheMs ?? 5_000;
  const apps = new Map<string, { app: CachedApp | null; until: number }>();
  const limiters = new Map<number, RateLimiterAbstract>();
  let redis: import('ioredis').Redis | undefined;
  let redisReady: Promise<import('ioredis').Redis> | undefined;
  const getRedis = () =>
    (redisReady ??= import('ioredis').then(({ Redis }) => {
      redis = new Redis(options.redisUrl!, { maxRetriesPerRequest: 3 });
      // ioredis reconnects by itself; meanwhile the requests that need Redis fail with its error. Without a
      // listener each connection error would also be printed as an unhandled 'error' event.
      redis.on('error', () => {});
      return redis;
    }));

  async function findApp(appKey: string): Promise<CachedApp | null> {
    const cached = apps.get(appKey);
    if (cached && cached.until > Date.now()) return cached.app;
    const [row] = await db
      .select({ id: openApp.id, appKey: openApp.appKey, name: openApp.name, secret: openApp.secret, rateLimit: openApp.rateLimit, status: openApp.status })
      .from(openApp)
      .where(and(eq(openApp.appKey, appKey), eq(openApp.isDel, 0)));
    const app = row ?? null;
    apps.set(appKey, { app, until: Date.now() + cacheMs });
    return app;
  }

  let lastPurge = 0;
  /**
   * Database mode: the nonce and the app's fixed one-minute window counted in one statement (one round
   * trip). Returns whether the nonce was fresh, and the window's count and end.
   */
  async function consumeInDatabase(caller: CachedApp, nonce: string, expiresAt: Date): Promise<{ fresh: boolean; points: number; windowEnd: Date }> {
    const at = now();
    if (at - lastPurge > 60_000) {
      lastPurge = at;
      await db.delete(openNonce).where(lt(openNonce.expiresAt, new Date(at)));
    }
    const nowAt = new Date(at).toISOString();
    const windowEnd = new Date(at + 60_000).toISOString();
    const key = `open:${caller.appKey}`;
    const result = await db.execute<{ fresh: number; points: number; expire: string | Date }>(sql`
      WITH nonce AS (
        INSERT INTO open_nonce (app_key, nonce, expires_at) VALUES (${caller.appKey}, ${nonce}, ${expiresAt.toISOString()}::timestamptz)
        ON CONFLICT (app_key, nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE open_nonce.expires_at < ${nowAt}::timestamptz
        RETURNING 1
      ), rate AS (
        INSERT INTO open_rate_limit (key, points, expire) VALUES (${key}, 1, ${windowEnd}::timestamptz)
        ON CONFLICT (key) DO UPDATE SET
          points = CASE WHEN open_rate_limit.expire <= ${nowAt}::timestamptz THEN 1 ELSE open_rate_limit.points + 1 END,
          expire = CASE WHEN open_rate_limit.expire <= ${nowAt}::timestamptz THEN ${windowEnd}::timestamptz ELSE open_rate_limit.expire END
        RETURNING points, expire
      )
      SELECT (SELECT count(*) FROM nonce)::int AS fresh, rate.points, rate.expire FROM rate`);
    const row = result.rows[0];
    return { fresh: Number(row.fresh) > 0, points: Number(row.points), windowEnd: new Date(row.expire) };
  }

  async function consumeNonceInRedis(appKey: string, nonce: string, expiresAt: Date): Promise<boolean> {
    const client = await getRedis();
    const ttl = Math.max(1, Math.ceil((expiresAt.getTime() - now()) / 1000));
    return (await client.set(`open:nonce:${appKey}:${nonce}`, '1', 'EX', ttl, 'NX')) === 'OK';
  }

  async function limiterFor(points: number): Promise<RateLimiterAbstract> {
    let limiter = limiters.get(points);
    if (!limiter) {
      limiter = new RateLimiterRedis({ storeClient: await getRedis(), keyPrefix: `open:rl:${points}`, points, duration: 60 });
      limiters.set(points, limiter);
    }
    return limiter;
  }

  /** Nonce unused and within the rate limit; throws 401 / 429 otherwise. */
  async function admit(caller: CachedApp, nonce: string, expiresAt: Date, reply: FastifyReply): Promise<void> {
    const limited = (secondsLeft: number) => {
      const seconds = Math.max(1, Math.ceil(secondsLeft));
      reply.header('retry-after', seconds);
      return new AppError(429, 'openRateLimited', { limit: caller.rateLimit, seconds });
    };
    if (!options.redisUrl) {
      const { fresh, points, windowEnd } = await consumeInDatabase(caller, nonce, expiresAt);
      if (!fresh) throw new AppError(401, 'openReplayedNonce');
      if (points > caller.rateLimit) throw limited((windowEnd.getTime() - now()) / 1000);
      reply.header('x-ratelimit-limit', caller.rateLimit).header('x-ratelimit-remaining', caller.rateLimit - points);
      return;
    }
    if (!(await consumeNonceInRedis(caller.appKey, nonce, expiresAt))) throw new AppError(401, 'openReplayedNonce');
    try {
      const result = await (await limiterFor(caller.rateLimit)).consume(caller.appKey, 1);
      reply.header('x-ratelimit-limit', caller.rateLimit).header('x-ratelimit-remaining', result.remainingPoints);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      throw limited(error.msBeforeNext / 1000);
    }
  }

  return {
    protect(app) {
      const bodyOf = keepRawJsonBodies(app);
      app.decorateRequest('openApp', null);
      app.addHook('preValidation', async (request, reply) => {
        const header = (name: string) => {
          const value = request.headers[name];
          return typeof value === 'string' ? value : undefined;
        };
        const headers = { key: header(OPEN_HEADERS.key), timestamp: header(OPEN_HEADERS.timestamp), nonce: header(OPEN_HEADERS.nonce), signature: header(OPEN_HEADERS.signature) };
        if (!headers.key || !headers.timestamp || !headers.nonce || !headers.signature) throw new AppError(401, 'openMissingHeaders');
        const caller = await findApp(headers.key);
        if (!caller || caller.status !== 0) throw new AppError(401, 'openUnknownKey');
        const body = bodyOf(request);
        const check = checkOpenSignature(caller.secret, headers, { method: request.method, target: request.url, rawBody: body.raw }, now());
        if (!check.ok) throw new AppError(401, check.failure);
        const expiresAt = new Date((check.timestamp + OPEN_MAX_SKEW_SECONDS + 1) * 1000);
        await admit(caller, check.nonce, expiresAt, reply);
        if (body.invalidJson) throw new BadRequest('openInvalidJson');
        request.openApp = { id: caller.id, appKey: caller.appKey, name: caller.name, rateLimit: caller.rateLimit };
      });
    },
    invalidate() {
      apps.clear();
    },
    async close() {
      redis?.disconnect();
    },
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The third-party app of a signed open API request (set by the open API guard). */
    openApp: OpenAppIdentity | null;
  }
}
