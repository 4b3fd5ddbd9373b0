// The configured WeCom client for the server: the SDK client (token and tickets shared by every replica
// through the database, or Redis when REDIS_URL is set) and the callback crypto. In demo mode (no
// WECOM_* settings) the simulator plays WeCom in this process, mounted at /wecom-sim.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, randomInt } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CallbackCrypto, WecomClient, type TokenCache, type WecomClientOptions, type WecomLogger } from '@scrm/wecom';
import { isLoopbackHost, type Config } from '../config.ts';
import type { Db } from './db/database.ts';
import { Forbidden } from './http/errors.ts';

export interface Wecom {
  client: WecomClient;
  crypto: CallbackCrypto;
  corpId: string;
  agentId: string | undefined;
}

// ---------------------------------------------------------------------------------------------
// Shared token cache

/** 64-bit advisory lock id for a name (one namespace with every other advisory lock we take). */
export const advisoryLockId = (name: string): bigint => createHash('sha256').update(name).digest().readBigInt64BE(0);

/**
 * Runs `work` holding a session-level advisory lock on `name`, taken on a connection of its own that holds
 * no transaction (`work` gets that connection and may run its own transactions on it, or use the pool;
 * with PGlite, a transaction held across `work` would stall every other connection). Replicas on one
 * PostgreSQL exclude each other; within one embedded process (one PGlite session) the lock is re-entrant,
 * and in-process single-flight does the job.
 */
export async function withSessionLock<T>(db: Db, name: string, work: (client: import('pg').PoolClient) => Promise<T>): Promise<T> {
  const pool = (db as unknown as { $client: import('pg').Pool }).$client;
  const client = await pool.connect();
  const lockId = advisoryLockId(name).toString();
  let broken: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [lockId]);
    try {
      return await work(client);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [lockId]).catch((error: Error) => {
        broken = error; // a connection that may still hold the lock must not go back to the pool
      });
    }
  } finally {
    client.release(broken);
  }
}

/**
 * Tokens and tickets in the `wecom_token` table with their expiry, so every replica uses the same ones.
 * Values read are also kept in memory until their expiry (no query per WeCom call). `lock` takes a
 * session-level advisory lock: one replica fetches a new token while the others wait, then read the one
 * it stored.
 */
export class DatabaseTokenCache implements TokenCache {
  readonly #memory = new Map<string, { value: string; expiresAt: number }>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const remembered = this.#memory.get(key);
    if (remembered && remembered.expiresAt > this.now()) return remembered.value;
    this.#memory.delete(key);
    const result = await this.db.execute<{ value: string; expires_at: Date | string }>(
      sql`SELECT value, expires_at FROM wecom_token WHERE key = ${key} AND expires_at > ${new Date(this.now()).toISOString()}::timestamptz`,
    );
    const row = result.rows[0];
    if (!row) return undefined;
    this.#memory.set(key, { value: row.value, expiresAt: new Date(row.expires_at).getTime() });
    return row.value;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    const expiresAt = this.now() + ttlSeconds * 1000;
    await this.db.execute(sql`
      INSERT INTO wecom_token (key, value, expires_at, mtime) VALUES (${key}, ${value}, ${new Date(expiresAt).toISOString()}::timestamptz, now())
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at, mtime = now()`);
    this.#memory.set(key, { value, expiresAt });
  }

  async lock<T>(key: string, work: () => Promise<T>): Promise<T> {
    return withSessionLock(this.db, `wecom-token:${key}`, () => {
      // Under the lock, read what the database holds: another replica may have stored a new value.
      this.#memory.delete(key);
      return work();
    });
  }
}

/**
 * The same with Redis: SET EX, and a SET NX lock with a timeout so a crashed holder cannot block forever.
 * The expiry is stored with the value and checked against `now` (the clock the rest of the app uses, as
 * DatabaseTokenCache does); Redis' own EX, on Redis' clock, only clears the key away.
 */
export class RedisTokenCache implements TokenCache {
  constructor(
    private readonly redis: import('ioredis').Redis,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const stored = await this.redis.get(key);
    if (stored === null) return undefined;
    const entry = parseRedisEntry(stored);
    if (entry.expiresAt !== undefined && entry.expiresAt <= this.now()) return undefined;
    return entry.value;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    const entry = JSON.stringify({ value, expiresAt: this.now() + ttlSeconds * 1000 });
    await this.redis.set(key, entry, 'EX', Math.max(1, Math.ceil(ttlSeconds)));
  }

  async lock<T>(key: string, work: () => Promise<T>): Promise<T> {
    const lockKey = `${key}:lock`;
    const owner = `${process.pid}:${Math.random()}`;
    const deadline = Date.now() + 30_000;
    while ((await this.redis.set(lockKey, owner, 'PX', 30_000, 'NX')) !== 'OK') {
      if (Date.now() > deadline) break; // proceed without the lock rather than stall every WeCom call
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    try {
      return await work();
    } finally {
      // Release only our own lock.
      await this.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end", 1, lockKey, owner);
    }
  }
}

/** A stored entry; a bare value (written before expiries were stored with it) lives as long as its key. */
function parseRedisEntry(stored: string): { value: string; expiresAt?: number } {
  if (stored.startsWith('{')) {
    try {
      const entry = JSON.parse(stored) as { value?: unknown; expiresAt?: unknown };
      if (typeof entry.value === 'string' && typeof entry.expiresAt === 'number') return { value: entry.value, expiresAt: entry.expiresAt };
    } catch {
      // not ours: a bare value
    }
  }
  return { value: stored };
}

// ---------------------------------------------------------------------------------------------
// Building the client

export interface WecomSettings {
  corpId: string;
  secret: string;
  agentId?: string;
  token: string;
  encodingAesKey: string;
  apiBase: string;
}

/** Settings for talking to a simulator (its credentials, its API at `apiBase`). */
export function simulatorSettings(credentials: { corpId: string; secret: string; agentId: number; token: string; encodingAesKey: string }, apiBase: string): WecomSettings {
  return {
    corpId: credentials.corpId,
    secret: credentials.secret,
    agentId: String(credentials.agentId),
    token: credentials.token,
    encodingAesKey: credentials.encodingAesKey,
    apiBase,
  };
}

/** Settings from WECOM_*; null when they are absent (demo mode) or incomplete. */
export function wecomSettingsFromConfig(config: Config): WecomSettings | null {
  const { WECOM_CORP_ID, WECOM_SECRET, WECOM_TOKEN, WECOM_AES_KEY } = config;
  if (!WECOM_CORP_ID || !WECOM_SECRET || !WECOM_TOKEN || !WECOM_AES_KEY) return null;
  return {
    corpId: WECOM_CORP_ID,
    secret: WECOM_SECRET,
    agentId: config.WECOM_AGENT_ID,
    token: WECOM_TOKEN,
    encodingAesKey: WECOM_AES_KEY,
    apiBase: config.WECOM_API_BASE,
  };
}

export interface CreateWecomOptions {
  db: Db;
  /** Redis URL: tokens shared there instead of the database. */
  redisUrl?: string;
  /** Prefix of every Redis key (tests: one of their own, so runs sharing a Redis do not meet). */
  redisKeyPrefix?: string;
  logger?: WecomLogger;
  now?: () => number;
  /** Extra client options (tests: fetch, retry, sleep). */
  client?: Partial<WecomClientOptions>;
}

export async function createWecom(settings: WecomSettings, options: CreateWecomOptions): Promise<Wecom & { close(): Promise<void> }> {
  let tokenCache: TokenCache;
  let close = async () => {};
  if (options.redisUrl) {
    const { Redis } = await import('ioredis');
    const redis = new Redis(options.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3, keyPrefix: options.redisKeyPrefix });
    // ioredis reconnects by itself and a command meanwhile fails its WeCom call; without a listener each
    // connection error would also be printed as an unhandled 'error' event.
    redis.on('error', (error: Error) => options.logger?.warn({ err: error.message }, 'Redis (WeCom token cache) connection error'));
    tokenCache = new RedisTokenCache(redis, options.now);
    close = async () => {
      redis.disconnect();
    };
  } else {
    tokenCache = new DatabaseTokenCache(options.db, options.now);
  }
  const client = new WecomClient({
    corpId: settings.corpId,
    secret: settings.secret,
    agentId: settings.agentId,
    baseUrl: settings.apiBase,
    tokenCache,
    logger: options.logger,
    ...options.client,
  });
  const crypto = new CallbackCrypto({ token: settings.token, encodingAesKey: settings.encodingAesKey, receiveId: settings.corpId });
  return { client, crypto, corpId: settings.corpId, agentId: settings.agentId, close };
}

/**
 * A client for an installation with no WeCom settings and no simulator (e.g. tests that do not talk to
 * WeCom): calls fail to connect, callbacks fail their signature check.
 */
export function createUnconfiguredWecom(db: Db): Wecom {
  const settings: WecomSettings = {
    corpId: 'unconfigured',
    secret: 'unconfigured',
    token: 'unconfigured',
    // A fixed, public key: nothing signed with it is accepted as anything but a test.
    encodingAesKey: 'A'.repeat(43),
    apiBase: 'http://127.0.0.1:9',
  };
  const client = new WecomClient({ corpId: settings.corpId, secret: settings.secret, baseUrl: settings.apiBase, tokenCache: new DatabaseTokenCache(db), retry: { maxRetries: 0 } });
  return { client, crypto: new CallbackCrypto({ token: settings.token, encodingAesKey: settings.encodingAesKey, receiveId: settings.corpId }), corpId: settings.corpId, agentId: undefined };
}

// ---------------------------------------------------------------------------------------------
// Demo mode: the simulator in this process

/**
 * What main.ts needs: the configured client from WECOM_*, or in demo mode (no WECOM_CORP_ID) the simulator
 * in this process, served by this server at `serverUrl` + /wecom-sim.
 */
export async function startWecom(config: Config, options: { db: Db; serverUrl: string; logger?: WecomLogger }): Promise<{ wecom: Wecom & { close(): Promise<void> }; demo?: DemoWecom }> {
  if (config.demoMode) {
    const demo = await startDemoWecom({ dataDir: config.DATA_DIR, serverUrl: options.serverUrl, activityPerHour: config.DEMO_ACTIVITY_PER_HOUR, clientRoutes: isLoopbackHost(config.HOST) });
    return { demo, wecom: await createWecom(demo.settings, { db: options.db, redisUrl: config.REDIS_URL, logger: options.logger }) };
  }
  const settings = wecomSettingsFromConfig(config);
  if (!settings) throw new Error('WECOM_CORP_ID is set, so WECOM_SECRET, WECOM_TOKEN and WECOM_AES_KEY are needed too (or unset WECOM_CORP_ID for demo mode)');
  return { wecom: await createWecom(settings, { db: options.db, redisUrl: config.REDIS_URL, logger: options.logger }) };
}

export const DEMO_SIM_PREFIX = '/wecom-sim';
const DEMO_STATE_FILE = 'wecom-sim.json';
/** Seed of the demo corp's content (names, departments, customers); not of its credentials. */
const DEMO_SEED = 'scrm-demo';

export interface DemoWecom {
  sim: import('@scrm/wecom-sim').WecomSimulator;
  settings: WecomSettings;
  /** True when the demo corp was generated now (first start): run the initial sync. */
  firstStart: boolean;
  /**
   * Mounts /wecom-sim/cgi-bin/* (WeCom's API, for this server's client) and /wecom-sim/sim/* (the
   * simulator's actions and state: only for a signed-in administrator; the callback URL is fixed), and
   * saves the state after every change (debounced). Needs `app.authenticate` (buildApp registers it first).
   */
  mount(app: FastifyInstance): Promise<void>;
  /** Points the simulator's callbacks at this server's portal once its address is known. */
  connect(serverUrl: string): void;
  /** The live activity (ticks every minute once connected; tick() runs what is due now). */
  activity: import('@scrm/wecom-sim').LiveActivity;
  /** Writes the state now. */
  save(): void;
  close(): Promise<void>;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomAlphanumeric = (length: number): string => Array.from({ length }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join('');

/** Fresh demo credentials (WeCom's shapes: 43-character secrets and EncodingAESKey, a 32-character Token). */
export function randomDemoCredentials(): { secret: string; contactSyncSecret: string; token: string; encodingAesKey: string } {
  return { secret: randomAlphanumeric(43), contactSyncSecret: randomAlphanumeric(43), token: randomAlphanumeric(32), encodingAesKey: randomAlphanumeric(43) };
}

/** The /wecom-sim/sim/* guard: a signed-in administrator (the console's `token` header), else 401/403. */
export function requireAdministrator(app: FastifyInstance) {
  return async (request: FastifyRequest): Promise<void> => {
    await app.authenticate(request);
    if (!request.ctx.user.isAdmin) throw new Forbidden('simulatorAdministratorOnly');
  };
}

/**
 * The simulator with the demo corp: restored from DATA_DIR/wecom-sim.json when present, generated
 * (and saved) otherwise, so a restart continues the same corp. The corp's content comes from a fixed seed
 * (every demo looks alike), its credentials do not: they are random, made on first start and kept in the
 * state file. A state file saved with the seed's well-known credentials (before they were random) gets
 * new ones when restored.
 */
export async function startDemoWecom(options: {
  dataDir: string;
  serverUrl: string;
  saveDebounceMs?: number;
  /** Live activity: simulated adds, deletions and group joins per hour once connected (default 0: none). */
  activityPerHour?: number;
  /** The clock of the simulator and its live activity (ms; default Date.now). */
  now?: () => number;
  /** Serve the simulated WeCom client's side (OAuth2 authorize, the sidebar's bridge checks): only on this machine. */
  clientRoutes?: boolean;
}): Promise<DemoWecom> {
  const { createWecomSimulator, seededCredentials, LiveActivity } = await import('@scrm/wecom-sim');
  const now = options.now ?? Date.now;
  mkdirSync(options.dataDir, { recursive: true });
  const file = join(options.dataDir, DEMO_STATE_FILE);
  const firstStart = !existsSync(file);
  const snapshot = firstStart ? undefined : (JSON.parse(readFileSync(file, 'utf8')) as import('@scrm/wecom-sim').SimulatorSnapshot);
  const wellKnown = seededCredentials(DEMO_SEED);
  const rotate = snapshot !== undefined && (['secret', 'contactSyncSecret', 'token', 'encodingAesKey'] as const).some((key) => snapshot.corp[key] === wellKnown[key]);
  if (snapshot && rotate) Object.assign(snapshot.corp, randomDemoCredentials());
  const fresh = randomDemoCredentials();
  const sim = createWecomSimulator({
    seed: DEMO_SEED,
    snapshot,
    clock: now,
    // The history is the 90 days up to the first start, so the demo's dashboard and charts show recent days.
    anchorTime: Math.floor(now() / 1000),
    delivery: { concurrency: 4 },
    secret: fresh.secret,
    contactSyncSecret: fresh.contactSyncSecret,
    callback: { token: fresh.token, encodingAesKey: fresh.encodingAesKey },
  });
  const credentials = sim.credentials();
  const save = () => {
    const temporary = `${file}.tmp`;
    writeFileSync(temporary, JSON.stringify(sim.toJSON()), { mode: 0o600 });
    renameSync(temporary, file); // atomic: a crash never leaves half a file
  };
  if (firstStart || rotate) save();
  let timer: NodeJS.Timeout | undefined;
  const scheduleSave = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      try {
        save();
      } catch (error) {
        console.error('[wecom-sim] saving the demo corp failed', error);
      }
    }, options.saveDebounceMs ?? 1000);
  };
  // Transfers settle in the background and change the state without a request.
  const settleSave = setInterval(scheduleSave, 60_000);
  settleSave.unref();
  const settings = simulatorSettings(credentials, `${options.serverUrl}${DEMO_SIM_PREFIX}`);
  // A few adds, deletions and group joins an hour, through the simulator's actions: real callbacks to SCRM.
  const activity = new LiveActivity(() => sim.state, sim.actions, { perHour: options.activityPerHour ?? 0, now, onAction: () => scheduleSave() });
  return {
    sim,
    settings,
    firstStart,
    async mount(app) {
      await app.register(
        async (scope) => {
          // Any POST may change the corp (actions, and API writes such as tags or contact ways).
          scope.addHook('onResponse', async (request) => {
            if (request.method === 'POST') scheduleSave();
          });
          // /sim/*: only for a signed-in administrator, checked before the body is read; callbacks go to
          // this server's portal only (no POST /sim/callback: nothing can point them elsewhere).
          await scope.register(sim.plugin, { simGuard: requireAdministrator(app), fixedCallbackUrl: true, clientRoutes: options.clientRoutes ?? false });
        },
        { prefix: DEMO_SIM_PREFIX },
      );
    },
    connect(serverUrl) {
      sim.setCallbackUrl(`${serverUrl}/scrm/wx/portal`);
      activity.start();
    },
    activity,
    save,
    async close() {
      activity.stop();
      if (timer) clearTimeout(timer);
      clearInterval(settleSave);
      save();
      await sim.close();
    },
  };
}
