// The owners' and employees' names the hot pages show come from a copy each replica holds (employee-directory.ts),
// current by construction: a page reads the directory's version with its userids, and a rename, a departure or a
// removal written to the org mirror — by the sync, a callback or straight in the database — shows on the next page of
// every replica.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { TestApp, TestClient } from '../../testing/test-app.ts';
import { twoReplicas } from '../../testing/second-replica.ts';
import { addLead, employee, ok } from '../leads/leads.testing.ts';
import { createEmployeeDirectory, EMPLOYEE_VERSION } from './employee-directory.ts';

describe('the employee directory', () => {
  const env = twoReplicas();
  let t: TestApp;
  let admin: TestClient;
  let onReplica: TestClient;
  before(() => ({ t, admin, onReplica } = env));

  const version = async () => (await t.db.execute<{ v: string | null }>(sql`SELECT ${EMPLOYEE_VERSION} AS v`)).rows[0].v;
  const owners = async (client: TestClient) => {
    const page = await ok(client.post('/scrm/admin/clue/page', { pageNum: 1, pageSize: 100 }));
    return Object.fromEntries(page.records.map((lead: { name: string; ownerName: string | null; ownerLeft: boolean }) => [lead.name, [lead.ownerName, lead.ownerLeft]]));
  };

  test("线索公海 names each owner as the org mirror has them now, on every replica: rename, departure, removal", async () => {
    const seller = await employee(t.db, 'dir_seller', '周销售');
    const other = await employee(t.db, 'dir_other', '吴顾问');
    await addLead(admin, { name: '甲', phone: '13800009101', ownerUserid: seller });
    await addLead(admin, { name: '乙', phone: '13800009102', ownerUserid: other });
    await addLead(admin, { name: '公海', phone: '13800009103' });
    const start = { 甲: ['周销售', false], 乙: ['吴顾问', false], 公海: [null, false] };
    assert.deepEqual(await owners(admin), start);
    assert.deepEqual(await owners(onReplica), start);

    await t.db.execute(sql`UPDATE qw_emp SET name = '周经理' WHERE userid = ${seller}`);
    assert.deepEqual(await owners(onReplica), { ...start, 甲: ['周经理', false] }, 'renamed');
    await t.db.execute(sql`UPDATE qw_emp SET status = 5 WHERE userid = ${other}`);
    assert.deepEqual(await owners(admin), { ...start, 甲: ['周经理', false], 乙: ['吴顾问', true] }, 'left the corp');
    await t.db.execute(sql`DELETE FROM qw_emp WHERE userid = ${seller}`);
    assert.deepEqual(await owners(onReplica), { ...start, 甲: [null, false], 乙: ['吴顾问', true] }, 'no longer in the mirror: no name');
    // The detail reads the mirror itself, and agrees.
    const lead = (await ok(admin.post('/scrm/admin/clue/page', { pageNum: 1, pageSize: 100, name: '乙' }))).records[0];
    const detail = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: lead.id }));
    assert.deepEqual([detail.ownerName, detail.ownerLeft], ['吴顾问', true]);
  });

  test('客户列表 names the employee of each relation as the mirror has them now', async () => {
    await employee(t.db, 'dir_rel', '郑客服');
    await t.db.execute(sql`INSERT INTO customer (external_userid, name, type) VALUES ('wm_dir_1', '客户一', 1)`);
    await t.db.execute(sql`INSERT INTO customer_relation (external_userid, userid, createtime, status) VALUES ('wm_dir_1', 'dir_rel', now(), 'active')`);
    const names = async (client: TestClient) => {
      const page = await ok(client.post('/scrm/admin/cust/emp/page', { pageNum: 1, pageSize: 20 }));
      return page.records.filter((row: { userid: string }) => row.userid === 'dir_rel').map((row: { employeeName: string | null }) => row.employeeName);
    };
    assert.deepEqual(await names(onReplica), ['郑客服']);
    await t.db.execute(sql`UPDATE qw_emp SET name = '郑主管' WHERE userid = 'dir_rel'`);
    assert.deepEqual(await names(onReplica), ['郑主管']);
    assert.deepEqual(await names(admin), ['郑主管']);
    await t.db.execute(sql`DELETE FROM qw_emp WHERE userid = 'dir_rel'`);
    assert.deepEqual(await names(admin), [null]);
  });

  test('a statement that changes no employee leaves the version; one load per version', async () => {
    const before = await version();
    await t.db.execute(sql`UPDATE qw_emp SET name = 'x' WHERE userid = 'nobody'`);
    assert.equal(await version(), before);
    let loads = 0;
    const counted = new Proxy(t.db, {
      get: (target, key, receiver) =>
        key === 'execute'
          ? (query: Parameters<typeof t.db.execute>[0]) => {
              loads++;
              return target.execute(query);
            }
          : Reflect.get(target, key, receiver),
    });
    const directory = createEmployeeDirectory(counted);
    const [a, b] = await Promise.all([directory.at(before), directory.at(before)]);
    assert.equal(loads, 1);
    assert.equal(a, b);
    assert.equal(a.nameOf('dir_other'), '吴顾问');
    assert.equal(a.nameOf('nobody'), null);
    assert.equal(a.leftOf('nobody'), false);
    assert.equal(await directory.at(before), a);
    assert.equal(loads, 1);
  });
});
