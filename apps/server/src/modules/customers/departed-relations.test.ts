// Issue 16, item 4: callbacks and the full sync agreed on nothing about employees who left. Callbacks stored their
// relations (externalcontact/get still lists them until 离职继承), the next full sync — listing only employees in
// the corp — marked them lost, inflating loss figures. Now both keep them active, awaiting inheritance, whichever
// comes first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv } from '../../testing/wecom-test-env.ts';

test('an employee who leaves: sync and callbacks in either order keep their relations active and awaiting inheritance, loss figures unchanged', async (t) => {
  const env = await createWecomTestEnv();
  t.after(() => env.close());
  await env.syncOrg();
  await env.runJob('tags.corp.sync');
  await env.runJob('customers.sync');
  const admin = await env.login();

  const today = new Date(env.clock.now).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
  const lossFigures = async () => {
    const [day] = (await admin.post('/scrm/admin/cust/info/stat', { startDate: today, endDate: today })).body.date;
    const totals = (await admin.post('/scrm/admin/cust/emp/stat', {})).body.date.total;
    return { lostToday: day.lostCount, lost: totals.lost, active: totals.active };
  };
  const relationsOf = async (userid: string) =>
    (await env.db.execute<{ external_userid: string; status: string; unassigned_since: Date | null }>(sql`
      SELECT external_userid, status, unassigned_since FROM customer_relation WHERE userid = ${userid} ORDER BY external_userid, id`)).rows;
  const before = await lossFigures();

  // Two employees in the corp with customers; each will leave.
  const state = env.sim.state;
  const leaving = [...state.employees.values()]
    .filter((employee) => employee.resignedAt === undefined && employee.customerContact && state.relationList(employee.userid).length > 0)
    .slice(0, 2)
    .map((employee) => ({ userid: employee.userid, customers: state.relationList(employee.userid).map((relation) => relation.external_userid).sort() }));
  assert.equal(leaving.length, 2);
  const [first, second] = leaving;
  const expectAwaiting = async (employee: { userid: string; customers: string[] }, when: string) => {
    const rows = await relationsOf(employee.userid);
    assert.deepEqual(rows.map((row) => row.external_userid), employee.customers, `${when}: one row per customer, none piled up`);
    for (const row of rows) {
      assert.equal(row.status, 'active', `${when}: ${row.external_userid} still followed in WeCom`);
      assert.ok(row.unassigned_since, `${when}: ${row.external_userid} awaits inheritance`);
    }
  };

  // Callbacks first: the departure, then a change to one of the departed employee's customers, then a full sync.
  env.sim.actions.deleteEmployee({ userid: first.userid });
  await env.settle();
  await expectAwaiting(first, 'after the delete_user callback');
  env.sim.actions.editCustomer({ userid: first.userid, external_userid: first.customers[0], remark: '离职后备注' });
  await env.settle();
  await expectAwaiting(first, 'after a customer callback');
  await env.syncOrg();
  const firstSync = await env.runJob('customers.sync');
  assert.equal((firstSync.result as { lost: number }).lost, 0, 'the sync lost nothing');
  await expectAwaiting(first, 'after the full sync');
  assert.deepEqual(await lossFigures(), before);

  // The full sync first: callbacks stored but not applied until after the sync.
  const worker = env.events.worker!;
  await worker.stop();
  env.sim.actions.deleteEmployee({ userid: second.userid });
  env.sim.actions.editCustomer({ userid: second.userid, external_userid: second.customers[0], remark: '离职后备注' });
  await env.sim.flushDeliveries();
  await env.syncOrg();
  const secondSync = await env.runJob('customers.sync');
  assert.equal((secondSync.result as { lost: number; unassigned: number }).lost, 0);
  assert.equal((secondSync.result as { unassigned: number }).unassigned, second.customers.length, 'the sync found the departed employee\'s relations');
  await expectAwaiting(second, 'after the full sync');
  worker.start();
  await env.settle();
  await expectAwaiting(second, 'after the late callbacks');
  await expectAwaiting(first, 'in the end');
  assert.deepEqual(await lossFigures(), before, 'loss figures unchanged');

  // A customer really lost by an employee still in the corp is still found lost by the sync (the rule narrowed, not dropped).
  const staying = [...state.employees.values()].find((employee) => employee.resignedAt === undefined && employee.customerContact && state.relationList(employee.userid).length > 0)!;
  const gone = state.relationList(staying.userid)[0].external_userid;
  await worker.stop();
  env.sim.actions.customerDeletesEmployee({ userid: staying.userid, external_userid: gone });
  await env.sim.flushDeliveries();
  const third = await env.runJob('customers.sync');
  assert.equal((third.result as { lost: number }).lost, 1);
  worker.start();
  await env.settle();
});
