// Issue 15, item 5: an employee who cannot take customers (disabled, not activated, departed, without 客户联系, or not in
// the org mirror at all) is refused when a link or QR code is published to them — a 400 naming the employee and why,
// on the field that picked them — before WeCom answers with its own text.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';

describe('publishing to employees who cannot take customers', () => {
  let env: WecomTestEnv;
  let admin: TestClient & { token: string };
  const picked: Record<'eligible' | 'noContact' | 'disabled' | 'inactive' | 'departed', { userid: string; name: string }> = {} as never;

  before(async () => {
    env = await createWecomTestEnv({ sizes: { employees: 10, customers: 3 } });
    admin = await env.login();
    const candidates = [...env.sim.state.employees.values()].filter((e) => e.customerContact && e.status === 1 && e.resignedAt === undefined && e.name !== e.userid);
    assert.ok(candidates.length >= 5, 'five active employees with 客户联系');
    const [eligible, noContact, disabled, inactive, departed] = candidates;
    Object.assign(picked, { eligible, noContact, disabled, inactive, departed });
    // Mirrored while in the corp, then changed in WeCom and synced again (a member who left is kept, marked left).
    await env.syncOrg();
    env.sim.actions.updateEmployee({ userid: noContact.userid, customerContact: false });
    env.sim.actions.updateEmployee({ userid: disabled.userid, status: 2 });
    env.sim.actions.updateEmployee({ userid: inactive.userid, status: 4 });
    env.sim.actions.deleteEmployee({ userid: departed.userid });
    await env.syncOrg();
  });
  after(() => env?.close());

  for (const [kind, path] of [
    ['link', '/scrm/admin/cust/get/link'],
    ['QR code', '/scrm/admin/cust/get/qr'],
  ] as const) {
    test(`a ${kind} published to them is a 400 naming the employee and why; nothing is published`, async () => {
      const save = (body: object, headers?: Record<string, string>) =>
        admin.post(`${path}/save`, { linkName: `资格 ${kind}`, allocationMethod: 'default', skipVerify: 'true', status: 1, ...body }, headers);
      const expectations = [
        [picked.noContact, `${picked.noContact.name}没有客户联系权限：请在企业微信管理后台「客户联系 → 权限配置」中添加，再同步企微员工`],
        [picked.disabled, `${picked.disabled.name}的企业微信账号已被停用，不能接待客户：请在企业微信管理后台启用该成员，或改选其他员工`],
        [picked.inactive, `${picked.inactive.name}尚未激活企业微信，不能接待客户：请让其登录企业微信完成激活，或改选其他员工`],
        [picked.departed, `${picked.departed.name}已离职，不能接待客户：请改选其他员工`],
        [{ userid: 'no_such_member', name: '' }, '找不到企微员工 no_such_member（不在企业微信通讯录中）：请在「企微组织架构」中同步成员后重新选择'],
      ] as const;
      for (const [employee, message] of expectations) {
        const response = await save({ userList: [picked.eligible.userid, employee.userid] });
        assert.equal(response.status, 400, `${employee.userid}: ${JSON.stringify(response.body)}`);
        assert.equal(response.body.msg, message);
        assert.deepEqual(response.body.date.fields, [{ field: 'userList', message }]);
      }
      // An allocation rule's employee: the rule's field.
      const rule = await save({ userList: [picked.eligible.userid], allocationMethod: 'weight', allocationRules: [{ userId: picked.eligible.userid, weight: 1 }, { userId: picked.noContact.userid, weight: 1 }] });
      assert.equal(rule.status, 400);
      assert.equal(rule.body.date.fields[0].field, 'allocationRules[1].userId');
      // In English.
      const english = await save({ userList: [picked.disabled.userid] }, { 'accept-language': 'en' });
      assert.equal(english.body.msg, `${picked.disabled.name}'s WeCom account is disabled and cannot take customers: enable the member in the WeCom admin console, or choose another employee`);
      // Nothing reached WeCom or the list; an eligible employee publishes.
      const listed = await admin.post(`${path}/page`, { pageNum: 1, pageSize: 50 });
      assert.equal(listed.body.date.records.filter((record: { linkName: string }) => record.linkName === `资格 ${kind}`).length, 0);
      const published = await save({ userList: [picked.eligible.userid] });
      assert.equal(published.status, 200, JSON.stringify(published.body));
      assert.equal(published.body.date.status, 1, published.body.date.statusReason ?? '');
    });
  }
});
