// Issue 15, item 5: a WeCom refusal of a remark edit or a live refresh reaches the operator translated (what happened,
// what to do; the employee's and the customer's names) with the raw code as date.detail — never a 500 or raw text.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';

describe('customers: WeCom errors reach the operator translated', () => {
  let env: WecomTestEnv;
  let admin: TestClient & { token: string };

  before(async () => {
    env = await createWecomTestEnv({ sizes: { employees: 6, customers: 6 } });
    admin = await env.login();
    await env.syncOrg();
    await env.runJob('customers.sync');
  });
  after(() => env?.close());

  test("a remark WeCom refuses (84061) names the customer and the employee, raw code as detail, and stores nothing", async () => {
    const page = await admin.post('/scrm/admin/cust/emp/page', { pageNum: 1, pageSize: 10, status: 'active' });
    assert.equal(page.status, 200, page.body.msg);
    const relation = page.body.date.records.find((record: { employeeName: string | null }) => record.employeeName)!;
    assert.ok(relation, 'a relation with a known employee');
    env.sim.faults.set({ failNext: 1, failNextErrcode: 84061, apis: ['externalcontact/remark'] });
    try {
      const response = await admin.post('/scrm/admin/cust/emp/save', { id: relation.id, remark: '不会保存' });
      assert.equal(response.status, 400);
      assert.equal(response.body.msg, `${relation.customerName}不是${relation.employeeName}的客户（可能已删除好友）：请从企业微信实时刷新该客户`);
      assert.match(response.body.date.detail, /^errcode 84061: not external contact/);
      const stored = await admin.get('/scrm/admin/cust/emp/get', { id: relation.id });
      assert.notEqual(stored.body.date.remark, '不会保存');
      const retried = await admin.post('/scrm/admin/cust/emp/save', { id: relation.id, remark: '这次保存' });
      assert.equal(retried.status, 200, 'the fault was used up: the next call goes through');
    } finally {
      env.sim.faults.reset();
    }
  });

  test('a live refresh WeCom refuses (48002) answers what to do, not a 500', async () => {
    const page = await admin.post('/scrm/admin/cust/info/page', { pageNum: 1, pageSize: 1 });
    const customer = page.body.date.records[0];
    env.sim.faults.set({ failNext: 20, failNextErrcode: 48002, apis: ['externalcontact/get'] });
    try {
      const response = await admin.get('/scrm/admin/cust/info/realtime', { externalUserid: customer.externalUserid }, { 'accept-language': 'en' });
      assert.equal(response.status, 400);
      assert.match(response.body.msg, /^The app may not call this WeCom API: in the WeCom admin console add the app to/);
      assert.match(response.body.date.detail, /^errcode 48002: /);
    } finally {
      env.sim.faults.reset();
    }
  });
});
