import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { WecomClient, type WecomClientOptions, type WecomLogger } from './client.ts';
import { WecomApiError, WecomRequestError, redactSecrets } from './errors.ts';
import { signJsSdk } from './js-sdk.ts';
import { MemoryRateLimiter, type RateLimiter } from './rate-limiter.ts';
import { MemoryTokenCache, type TokenCache } from './token-cache.ts';
import { startFakeWecom, type FakeHandler, type FakeWecom } from './testing/fake-wecom.ts';

const corpId = 'ww1436e0e65a779aee';
const secret = 'super-secret-value-9f8e7d';

const servers: FakeWecom[] = [];
after(() => Promise.all(servers.map((server) => server.close())));

async function setup(handler: FakeHandler, options: Partial<WecomClientOptions> = {}) {
  const server = await startFakeWecom(handler);
  servers.push(server);
  const sleeps: number[] = [];
  const client = new WecomClient({
    corpId,
    secret,
    baseUrl: server.baseUrl,
    sleep: async (milliseconds) => {
      sleeps.push(milliseconds);
    },
    ...options,
  });
  return { server, client, sleeps };
}

function recordingLogger(): WecomLogger & { entries: unknown[] } {
  const entries: unknown[] = [];
  return {
    entries,
    debug: (data, message) => entries.push({ level: 'debug', data, message }),
    warn: (data, message) => entries.push({ level: 'warn', data, message }),
  };
}

function isApiError(errcode: number, api: string) {
  return (error: unknown) => error instanceof WecomApiError && error.errcode === errcode && error.api === api;
}

describe('access token', () => {
  it('fetches the token once with corpid and corpsecret and reuses it', async () => {
    const { server, client } = await setup(() => undefined);
    await client.contacts.listDepartments();
    await client.contacts.getUser('zhangsan');
    assert.equal(server.tokenCalls().length, 1);
    assert.deepEqual(server.tokenCalls()[0].query, { corpid: corpId, corpsecret: secret });
    assert.deepEqual(
      server.apiCalls().map((call) => [call.api, call.query.access_token]),
      [
        ['department/list', 'TOKEN-1'],
        ['user/get', 'TOKEN-1'],
      ],
    );
  });

  it('makes one gettoken call for many concurrent callers', async () => {
    const { server, client } = await setup(async (call) => {
      if (call.api === 'gettoken') await new Promise((resolve) => setTimeout(resolve, 50));
      return undefined;
    });
    await Promise.all(Array.from({ length: 25 }, () => client.externalContact.getFollowUserList()));
    assert.equal(server.tokenCalls().length, 1);
    assert.equal(server.apiCalls().length, 25);
    assert.ok(server.apiCalls().every((call) => call.query.access_token === 'TOKEN-1'));
  });

  it('shares the token between clients through the token cache, keyed without the secret', async () => {
    const cache = new MemoryTokenCache();
    const keys: string[] = [];
    const spyCache: TokenCache = {
      get: (key) => cache.get(key),
      set: (key, value, ttl) => {
        keys.push(key);
        assert.ok(ttl > 6000 && ttl < 7200, `ttl ${ttl} leaves a margin before expiry`);
        return cache.set(key, value, ttl);
      },
    };
    const { server } = await setup(() => undefined);
    const first = new WecomClient({ corpId, secret, baseUrl: server.baseUrl, tokenCache: spyCache });
    const second = new WecomClient({ corpId, secret, baseUrl: server.baseUrl, tokenCache: spyCache });
    await first.contacts.listDepartments();
    await second.contacts.listDepartments();
    assert.equal(server.tokenCalls().length, 1);
    assert.equal(keys.length, 1);
    assert.ok(keys[0].includes(corpId) && !keys[0].includes(secret));
  });

  it('runs the refresh under the cache lock when the cache has one', async () => {
    const locked: string[] = [];
    const cache = new MemoryTokenCache();
    const lockingCache: TokenCache = {
      get: (key) => cache.get(key),
      set: (key, value, ttl) => cache.set(key, value, ttl),
      async lock(key, work) {
        locked.push(key);
        return work();
      },
    };
    const { server, client } = await setup(() => undefined, { tokenCache: lockingCache });
    await client.contacts.listDepartments();
    assert.equal(locked.length, 1);
    assert.match(locked[0], /access_token$/);
    // Another replica stored a token while we waited for the lock: use it instead of fetching again.
    await cache.set(locked[0], 'TOKEN-FROM-OTHER-REPLICA', 100);
    assert.equal(await client.getAccessToken(), 'TOKEN-FROM-OTHER-REPLICA');
    assert.equal(server.tokenCalls().length, 1);
  });

  for (const errcode of [40014, 42001]) {
    it(`refetches the token once on ${errcode} and repeats the call`, async () => {
      const { server, client, sleeps } = await setup((call) =>
        call.api === 'user/get' && call.query.access_token === 'TOKEN-1'
          ? { errcode, errmsg: 'invalid access_token, hint: [x]' }
          : call.api === 'user/get'
            ? { errcode: 0, errmsg: 'ok', userid: 'zhangsan', name: '张三', department: [1], status: 1 }
            : undefined,
      );
      const user = await client.contacts.getUser('zhangsan');
      assert.equal(user.name, '张三');
      assert.equal(server.tokenCalls().length, 2);
      assert.deepEqual(
        server.apiCalls().map((call) => call.query.access_token),
        ['TOKEN-1', 'TOKEN-2'],
      );
      assert.deepEqual(sleeps, []);
      assert.equal(await client.getAccessToken(), 'TOKEN-2');
    });
  }

  it('gives up after one refetch when the new token is rejected too', async () => {
    const { server, client } = await setup((call) => (call.api === 'gettoken' ? undefined : { errcode: 42001, errmsg: 'expired' }));
    await assert.rejects(client.contacts.getUser('zhangsan'), isApiError(42001, 'user/get'));
    assert.equal(server.tokenCalls().length, 2);
    assert.equal(server.apiCalls().length, 2);
  });

  it('reports gettoken failures as WecomApiError without the secret', async () => {
    const { client } = await setup((call) =>
      call.api === 'gettoken' ? { errcode: 40001, errmsg: `invalid credential ${secret}` } : undefined,
    );
    await assert.rejects(client.contacts.listDepartments(), (error: unknown) => {
      assert.ok(isApiError(40001, 'gettoken')(error));
      assert.ok(!(error as Error).message.includes(secret));
      assert.ok(!(error as WecomApiError).errmsg.includes(secret));
      return true;
    });
  });
});

describe('retries', () => {
  for (const errcode of [-1, 6000]) {
    it(`retries ${errcode} with exponential backoff and succeeds`, async () => {
      let failures = 2;
      const { server, client, sleeps } = await setup((call) =>
        call.api !== 'gettoken' && failures-- > 0 ? { errcode, errmsg: 'system busy' } : undefined,
      );
      const result = await client.corpTags.list();
      assert.equal(result.errcode, 0);
      assert.equal(server.apiCalls().length, 3);
      assert.equal(sleeps.length, 2);
      assert.ok(sleeps[0] >= 200 && sleeps[0] <= 240, `first delay ${sleeps[0]}`);
      assert.ok(sleeps[1] >= 400 && sleeps[1] <= 480, `second delay ${sleeps[1]}`);
    });
  }

  it('stops after 3 retries and throws the last WeCom error', async () => {
    const { server, client, sleeps } = await setup((call) => (call.api === 'gettoken' ? undefined : { errcode: -1, errmsg: 'system busy' }));
    await assert.rejects(client.corpTags.list(), isApiError(-1, 'externalcontact/get_corp_tag_list'));
    assert.equal(server.apiCalls().length, 4);
    assert.equal(sleeps.length, 3);
    assert.ok(sleeps[2] >= 800 && sleeps[2] <= 960);
  });

  it('honours a configured retry budget and base delay', async () => {
    const { server, client, sleeps } = await setup((call) => (call.api === 'gettoken' ? undefined : { errcode: -1, errmsg: 'busy' }), {
      retry: { maxRetries: 1, baseDelayMs: 5 },
    });
    await assert.rejects(client.corpTags.list(), isApiError(-1, 'externalcontact/get_corp_tag_list'));
    assert.equal(server.apiCalls().length, 2);
    assert.ok(sleeps[0] >= 5 && sleeps[0] <= 6);
  });

  it('caps every wait at maxDelayMs', async () => {
    const { client, sleeps } = await setup((call) => (call.api === 'gettoken' ? undefined : { errcode: 6000, errmsg: 'conflict' }), {
      retry: { baseDelayMs: 1_000, maxDelayMs: 1_500 },
    });
    await assert.rejects(client.corpTags.list(), isApiError(6000, 'externalcontact/get_corp_tag_list'));
    assert.ok(sleeps[0] >= 1_000 && sleeps[0] <= 1_200);
    assert.deepEqual(sleeps.slice(1), [1_500, 1_500]);
  });

  for (const errcode of [45009, 45033]) {
    it(`waits and retries on ${errcode}`, async () => {
      let failures = 1;
      const { server, client, sleeps } = await setup(
        (call) => (call.api !== 'gettoken' && failures-- > 0 ? { errcode, errmsg: 'api freq out of limit' } : undefined),
        { retry: { rateLimitDelayMs: 2_000 } },
      );
      await client.groupChats.get('wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA');
      assert.equal(server.apiCalls().length, 2);
      assert.equal(sleeps.length, 1);
      assert.ok(sleeps[0] >= 2_000 && sleeps[0] <= 2_400);
    });
  }

  it('does not retry other errors and reports errcode, errmsg and api', async () => {
    const errmsg = 'no privilege to access/modify contact/party/agent , hint: [1599311894_80_c1153ddf]';
    const { server, client, sleeps } = await setup((call) => (call.api === 'gettoken' ? undefined : { errcode: 60011, errmsg }));
    await assert.rejects(client.externalContact.get('woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA'), (error: unknown) => {
      assert.ok(error instanceof WecomApiError);
      assert.equal(error.errcode, 60011);
      assert.equal(error.errmsg, errmsg);
      assert.equal(error.api, 'externalcontact/get');
      assert.match(error.message, /externalcontact\/get.*60011/);
      return true;
    });
    assert.equal(server.apiCalls().length, 1);
    assert.deepEqual(sleeps, []);
  });

  it('retries HTTP 5xx answers but not 4xx', async () => {
    let failures = 1;
    const { server, client } = await setup((call) =>
      call.api !== 'gettoken' && failures-- > 0 ? { status: 502, text: 'bad gateway' } : undefined,
    );
    await client.contacts.listDepartments();
    assert.equal(server.apiCalls().length, 2);

    const notFound = await setup((call) => (call.api === 'gettoken' ? undefined : { status: 404, text: 'not found' }));
    await assert.rejects(
      notFound.client.contacts.listDepartments(),
      (error: unknown) => error instanceof WecomRequestError && error.failure === 'http_status' && error.status === 404,
    );
    assert.equal(notFound.server.apiCalls().length, 1);
  });

  it('rejects bodies that are not JSON objects without retrying', async () => {
    const { server, client } = await setup((call) => (call.api === 'gettoken' ? undefined : { status: 200, text: '<html>' }));
    await assert.rejects(
      client.contacts.listDepartments(),
      (error: unknown) => error instanceof WecomRequestError && error.failure === 'invalid_response',
    );
    assert.equal(server.apiCalls().length, 1);
  });

  it('retries network errors at most 3 times', async () => {
    const attempts: string[] = [];
    const sleeps: number[] = [];
    const client = new WecomClient({
      corpId,
      secret,
      sleep: async (milliseconds) => {
        sleeps.push(milliseconds);
      },
      fetch: async (input) => {
        attempts.push(String(input));
        throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
      },
    });
    await assert.rejects(client.contacts.listDepartments(), (error: unknown) => {
      assert.ok(error instanceof WecomRequestError);
      assert.equal(error.failure, 'network');
      assert.equal(error.api, 'gettoken');
      assert.match(error.message, /ECONNREFUSED/);
      assert.ok(!error.message.includes(secret));
      return true;
    });
    assert.equal(attempts.length, 4);
    assert.equal(sleeps.length, 3);
  });

  it('recovers from a real connection failure once the server answers', async () => {
    // A port nobody listens on: connection refused for real, through the platform fetch.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const { server } = await setup(() => undefined);
    let attempts = 0;
    const client = new WecomClient({
      corpId,
      secret,
      baseUrl: `http://127.0.0.1:${port}`,
      sleep: async () => {},
      fetch: (input, init) => {
        attempts++;
        const url = attempts <= 2 ? String(input) : String(input).replace(`http://127.0.0.1:${port}`, server.baseUrl);
        return fetch(url, init);
      },
    });
    const departments = await client.contacts.listDepartments();
    assert.equal(departments.errcode, 0);
    assert.equal(attempts, 4);
  });

  it('times out slow attempts, retrying reads but not writes', async () => {
    const { server, client } = await setup((call) => (call.api === 'gettoken' ? undefined : 'hang'), {
      timeoutMs: 50,
      retry: { maxRetries: 2 },
    });
    const started = Date.now();
    await assert.rejects(
      client.contactWays.get('42b34949e138eb6e027c123cba77fAAA'),
      (error: unknown) => error instanceof WecomRequestError && error.failure === 'timeout' && error.api === 'externalcontact/get_contact_way',
    );
    assert.ok(Date.now() - started < 2_000);
    assert.equal(server.apiCalls().length, 3);

    await assert.rejects(
      client.contactWays.add({ type: 1, scene: 2, user: ['zhangsan'] }),
      (error: unknown) => error instanceof WecomRequestError && error.failure === 'timeout',
    );
    assert.equal(server.apiCalls().filter((call) => call.api === 'externalcontact/add_contact_way').length, 1);
  });
});

describe('pacing', () => {
  it('asks the limiter before every attempt, keyed by corp and API', async () => {
    const keys: string[] = [];
    const limiter: RateLimiter = {
      async acquire(key) {
        keys.push(key);
      },
    };
    let failures = 1;
    const { client } = await setup((call) => (call.api !== 'gettoken' && failures-- > 0 ? { errcode: -1, errmsg: 'busy' } : undefined), {
      limiter,
    });
    await client.externalContact.list('zhangsan');
    assert.deepEqual(keys, [`${corpId}:gettoken`, `${corpId}:externalcontact/list`, `${corpId}:externalcontact/list`]);
  });

  it('keeps calls under the configured calls per minute', async () => {
    let now = 0;
    const waits: number[] = [];
    const limiter = new MemoryRateLimiter({
      callsPerMinute: 60,
      now: () => now,
      sleep: async (milliseconds) => {
        waits.push(milliseconds);
      },
    });
    for (let index = 0; index < 60; index++) await limiter.acquire('corp:api');
    assert.deepEqual(waits, [], 'a full bucket allows a burst of one minute of calls');
    await limiter.acquire('corp:api');
    await limiter.acquire('corp:api');
    assert.deepEqual(waits, [1_000, 2_000], 'then one call per second, queued in order');
    await limiter.acquire('corp:other-api');
    assert.equal(waits.length, 2, 'each key has its own budget');
    now = 60_000;
    waits.length = 0;
    await limiter.acquire('corp:api');
    assert.deepEqual(waits, [], 'the bucket refills over time');
    assert.throws(() => new MemoryRateLimiter({ callsPerMinute: 0 }), RangeError);
  });

  it('paces the client with the default limiter at callsPerMinute', async () => {
    const { client, sleeps } = await setup(() => undefined, { callsPerMinute: 2 });
    await client.contacts.listDepartments();
    await client.contacts.listDepartments();
    assert.deepEqual(sleeps, []);
    await client.contacts.listDepartments();
    assert.equal(sleeps.length, 1);
    assert.ok(sleeps[0] > 29_000 && sleeps[0] <= 30_000, `waited ${sleeps[0]}`);
  });
});

describe('secrets', () => {
  it('never logs or reports the secret or the access token', async () => {
    const logger = recordingLogger();
    let calls = 0;
    const { client } = await setup(
      (call) => {
        if (call.api === 'gettoken') return undefined;
        calls++;
        if (calls === 1) return { errcode: 40014, errmsg: `invalid access_token ${call.query.access_token}` };
        if (calls === 2) return { errcode: -1, errmsg: 'busy' };
        return { errcode: 48002, errmsg: `api forbidden for ${call.query.access_token} / ${secret}` };
      },
      { logger },
    );
    await assert.rejects(client.contacts.listDepartments(), (error: unknown) => {
      assert.ok(error instanceof WecomApiError);
      const text = `${error.message} ${error.errmsg} ${JSON.stringify(error)}`;
      assert.ok(!text.includes(secret) && !text.includes('TOKEN-'), text);
      return true;
    });
    await client.contacts.getUser('x').catch(() => undefined);
    const logged = JSON.stringify(logger.entries);
    assert.ok(logger.entries.length >= 2);
    assert.ok(!logged.includes(secret) && !logged.includes('TOKEN-') && !logged.includes('access_token='), logged);
  });

  it('redacts tokens and secrets from URLs', () => {
    assert.equal(
      redactSecrets('GET https://qyapi.weixin.qq.com/cgi-bin/user/get?access_token=abc123&userid=x failed'),
      'GET https://qyapi.weixin.qq.com/cgi-bin/user/get?access_token=***&userid=x failed',
    );
    assert.equal(redactSecrets('/cgi-bin/gettoken?corpid=ww1&corpsecret=s3cr3t'), '/cgi-bin/gettoken?corpid=ww1&corpsecret=***');
  });
});

describe('requests', () => {
  it('joins a base URL with a path prefix and trailing slash', async () => {
    const { server } = await setup(() => undefined);
    const client = new WecomClient({ corpId, secret, baseUrl: `${server.baseUrl}/wecom/` });
    await client.contacts.listDepartmentsSimple(3);
    assert.equal(server.apiCalls()[0].api, 'department/simplelist');
    assert.equal(server.apiCalls()[0].query.id, '3');
    assert.equal(client.baseUrl, `${server.baseUrl}/wecom`);
  });

  it('uploads media as multipart with field media, filename and filelength', async () => {
    const { server, client } = await setup((call) =>
      call.api === 'media/upload'
        ? { errcode: 0, errmsg: '', type: 'file', media_id: '1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0', created_at: '1380000000' }
        : undefined,
    );
    const uploaded = await client.media.upload('file', { filename: '报价 "v2".txt', data: Buffer.from('mytext') });
    assert.equal(uploaded.created_at, '1380000000');
    const call = server.apiCalls()[0];
    assert.equal(call.method, 'POST');
    assert.equal(call.query.type, 'file');
    const boundary = /boundary=(.+)$/.exec(String(call.headers['content-type']))![1];
    const text = call.rawBody.toString('utf8');
    assert.ok(text.startsWith(`--${boundary}\r\n`));
    assert.ok(text.includes('Content-Disposition: form-data; name="media"; filename="报价 %22v2%22.txt"; filelength=6\r\n'));
    assert.ok(text.includes('Content-Type: application/octet-stream\r\n\r\nmytext\r\n'));
    assert.ok(text.endsWith(`--${boundary}--\r\n`));

    await client.media.uploadImage({ filename: 'logo.PNG', data: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]) });
    const image = server.apiCalls()[1];
    assert.equal(image.api, 'media/uploadimg');
    assert.ok(image.rawBody.toString('latin1').includes('Content-Type: image/png\r\n'));
  });

  it('uploads moment attachments with media_type and attachment_type in the query, not as a retried write', async () => {
    let calls = 0;
    const { server, client } = await setup((call) => {
      if (call.api !== 'media/upload_attachment') return undefined;
      calls++;
      return { errcode: 0, errmsg: '', type: 'video', media_id: '1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0', created_at: 1380000000 };
    });
    const uploaded = await client.media.uploadAttachment({ filename: 'clip.mp4', data: Buffer.from('mp4data') }, { media_type: 'video', attachment_type: 1 });
    assert.equal(uploaded.created_at, 1380000000);
    assert.equal(uploaded.media_id, '1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0');
    const call = server.apiCalls()[0];
    assert.equal(call.method, 'POST');
    assert.equal(call.query.media_type, 'video');
    assert.equal(call.query.attachment_type, '1');
    const text = call.rawBody.toString('utf8');
    assert.ok(text.includes('Content-Disposition: form-data; name="media"; filename="clip.mp4"; filelength=7\r\n'));
    assert.ok(text.includes('Content-Type: video/mp4\r\n'));
    assert.equal(calls, 1);
  });

  it('caches JS-SDK tickets and signs with them', async () => {
    const { server, client } = await setup((call) =>
      call.api === 'get_jsapi_ticket'
        ? { errcode: 0, errmsg: 'ok', ticket: 'CORP-TICKET', expires_in: 7200 }
        : call.api === 'ticket/get'
          ? { errcode: 0, errmsg: 'ok', ticket: 'AGENT-TICKET', expires_in: 7200 }
          : undefined,
    );
    const [first, second] = await Promise.all([client.tickets.getJsapiTicket(), client.tickets.getJsapiTicket()]);
    assert.equal(first, 'CORP-TICKET');
    assert.equal(second, 'CORP-TICKET');
    assert.equal(await client.tickets.getAgentTicket(), 'AGENT-TICKET');
    assert.equal(await client.tickets.getAgentTicket(), 'AGENT-TICKET');
    assert.deepEqual(
      server.apiCalls().map((call) => [call.method, call.api, call.query.type]),
      [
        ['GET', 'get_jsapi_ticket', undefined],
        ['GET', 'ticket/get', 'agent_config'],
      ],
    );
    const config = await client.tickets.getConfigSignature('https://scrm.example.com/h5?a=1#section');
    assert.equal(config.appId, corpId);
    assert.equal(config.signature, signJsSdk({ ticket: 'CORP-TICKET', nonceStr: config.nonceStr, timestamp: config.timestamp, url: 'https://scrm.example.com/h5?a=1' }));
    await assert.rejects(client.tickets.getAgentConfigSignature('https://scrm.example.com/h5'), /agentId is required/);

    const withAgent = new WecomClient({ corpId, secret, baseUrl: server.baseUrl, agentId: 1000002 });
    const agentConfig = await withAgent.tickets.getAgentConfigSignature('https://scrm.example.com/h5');
    assert.equal(agentConfig.corpid, corpId);
    assert.equal(agentConfig.agentid, '1000002');
    assert.equal(
      agentConfig.signature,
      signJsSdk({ ticket: 'AGENT-TICKET', nonceStr: agentConfig.nonceStr, timestamp: agentConfig.timestamp, url: 'https://scrm.example.com/h5' }),
    );
  });
});
