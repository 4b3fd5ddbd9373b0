import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { ok, scopedUser } from './customers.testing.ts';

/** A scripted history of one employee's adds and losses over several Asia/Shanghai days, clock controlled. */
describe('customer statistics over a scripted history', () => {
  let env: WecomTestEnv;
  let admin: TestClient;
  const userid = 'stat_emp';
  const at = (shanghaiTime: string) => {
    env.clock.now = Date.parse(`${shanghaiTime}+08:00`);
  };

  before(async () => {
    env = await createWecomTestEnv();
    admin = await env.login();
    env.sim.actions.createEmployee({ userid, name: '统计员工' });
    await env.settle();
    await env.syncOrg();
    await env.runJob('customers.sync');

    const add = (name: string) => env.sim.actions.addCustomer({ userid, customer: { name } }).external_userid;
    at('2026-12-01T10:00:00');
    const a = add('A');
    const b = add('B');
    const c = add('C');
    await env.settle();
    at('2026-12-02T09:00:00');
    add('D');
    add('E');
    at('2026-12-02T15:00:00');
    env.sim.actions.customerDeletesEmployee({ userid, external_userid: a });
    await env.settle();
    at('2026-12-03T23:30:00');
    env.sim.actions.employeeDeletesCustomer({ userid, external_userid: b });
    at('2026-12-03T23:59:00');
    add('F');
    await env.settle();
    // 00:30 in Shanghai is still the previous day in UTC: the loss belongs to Dec 4.
    at('2026-12-04T00:30:00');
    env.sim.actions.customerDeletesEmployee({ userid, external_userid: c });
    await env.settle();
    at('2026-12-06T10:00:00');
    env.sim.actions.addCustomer({ userid, external_userid: a });
    await env.settle();
  });
  after(() => env?.close());

  const row = (date: string, newCount: number, lostByCustomer: number, lostByEmployee: number, aliveCount: number) => ({
    date,
    newCount,
    lostByCustomer,
    lostByEmployee,
    lostCount: lostByCustomer + lostByEmployee,
    netCount: newCount - lostByCustomer - lostByEmployee,
    transferredCount: 0,
    aliveCount,
  });

  test('per-day new, lost by either side, net and alive match the hand-computed figures', async () => {
    const stats = await ok(admin.post('/scrm/admin/cust/info/stat', { startDate: '2026-11-30', endDate: '2026-12-06', userIds: [userid] }));
    assert.deepEqual(stats, [
      row('2026-11-30', 0, 0, 0, 0),
      row('2026-12-01', 3, 0, 0, 3),
      row('2026-12-02', 2, 1, 0, 4),
      row('2026-12-03', 1, 0, 1, 4),
      row('2026-12-04', 0, 1, 0, 3),
      row('2026-12-05', 0, 0, 0, 3),
      row('2026-12-06', 1, 0, 0, 4),
    ]);
    // A range starting mid-history carries the relations alive before it.
    const tail = await ok(admin.post('/scrm/admin/cust/info/stat', { startDate: '2026-12-04', endDate: '2026-12-05', userIds: [userid] }));
    assert.deepEqual(tail, [row('2026-12-04', 0, 1, 0, 3), row('2026-12-05', 0, 0, 0, 3)]);
  });

  test('the whole corp: consistent with the relation table', async () => {
    const stats = await ok(admin.post('/scrm/admin/cust/info/stat', { startDate: '2026-12-01', endDate: '2026-12-06' }));
    const count = async (query: ReturnType<typeof sql>) => Number((await env.db.execute<{ n: number }>(query)).rows[0].n);
    const end = '2026-12-07T00:00:00+08:00';
    assert.equal(stats.at(-1).aliveCount, await count(sql`SELECT count(*) AS n FROM customer_relation WHERE createtime < ${end}::timestamptz AND (lost_at IS NULL OR lost_at >= ${end}::timestamptz)`));
    const added = await count(sql`SELECT count(*) AS n FROM customer_relation WHERE createtime >= '2026-12-01T00:00:00+08:00' AND createtime < ${end}::timestamptz`);
    assert.equal(stats.reduce((sum: number, day: any) => sum + day.newCount, 0), added);
    for (let index = 1; index < stats.length; index++) {
      const day = stats[index];
      assert.equal(day.aliveCount, stats[index - 1].aliveCount + day.newCount - day.lostCount - day.transferredCount, day.date);
    }
  });

  test('data scope: the employee bound to the user sees their figures without naming them; others see none', async () => {
    const own = await scopedUser(env, admin, { username: 'stat_self', perms: ['cust:info:stat'], dataScope: 5, qwUserid: userid });
    const mine = await ok(own.post('/scrm/admin/cust/info/stat', { startDate: '2026-12-01', endDate: '2026-12-06' }));
    assert.deepEqual(mine.map((day: any) => day.aliveCount), [3, 4, 4, 3, 3, 4]);
    const stranger = await scopedUser(env, admin, { username: 'stat_other', perms: ['cust:info:stat'], dataScope: 5, qwUserid: 'someone_else' });
    const theirs = await ok(stranger.post('/scrm/admin/cust/info/stat', { startDate: '2026-12-01', endDate: '2026-12-06', userIds: [userid] }));
    assert.ok(theirs.every((day: any) => day.newCount === 0 && day.aliveCount === 0));
  });

  test('bad ranges are refused', async () => {
    assert.equal((await admin.post('/scrm/admin/cust/info/stat', { startDate: '2026-12-06', endDate: '2026-12-01' })).status, 400);
    assert.equal((await admin.post('/scrm/admin/cust/info/stat', { startDate: '2025-01-01', endDate: '2026-12-01' })).status, 400);
    assert.equal((await admin.post('/scrm/admin/cust/info/stat', { startDate: '2026-12-1', endDate: '2026-12-01' })).status, 400);
  });
});
