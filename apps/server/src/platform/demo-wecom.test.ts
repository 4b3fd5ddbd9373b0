// The demo simulator mounted in the server (demo mode, issue 14 hole 1): /wecom-sim/sim/* answers only a
// signed-in administrator, the callback target cannot be changed over HTTP, /wecom-sim/cgi-bin/* still
// serves this server's WeCom client, and the demo credentials are random per data directory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { createManualClock, generateCorp, HISTORY_DAYS, seededCredentials } from '@scrm/wecom-sim';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { sysUser } from '../db/schema/index.ts';
import { createTestDatabase, TEST_ADMIN_PASSWORD } from '../testing/test-app.ts';
import { hashPassword } from './auth/password.ts';
import { createTokenService } from './auth/tokens.ts';
import { createJobService, type JobService } from './jobs/job-service.ts';
import { createWecom, startDemoWecom, type DemoWecom } from './wecom.ts';

const SERVER_URL = 'http://127.0.0.1:9';
const temporary: string[] = [];
const dataDirectory = () => {
  const directory = mkdtempSync(join(tmpdir(), 'scrm-demo-wecom-'));
  temporary.push(directory);
  return directory;
};
after(() => {
  for (const directory of temporary) rmSync(directory, { recursive: true, force: true });
});

describe('the demo simulator mounted at /wecom-sim', () => {
  let app: FastifyInstance;
  let demo: DemoWecom;
  let jobs: JobService;
  let closeDatabase: () => Promise<void>;
  const simRoutes: Array<{ method: string; url: string }> = [];
  let adminToken: string;
  let userToken: string;

  before(async () => {
    const test = await createTestDatabase();
    closeDatabase = test.close;
    const dataDir = dataDirectory();
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', JWT_SECRET: 'test-secret-test-secret-0123456789' });
    const tokens = createTokenService(config.JWT_SECRET!, config.JWT_TTL_HOURS * 3600);
    jobs = await createJobService({ db: test.database.db, pool: test.database.pool, schedule: false });
    demo = await startDemoWecom({ dataDir, serverUrl: SERVER_URL, saveDebounceMs: 60_000 });
    app = await buildApp({ config, database: test.database, tokens, jobs, logger: false });
    // Mounted as main.ts does (after buildApp); every route it adds under /wecom-sim/sim is collected.
    app.addHook('onRoute', (route) => {
      if (!route.url.startsWith('/wecom-sim/sim/')) return;
      for (const method of [route.method].flat()) if (method !== 'HEAD') simRoutes.push({ method, url: route.url });
    });
    await demo.mount(app);
    await app.ready();
    demo.connect(SERVER_URL);

    // A signed-in user who is not an administrator (no role at all).
    await test.database.db.insert(sysUser).values({ username: 'operator', nickname: 'operator', passwordHash: await hashPassword('Operator-12345'), cuser: 'test' });
    adminToken = await login('admin', TEST_ADMIN_PASSWORD);
    userToken = await login('operator', 'Operator-12345');
  });

  after(async () => {
    await app?.close();
    await demo?.close();
    await jobs?.stop();
    await closeDatabase?.();
  });

  async function login(username: string, password: string): Promise<string> {
    const response = await app.inject({ method: 'POST', url: '/scrm/admin/login', payload: { username, password } });
    assert.equal(response.statusCode, 200, response.body);
    return response.json().date.token as string;
  }

  const request = (route: { method: string; url: string }, headers: Record<string, string> = {}, payload?: unknown) =>
    app.inject({ method: route.method as InjectOptions['method'], url: route.url, headers, ...(route.method === 'POST' ? { payload: (payload ?? {}) as object } : {}) });

  test('every /wecom-sim/sim/* route answers 401 in the envelope without a token, 401 with a forged one, 403 to a non-administrator', async () => {
    assert.ok(simRoutes.length > 40, `the simulator's routes were collected (${simRoutes.length})`);
    assert.ok(simRoutes.some((route) => route.url === '/wecom-sim/sim/info'));
    const customersBefore = demo.sim.state.customers.size;
    const forged = `${adminToken.slice(0, -4)}AAAA`;
    for (const route of simRoutes) {
      const anonymous = await request(route);
      assert.equal(anonymous.statusCode, 401, `${route.method} ${route.url} without a token: ${anonymous.body}`);
      assert.equal(anonymous.json().code, '401');
      assert.equal(typeof anonymous.json().msg, 'string');
      assert.ok(!anonymous.body.includes(demo.settings.secret), 'no secret in the answer');
      const forgedAnswer = await request(route, { token: forged });
      assert.equal(forgedAnswer.statusCode, 401, `${route.method} ${route.url} with a forged token`);
      const nonAdministrator = await request(route, { token: userToken, 'accept-language': 'en' });
      assert.equal(nonAdministrator.statusCode, 403, `${route.method} ${route.url} as a non-administrator: ${nonAdministrator.body}`);
      assert.deepEqual(
        { code: nonAdministrator.json().code, msg: nonAdministrator.json().msg },
        { code: '403', msg: 'Only an administrator can use the demo simulator' },
      );
    }
    // Refused before anything ran: no customer was added by the actions above.
    assert.equal(demo.sim.state.customers.size, customersBefore);
    const anonymousAdd = await request({ method: 'POST', url: '/wecom-sim/sim/add-customer' }, {}, { userid: [...demo.sim.state.employees.keys()][0] });
    assert.equal(anonymousAdd.statusCode, 401);
    assert.equal(demo.sim.state.customers.size, customersBefore);
  });

  test("the administrator's token (the console's `token` header, or Bearer) opens /wecom-sim/sim/*", async () => {
    const info = await request({ method: 'GET', url: '/wecom-sim/sim/info' }, { token: adminToken });
    assert.equal(info.statusCode, 200, info.body);
    assert.equal(info.json().secret, demo.settings.secret);
    const summary = await request({ method: 'GET', url: '/wecom-sim/sim/summary' }, { authorization: `Bearer ${adminToken}` });
    assert.equal(summary.statusCode, 200);
    const userid = [...demo.sim.state.employees.values()].find((employee) => employee.resignedAt === undefined && employee.status === 1 && employee.customerContact)!.userid;
    const before = demo.sim.state.customers.size;
    const added = await request({ method: 'POST', url: '/wecom-sim/sim/add-customer' }, { token: adminToken }, { userid, customer: { name: 'Allowed' } });
    assert.equal(added.statusCode, 200, added.body);
    assert.equal(demo.sim.state.customers.size, before + 1);
  });

  test('the callback target cannot be pointed elsewhere over HTTP, even by the administrator', async () => {
    const target = `${SERVER_URL}/scrm/wx/portal`;
    assert.equal(demo.sim.credentials().callbackUrl, target);
    for (const url of ['/wecom-sim/sim/callback', '/wecom-sim/sim/callback/']) {
      const answer = await request({ method: 'POST', url }, { token: adminToken }, { url: 'http://169.254.169.254/latest/meta-data/' });
      assert.equal(answer.statusCode, 404, answer.body);
      assert.equal(answer.json().code, '404');
    }
    assert.equal(demo.sim.credentials().callbackUrl, target);
    assert.ok(!simRoutes.some((route) => route.url === '/wecom-sim/sim/callback'));
  });

  test("/wecom-sim/cgi-bin/* (this server's WeCom client) still answers with the corp's secret, and only with it", async () => {
    const { corpId, secret } = demo.settings;
    const token = await app.inject({ method: 'GET', url: '/wecom-sim/cgi-bin/gettoken', query: { corpid: corpId, corpsecret: secret } });
    assert.equal(token.statusCode, 200);
    assert.equal(token.json().errcode, 0);
    const wrong = await app.inject({ method: 'GET', url: '/wecom-sim/cgi-bin/gettoken', query: { corpid: corpId, corpsecret: seededCredentials('scrm-demo').secret } });
    assert.notEqual(wrong.json().errcode, 0, 'the seed-derived secret is refused');
  });
});

describe('demo credentials', () => {
  const secrets = (demo: DemoWecom) => {
    const { secret, contactSyncSecret, token, encodingAesKey } = demo.sim.credentials();
    return { secret, contactSyncSecret, token, encodingAesKey };
  };

  test('are random per data directory, made on first start, kept across restarts', async () => {
    const wellKnown = seededCredentials('scrm-demo');
    const firstDir = dataDirectory();
    const first = await startDemoWecom({ dataDir: firstDir, serverUrl: SERVER_URL });
    const other = await startDemoWecom({ dataDir: dataDirectory(), serverUrl: SERVER_URL });
    assert.equal(first.firstStart, true);
    const firstSecrets = secrets(first);
    for (const [key, value] of Object.entries(firstSecrets)) {
      assert.notEqual(value, wellKnown[key as keyof typeof wellKnown], `${key} is not the seed's`);
      assert.notEqual(value, secrets(other)[key as keyof typeof firstSecrets], `${key} differs between data directories`);
    }
    assert.match(firstSecrets.encodingAesKey, /^[A-Za-z0-9]{43}$/);
    assert.match(firstSecrets.token, /^[A-Za-z0-9]{32}$/);
    // The corp's content is still the demo's (same seed): only the credentials differ.
    assert.equal(first.sim.credentials().corpId, other.sim.credentials().corpId);
    assert.deepEqual([...first.sim.state.customers.keys()], [...generateCorp({ seed: 'scrm-demo' }).customers.keys()]);
    const saved = JSON.parse(readFileSync(join(firstDir, 'wecom-sim.json'), 'utf8'));
    assert.equal(saved.corp.secret, firstSecrets.secret);
    await Promise.all([first.close(), other.close()]);

    const restarted = await startDemoWecom({ dataDir: firstDir, serverUrl: SERVER_URL });
    assert.equal(restarted.firstStart, false);
    assert.deepEqual(secrets(restarted), firstSecrets);
    assert.equal(restarted.settings.secret, firstSecrets.secret);
    await restarted.close();
  });

  test("a corp saved with the seed's well-known credentials gets random ones when restored (same corp)", async () => {
    const wellKnown = seededCredentials('scrm-demo');
    const dataDir = dataDirectory();
    const first = await startDemoWecom({ dataDir, serverUrl: SERVER_URL });
    await first.close();
    const file = join(dataDir, 'wecom-sim.json');
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    Object.assign(saved.corp, wellKnown); // as saved before the credentials were random
    writeFileSync(file, JSON.stringify(saved));
    const restored = await startDemoWecom({ dataDir, serverUrl: SERVER_URL });
    for (const [key, value] of Object.entries(secrets(restored))) assert.notEqual(value, wellKnown[key as keyof typeof wellKnown], key);
    assert.equal(restored.sim.state.customers.size, saved.customers.length, 'the same corp continues');
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).corp.secret, restored.sim.credentials().secret, 'the new credentials are saved at once');
    await restored.close();
  });
});

describe('the demo corp is alive (issue 15, item 8)', () => {
  test('its history is the 90 days up to the first start', async () => {
    const startedAt = Date.now();
    const demo = await startDemoWecom({ dataDir: dataDirectory(), serverUrl: SERVER_URL, now: () => startedAt });
    const start = Math.floor(startedAt / 1000);
    const adds: number[] = [];
    for (const byUser of demo.sim.state.relationsByUser.values()) for (const relation of byUser.values()) adds.push(relation.createtime);
    for (const time of adds) assert.ok(time <= start && time >= start - HISTORY_DAYS * 86_400, new Date(time * 1000).toISOString());
    assert.ok(adds.filter((time) => time > start - 7 * 86_400).length > 30, 'the last 7 days have adds');
    await demo.close();
  });

  async function liveServer(activityPerHour: number) {
    const test = await createTestDatabase();
    const clock = createManualClock(Date.now());
    const config = loadConfig({ DATA_DIR: dataDirectory(), LOG_LEVEL: 'silent', JWT_SECRET: 'test-secret-test-secret-0123456789' });
    const tokens = createTokenService(config.JWT_SECRET!, config.JWT_TTL_HOURS * 3600);
    const jobs = await createJobService({ db: test.database.db, pool: test.database.pool, schedule: false });
    const demo = await startDemoWecom({ dataDir: config.DATA_DIR, serverUrl: SERVER_URL, saveDebounceMs: 60_000, activityPerHour, now: clock.now });
    const wecom = await createWecom(demo.settings, { db: test.database.db });
    const app = await buildApp({ config, database: test.database, tokens, jobs, wecom, logger: false });
    await demo.mount(app);
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    demo.connect(address); // callbacks go to this server's /scrm/wx/portal over HTTP, as in demo mode
    const token = (await app.inject({ method: 'POST', url: '/scrm/admin/login', payload: { username: 'admin', password: TEST_ADMIN_PASSWORD } })).json().date.token as string;
    const storedEvents = async () =>
      (await app.inject({ method: 'POST', url: '/scrm/admin/event/page', headers: { token }, payload: { source: 'callback', pageNum: 1, pageSize: 100 } })).json().date as {
        total: number;
        records: Array<{ changeType: string | null }>;
      };
    return {
      clock,
      demo,
      storedEvents,
      async close() {
        await app.close();
        await demo.close();
        await wecom.close();
        await jobs.stop();
        await test.close();
      },
    };
  }

  test('a few adds, deletions and group joins an hour reach SCRM as callbacks, on the app clock', async () => {
    const server = await liveServer(6);
    try {
      assert.equal((await server.storedEvents()).total, 0);
      const done = [];
      for (let hour = 0; hour < 3; hour++) {
        server.clock.advance(3_600_000); // the minute timer's ticks, an hour at a time
        done.push(...server.demo.activity.tick());
      }
      assert.ok(done.length >= 15 && done.length <= 18, `${done.length} actions in 3 hours at 6 an hour`);
      await server.demo.sim.flushDeliveries();
      assert.ok(server.demo.sim.deliveries.every((delivery) => delivery.status === 'delivered'), JSON.stringify(server.demo.sim.deliveries.map((delivery) => delivery.status)));
      const stored = await server.storedEvents();
      assert.equal(stored.total, done.length, 'one callback stored per action');
      assert.ok(stored.records.some((event) => event.changeType === 'add_external_contact'));
    } finally {
      await server.close();
    }
  });

  test('DEMO_ACTIVITY_PER_HOUR=0 turns it off', async () => {
    assert.equal(loadConfig({ DEMO_ACTIVITY_PER_HOUR: '0' }).DEMO_ACTIVITY_PER_HOUR, 0);
    assert.equal(loadConfig({}).DEMO_ACTIVITY_PER_HOUR, 6, 'on by default');
    const server = await liveServer(0);
    try {
      server.clock.advance(24 * 3_600_000);
      assert.deepEqual(server.demo.activity.tick(), []);
      await server.demo.sim.flushDeliveries();
      assert.equal(server.demo.sim.deliveries.length, 0);
      assert.equal((await server.storedEvents()).total, 0);
    } finally {
      await server.close();
    }
  });
});
