// Issue 15, item 5: a WeCom error an operator meets says what happened and what to do, in their language, with the
// employee's name (not the userid) where the call knows it, and the raw errcode and errmsg as a details line.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { ok } from './acquisition.testing.ts';

describe('WeCom errors reach the operator translated, with the raw code as detail', () => {
  let env: WecomTestEnv;
  let admin: TestClient & { token: string };
  let userid: string;
  let name: string;

  before(async () => {
    env = await createWecomTestEnv({ sizes: { employees: 8, customers: 5 } });
    admin = await env.login();
    await env.syncOrg();
    const employee = [...env.sim.state.employees.values()].find((candidate) => candidate.customerContact && candidate.status === 1 && candidate.name !== candidate.userid)!;
    assert.ok(employee, 'an active employee with a name');
    ({ userid, name } = employee);
    // 客户联系 is withdrawn in WeCom after SCRM's last sync: publishing to them fails with 84074.
    env.sim.actions.updateEmployee({ userid, customerContact: false });
  });
  after(() => env?.close());

  for (const [kind, path] of [
    ['link', '/scrm/admin/cust/get/link'],
    ['QR code', '/scrm/admin/cust/get/qr'],
  ] as const) {
    test(`publishing a ${kind} to an employee without 客户联系 says so with the employee's name, in zh and en`, async () => {
      const saved = await ok(admin.post(`${path}/save`, { linkName: `无权限 ${kind}`, userList: [userid], allocationMethod: 'default', skipVerify: 'true', status: 1 }));
      assert.equal(saved.status, 2);
      assert.equal(saved.statusReason, `${name}没有客户联系权限：请在企业微信管理后台「客户联系 → 权限配置」中添加`);
      assert.ok(!saved.statusReason.includes(userid), 'the name, not the userid');
      assert.match(saved.statusDetail, new RegExp(`^errcode 84074: no external contact privilege: ${userid}`));

      const english = await ok(admin.get(`${path}/get`, { id: saved.id }, { 'accept-language': 'en' }));
      assert.equal(english.statusReason, `${name} has no customer-contact (客户联系) permission: add it in the WeCom admin console under Customer Contact → Permissions`);
      assert.equal(english.statusDetail, saved.statusDetail);
      const listed = await ok(admin.post(`${path}/page`, { pageNum: 1, pageSize: 50 }));
      const row = listed.records.find((record: { id: number }) => record.id === saved.id);
      assert.equal(row.statusReason, saved.statusReason);
    });
  }

  test('a WeCom refusal of a delete answers the envelope: translated msg, raw code in date.detail', async () => {
    const other = [...env.sim.state.employees.values()].find((candidate) => candidate.customerContact && candidate.status === 1)!;
    const saved = await ok(admin.post('/scrm/admin/cust/get/link/save', { linkName: '删不掉', userList: [other.userid], allocationMethod: 'default', skipVerify: 'true', status: 1 }));
    assert.equal(saved.status, 1, saved.statusReason ?? '');
    env.sim.faults.set({ failNext: 1, failNextErrcode: 48002, apis: ['externalcontact/customer_acquisition/delete_link'] });
    try {
      const zh = await admin.post('/scrm/admin/cust/get/link/delete', { ids: [saved.id] });
      assert.equal(zh.status, 400);
      assert.equal(zh.body.msg, '当前应用没有调用这个企业微信接口的权限：请在企业微信管理后台「客户联系 → 客户 → API」中把本应用加入「可调用应用」，或改用「客户联系」的 Secret');
      assert.match(zh.body.date.detail, /^errcode 48002: api forbidden/);
      assert.equal(zh.body.date.errcode, 48002);
    } finally {
      env.sim.faults.reset();
    }
    env.sim.faults.set({ failNext: 1, failNextErrcode: 99999, apis: ['externalcontact/customer_acquisition/delete_link'] });
    try {
      const unknown = await admin.post('/scrm/admin/cust/get/link/delete', { ids: [saved.id] }, { 'accept-language': 'en' });
      assert.equal(unknown.status, 400);
      assert.match(unknown.body.msg, /^WeCom answered with an error \(code 99999\): try again later/);
      assert.match(unknown.body.date.detail, /^errcode 99999: /);
    } finally {
      env.sim.faults.reset();
    }
  });

  test("a job WeCom refuses shows the reader's language and the raw code in its progress", async () => {
    env.sim.faults.set({ failNext: 20, failNextErrcode: 48009, apis: ['department/list'] });
    try {
      const job = await ok(admin.post('/scrm/admin/qw/dept/sync', {}));
      const deadline = Date.now() + 20_000;
      let followed = await ok(admin.get('/scrm/admin/job/get', { id: job.id }, { 'accept-language': 'en' }));
      while (!followed.error && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        followed = await ok(admin.get('/scrm/admin/job/get', { id: job.id }, { 'accept-language': 'en' }));
      }
      assert.equal(followed.error, "WeCom no longer lets the contact-sync assistant secret read the directory from a new IP: use a self-built app's secret and add this server's outgoing IP to that app's trusted IPs");
      assert.match(followed.errorDetail, /^errcode 48009: /);
      const chinese = await ok(admin.get('/scrm/admin/job/get', { id: job.id }));
      assert.match(chinese.error, /^企业微信不允许通讯录同步助手/);
    } finally {
      env.sim.faults.reset();
    }
  });
});
