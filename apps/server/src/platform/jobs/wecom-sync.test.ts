// Issue 16, item 2: the first start against a real corp syncs it once across replicas, in dependency order,
// with its progress on the dashboard; the nightly reconciliation runs once too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createWecom, simulatorSettings } from '../wecom.ts';
import { createWecomTestEnv } from '../../testing/wecom-test-env.ts';
import { createScopedUser } from '../../testing/scope-users.ts';
import { startSecondReplica } from '../../testing/second-replica.ts';
import type { JobProgress, JobRecord } from './job-service.ts';
import { ensureInitialWecomSync, runWecomSync, WECOM_SYNC_JOB, WECOM_SYNC_NIGHTLY_QUEUE, WECOM_SYNC_STEPS } from './wecom-sync.ts';

const pollMs = 50;

// Replicas share a PostgreSQL server; the embedded database serves one process (the dashboard browser test covers
// one replica on it).
const skip = process.env.DATABASE_URL ? false : 'two replicas need a PostgreSQL server (DATABASE_URL)';

test('two replicas starting against a corp: the first sync runs once, step by step in order, shown on the dashboard; the nightly run once', { skip }, async (t) => {
  const env = await createWecomTestEnv({ deps: { wecomSync: { pollMs } } });
  // The second replica, with a WeCom client of its own for the same corp.
  let wecom: Awaited<ReturnType<typeof createWecom>> | undefined;
  const second = await startSecondReplica(env, async (database) => {
    wecom = await createWecom(simulatorSettings(env.sim.credentials(), env.sim.url!), { db: database.db });
    return { wecom, wecomSync: { pollMs } };
  });
  const { database, jobs } = second;
  t.after(async () => {
    await second.close();
    await wecom?.close();
    await env.close();
  });
  const admin = await env.login();
  const corpId = env.wecom.corpId;
  const status = async () => (await admin.get('/scrm/admin/dashboard/sync')).body.date;

  const before = await status();
  assert.deepEqual({ configured: before.configured, initialDone: before.initialDone, run: before.run }, { configured: true, initialDone: false, run: null });

  // Both replicas start at once (main.ts after listen): one starts the first sync, the other finds it.
  const started = await Promise.all([ensureInitialWecomSync({ db: env.db, jobs: env.jobs }, corpId), ensureInitialWecomSync({ db: database.db, jobs }, corpId)]);
  const runs = started.filter((run): run is JobRecord => run !== null);
  assert.equal(runs.length, 1, 'exactly one replica started the first sync');

  // The dashboard follows it: the step running now moves forward only.
  const seen: string[] = [];
  for (;;) {
    const current = await status();
    assert.equal(current.run.id, runs[0].id);
    if (current.run.currentStep && seen.at(-1) !== current.run.currentStep) seen.push(current.run.currentStep);
    if (current.run.state === 'completed' || current.run.state === 'failed') break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const indexes = seen.map((step) => WECOM_SYNC_STEPS.indexOf(step as never));
  assert.deepEqual(indexes, [...indexes].sort(), `steps shown in order: ${seen.join(' → ')}`);
  const done = await status();
  assert.equal(done.run.state, 'completed', JSON.stringify(done.run));
  assert.equal(done.run.reason, 'initial');
  assert.equal(done.initialDone, true);
  assert.deepEqual(done.run.steps.map((step: { type: string }) => step.type), [...WECOM_SYNC_STEPS]);
  for (const step of done.run.steps) assert.equal(step.state, 'completed', step.type);
  const customersStep = done.run.steps.find((step: { type: string }) => step.type === 'customers.sync');
  const relations = await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM customer_relation WHERE status = 'active'`);
  assert.ok(Number(relations.rows[0].n) > 0);
  assert.equal(customersStep.progress, Number(relations.rows[0].n), 'the customer step counts the relations it synced');
  assert.equal(customersStep.count, (await admin.post('/scrm/admin/cust/info/page', { pageNum: 1, pageSize: 1 })).body.date.total, 'and says how many customers');
  const employeesStep = done.run.steps.find((step: { type: string }) => step.type === 'org.emp.sync');
  assert.equal(employeesStep.count, (await admin.post('/scrm/admin/qw/emp/page', { pageNum: 1, pageSize: 1 })).body.date.total);

  // Each step ran once, each after the one before it had finished.
  const stepJobs = async () =>
    (await env.db.execute<{ type: string; started_at: Date; finished_at: Date }>(sql`
      SELECT type, started_at, finished_at FROM sys_job WHERE type IN (${sql.join(WECOM_SYNC_STEPS.map((type) => sql`${type}`), sql`, `)}) ORDER BY id`)).rows;
  const first = await stepJobs();
  assert.deepEqual(first.map((row) => row.type), [...WECOM_SYNC_STEPS]);
  for (let i = 1; i < first.length; i++) assert.ok(new Date(first[i].started_at) >= new Date(first[i - 1].finished_at), `${first[i].type} started after ${first[i - 1].type} finished`);
  // The console shows what the sync brought in.
  assert.ok((await admin.post('/scrm/admin/qw/emp/page', { pageNum: 1, pageSize: 1 })).body.date.total > 0);
  assert.ok((await admin.post('/scrm/admin/group/page', { pageNum: 1, pageSize: 1 })).body.date.total > 0);

  // A restart of either replica (or a third one) finds the first sync done: nothing runs again.
  assert.deepEqual(await Promise.all([ensureInitialWecomSync({ db: env.db, jobs: env.jobs }, corpId), ensureInitialWecomSync({ db: database.db, jobs }, corpId)]), [null, null]);
  assert.equal((await stepJobs()).length, WECOM_SYNC_STEPS.length);

  // A limited role sees the progress, not the corp's counts.
  const viewer = await createScopedUser(env, admin, { username: 'dash-viewer', perms: ['cust:info:list'], dataScope: 5 });
  const limited = (await viewer.get('/scrm/admin/dashboard/sync')).body.date;
  assert.equal(limited.run.state, 'completed');
  assert.ok(limited.run.steps.every((step: { progress: number | null; count: number | null }) => step.progress === null && step.count === null));

  // The nightly reconciliation: one schedule, and a tick reaching both replicas' workers (as when two sent it)
  // runs the chain once.
  const schedules = await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM pgboss.schedule WHERE name = ${WECOM_SYNC_NIGHTLY_QUEUE}`);
  assert.equal(Number(schedules.rows[0].n), 1);
  await Promise.all([env.jobs.boss.send(WECOM_SYNC_NIGHTLY_QUEUE, {}), jobs.boss.send(WECOM_SYNC_NIGHTLY_QUEUE, {})]);
  const nightly = await until(async () => {
    const rows = (await env.db.execute<{ id: number; state: string }>(sql`SELECT id, state FROM sys_job WHERE type = ${WECOM_SYNC_JOB} AND payload->'input'->>'reason' = 'nightly'`)).rows;
    const sent = await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM pgboss.job WHERE name = ${WECOM_SYNC_NIGHTLY_QUEUE} AND state = 'completed'`);
    return rows.length > 0 && rows.every((row) => row.state === 'completed') && Number(sent.rows[0].n) === 2 ? rows : undefined;
  });
  assert.equal(nightly.length, 1, 'one nightly run');
  assert.equal((await stepJobs()).length, 2 * WECOM_SYNC_STEPS.length, 'each step once more');
  // The same night's tick arriving again after the run has finished (a replica's clock behind) finds it.
  await jobs.boss.send(WECOM_SYNC_NIGHTLY_QUEUE, {});
  await until(async () => {
    const sent = await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM pgboss.job WHERE name = ${WECOM_SYNC_NIGHTLY_QUEUE} AND state = 'completed'`);
    return Number(sent.rows[0].n) === 3 ? true : undefined;
  });
  const nightlyRuns = await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM sys_job WHERE type = ${WECOM_SYNC_JOB} AND payload->'input'->>'reason' = 'nightly'`);
  assert.equal(Number(nightlyRuns.rows[0].n), 1, 'still one nightly run');
  assert.equal((await stepJobs()).length, 2 * WECOM_SYNC_STEPS.length);
  const afterNightly = await status();
  assert.equal(afterNightly.run.reason, 'nightly');
  assert.equal(afterNightly.initialDone, true);

  // 立即同步 from the dashboard: only with every step's sync permission; a second press gets the run under way.
  const refused = await viewer.post('/scrm/admin/dashboard/sync/start', {});
  assert.equal(refused.status, 403);
  assert.match(refused.body.msg, /每一步的同步权限/);
  const [pressed, again] = await Promise.all([admin.post('/scrm/admin/dashboard/sync/start', {}), admin.post('/scrm/admin/dashboard/sync/start', {})]);
  assert.equal(pressed.status, 200, pressed.body.msg);
  assert.equal(again.body.date.id, pressed.body.date.id, 'one run for both presses');
  assert.equal((await env.jobs.waitFor(pressed.body.date.id, 60_000)).state, 'completed');
  const manual = await status();
  assert.equal(manual.run.reason, 'manual');
  assert.equal((await stepJobs()).length, 3 * WECOM_SYNC_STEPS.length);
});

test('a run resumes after a crash: steps done are skipped, the step still running is waited for, a failed step stops it in words', async () => {
  const records = new Map<number, JobRecord>();
  const record = (id: number, type: string, state: string, error: string | null = null): JobRecord =>
    ({ id, type, state, progress: 0, total: null, message: null, error, result: { id }, cuser: 'system', ctime: new Date(), startedAt: null, finishedAt: null }) as JobRecord;
  records.set(1, record(1, 'tags.corp.sync', 'completed'));
  records.set(2, record(2, 'org.dept.sync', 'active'));
  const started: string[] = [];
  let nextId = 10;
  const fakeJobs = {
    async get(id: number) {
      const job = records.get(id)!;
      // The running step finishes after a look or two.
      if (job.state === 'active') records.set(id, { ...job, state: 'completed' });
      return job;
    },
    async start(type: string) {
      started.push(type);
      const id = nextId++;
      // Customers fail (a WeCom failure stored as the step's error).
      records.set(id, record(id, type, type === 'customers.sync' ? 'failed' : 'completed', type === 'customers.sync' ? JSON.stringify({ wecomFailure: { errcode: 45009, errmsg: 'api freq out of limit' } }) : null));
      return records.get(id)!;
    },
  };
  let checkpoint: unknown = { steps: { 'tags.corp.sync': { jobId: 1, state: 'completed' }, 'org.dept.sync': { jobId: 2 } } };
  const progress: JobProgress = {
    jobId: 99,
    progress: async () => {},
    checkpoint: async () => checkpoint as never,
    saveCheckpoint: async (value) => void (checkpoint = structuredClone(value)),
  };
  await assert.rejects(runWecomSync(fakeJobs as never, progress, { pollMs: 1 }), (error: Error) => error.message.includes('45009'));
  assert.deepEqual(started, ['org.emp.sync', 'customers.sync'], 'tags skipped, departments waited for, groups not started after the failure');
  const steps = (checkpoint as { steps: Record<string, { state?: string }> }).steps;
  assert.equal(steps['org.dept.sync'].state, 'completed');
  assert.equal(steps['customers.sync'].state, 'failed');
  // The retry starts the failed step anew and goes on.
  fakeJobs.start = async (type: string) => {
    started.push(type);
    const id = nextId++;
    records.set(id, record(id, type, 'completed'));
    return records.get(id)!;
  };
  await runWecomSync(fakeJobs as never, progress, { pollMs: 1 });
  assert.deepEqual(started, ['org.emp.sync', 'customers.sync', 'customers.sync', 'groups.sync']);
});

async function until<T>(check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
