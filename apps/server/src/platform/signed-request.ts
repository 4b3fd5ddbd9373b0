// Signed server-to-server requests: the one verifier and the one nonce store behind both the open API
// (/scrm/open/**, platform/open-signature.ts) and Nexus (/scrm/nexus/**, modules/nexus). A caller signs
// `${METHOD}\n${pathAndQuery}\n${timestamp}\n${nonce}\n${rawBody}` with HMAC-SHA256 and its secret; the
// timestamp must be within ±5 minutes and the nonce is single use while that window lasts.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { lt, sql } from 'drizzle-orm';
import { RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Db } from './db/database.ts';
import { openNonce } from '../db/schema/index.ts';
import { groupCommit } from './group-commit.ts';

/** Accepted clock difference between a caller and SCRM, either direction. */
export const SIGNED_MAX_SKEW_SECONDS = 300;

const NONCE_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
const TIMESTAMP_PATTERN = /^\d{1,12}$/;
const SIGNATURE_PATTERN = /^[0-9a-fA-F]{64}$/;

export interface SignedParts {
  method: string;
  /** Path and query exactly as sent. */
  target: string;
  timestamp: string;
  nonce: string;
  rawBody: string;
}

/** The string a caller signs: method, request target, timestamp, nonce and body, one per line. */
export function stringToSign(parts: SignedParts): string {
  return `${parts.method.toUpperCase()}\n${parts.target}\n${parts.timestamp}\n${parts.nonce}\n${parts.rawBody}`;
}

export function hmacSha256Hex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text, 'utf8').digest('hex');
}

export function signRequest(secret: string, parts: SignedParts): string {
  return hmacSha256Hex(secret, stringToSign(parts));
}

/** Why a signed request is refused; each caller names these in its own messages. */
export type SignatureFailure = 'missingHeaders' | 'badTimestamp' | 'staleRequest' | 'badNonce' | 'badSignature';

export interface SignatureHeaders {
  timestamp?: string;
  nonce?: string;
  signature?: string;
}

export type SignatureCheck =
  | { ok: true; timestamp: number; nonce: string; /** Index in `stringsToSign` of the form that matched. */ form: number }
  | { ok: false; failure: SignatureFailure };

/**
 * Shape, freshness and signature (the nonce's single use needs the store). `stringsToSign` lists the
 * accepted forms (usually one; a legacy form during a transition); every form is computed and compared in
 * constant time.
 */
export function verifySignature(
  secret: string,
  headers: SignatureHeaders,
  stringsToSign: (timestamp: string, nonce: string) => string[],
  nowMs: number,
): SignatureCheck {
  const { timestamp, nonce, signature } = headers;
  if (!timestamp || !nonce || !signature) return { ok: false, failure: 'missingHeaders' };
  if (!TIMESTAMP_PATTERN.test(timestamp)) return { ok: false, failure: 'badTimestamp' };
  const seconds = Number(timestamp);
  if (Math.abs(nowMs / 1000 - seconds) > SIGNED_MAX_SKEW_SECONDS) return { ok: false, failure: 'staleRequest' };
  if (!NONCE_PATTERN.test(nonce)) return { ok: false, failure: 'badNonce' };
  if (!SIGNATURE_PATTERN.test(signature)) return { ok: false, failure: 'badSignature' };
  const given = Buffer.from(signature, 'hex');
  let form = -1;
  stringsToSign(timestamp, nonce).forEach((text, index) => {
    const expected = Buffer.from(hmacSha256Hex(secret, text), 'hex');
    if (constantTimeEqual(given, expected) && form < 0) form = index;
  });
  if (form < 0) return { ok: false, failure: 'badSignature' };
  return { ok: true, timestamp: seconds, nonce, form };
}

/** Until when a nonce must be remembered: after that its timestamp alone refuses it. */
export function nonceExpiry(timestampSeconds: number): Date {
  return new Date((timestampSeconds + SIGNED_MAX_SKEW_SECONDS + 1) * 1000);
}

/** Compares without leaking where the first difference is; lengths are compared first (not secret). */
export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Spent nonces per caller (an open app's key, `nexus:<key>`), and a per-caller request count in fixed
 * one-minute windows. In Redis when `redisUrl` is set (SET NX, rate-limiter-flexible); else in the database
 * (`open_nonce`, `open_rate_limit`), nonce and count in one statement.
 */
export interface NonceStore {
  /** Records the caller's nonce until `expiresAt`; false when it was already used (a replay). */
  consume(caller: string, nonce: string, expiresAt: Date): Promise<boolean>;
  /**
   * consume, and one request counted against `limit` in the caller's current one-minute window: `fresh`
   * is the nonce's answer; `remaining` < 0 means over the limit (the request is not admitted), for
   * `retryAfterMs` more.
   */
  consumeAndCount(caller: string, nonce: string, expiresAt: Date, limit: number): Promise<{ fresh: boolean; remaining: number; retryAfterMs: number }>;
  close(): Promise<void>;
}

export interface NonceStoreOptions {
  /** The database for nonces and counters (an asynchronous-commit pool on PostgreSQL: see db/fast-writes.ts). */
  db: Db;
  now: () => number;
  redisUrl?: string;
}

export function createNonceStore(options: NonceStoreOptions): NonceStore {
  const { db, now } = options;
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

  let lastPurge = 0;
  async function purge(at: number) {
    if (at - lastPurge <= 60_000) return;
    lastPurge = at;
    await db.delete(openNonce).where(lt(openNonce.expiresAt, new Date(at)));
  }

  /** The nonce in one statement: one round trip. */
  async function consumeInDatabase(caller: string, nonce: string, expiresAt: Date): Promise<boolean> {
    const at = now();
    await purge(at);
    const result = await db.execute<{ fresh: number }>(sql`
      WITH nonce AS (
        INSERT INTO open_nonce (app_key, nonce, expires_at) VALUES (${caller}, ${nonce}, ${expiresAt.toISOString()}::timestamptz)
        ON CONFLICT (app_key, nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE open_nonce.expires_at < ${new Date(at).toISOString()}::timestamptz
        RETURNING 1
      ) SELECT (SELECT count(*) FROM nonce)::int AS fresh`);
    return Number(result.rows[0].fresh) > 0;
  }

  /**
   * consumeAndCount in the database for every request of a caller waiting at once (groupCommit): one statement
   * takes their nonces and adds them all to the caller's window row, which every request of the caller updates
   * — one at a time, each waiting for the last to commit, without this. Each request's count is its place in
   * the batch, as if they had come one after another; a nonce twice in a batch is fresh once.
   */
  const countInDatabase = groupCommit<string, { nonce: string; expiresAt: Date }, { fresh: boolean; points: number; windowEnd: Date }>(async (caller, requests) => {
    const at = now();
    await purge(at);
    const nowAt = new Date(at).toISOString();
    const windowEnd = new Date(at + 60_000).toISOString();
    const firsts = new Map<string, Date>();
    for (const request of requests) if (!firsts.has(request.nonce)) firsts.set(request.nonce, request.expiresAt);
    const result = await db.execute<{ fresh: string[]; points: number; expire: string | Date }>(sql`
      WITH nonce AS (
        INSERT INTO open_nonce (app_key, nonce, expires_at)
        SELECT ${caller}, t.nonce, t.expires_at FROM unnest(${sql.param([...firsts.keys()])}::text[], ${sql.param([...firsts.values()].map((date) => date.toISOString()))}::timestamptz[]) AS t(nonce, expires_at)
        ON CONFLICT (app_key, nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE open_nonce.expires_at < ${nowAt}::timestamptz
        RETURNING nonce
      ), rate AS (
        INSERT INTO open_rate_limit (key, points, expire) VALUES (${`open:${caller}`}, ${requests.length}, ${windowEnd}::timestamptz)
        ON CONFLICT (key) DO UPDATE SET
          points = CASE WHEN open_rate_limit.expire <= ${nowAt}::timestamptz THEN ${requests.length} ELSE open_rate_limit.points + ${requests.length} END,
          expire = CASE WHEN open_rate_limit.expire <= ${nowAt}::timestamptz THEN ${windowEnd}::timestamptz ELSE open_rate_limit.expire END
        RETURNING points, expire
      )
      SELECT COALESCE((SELECT array_agg(nonce) FROM nonce), '{}') AS fresh, rate.points, rate.expire FROM rate`);
    const row = result.rows[0];
    const fresh = new Set(row.fresh);
    const points = Number(row.points);
    return requests.map((request, index) => {
      const first = fresh.delete(request.nonce); // a repeat later in the batch finds it gone
      return { fresh: first, points: points - requests.length + index + 1, windowEnd: new Date(row.expire) };
    });
  });

  async function consumeInRedis(caller: string, nonce: string, expiresAt: Date): Promise<boolean> {
    const client = await getRedis();
    const ttl = Math.max(1, Math.ceil((expiresAt.getTime() - now()) / 1000));
    return (await client.set(`open:nonce:${caller}:${nonce}`, '1', 'EX', ttl, 'NX')) === 'OK';
  }

  async function limiterFor(points: number): Promise<RateLimiterAbstract> {
    let limiter = limiters.get(points);
    if (!limiter) {
      limiter = new RateLimiterRedis({ storeClient: await getRedis(), keyPrefix: `open:rl:${points}`, points, duration: 60 });
      limiters.set(points, limiter);
    }
    return limiter;
  }

  return {
    async consume(caller, nonce, expiresAt) {
      if (options.redisUrl) return consumeInRedis(caller, nonce, expiresAt);
      return consumeInDatabase(caller, nonce, expiresAt);
    },
    async consumeAndCount(caller, nonce, expiresAt, limit) {
      if (!options.redisUrl) {
        const { fresh, points, windowEnd } = await countInDatabase(caller, { nonce, expiresAt });
        return { fresh, remaining: limit - points, retryAfterMs: Math.max(0, windowEnd.getTime() - now()) };
      }
      if (!(await consumeInRedis(caller, nonce, expiresAt))) return { fresh: false, remaining: 0, retryAfterMs: 0 };
      try {
        const result = await (await limiterFor(limit)).consume(caller, 1);
        return { fresh: true, remaining: result.remainingPoints, retryAfterMs: result.msBeforeNext };
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        return { fresh: true, remaining: -1, retryAfterMs: error.msBeforeNext };
      }
    },
    async close() {
      redis?.disconnect();
    },
  };
}
