// Signed requests from third-party apps (the open API, /scrm/open/**): who is calling (app key), that the
// request is theirs and unchanged (HMAC-SHA256 with the app's secret), fresh (±5 minutes) and not replayed
// (single-use nonce), and within the app's rate limit. Reusable by any /open route: register the guard in a
// plugin and read `request.openApp`.
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { Db } from './db/database.ts';
import { openApp } from '../db/schema/index.ts';
import { AppError, BadRequest } from './http/errors.ts';
import { registerMessages } from './http/i18n.ts';
import { keepRawJsonBodies } from './http/raw-body.ts';
import { nonceExpiry, signRequest, SIGNED_MAX_SKEW_SECONDS, verifySignature, stringToSign, type NonceStore, type SignatureFailure, type SignedParts } from './signed-request.ts';
import { notDeleted } from './db/prepared.ts';

export type { SignedParts };

export const OPEN_HEADERS = {
  key: 'x-app-key',
  timestamp: 'x-timestamp',
  nonce: 'x-nonce',
  signature: 'x-signature',
} as const;

/** Accepted clock difference between a caller and SCRM, either direction. */
export const OPEN_MAX_SKEW_SECONDS = SIGNED_MAX_SKEW_SECONDS;

/**
 * The shape of an app key (the console makes `ak_` + 20 hex digits), checked before any lookup: anything
 * else is refused without touching the cache or the database.
 */
export const OPEN_APP_KEY_PATTERN = /^ak_[A-Za-z0-9_-]{1,61}$/;

/** The scheme, for OpenAPI descriptions of every signed endpoint. */
export const OPEN_SIGNATURE_DOC = [
  'Signed request (third-party app). Headers:',
  '`x-app-key`: the app key (系统管理 → 开放平台; `ak_` and up to 61 of [A-Za-z0-9_-]);',
  '`x-timestamp`: unix time in seconds, within ±300 s of the server clock;',
  '`x-nonce`: 8–64 characters [A-Za-z0-9_-], single use;',
  '`x-signature`: lowercase hex HMAC-SHA256 keyed with the app secret of the UTF-8 string',
  '`${METHOD}\\n${pathAndQuery}\\n${timestamp}\\n${nonce}\\n${rawBody}` — METHOD upper case, pathAndQuery the request target exactly as sent',
  '(e.g. `/scrm/open/route/hit?getType=link&id=3`), rawBody the body bytes exactly as sent ("" for GET).',
  'Failures: 401 (missing headers, unknown or disabled key, stale timestamp, bad nonce, bad signature, replayed nonce); 429 over the app\'s per-minute limit.',
].join(' ');

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

export function openStringToSign(parts: SignedParts): string {
  return stringToSign(parts);
}

export function signOpenRequest(secret: string, parts: SignedParts): string {
  return signRequest(secret, parts);
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

const OPEN_FAILURES: Record<SignatureFailure, OpenSignatureFailure> = {
  missingHeaders: 'openMissingHeaders',
  badTimestamp: 'openBadTimestamp',
  staleRequest: 'openStaleRequest',
  badNonce: 'openBadNonce',
  badSignature: 'openBadSignature',
};

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
  if (!headers.key) return { ok: false, failure: 'openMissingHeaders' };
  const check = verifySignature(secret, headers, (timestamp, nonce) => [stringToSign({ ...request, timestamp, nonce })], nowMs);
  return check.ok ? { ok: true, timestamp: check.timestamp, nonce: check.nonce } : { ok: false, failure: OPEN_FAILURES[check.failure] };
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
  /** Where apps are read. */
  db: Db;
  now: () => number;
  /** Spent nonces and the per-app rate windows (shared with Nexus; one per process). */
  nonces: Pick<NonceStore, 'consumeAndCount'>;
  /** How long an app's key, secret and limit are cached per process (ms). */
  cacheMs?: number;
  /** How long "no such app" is cached per process (ms); short, so a new app works almost at once. */
  missingCacheMs?: number;
  /** At most this many app keys (known or not) are cached per process; the least recently used go first. */
  cacheEntries?: number;
}

export interface OpenApiGuard {
  /** Adds the raw-body JSON parser and the signature hook to a plugin scope (call inside the plugin). */
  protect(app: FastifyInstance): void;
  /** Forget cached apps (after a change to them in this process; other replicas within `cacheMs`). */
  invalidate(): void;
  /** How many app keys are cached (tests). */
  cachedKeys(): number;
}

/**
 * The guard, one per process, shared by every /scrm/open/** plugin: `guard.protect(app)` before the routes.
 * Every request is checked in this order: headers, app key shape, app key (enabled app), timestamp window,
 * nonce shape, signature, nonce unused, rate limit.
 */
export function createOpenApiGuard(options: OpenApiGuardOptions): OpenApiGuard {
  const { db, now, nonces } = options;
  const cacheMs = options.cacheMs ?? 5_000;
  const missingCacheMs = options.missingCacheMs ?? 1_000;
  // Bounded: keys are attacker-chosen (unknown keys are cached too, briefly, so a flood of one key costs one
  // query a second), and a key is at most 64 characters (OPEN_APP_KEY_PATTERN).
  const apps = new LRUCache<string, { app: CachedApp | null }>({ max: options.cacheEntries ?? 10_000, ttl: cacheMs });
  // Concurrent first requests of one key share a query; an invalidation during a query discards its answer.
  const loading = new Map<string, Promise<CachedApp | null>>();
  let generation = 0;

  async function load(appKey: string): Promise<CachedApp | null> {
    const started = generation;
    const [row] = await db
      .select({ id: openApp.id, appKey: openApp.appKey, name: openApp.name, secret: openApp.secret, rateLimit: openApp.rateLimit, status: openApp.status })
      .from(openApp)
      .where(and(eq(openApp.appKey, appKey), notDeleted(openApp)));
    const app = row ?? null;
    if (started === generation) apps.set(appKey, { app }, { ttl: app ? cacheMs : missingCacheMs });
    return app;
  }

  function findApp(appKey: string): Promise<CachedApp | null> {
    const cached = apps.get(appKey);
    if (cached) return Promise.resolve(cached.app);
    let pending = loading.get(appKey);
    if (!pending) {
      const started = load(appKey).finally(() => {
        if (loading.get(appKey) === started) loading.delete(appKey);
      });
      loading.set(appKey, started);
      pending = started;
    }
    return pending;
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
        if (!OPEN_APP_KEY_PATTERN.test(headers.key)) throw new AppError(401, 'openUnknownKey');
        const caller = await findApp(headers.key);
        if (!caller || caller.status !== 0) throw new AppError(401, 'openUnknownKey');
        const body = bodyOf(request);
        const check = checkOpenSignature(caller.secret, headers, { method: request.method, target: request.url, rawBody: body.raw }, now());
        if (!check.ok) throw new AppError(401, check.failure);
        const admitted = await nonces.consumeAndCount(caller.appKey, check.nonce, nonceExpiry(check.timestamp), caller.rateLimit);
        if (!admitted.fresh) throw new AppError(401, 'openReplayedNonce');
        if (admitted.remaining < 0) {
          const seconds = Math.max(1, Math.ceil(admitted.retryAfterMs / 1000));
          reply.header('retry-after', seconds);
          throw new AppError(429, 'openRateLimited', { limit: caller.rateLimit, seconds });
        }
        reply.header('x-ratelimit-limit', caller.rateLimit).header('x-ratelimit-remaining', admitted.remaining);
        if (body.invalidJson) throw new BadRequest('openInvalidJson');
        request.openApp = { id: caller.id, appKey: caller.appKey, name: caller.name, rateLimit: caller.rateLimit };
      });
    },
    invalidate() {
      generation += 1;
      apps.clear();
      loading.clear();
    },
    cachedKeys: () => apps.size,
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The third-party app of a signed open API request (set by the open API guard). */
    openApp: OpenAppIdentity | null;
  }
}
