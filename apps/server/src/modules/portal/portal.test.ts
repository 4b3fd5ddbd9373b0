import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { CallbackCrypto, WecomApiError, WecomClient, signJsSdk } from '@scrm/wecom';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import { DatabaseTokenCache } from '../../platform/wecom.ts';
import { createEventRepository } from './event.repository.ts';

let env: WecomTestEnv;
let admin: Awaited<ReturnType<WecomTestEnv['login']>>;

/** A plaintext event the SDK does not know: stored, and handled by the probe handler below. */
const probeXml = (corpId: string, id: string, createTime = 1_700_000_000, changeType = 'ping') =>
  `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>${createTime}</CreateTime>` +
  `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[scrm_probe]]></Event><ChangeType><![CDATA[${changeType}]]></ChangeType><ProbeId><![CDATA[${id}]]></ProbeId></xml>`;

const applied: string[] = [];
const failing = new Set<string>();

async function post(query: object, body: string, contentType = 'text/xml') {
  return env.app.inject({ method: 'POST', url: '/scrm/wx/portal', query: query as Record<string, string>, payload: body, headers: { 'content-type': contentType } });
}

async function storedCount(): Promise<number> {
  const result = await env.db.execute<{ count: number }>(sql`SELECT count(*)::int AS count FROM wx_event`);
  return Number(result.rows[0].count);
}

const probeIdOf = (event: unknown) => String(((event as { raw: Record<string, unknown> }).raw ?? {}).ProbeId ?? '');

before(async () => {
  env = await createWecomTestEnv({ eventWorker: { pollIntervalMs: 30, backoffBaseMs: 60_000, maxAttempts: 3, leaseMs: 30_000 } });
  env.events.registerEventHandler(
    { event: 'scrm_probe' },
    {
      fetch: async (event) => probeIdOf(event),
      apply: async (_event, id, ctx) => {
        // A write inside the handler's transaction: must be rolled back when the handler fails.
        await ctx.tx.execute(sql`INSERT INTO wecom_token (key, value, expires_at) VALUES (${`probe:${id}:${ctx.eventId}:${ctx.attempt}`}, 'x', now())`);
        if (failing.has(id)) throw new Error(`probe ${id} fails`);
        if (id === 'rate_limited') throw new WecomApiError(45009, 'api freq out of limit, hint: [1700000000_1_abc]', 'externalcontact/get');
        applied.push(id);
      },
    },
    { name: 'test.probe' },
  );
  admin = await env.login();
});

after(async () => {
  await env?.close();
});

describe('GET /scrm/wx/portal (URL verification)', () => {
  test('answers the echostr plaintext exactly', async () => {
    const echostr = env.wecom.crypto.encrypt('1616140317555161061');
    const timestamp = '1409659589';
    const nonce = '263014780';
    const response = await env.app.inject({
      method: 'GET',
      url: '/scrm/wx/portal',
      query: { msg_signature: env.wecom.crypto.sign(timestamp, nonce, echostr), timestamp, nonce, echostr },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, '1616140317555161061');
  });

  test('the simulator verifies the configured URL', async () => {
    const result = await env.sim.verifyCallbackUrl();
    assert.equal(result.ok, true, JSON.stringify(result));
  });

  test('a bad signature is 403', async () => {
    const echostr = env.wecom.crypto.encrypt('123');
    const response = await env.app.inject({ method: 'GET', url: '/scrm/wx/portal', query: { msg_signature: 'a'.repeat(40), timestamp: '1', nonce: '2', echostr } });
    assert.equal(response.statusCode, 403);
    assert.equal(response.json().code, '403');
  });
});

describe('POST /scrm/wx/portal rejects bad callbacks and stores nothing', () => {
  test('bad signature → 403', async () => {
    const { query, body } = env.wecom.crypto.sealCallback(probeXml(env.wecom.corpId, 'bad-signature'));
    const response = await post({ ...query, msg_signature: createHash('sha1').update('nope').digest('hex') }, body);
    assert.equal(response.statusCode, 403);
    assert.deepEqual(Object.keys(response.json()), ['code', 'msg', 'date']);
    assert.equal(await storedCount(), 0);
  });

  test('another corp (receive id) → 400', async () => {
    const { token, encodingAesKey } = env.sim.credentials();
    const other = new CallbackCrypto({ token, encodingAesKey, receiveId: 'ww-another-corp' });
    const { query, body } = other.sealCallback(probeXml('ww-another-corp', 'other-corp'));
    const response = await post(query, body);
    assert.equal(response.statusCode, 400);
    assert.match(response.json().msg, /企业|corp/);
    assert.equal(await storedCount(), 0);
  });

  test('undecryptable (signed, but not our key) → 400', async () => {
    const { token } = env.sim.credentials();
    const stranger = new CallbackCrypto({ token, encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', receiveId: env.wecom.corpId });
    const { query, body } = stranger.sealCallback(probeXml(env.wecom.corpId, 'stranger'));
    const response = await post(query, body);
    assert.equal(response.statusCode, 400);
    // Not base64 at all, correctly signed.
    const garbage = 'not*base64!';
    const timestamp = '1700000000';
    const nonce = '42';
    const response2 = await post(
      { msg_signature: env.wecom.crypto.sign(timestamp, nonce, garbage), timestamp, nonce },
      `<xml><ToUserName><![CDATA[${env.wecom.corpId}]]></ToUserName><Encrypt><![CDATA[${garbage}]]></Encrypt></xml>`,
    );
    assert.equal(response2.statusCode, 400);
    assert.equal(await storedCount(), 0);
  });

  test('malformed XML (the envelope, or the decrypted event) → 400', async () => {
    const response = await post({ msg_signature: 'a', timestamp: '1', nonce: '2' }, 'this is not xml');
    assert.equal(response.statusCode, 400);
    for (const plaintext of ['<xml><Event>unclosed</xml>', 'plain text, no xml', '<xml><a></b></xml>']) {
      const { query, body } = env.wecom.crypto.sealCallback(plaintext);
      const sealed = await post(query, body);
      assert.equal(sealed.statusCode, 400, plaintext);
      assert.equal(sealed.json().code, '400');
    }
    assert.equal(await storedCount(), 0);
  });

  test('body over 1 MB → 413', async () => {
    const { query, body } = env.wecom.crypto.sealCallback(probeXml(env.wecom.corpId, 'x'.repeat(900_000)));
    assert.ok(body.length > 1024 * 1024);
    const response = await post(query, body);
    assert.equal(response.statusCode, 413);
    assert.equal(response.json().code, '413');
    assert.equal(await storedCount(), 0);
  });

  test('missing query parameters → 400', async () => {
    const { body } = env.wecom.crypto.sealCallback(probeXml(env.wecom.corpId, 'no-query'));
    const response = await post({}, body);
    assert.equal(response.statusCode, 400);
    assert.equal(await storedCount(), 0);
  });
});

describe('storing and applying', () => {
  test('a callback is acknowledged with success and applied; redeliveries are applied once', async () => {
    const xml = probeXml(env.wecom.corpId, 'once');
    // WeCom re-seals every retry: new timestamp, nonce and signature, same event.
    for (let attempt = 0; attempt < 3; attempt++) {
      const { query, body } = env.wecom.crypto.sealCallback(xml, { timestamp: String(1_700_000_000 + attempt), nonce: String(1000 + attempt) });
      const response = await post(query, body);
      assert.equal(response.statusCode, 200);
      assert.equal(response.body, 'success');
    }
    await env.settle();
    assert.deepEqual(
      applied.filter((id) => id === 'once'),
      ['once'],
    );
    const rows = await env.db.execute<{ status: string; outcome: string }>(sql`SELECT status, outcome FROM wx_event WHERE event = 'scrm_probe' AND xml LIKE '%once%'`);
    assert.deepEqual(rows.rows, [{ status: 'done', outcome: 'applied' }]);
  });

  test('over HTTP, the same event delivered twice by the simulator path is stored once', async () => {
    const xml = probeXml(env.wecom.corpId, 'http-twice', 1_700_000_100);
    for (let attempt = 0; attempt < 2; attempt++) {
      const { query, body } = env.wecom.crypto.sealCallback(xml);
      const response = await fetch(`${env.portalUrl}?${new URLSearchParams({ ...query })}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
      assert.equal(response.status, 200);
      assert.equal(await response.text(), 'success');
    }
    await env.settle();
    assert.equal(applied.filter((id) => id === 'http-twice').length, 1);
  });

  test("a WeCom failure of an event reads in words on the event page, in the reader's language, with the raw code on a details line", async () => {
    const { query, body } = env.wecom.crypto.sealCallback(probeXml(env.wecom.corpId, 'rate_limited'));
    assert.equal((await post(query, body)).statusCode, 200);
    await env.settle();
    const [stored] = (await env.db.execute<{ id: number; status: string }>(sql`SELECT id, status FROM wx_event WHERE xml LIKE '%rate_limited%'`)).rows;
    assert.equal(stored.status, 'failed');
    const page = await admin.post('/scrm/admin/event/page', { status: 'failed', pageNum: 1, pageSize: 50 });
    const record = page.body.date.records.find((row: { id: number }) => Number(row.id) === Number(stored.id));
    assert.equal(record.lastError, '调用企业微信过于频繁，已被企业微信限流：请稍后重试（限流通常在 1 分钟到 1 小时后解除）');
    assert.equal(record.lastErrorDetail, 'errcode 45009: api freq out of limit, hint: [1700000000_1_abc]');
    const en = await admin.get('/scrm/admin/event/get', { id: stored.id }, { 'accept-language': 'en' });
    assert.match(en.body.date.lastError, /^WeCom is rate-limiting SCRM \(too many calls\): try again later/);
    assert.equal(en.body.date.lastErrorDetail, 'errcode 45009: api freq out of limit, hint: [1700000000_1_abc]');
    // Rows stored before (the client's message behind the error's name) read the same way.
    await env.db.execute(sql`UPDATE wx_event SET last_error = ${'WecomApiError: WeCom externalcontact/get failed: errcode 45009, api freq out of limit'} WHERE id = ${stored.id}`);
    const old = await admin.get('/scrm/admin/event/get', { id: stored.id });
    assert.match(old.body.date.lastError, /^调用企业微信过于频繁/);
    assert.equal(old.body.date.lastErrorDetail, 'errcode 45009: api freq out of limit');
    // Other failures keep their text, with no details line.
    await env.db.execute(sql`UPDATE wx_event SET last_error = ${'Error: probe x fails'} WHERE id = ${stored.id}`);
    const plain = await admin.get('/scrm/admin/event/get', { id: stored.id });
    assert.deepEqual([plain.body.date.lastError, plain.body.date.lastErrorDetail], ['Error: probe x fails', null]);
    await env.db.execute(sql`UPDATE wx_event SET status = 'done' WHERE id = ${stored.id}`);
  });

  test('an event nobody handles is stored and marked done (ignored)', async () => {
    const xml = probeXml(env.wecom.corpId, 'unknown').replaceAll('scrm_probe', 'some_future_event');
    const { query, body } = env.wecom.crypto.sealCallback(xml);
    assert.equal((await post(query, body)).statusCode, 200);
    await env.settle();
    const rows = await env.db.execute<{ status: string; outcome: string; xml: string }>(sql`SELECT status, outcome, xml FROM wx_event WHERE event = 'some_future_event'`);
    assert.equal(rows.rows.length, 1);
    assert.equal(rows.rows[0].status, 'done');
    assert.equal(rows.rows[0].outcome, 'ignored');
    assert.equal(rows.rows[0].xml, xml);
  });

  test('a failing event is retried with backoff, dead-lettered, and can be replayed', async () => {
    failing.add('flaky');
    const { query, body } = env.wecom.crypto.sealCallback(probeXml(env.wecom.corpId, 'flaky'));
    assert.equal((await post(query, body)).statusCode, 200);
    const statusOf = async () =>
      (await env.db.execute<{ id: number; status: string; attempts: number; last_error: string; next_attempt_at: Date }>(
        sql`SELECT id, status, attempts, last_error, next_attempt_at FROM wx_event WHERE xml LIKE '%flaky%'`,
      )).rows[0];
    await env.settle();
    let row = await statusOf();
    assert.equal(row.status, 'failed');
    assert.equal(row.attempts, 1);
    assert.match(row.last_error, /probe flaky fails/);
    assert.ok(new Date(row.next_attempt_at).getTime() > env.clock.now + 50_000, 'backoff of about a minute');
    // Nothing the failed handler wrote survived.
    const leftovers = await env.db.execute(sql`SELECT 1 FROM wecom_token WHERE key LIKE 'probe:flaky:%'`);
    assert.equal(leftovers.rows.length, 0);

    env.clock.now += 61_000 * 1.2;
    await env.settle();
    row = await statusOf();
    assert.equal(row.status, 'failed');
    assert.equal(row.attempts, 2);
    assert.ok(new Date(row.next_attempt_at).getTime() > env.clock.now + 100_000, 'backoff doubles');

    env.clock.now += 150_000;
    await env.settle();
    row = await statusOf();
    assert.equal(row.status, 'dead');
    assert.equal(row.attempts, 3);
    env.clock.now += 3_600_000;
    await env.settle();
    assert.equal((await statusOf()).status, 'dead', 'dead stays dead');

    const page = await admin.post('/scrm/admin/event/page', { status: 'dead', pageNum: 1, pageSize: 10 });
    assert.equal(page.status, 200);
    assert.deepEqual(
      page.body.date.records.map((record: { id: number }) => record.id),
      [row.id],
    );

    failing.delete('flaky');
    const replay = await admin.post('/scrm/admin/event/replay', { ids: [row.id] });
    assert.equal(replay.status, 200);
    assert.deepEqual(replay.body.date, { replayed: 1, ids: [row.id] });
    await env.settle();
    row = await statusOf();
    assert.equal(row.status, 'done');
    assert.equal(applied.filter((id) => id === 'flaky').length, 1);
  });

  test('events of several entities share a transaction; one that fails is retried alone, the others are applied once', async () => {
    // Distinct ChangeTypes make distinct entities (see entityOf), claimed in one round.
    await env.events.worker!.stop();
    const ids = ['batch-1', 'batch-2', 'batch-bad', 'batch-3', 'batch-4'];
    failing.add('batch-bad');
    for (const [index, id] of ids.entries()) {
      const { query, body } = env.wecom.crypto.sealCallback(probeXml(env.wecom.corpId, id, 1_700_000_100 + index, `ping-${id}`));
      assert.equal((await post(query, body)).statusCode, 200);
    }
    // A second event of one entity in the same round: applied after the first, in the same unit.
    const { query, body } = env.wecom.crypto.sealCallback(probeXml(env.wecom.corpId, 'batch-1b', 1_700_000_200, 'ping-batch-1'));
    assert.equal((await post(query, body)).statusCode, 200);
    assert.equal(await env.events.worker!.runOnce(), 6);
    // (`apply` may run again after a rollback — the run that failed with batch-bad — but commits once.)
    assert.ok(applied.lastIndexOf('batch-1') < applied.lastIndexOf('batch-1b'), 'one entity in arrival order');
    const rows = (
      await env.db.execute<{ probe: string; status: string; attempts: number }>(
        sql`SELECT payload->'raw'->>'ProbeId' AS probe, status, attempts FROM wx_event WHERE xml LIKE '%batch-%' ORDER BY id`,
      )
    ).rows;
    assert.deepEqual(
      rows.map((row) => [row.probe, row.status, row.attempts]),
      [
        ['batch-1', 'done', 1],
        ['batch-2', 'done', 1],
        ['batch-bad', 'failed', 1],
        ['batch-3', 'done', 1],
        ['batch-4', 'done', 1],
        ['batch-1b', 'done', 1],
      ],
    );
    // Committed once each; the failed entity's write was rolled back.
    const writes = (await env.db.execute<{ key: string }>(sql`SELECT key FROM wecom_token WHERE key LIKE 'probe:batch-%'`)).rows.map((row) => row.key.split(':')[1]);
    assert.deepEqual(writes.sort(), ['batch-1', 'batch-1b', 'batch-2', 'batch-3', 'batch-4']);
    failing.delete('batch-bad');
    env.events.worker!.start();
  });

  test('an event claimed by a worker that died is applied after its lease runs out', async () => {
    const events = createEventRepository(env.db);
    // Store while a dead worker grabs it before ours can.
    await env.events.worker!.stop();
    const { query, body } = env.wecom.crypto.sealCallback(probeXml(env.wecom.corpId, 'orphan'));
    assert.equal((await post(query, body)).statusCode, 200);
    const claimed = await events.claim('dead-worker', 100, new Date(env.clock.now), new Date(env.clock.now + 30_000));
    assert.equal(claimed.length, 1);
    env.events.worker!.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(applied.includes('orphan'), false, 'not while the lease holds');
    env.clock.now += 31_000;
    await env.settle();
    assert.equal(applied.filter((id) => id === 'orphan').length, 1);
    // The dead worker coming back cannot mark it again.
    await events.markDone(env.db, [claimed[0].id], 'dead-worker', 'applied', new Date());
    const row = (await env.db.execute<{ status: string; attempts: number }>(sql`SELECT status, attempts FROM wx_event WHERE id = ${claimed[0].id}`)).rows[0];
    assert.deepEqual(row, { status: 'done', attempts: 2 });
  });
});

describe('POST /scrm/wx/portal/test and the event admin', () => {
  test('plaintext XML goes through the same pipeline; needs the permission', async () => {
    const xml = probeXml(env.wecom.corpId, 'admin-test', 1_700_000_200);
    const anonymous = await env.app.inject({ method: 'POST', url: '/scrm/wx/portal/test', payload: xml, headers: { 'content-type': 'text/xml' } });
    assert.equal(anonymous.statusCode, 401);
    const response = await env.app.inject({ method: 'POST', url: '/scrm/wx/portal/test', payload: xml, headers: { 'content-type': 'text/xml', token: admin.token } });
    assert.equal(response.statusCode, 200);
    const stored = response.json().date;
    assert.equal(stored.duplicate, false);
    assert.equal(stored.event, 'scrm_probe');
    const again = await admin.post('/scrm/wx/portal/test', { xml });
    assert.equal(again.body.date.duplicate, true);
    const malformed = await admin.post('/scrm/wx/portal/test', { xml: '<xml><broken>' });
    assert.equal(malformed.status, 400);
    await env.settle();
    assert.equal(applied.filter((id) => id === 'admin-test').length, 1);

    const page = await admin.post('/scrm/admin/event/page', { event: 'scrm_probe', changeType: 'ping', status: 'done', pageNum: 1, pageSize: 100 });
    assert.equal(page.status, 200);
    assert.ok(page.body.date.records.some((record: { id: number; source: string }) => record.id === stored.id && record.source === 'test'));
    const future = await admin.post('/scrm/admin/event/page', { startTime: new Date(env.clock.now + 86_400_000).toISOString(), pageNum: 1, pageSize: 10 });
    assert.equal(future.body.date.total, 0);
    const one = await admin.get('/scrm/admin/event/get', { id: stored.id });
    assert.equal(one.body.date.xml, xml);
  });
});

describe('JS-SDK', () => {
  test('getJsConf signs with the official algorithm', async () => {
    // The official example (API-FACTS §12) through the same function.
    assert.equal(
      signJsSdk({
        ticket: 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg',
        nonceStr: 'Wm3WZYTPz0wzccnW',
        timestamp: 1414587457,
        url: 'http://mp.weixin.qq.com?params=value',
      }),
      '0f9de62fce790f9a083d5c99e95740ceb90c27ed',
    );
    const url = 'https://scrm.example.com/h5/sidebar?x=1#section';
    const response = await admin.post('/scrm/wx/js/getJsConf', { url });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const { config, agentConfig, corpId } = response.body.date;
    assert.equal(config.appId, corpId);
    const jsapiTicket = await env.wecom.client.tickets.getJsapiTicket();
    const agentTicket = await env.wecom.client.tickets.getAgentTicket();
    const official = (ticket: string, nonceStr: string, timestamp: number) =>
      createHash('sha1').update(`jsapi_ticket=${ticket}&noncestr=${nonceStr}&timestamp=${timestamp}&url=https://scrm.example.com/h5/sidebar?x=1`).digest('hex');
    assert.equal(config.signature, official(jsapiTicket, config.nonceStr, config.timestamp));
    assert.equal(agentConfig.signature, official(agentTicket, agentConfig.nonceStr, agentConfig.timestamp));
    assert.equal(agentConfig.agentid, String(env.sim.credentials().agentId));
    const invalid = await admin.post('/scrm/wx/js/getJsConf', { url: 'not a url' });
    assert.equal(invalid.status, 400);
  });

  test('tickets and the token are fetched once under concurrent requests and across replicas', async () => {
    await env.db.execute(sql`DELETE FROM wecom_token`);
    env.wecomCalls.clear();
    const { corpId, secret, agentId } = env.sim.credentials();
    // A second replica: its own client and in-process single-flight, the same database.
    const replicaCalls = new Map<string, number>();
    const replica = new WecomClient({
      corpId,
      secret,
      agentId,
      baseUrl: env.sim.url,
      tokenCache: new DatabaseTokenCache(env.db),
      fetch: (input, init) => {
        const path = new URL(String(input)).pathname.replace(/^.*\/cgi-bin\//, '');
        replicaCalls.set(path, (replicaCalls.get(path) ?? 0) + 1);
        return fetch(input, init);
      },
    });
    const results = await Promise.all([
      ...Array.from({ length: 20 }, () => admin.post('/scrm/wx/js/getJsConf', { url: 'https://scrm.example.com/page' })),
      ...Array.from({ length: 20 }, () => replica.tickets.getConfigSignature('https://scrm.example.com/page')),
      ...Array.from({ length: 20 }, () => replica.tickets.getAgentConfigSignature('https://scrm.example.com/page')),
    ]);
    assert.equal(results.length, 60);
    const total = (path: string) => (env.wecomCalls.get(path) ?? 0) + (replicaCalls.get(path) ?? 0);
    assert.equal(total('gettoken'), 1);
    assert.equal(total('get_jsapi_ticket'), 1);
    assert.equal(total('ticket/get'), 1);
    // Cached until expiry: more requests fetch nothing.
    await admin.post('/scrm/wx/js/getJsConf', { url: 'https://scrm.example.com/other' });
    assert.equal(total('get_jsapi_ticket'), 1);
    const cached = await env.db.execute<{ key: string }>(sql`SELECT key FROM wecom_token ORDER BY key`);
    assert.equal(cached.rows.length, 3);
  });
});
