#!/usr/bin/env node
// A production-shaped end-to-end check (issue 16), as an operator rolls SCRM out the documented way:
// the standalone WeCom simulator (packages/wecom-sim CLI) in WeCom's place, two replicas of the server started
// together on one fresh PostgreSQL database with Redis, real WECOM_* settings pointing at the simulator, and
// callbacks delivered to both replicas (every callback to each, as WeCom's retries through a load balancer can).
// Checks: the first sync runs once (one run, each step once, the corp mirrored); callbacks are stored once and
// applied once; simultaneous sync requests to both replicas start one sync, which keeps the customers of an employee
// who left awaiting inheritance (not lost); /open/route/hit on both replicas racing for a link's last places
// gives no rule more than its limit and stores exactly what was answered, and a hit answered by a replica
// killed (SIGKILL) right after is counted.
//
//   node scripts/e2e-production.mjs            # PostgreSQL at 127.0.0.1:5432 (user postgres), Redis at 127.0.0.1:6379
//   E2E_DATABASE_URL=… E2E_REDIS_URL=… node scripts/e2e-production.mjs
//
// Exits 0 when every check holds; prints what failed otherwise. Run by .ci/run when PostgreSQL and Redis answer.
import { spawn } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import { createServer as netServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { createHmac, randomBytes } from 'node:crypto';
import { ensureServerBundle, SERVER_NODE_FLAGS } from './server-bundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'apps/server/package.json'));
const pg = require('pg');

const databaseUrl = new URL(process.env.E2E_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const redisUrl = process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_PASSWORD = 'E2eProduction2026';
const CALLBACKS = 60;
const started = Date.now();
const children = [];
let admin;
let db;
let databaseName;

const log = (message) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
  log(`ok: ${message}`);
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = netServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function run(name, args, env) {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const entry = { name, child, output: () => output, exited };
  children.push(entry);
  return entry;
}

async function until(what, check, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function call(base, path, { body, token, method } = {}) {
  const response = await fetch(`${base}${path}`, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { token } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${text}`);
  return JSON.parse(text);
}

/** Forwards every callback to each replica (answering the first reply): WeCom retrying through a load balancer. */
function fanOut(ports) {
  const server = createServer((incoming, outgoing) => {
    const chunks = [];
    incoming.on('data', (chunk) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const replies = ports.map(
        (port) =>
          new Promise((resolve) => {
            const forwarded = httpRequest({ host: '127.0.0.1', port, path: incoming.url, method: incoming.method, headers: { ...incoming.headers, host: `127.0.0.1:${port}` } }, (reply) => {
              const parts = [];
              reply.on('data', (chunk) => parts.push(chunk));
              reply.on('end', () => resolve({ status: reply.statusCode ?? 502, body: Buffer.concat(parts) }));
            });
            forwarded.on('error', () => resolve({ status: 502, body: Buffer.from('replica unreachable') }));
            forwarded.end(body);
          }),
      );
      void Promise.any(replies.map((reply) => reply.then((value) => (value.status === 200 ? value : Promise.reject(value)))))
        .catch(() => replies[0])
        .then((reply) => {
          outgoing.writeHead(reply.status);
          outgoing.end(reply.body);
        });
    });
  });
  return server;
}

async function main() {
  // A fresh database of its own on the PostgreSQL server.
  databaseName = `scrm_e2e_${process.pid}`;
  admin = new pg.Client({ connectionString: databaseUrl.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${databaseName}`);
  const appUrl = new URL(databaseUrl);
  appUrl.pathname = `/${databaseName}`;
  db = new pg.Client({ connectionString: appUrl.toString() });
  db.on('error', () => {}); // the database is dropped at the end, whatever the client was doing

  // The standalone simulator, its callbacks to the fan-out in front of the two replicas.
  const [simPort, balancerPort, portA, portB] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const balancer = fanOut([portA, portB]);
  await new Promise((resolve) => balancer.listen(balancerPort, '127.0.0.1', resolve));
  const sim = run('simulator', [join(root, 'packages/wecom-sim/bin/scrm-wecom-sim.mjs'), '--port', String(simPort), '--seed', `e2e-${process.pid}`,
    '--employees', '12', '--customers', '150', '--groups', '8', '--callback', `http://127.0.0.1:${balancerPort}/scrm/wx/portal`]);
  const settings = await until('the simulator', () => {
    const lines = Object.fromEntries(sim.output().split('\n').filter((line) => line.startsWith('WECOM_')).map((line) => line.split(/=(.*)/s).slice(0, 2)));
    return lines.WECOM_AES_KEY ? lines : undefined;
  }, 30_000);
  const simBase = settings.WECOM_API_BASE;
  log(`simulator on ${simBase}, corp ${settings.WECOM_CORP_ID}`);

  // Two replicas started at the same instant: same database, Redis, secrets and WeCom settings.
  const shared = {
    ...settings, DATABASE_URL: appUrl.toString(), REDIS_URL: redisUrl, JWT_SECRET: `e2e-jwt-secret-${process.pid}-0123456789`, ADMIN_PASSWORD,
    HOST: '127.0.0.1', LOG_LEVEL: 'warn', SCRM_SKIP_CONSOLE_BUILD: '1', EVENT_LEASE_SECONDS: '5',
  };
  // Each replica runs the server's bundle, as `npm start` does.
  const main = await ensureServerBundle();
  const replicas = [portA, portB].map((port, index) => ({ port, base: `http://127.0.0.1:${port}`, process: run(`replica ${index + 1}`, [...SERVER_NODE_FLAGS, main], { ...shared, PORT: String(port) }) }));
  for (const replica of replicas) {
    await until(`${replica.process.name} healthy`, async () => {
      if (replica.process.child.exitCode !== null) throw new Error(`${replica.process.name} exited:\n${replica.process.output()}`);
      return fetch(`${replica.base}/scrm/health`).then((response) => response.ok).catch(() => false);
    }, 90_000);
  }
  log('both replicas healthy');
  const token = (await call(replicas[0].base, '/scrm/admin/login', { body: { username: 'admin', password: ADMIN_PASSWORD } })).date.token;
  await db.connect();
  const count = async (query, values = []) => Number((await db.query(query, values)).rows[0].n);

  // 1. The first sync: one run across the replicas, every step once, in order; the corp mirrored.
  const status = await until('the first sync to finish', async () => {
    const { date } = await call(replicas[1].base, '/scrm/admin/dashboard/sync', { token });
    if (date.run?.state === 'failed') throw new Error(`the first sync failed: ${date.run.error}`);
    return date.run?.state === 'completed' ? date : undefined;
  }, 90_000);
  check(status.initialDone && status.run.reason === 'initial', 'the dashboard shows the first sync done');
  check((await count(`SELECT count(*)::int AS n FROM sys_job WHERE type = 'wecom.sync'`)) === 1, 'one first sync across two replicas');
  const steps = (await db.query(`SELECT type FROM sys_job WHERE type IN ('tags.corp.sync','org.dept.sync','org.emp.sync','customers.sync','groups.sync') ORDER BY id`)).rows.map((row) => row.type);
  check(steps.join() === 'tags.corp.sync,org.dept.sync,org.emp.sync,customers.sync,groups.sync', `each step once, in order (${steps.join(' → ')})`);
  // What WeCom has: relations of employees in the corp with 客户联系 (those of departed ones await inheritance).
  const corp = await call(simBase, '/sim/state');
  const following = new Set(corp.employees.filter((employee) => employee.resignedAt === undefined && employee.customerContact).map((employee) => employee.userid));
  const relations = corp.relations.filter((relation) => following.has(relation.userid)).length;
  check((await count(`SELECT count(*)::int AS n FROM customer_relation WHERE status = 'active' AND unassigned_since IS NULL`)) === relations, `every relation mirrored (${relations})`);
  const summary = await call(simBase, '/sim/summary');
  check((await count(`SELECT count(*)::int AS n FROM qw_emp WHERE status <> 5`)) === summary.employees, `every employee mirrored (${summary.employees})`);

  // 2. Callbacks, each delivered to both replicas: stored once, applied once.
  const employees = (await call(replicas[0].base, '/scrm/admin/qw/emp/page', { token, body: { pageNum: 1, pageSize: 100, eligible: true } })).date.records.map((row) => row.userid);
  const customersBefore = await count(`SELECT count(*)::int AS n FROM customer`);
  const eventsBefore = await count(`SELECT count(*)::int AS n FROM wx_event`);
  const added = [];
  for (let i = 0; i < CALLBACKS; i++) {
    const userid = employees[i % employees.length];
    added.push((await call(simBase, '/sim/add-customer', { body: { userid, customer: { name: `E2E 客户 ${i}` } } })).external_userid);
  }
  await call(simBase, '/sim/deliveries/flush', { body: {} });
  await until('every callback applied', async () => (await count(`SELECT count(*)::int AS n FROM wx_event WHERE status <> 'done'`)) === 0 && (await count(`SELECT count(*)::int AS n FROM customer`)) >= customersBefore + CALLBACKS, 60_000);
  await sleep(500);
  check((await count(`SELECT count(*)::int AS n FROM wx_event`)) - eventsBefore === CALLBACKS, `${CALLBACKS} callbacks sent to both replicas, stored once each`);
  check((await count(`SELECT count(*)::int AS n FROM customer`)) === customersBefore + CALLBACKS, 'each added customer applied once');
  check((await count(`SELECT count(*)::int AS n FROM customer_relation WHERE external_userid = ANY($1)`, [added])) === CALLBACKS, 'one relation per added customer');

  // An employee leaves (a delete_user callback to both replicas): their relations await inheritance.
  const leaver = (await db.query(`SELECT userid, count(*)::int AS n FROM customer_relation WHERE status = 'active' GROUP BY userid ORDER BY n DESC LIMIT 1`)).rows[0];
  await call(simBase, '/sim/delete-employee', { body: { userid: leaver.userid } });
  await call(simBase, '/sim/deliveries/flush', { body: {} });
  await until('the departure applied', async () => (await count(`SELECT count(*)::int AS n FROM customer_relation WHERE userid = $1 AND unassigned_since IS NOT NULL`, [leaver.userid])) === leaver.n);

  // 3. Six simultaneous sync requests across the replicas: one sync.
  const syncsBefore = await count(`SELECT count(*)::int AS n FROM sys_job WHERE type = 'customers.sync'`);
  const jobs = await Promise.all(Array.from({ length: 6 }, (_, i) => call(replicas[i % 2].base, '/scrm/admin/cust/info/sync', { token, body: {} })));
  check(new Set(jobs.map((job) => job.date.id)).size === 1, 'six simultaneous requests to two replicas handed one sync job');
  await until('the sync to finish', async () => ['completed', 'failed'].includes((await call(replicas[0].base, `/scrm/admin/job/get?id=${jobs[0].date.id}`, { token })).date.state));
  check((await count(`SELECT count(*)::int AS n FROM sys_job WHERE type = 'customers.sync'`)) === syncsBefore + 1, 'the sync ran once');
  check((await count(`SELECT count(*)::int AS n FROM customer_relation WHERE status = 'lost'`)) === 0, 'the sync agreed with the callbacks (nothing lost)');
  check((await count(`SELECT count(*)::int AS n FROM customer_relation WHERE userid = $1 AND status = 'active' AND unassigned_since IS NOT NULL`, [leaver.userid])) === leaver.n,
    `the ${leaver.n} customers of an employee who left await inheritance after the sync`);

  // 4. /open/route/hit on both replicas (nonces and rate windows in Redis, counters in PostgreSQL).
  const app = (await call(replicas[0].base, '/scrm/admin/open/app/save', { token, body: { name: 'e2e route hits', rateLimit: 100000 } })).date;
  const hit = (base, linkId) => {
    const target = `/scrm/open/route/hit?getType=link&id=${linkId}`;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(12).toString('hex');
    const signature = createHmac('sha256', app.secret).update(`GET\n${target}\n${timestamp}\n${nonce}\n`, 'utf8').digest('hex');
    return fetch(`${base}${target}`, { headers: { 'x-app-key': app.appKey, 'x-timestamp': timestamp, 'x-nonce': nonce, 'x-signature': signature } });
  };
  const eligible = (await call(replicas[0].base, '/scrm/admin/qw/emp/page', { token, body: { pageNum: 1, pageSize: 100, eligible: true } })).date.records.map((row) => row.userid);
  const limits = [2, 3, 5];
  const raced = (await call(replicas[0].base, '/scrm/admin/cust/get/link/save', { token, body: {
    linkName: 'e2e race', allocationMethod: 'weight', userList: eligible.slice(0, 3), status: 1,
    allocationRules: eligible.slice(0, 3).map((userId, index) => ({ userId, weight: index + 1, dailyLimit: limits[index] })),
  } })).date;
  check(raced.status === 1, `a weighted link with daily limits ${limits.join('/')} published (${raced.statusReason ?? 'ok'})`);
  // The main link holds its pick (a place of today) once range upkeep has run after publishing.
  await until('the main link to hold its pick', async () => (await count(`SELECT count(*)::int AS n FROM acq_round WHERE acq_link_id = $1 AND main_rule_id IS NOT NULL`, [raced.id])) === 1, 30_000);
  const answers = await Promise.all(Array.from({ length: 40 }, (_, index) => hit(replicas[index % 2].base, raced.id).then(async (response) => {
    if (response.status !== 200) throw new Error(`route/hit: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()).date;
  })));
  const stored = (await db.query(`SELECT d.rule_id::int AS rule_id, d.hits::int AS hits, d.held::int AS held, r.daily_limit::int AS daily_limit FROM acq_rule_day d JOIN acq_rule r ON r.id = d.rule_id WHERE r.acq_link_id = $1 AND r.is_del = 0`, [raced.id])).rows;
  const given = new Map();
  for (const answer of answers) if (answer.ruleId !== null) given.set(answer.ruleId, (given.get(answer.ruleId) ?? 0) + 1);
  check(stored.every((row) => row.hits + row.held <= row.daily_limit), `40 hits racing on two replicas: no rule over its daily limit (${stored.map((row) => `${row.hits}+${row.held}/${row.daily_limit}`).join(', ')})`);
  check(stored.reduce((sum, row) => sum + row.hits + row.held, 0) === limits.reduce((sum, limit) => sum + limit, 0), 'every place taken, once');
  check(stored.every((row) => (given.get(row.rule_id) ?? 0) === row.hits), 'the stored hits are exactly the answered ones');
  check(answers.filter((answer) => answer.ruleId === null).every((answer) => answer.outcome === 'none_eligible'), 'the hits over the limits are told nobody is eligible');

  // A replica killed right after it answered: every answered hit is counted, none twice; the other goes on.
  const open = (await call(replicas[0].base, '/scrm/admin/cust/get/link/save', { token, body: {
    linkName: 'e2e crash', allocationMethod: 'round', userList: eligible.slice(0, 2), status: 1,
    allocationRules: eligible.slice(0, 2).map((userId) => ({ userId, roundLimit: 1 })),
  } })).date;
  const storedHits = () => count(`SELECT coalesce(sum(d.hits), 0)::int AS n FROM acq_rule_day d JOIN acq_rule r ON r.id = d.rule_id WHERE r.acq_link_id = $1`, [open.id]);
  const victim = replicas[1];
  let answered = 0;
  const sent = 30;
  await Promise.allSettled(Array.from({ length: sent }, () => hit(victim.base, open.id).then((response) => {
    if (response.status !== 200) return;
    answered++;
    if (victim.process.child.signalCode === null) victim.process.child.kill('SIGKILL');
  })));
  await victim.process.exited;
  const counted = await storedHits();
  check(answered >= 1 && counted >= answered && counted <= sent, `a replica killed as it answered: ${answered} answered, ${counted} counted (of ${sent} sent)`);
  const afterwards = await hit(replicas[0].base, open.id);
  check(afterwards.status === 200 && (await afterwards.json()).date.outcome === 'chosen', 'the other replica goes on with the link');
  check((await storedHits()) === counted + 1, 'and counts its hit once');
  log('all checks passed');
}

async function cleanUp() {
  for (const entry of children.reverse()) {
    if (entry.child.exitCode === null && entry.child.signalCode === null) entry.child.kill('SIGTERM');
    const timer = setTimeout(() => entry.child.kill('SIGKILL'), 20_000);
    await entry.exited;
    clearTimeout(timer);
  }
  await db?.end().catch(() => {});
  if (admin && databaseName) {
    await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  console.error(`[e2e] ${error instanceof Error ? error.message : String(error)}`);
  for (const entry of children) console.error(`--- ${entry.name} output ---\n${entry.output().slice(-4000)}`);
} finally {
  await cleanUp();
}
process.exit(failed ? 1 : 0);
