// The Redis token cache (REDIS_URL) against the real local Redis and the WeCom simulator: one token and one
// pair of JS-SDK tickets for every server and replica, fetched once even when they all miss at the same
// time, fetched again once expired on the app's clock, and replaced once when WeCom rejects it.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { createWecomTestEnv, type WecomTestEnv } from '../testing/wecom-test-env.ts';
import { createWecom, RedisTokenCache, simulatorSettings, type Wecom } from './wecom.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Every key this file writes starts with it; removed before each test and at the end. */
const PREFIX = `scrm-test:wecom-token:${randomUUID()}:`;
/** gettoken answers this late for the replicas, so their fetches overlap when nothing single-flights them. */
const GETTOKEN_LATENCY_MS = 150;

let env: WecomTestEnv;
let admin: Awaited<ReturnType<WecomTestEnv['login']>>;
/** Unprefixed: inspects and removes this file's keys. */
let redis: Redis;
const replicas: Array<Wecom & { close(): Promise<void> }> = [];

/** WeCom calls by API path, and the calls WeCom rejected for their token (40014/42001), of the replicas. */
const replicaCalls = new Map<string, number>();
let rejectedTokens = 0;

const countingFetch: typeof fetch = async (input, init) => {
  const path = new URL(String(input)).pathname.replace(/^.*\/cgi-bin\//, '');
  replicaCalls.set(path, (replicaCalls.get(path) ?? 0) + 1);
  if (path === 'gettoken') await new Promise((resolve) => setTimeout(resolve, GETTOKEN_LATENCY_MS));
  const response = await fetch(input, init);
  const body = (await response.clone().json()) as { errcode?: number };
  if (body.errcode === 40014 || body.errcode === 42001) rejectedTokens++;
  return response;
};

/** Another replica: its own WecomClient (own in-process single-flight) and its own Redis connection. */
async function startReplica(): Promise<Wecom> {
  const replica = await createWecom(simulatorSettings(env.sim.credentials(), env.sim.url!), {
    db: env.db,
    redisUrl: REDIS_URL,
    redisKeyPrefix: PREFIX,
    now: () => env.clock.now,
    client: { fetch: countingFetch, retry: { maxRetries: 0 } },
  });
  replicas.push(replica);
  return replica;
}

/** Calls to `path` by the server and every replica. */
const total = (path: string) => (env.wecomCalls.get(path) ?? 0) + (replicaCalls.get(path) ?? 0);

/** The Redis key of the simulator corp's access token (as WecomClient names it), with this file's prefix. */
function accessTokenKey(): string {
  const { corpId, secret } = env.sim.credentials();
  return `${PREFIX}wecom:${corpId}:${createHash('sha256').update(secret).digest('hex').slice(0, 16)}:access_token`;
}

async function removeKeys(): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

before(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  env = await createWecomTestEnv({ eventWorker: false, redis: { url: REDIS_URL, keyPrefix: PREFIX } });
  admin = await env.login();
});

after(async () => {
  for (const replica of replicas) await replica.close();
  await env?.close();
  if (redis) {
    await removeKeys();
    redis.disconnect();
  }
});

beforeEach(async () => {
  await removeKeys();
  env.wecomCalls.clear();
  replicaCalls.clear();
  rejectedTokens = 0;
});

describe('WeCom tokens and tickets in Redis (REDIS_URL)', () => {
  test('a token and tickets one server fetched are used by another replica without fetching them again', async () => {
    const page = 'https://scrm.example.com/h5/page';
    const response = await admin.post('/scrm/wx/js/getJsConf', { url: page });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(total('gettoken'), 1);
    assert.equal(total('get_jsapi_ticket'), 1);
    assert.equal(total('ticket/get'), 1);

    const replica = await startReplica();
    const signature = await replica.client.tickets.getConfigSignature(page);
    await replica.client.tickets.getAgentConfigSignature(page);
    const departments = await replica.client.contacts.listDepartments();
    assert.ok(departments.department.length > 0);
    assert.equal(total('gettoken'), 1, 'the replica used the server token');
    assert.equal(total('get_jsapi_ticket'), 1);
    assert.equal(total('ticket/get'), 1);
    assert.equal(replicaCalls.get('department/list'), 1, 'the shared token was accepted');
    assert.equal(await replica.client.getAccessToken(), await env.wecom.client.getAccessToken());
    assert.equal(await replica.client.tickets.getJsapiTicket(), await env.wecom.client.tickets.getJsapiTicket());
    assert.equal(await replica.client.tickets.getAgentTicket(), await env.wecom.client.tickets.getAgentTicket());
    assert.equal(signature.appId, response.body.date.config.appId);

    // In Redis, with WeCom's lifetime less the 300 s margin (7,200 s - 300 s), and not in the database.
    const ttlMs = await redis.pttl(accessTokenKey());
    assert.ok(ttlMs > 6_890_000 && ttlMs <= 6_900_000, `Redis expiry ${ttlMs} ms`);
    const inDatabase = await env.db.execute<{ count: number }>(sql`SELECT count(*)::int AS count FROM wecom_token`);
    assert.equal(Number(inDatabase.rows[0].count), 0);
  });

  test('clients that all miss at once fetch one token and one ticket between them', async () => {
    const clients = [env.wecom, await startReplica(), await startReplica(), await startReplica()];
    const tokens = await Promise.all(clients.flatMap((wecom) => Array.from({ length: 10 }, () => wecom.client.getAccessToken())));
    assert.equal(new Set(tokens).size, 1, 'every client got the same token');
    assert.equal(total('gettoken'), 1);
    const tickets = await Promise.all(clients.flatMap((wecom) => Array.from({ length: 10 }, () => wecom.client.tickets.getJsapiTicket())));
    assert.equal(new Set(tickets).size, 1);
    assert.equal(total('get_jsapi_ticket'), 1);
    // The locks were released.
    assert.deepEqual(await redis.keys(`${PREFIX}*:lock`), []);
  });

  test('a token past its expiry on the app clock is fetched again, once, before WeCom has to reject it', async () => {
    const [first, second] = [await startReplica(), await startReplica()];
    const token = await first.client.getAccessToken();
    assert.equal(total('gettoken'), 1);

    // 6,800 s later: still within the cached lifetime (7,200 s less the 300 s margin).
    env.clock.now += 6_800_000;
    await first.client.contacts.listDepartments();
    await second.client.contacts.listDepartments();
    assert.equal(total('gettoken'), 1);
    assert.equal(await second.client.getAccessToken(), token);

    // Past WeCom's expiry too (the simulator runs on the same clock): each client fetches nothing but the new token.
    env.clock.now += 500_000;
    await Promise.all([first.client.contacts.listDepartments(), second.client.contacts.listDepartments()]);
    assert.equal(total('gettoken'), 2, 'fetched once again, for both clients');
    assert.equal(replicaCalls.get('department/list'), 4, 'no call was repeated');
    assert.equal(rejectedTokens, 0, 'the expired token was never sent');
    const renewed = await first.client.getAccessToken();
    assert.notEqual(renewed, token);
    assert.equal(await second.client.getAccessToken(), renewed);
  });

  test('a token WeCom revokes (42001) or does not know (40014) is replaced once for every client', async () => {
    const clients = [await startReplica(), await startReplica(), await startReplica()];
    const original = await clients[0].client.getAccessToken();
    assert.equal(total('gettoken'), 1);

    // WeCom revokes every token early: each client's calls are rejected once, and one new token serves them all.
    env.sim.expireTokens();
    const calls = () => Promise.all(clients.flatMap((wecom) => Array.from({ length: 5 }, () => wecom.client.contacts.listDepartments())));
    await calls();
    assert.equal(total('gettoken'), 2);
    assert.ok(rejectedTokens >= 1 && rejectedTokens <= 15, `${rejectedTokens} calls rejected`);
    assert.equal(replicaCalls.get('department/list'), 15 + rejectedTokens, 'every rejected call was repeated once, then succeeded');
    const renewed = await clients[0].client.getAccessToken();
    assert.notEqual(renewed, original);
    for (const wecom of clients) assert.equal(await wecom.client.getAccessToken(), renewed);

    // A token WeCom never issued (40014) in the shared cache: replaced the same way.
    const prefixed = new Redis(REDIS_URL, { keyPrefix: PREFIX, maxRetriesPerRequest: 3 });
    try {
      await new RedisTokenCache(prefixed, () => env.clock.now).set(accessTokenKey().slice(PREFIX.length), 'not-a-token-wecom-issued', 3600);
    } finally {
      prefixed.disconnect();
    }
    assert.equal(await clients[1].client.getAccessToken(), 'not-a-token-wecom-issued');
    replicaCalls.clear();
    rejectedTokens = 0;
    await calls();
    assert.equal(total('gettoken'), 1);
    assert.ok(rejectedTokens >= 1 && rejectedTokens <= 15, `${rejectedTokens} calls rejected`);
    assert.equal(replicaCalls.get('department/list'), 15 + rejectedTokens);
    const replaced = await clients[0].client.getAccessToken();
    assert.notEqual(replaced, 'not-a-token-wecom-issued');
    for (const wecom of clients) assert.equal(await wecom.client.getAccessToken(), replaced);
  });
});
