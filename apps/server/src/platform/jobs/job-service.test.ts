import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, createTestDatabase } from '../../testing/test-app.ts';
import { createJobService } from './job-service.ts';

test('tracked jobs: progress, result, failure after retries, one at a time, visible over HTTP', async (t) => {
  const app = await createTestApp();
  t.after(() => app.close());
  const admin = await app.login();

  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  await app.jobs.register<{ items: number }>('test.count', async (payload, job) => {
    await job.progress(0, payload.items, { key: 'jobRelationsLost', params: { relations: 1316, lost: 0 } });
    await gate;
    for (let i = 1; i <= payload.items; i++) await job.progress(i, payload.items);
    return { counted: payload.items };
  });
  await app.jobs.register<Record<string, never>>('test.fail', async () => {
    throw new Error('WeCom said no');
  }, { retryLimit: 1 });

  const started = await app.jobs.start('test.count', { items: 3 }, { actor: 'admin', exclusive: true });
  assert.equal(started.state, 'created');
  // A second exclusive start while the first still runs returns the same job.
  const again = await app.jobs.start('test.count', { items: 9 }, { actor: 'admin', exclusive: true });
  assert.equal(again.id, started.id);

  for (let i = 0; i < 100; i++) {
    if ((await app.jobs.get(started.id)).state === 'active') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const running = await admin.get('/scrm/admin/job/get', { id: started.id });
  assert.equal(running.status, 200);
  assert.equal(running.body.date.state, 'active');
  assert.equal(running.body.date.total, 3);
  // The progress message in the reader's language (a Chinese console read "1316 relations, 0 lost").
  assert.equal(running.body.date.message, '已同步 1316 条客户关系，0 条已流失');
  const english = await admin.get('/scrm/admin/job/get', { id: started.id }, { 'accept-language': 'en' });
  assert.equal(english.body.date.message, '1316 relations synced, 0 lost');
  // A wait given up (the server stopping while the demo waits on its first sync) rejects with the signal's reason,
  // at once, and leaves the job running.
  const giveUp = new AbortController();
  const reason = new Error('stopping');
  const waiting = app.jobs.waitFor(started.id, 60_000, giveUp.signal);
  setTimeout(() => giveUp.abort(reason), 250);
  const abortedAt = Date.now();
  await assert.rejects(waiting, (error) => error === reason);
  assert.ok(Date.now() - abortedAt < 2_000, 'gave up as the signal aborted, not at the timeout');
  assert.equal((await app.jobs.get(started.id)).state, 'active');
  await assert.rejects(app.jobs.waitFor(started.id, 60_000, giveUp.signal), (error) => error === reason, 'an aborted signal: nothing waited for');
  release();

  const done = await app.jobs.waitFor(started.id);
  assert.equal(done.state, 'completed');
  assert.equal(done.progress, 3);
  assert.deepEqual(done.result, { counted: 3 });
  const viaHttp = await admin.get('/scrm/admin/job/get', { id: started.id });
  assert.equal(viaHttp.body.date.state, 'completed');
  assert.equal(viaHttp.body.date.cuser, 'admin');
  assert.ok(viaHttp.body.date.finishedAt);

  const failing = await app.jobs.start('test.fail', {}, { actor: 'admin' });
  const failed = await app.jobs.waitFor(failing.id, 30_000);
  assert.equal(failed.state, 'failed');
  assert.equal(failed.error, 'WeCom said no');

  const missing = await admin.get('/scrm/admin/job/get', { id: 999999 });
  assert.equal(missing.status, 404);
  const anonymous = await app.anonymous.get('/scrm/admin/job/get', { id: started.id });
  assert.equal(anonymous.status, 401);
});

test('stop() returns only after the failure pg-boss records for a handler that threw as it stopped (it does not await that write itself)', async (t) => {
  const { database, close } = await createTestDatabase();
  t.after(close);
  // pg-boss's write of a failure, slowed down: the window in which CI's pool was closed under it.
  let failWrites = 0;
  let failWritten = 0;
  const pool = Object.create(database.pool) as typeof database.pool;
  pool.query = (async (text: string, values?: unknown[]) => {
    if (typeof text === 'string' && text.includes("state < 'completed'") && text.includes('DELETE FROM pgboss.job')) {
      failWrites++;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const result = await database.pool.query(text, values);
      failWritten++;
      return result;
    }
    return database.pool.query(text, values as never);
  }) as typeof pool.query;
  const jobs = await createJobService({ db: database.db, pool, schedule: false });
  await jobs.createQueue('test-stop-fail');
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  await jobs.boss.work('test-stop-fail', { pollingIntervalSeconds: 0.5 }, async () => {
    started();
    await gate;
    throw new Error('gave up: the server is stopping');
  });
  await jobs.boss.send('test-stop-fail', {});
  await running;
  const stopped = jobs.stop();
  release();
  await stopped;
  assert.equal(failWrites, 1, 'the handler failed once');
  assert.equal(failWritten, 1, 'and pg-boss had recorded it when stop() returned');
});

test('schedule: an unchanged schedule (every start after the first) writes nothing; a changed one is written', async (t) => {
  const { database, close } = await createTestDatabase();
  t.after(close);
  const jobs = await createJobService({ db: database.db, pool: database.pool, schedule: false });
  t.after(() => jobs.stop());
  await jobs.createQueue('test-cron');
  const stored = async () =>
    (await database.pool.query<{ cron: string; timezone: string; updated_on: Date }>(`SELECT cron, timezone, updated_on FROM pgboss.schedule WHERE name = 'test-cron'`)).rows;
  await jobs.schedule('test-cron', '*/5 * * * *', { tz: 'Asia/Shanghai' });
  const [first] = await stored();
  assert.deepEqual([first.cron, first.timezone], ['*/5 * * * *', 'Asia/Shanghai']);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await jobs.schedule('test-cron', '*/5 * * * *', { tz: 'Asia/Shanghai' });
  assert.deepEqual(await stored(), [first], 'the same schedule again: not rewritten');
  await jobs.schedule('test-cron', '*/5 * * * *', { tz: 'UTC' });
  assert.equal((await stored())[0].timezone, 'UTC', 'another time zone is written');
  await jobs.schedule('test-cron', '7 * * * *', { tz: 'UTC' });
  const [changed] = await stored();
  assert.equal(changed.cron, '7 * * * *', 'another cron is written');
  assert.ok(changed.updated_on.getTime() > first.updated_on.getTime());
});

test("schedules: replicas looking together send a due schedule's job once a minute, by the database's clock; one not due sends nothing", async (t) => {
  const { database, close } = await createTestDatabase();
  t.after(close);
  const [first, second] = await Promise.all(
    [0, 1].map(() => createJobService({ db: database.db, pool: database.pool, schedule: true, scheduleCheckSeconds: 0.2 })),
  );
  t.after(() => Promise.all([first.stop(), second.stop()]));
  await first.createQueue('test-every-minute');
  await first.createQueue('test-not-now');
  const [{ minute }] = (await database.pool.query<{ minute: number }>(`SELECT EXTRACT(MINUTE FROM now())::int AS minute`)).rows;
  await first.schedule('test-every-minute', '* * * * *', { tz: 'Asia/Shanghai' });
  // A minute of the hour at least two minutes away from now's.
  await second.schedule('test-not-now', `${(minute + 30) % 60} * * * *`, { tz: 'UTC' });
  // Looks every 0.2 s on each replica, a turn lasting 0.15 s: about fifteen looks in three seconds.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const sent = (
    await database.pool.query<{ name: string; jobs: number; minutes: number }>(
      `SELECT name, count(*)::int AS jobs, count(DISTINCT date_trunc('minute', created_on))::int AS minutes FROM pgboss.job
       WHERE name IN ('test-every-minute', 'test-not-now') GROUP BY name`,
    )
  ).rows;
  assert.equal(sent.length, 1, JSON.stringify(sent));
  assert.equal(sent[0].name, 'test-every-minute');
  assert.ok(sent[0].jobs >= 1, 'the due schedule was sent');
  assert.equal(sent[0].jobs, sent[0].minutes, 'once in each minute the looks covered');
  await assert.rejects(first.schedule('test-not-now', 'every minute'), RangeError, 'a cron the looks cannot read is refused');
});
