// Issue 16, item 3: six simultaneous sync requests across two replicas created three sync jobs (the exclusive
// option checked, then inserted). Now the database keeps one waiting or running exclusive job per type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createUnconfiguredWecom } from '../wecom.ts';
import { createTestApp } from '../../testing/test-app.ts';
import { startSecondReplica } from '../../testing/second-replica.ts';

test('simultaneous exclusive sync requests to two replicas start one job and hand it to every request', async (t) => {
  // A configured corp (the sync refuses to start without one); the jobs never run here (workers off below).
  const wecomOf = (db: Parameters<typeof createUnconfiguredWecom>[0]) => ({ ...createUnconfiguredWecom(db), corpId: 'ww-exclusive' });
  const first = await createTestApp({ deps: (database) => ({ wecom: wecomOf(database.db), eventWorker: false }) });
  // The second replica: its own pool, job service and app on the same database, as a second process would have.
  const second = await startSecondReplica(first, (database) => ({ wecom: wecomOf(database.db) }));
  const { jobs } = second;
  // The second replica stops first: closing the first drops the test database.
  t.after(async () => {
    await second.close();
    await first.close();
  });
  // Nobody picks the jobs up, so each round's job stays waiting while the requests race.
  for (const service of [first.jobs, jobs]) await service.boss.offWork('tracked.customers.sync');
  const { token } = await first.login();

  const sync = (app: typeof first.app) => app.inject({ method: 'POST', url: '/scrm/admin/cust/info/sync', headers: { token } });
  for (let round = 0; round < 5; round++) {
    const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => sync(i % 2 ? second.app : first.app)));
    for (const response of responses) assert.equal(response.statusCode, 200, response.body);
    const ids = new Set(responses.map((response) => response.json().date.id as number));
    assert.equal(ids.size, 1, `round ${round + 1}: every request handed the same job (${[...ids].join(', ')})`);
    const waiting = await first.db.execute<{ id: number }>(sql`SELECT id FROM sys_job WHERE type = 'customers.sync' AND state = 'created'`);
    assert.deepEqual(waiting.rows.map((row) => Number(row.id)), [...ids], `round ${round + 1}: one job in the database`);
    // The job's pg-boss job was sent with it.
    const sent = await first.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'tracked.customers.sync' AND (data->>'jobId')::bigint = ${[...ids][0]}`);
    assert.equal(Number(sent.rows[0].n), 1);
    // Finished, it no longer holds the place: the next round starts a new one.
    await first.db.execute(sql`UPDATE sys_job SET state = 'completed' WHERE id = ${[...ids][0]}`);
  }
  const all = await first.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM sys_job WHERE type = 'customers.sync'`);
  assert.equal(Number(all.rows[0].n), 5);
});
