// Demo mode end to end, through the real entry point: no WECOM_* settings, the simulator mounted under
// /wecom-sim, the demo corp generated on first start, synced, kept live by simulator actions, and continued
// (not regenerated) after a graceful restart on the same DATA_DIR; and a server killed (SIGKILL) while it
// applies callback events applies every stored event exactly once after a restart.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildEventXml } from '@scrm/wecom';
import { seededCredentials } from '@scrm/wecom-sim';

const root = resolve(import.meta.dirname, '../../..');
const main = join(root, 'apps/server/src/main.ts');

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

interface Server {
  child: ChildProcess;
  base: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startServer(dataDir: string, port: number, settings: Record<string, string> = {}): Promise<Server> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Demo mode: no WeCom settings; the embedded database in DATA_DIR, never the test PostgreSQL.
    if (key.startsWith('WECOM_') || key === 'DATABASE_URL' || key === 'REDIS_URL' || key === 'ADMIN_PASSWORD' || key === 'NODE_TEST_CONTEXT') continue;
    env[key] = value;
  }
  // No live activity (DEMO_ACTIVITY_PER_HOUR=0) nor example content (DEMO_CONTENT=0): the counts below are exact.
  Object.assign(env, { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', DEMO_ACTIVITY_PER_HOUR: '0', DEMO_CONTENT: '0' }, settings);
  const child = spawn(process.execPath, ['--import', 'tsx', main], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (chunk) => (text += chunk));
  child.stderr!.on('data', (chunk) => (text += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('exit', (code, signal) => done({ code, signal })));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  let running = true;
  void exited.then(() => (running = false));
  for (;;) {
    if (!running) throw new Error(`the server exited during start-up:\n${text}`);
    try {
      const response = await fetch(`${base}/scrm/health`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server did not become healthy in 120 s:\n${text}`);
    }
    await new Promise((wait) => setTimeout(wait, 250));
  }
  return { child, base, output: () => text, exited };
}

async function stopServer(server: Server): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  server.child.kill('SIGTERM');
  const timeout = setTimeout(() => server.child.kill('SIGKILL'), 60_000);
  const result = await server.exited;
  clearTimeout(timeout);
  return result;
}

async function call<T = any>(base: string, path: string, body?: unknown, token?: string): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.equal(response.status, 200, `${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

const login = async (base: string): Promise<string> =>
  (await call<{ date: { token: string } }>(base, '/scrm/admin/login', { username: 'admin', password: 'admin123' })).date.token;

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((wait) => setTimeout(wait, 300));
  }
}

// One DATA_DIR for the file: the second suite continues the corp the first one generated.
const dataDir = mkdtempSync(join(tmpdir(), 'scrm-demo-mode-'));
const running: Server[] = [];
after(async () => {
  for (const server of running) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('demo mode (the real server entry, no WECOM_* settings)', () => {

  test('first start generates and syncs the demo corp; simulator actions show up live; a restart continues the same corp', async () => {
    const port = await freePort();
    const first = await startServer(dataDir, port);
    running.push(first);
    const token = await login(first.base);
    const customerPage = async (base: string, body: object = {}) =>
      (await call<{ date: { total: number; records: any[] } }>(base, '/scrm/admin/cust/info/page', { pageNum: 1, pageSize: 10, ...body }, token)).date;

    // The initial sync (started in the background) fills customers and the organisation.
    const synced = await until('the initial sync', async () => {
      const page = await customerPage(first.base);
      return page.total > 0 ? page.total : undefined;
    });
    const employees = await until('the organisation mirror', async () => {
      const page = (await call<{ date: { total: number } }>(first.base, '/scrm/admin/qw/emp/page', { pageNum: 1, pageSize: 1 }, token)).date;
      return page.total > 0 ? page.total : undefined;
    });
    // Let the sync finish: the customer count stops moving.
    const settled = await until('the customer sync to finish', async () => {
      const total = (await customerPage(first.base)).total;
      await new Promise((wait) => setTimeout(wait, 2000));
      return total === (await customerPage(first.base)).total ? total : undefined;
    });
    assert.ok(synced > 0 && settled >= synced && employees > 0);

    // A simulator action over HTTP: an employee adds a new customer; the callback makes it appear.
    const employee = (await call<{ date: { records: Array<{ userid: string }> } }>(first.base, '/scrm/admin/qw/emp/page', { pageNum: 1, pageSize: 1 }, token)).date.records[0];
    // The simulator's actions answer only the signed-in administrator (anonymous: 401).
    const anonymous = await fetch(`${first.base}/wecom-sim/sim/add-customer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userid: employee.userid }) });
    assert.equal(anonymous.status, 401);
    const added = await call<{ external_userid: string }>(first.base, '/wecom-sim/sim/add-customer', { userid: employee.userid, customer: { name: 'Demo Mode Newcomer' } }, token);
    assert.ok(added.external_userid);
    await until('the added customer', async () => ((await customerPage(first.base)).total === settled + 1 ? true : undefined), 30_000);
    const found = await customerPage(first.base, { name: 'Demo Mode Newcomer' });
    assert.equal(found.total, 1);

    // Graceful stop: exit code 0, the corp saved in DATA_DIR.
    const stateFile = join(dataDir, 'wecom-sim.json');
    const stopped = await stopServer(first);
    assert.deepEqual(stopped, { code: 0, signal: null }, first.output());
    const savedAt = statSync(stateFile).mtimeMs;

    // Second start on the same DATA_DIR: the same corp continues, nothing generated again.
    const second = await startServer(dataDir, await freePort());
    running.push(second);
    const token2 = await login(second.base);
    const again = (await call<{ date: { total: number } }>(second.base, '/scrm/admin/cust/info/page', { pageNum: 1, pageSize: 1 }, token2)).date;
    assert.equal(again.total, settled + 1);
    const stillThere = (await call<{ date: { total: number } }>(second.base, '/scrm/admin/cust/info/page', { pageNum: 1, pageSize: 1, name: 'Demo Mode Newcomer' }, token2)).date;
    assert.equal(stillThere.total, 1);
    // The simulator restored the saved corp (a regenerated one would not know the added customer).
    const state = await call<any>(second.base, '/wecom-sim/sim/state', undefined, token2);
    assert.ok(JSON.stringify(state).includes(added.external_userid), 'the restored simulator knows the customer added before the restart');
    // Its credentials are this data directory's own (random on first start), not the seed's well-known ones.
    assert.notEqual(state.corp.secret, seededCredentials('scrm-demo').secret);
    assert.notEqual(state.corp.encodingAesKey, seededCredentials('scrm-demo').encodingAesKey);
    assert.equal(statSync(stateFile).mtimeMs, savedAt, 'the state file was not rewritten at start-up (no generation)');
    // No initial sync on the second start: the count stays put.
    await new Promise((wait) => setTimeout(wait, 1500));
    assert.equal((await call<{ date: { total: number } }>(second.base, '/scrm/admin/cust/info/page', { pageNum: 1, pageSize: 1 }, token2)).date.total, settled + 1);
    assert.deepEqual(await stopServer(second), { code: 0, signal: null }, second.output());
  });
});

// A short lease (production: 60 s), so the restarted server takes the killed worker's events over without
// waiting a minute. It only decides when they are taken over: a worker applies an event only while the row
// is still claimed by it, so exactly once holds whatever the lease.
const KILL_TEST_SETTINGS = { EVENT_LEASE_SECONDS: '3' };

// Its own suite (each top-level test has its own time budget).
describe('demo mode: killed mid-processing', () => {
  test('a server killed while applying events applies every stored event exactly once after a restart', async () => {
    const server = await startServer(dataDir, await freePort(), KILL_TEST_SETTINGS);
    running.push(server);
    const token = await login(server.base);
    const { corpId } = await call<{ corpId: string }>(server.base, '/wecom-sim/sim/info', undefined, token);
    const userids = (await call<{ date: { records: Array<{ userid: string }> } }>(server.base, '/scrm/admin/qw/emp/page', { pageNum: 1, pageSize: 100 }, token)).date.records.map(
      (employee) => employee.userid,
    );
    const COUNT = 3000;
    const eventTotal = async (base: string, auth: string, status?: string) =>
      (await call<{ date: { total: number } }>(base, '/scrm/admin/event/page', { source: 'test', ...(status ? { status } : {}), pageNum: 1, pageSize: 1 }, auth)).date.total;
    // Fed through the plaintext test entry (same store and worker as real callbacks), 16 at a time. Halfway
    // through, while events keep arriving and the worker applies them, the server is killed: the kill always
    // lands mid-processing, whatever the machine's speed.
    let next = 0;
    let acknowledged = 0;
    let killed: Promise<{ stored: number; done: number }> | undefined;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let index = next++; index < COUNT && !killed; index = next++) {
          const xml = buildEventXml({ kind: 'change_contact', changeType: 'update_user', toUserName: corpId, createTime: 1_900_000_000 + index, userId: userids[index % userids.length] });
          try {
            await call(server.base, '/scrm/wx/portal/test', { xml }, token);
          } catch {
            break; // the server is gone: this delivery was never acknowledged
          }
          acknowledged++;
          if (acknowledged === COUNT / 2 && !killed) {
            killed = (async () => {
              // Done first, then stored: events keep arriving in between, so some are always unapplied.
              const done = await eventTotal(server.base, token, 'done');
              const seen = { done, stored: await eventTotal(server.base, token) };
              server.child.kill('SIGKILL');
              return seen;
            })();
          }
        }
      }),
    );
    assert.ok(killed, 'the server was killed');
    const atKill = await killed;
    assert.equal((await server.exited).signal, 'SIGKILL');
    assert.ok(atKill.done < atKill.stored, `events were still being applied at the kill (${atKill.done} of ${atKill.stored} done)`);

    const restarted = await startServer(dataDir, await freePort(), KILL_TEST_SETTINGS);
    running.push(restarted);
    const token2 = await login(restarted.base);
    // Events the killed worker held are taken over once their lease (KILL_TEST_SETTINGS) runs out.
    const stored = await eventTotal(restarted.base, token2);
    assert.ok(stored >= acknowledged && stored <= COUNT, `every acknowledged event was kept (${stored} stored, ${acknowledged} acknowledged)`);
    await until('every stored event applied', async () => ((await eventTotal(restarted.base, token2, 'done')) === stored ? true : undefined), 180_000);
    assert.equal(await eventTotal(restarted.base, token2), stored, 'nothing stored twice');
    for (const status of ['pending', 'processing', 'failed', 'dead']) assert.equal(await eventTotal(restarted.base, token2, status), 0, status);
    assert.deepEqual(await stopServer(restarted), { code: 0, signal: null }, restarted.output());
  });
});
