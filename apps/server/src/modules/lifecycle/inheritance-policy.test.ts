// 自动继承 through HTTP, the simulator and the callbacks (issue 18): an employee with 150 customers and 3 groups
// leaves — announced by the HR system (Nexus), then confirmed by WeCom's delete_user — and everything goes to
// their direct leader under the policy; the dry run said so beforehand; a second report of the departure
// transfers nothing more; the takeover employee is told; the results become final.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import { createScopedUser, okDate } from '../../testing/scope-users.ts';
import { NEXUS_TEST_KEY, NEXUS_TEST_SECRET, nexusClient } from '../nexus/nexus.testing.ts';
import { TRANSFER_RESULT_JOB } from './transfer.service.ts';
import { INHERITANCE_SWEEP_QUEUE } from './inheritance-components.ts';
import { until } from '../../testing/until.ts';

/** The 150 on PostgreSQL; a third on the embedded database (the same assertions), inside the per-file time limit. */
const CUSTOMERS = process.env.DATABASE_URL ? 150 : 50;

const simAppMessages = async (env: WecomTestEnv, userid: string) =>
  ((await (await fetch(`${env.sim.url}/sim/app-messages?userid=${encodeURIComponent(userid)}`)).json()) as { app_messages: Array<{ content: string }> }).app_messages;

test(`an employee with ${CUSTOMERS} customers and 3 groups leaves (Nexus, then delete_user): everything goes to their leader, once, as previewed`, async (t) => {
  const env = await createWecomTestEnv({ env: { NEXUS_APP_KEY: NEXUS_TEST_KEY, NEXUS_SECRET: NEXUS_TEST_SECRET } });
  t.after(() => env.close());
  const nexus = nexusClient(env);
  const state = env.sim.state;
  const active = [...state.employees.values()].filter((employee) => employee.resignedAt === undefined && employee.status === 1 && employee.customerContact);
  assert.ok(active.length >= 3, 'three active employees with 客户联系');
  const [leaving, leader, fallback] = active;
  // WeCom's direct_leader of the employee who leaves (the simulator's directory, as the org sync reads it).
  state.employees.get(leaving.userid)!.direct_leader = [leader.userid];
  // Customers and groups the employee had before SCRM was connected (no callbacks): the syncs bring them in.
  env.sim.setCallbackUrl(undefined);
  while (state.relationList(leaving.userid).length < CUSTOMERS) env.sim.actions.addCustomer({ userid: leaving.userid });
  const owned = () => [...state.groupChats.values()].filter((chat) => chat.owner === leaving.userid && !chat.dismissed);
  while (owned().length < 3) env.sim.actions.createGroupChat({ owner: leaving.userid, name: `继承测试群${owned().length + 1}`, members: [leader.userid] });
  for (const chat of owned().slice(3)) env.sim.actions.dismissGroupChat({ chat_id: chat.chat_id });
  await env.sim.flushDeliveries();
  env.sim.setCallbackUrl(env.portalUrl);
  await env.syncOrg();
  await env.runJob('customers.sync');
  await env.runJob('groups.sync');
  const customerIds = state.relationList(leaving.userid).map((relation) => relation.external_userid).sort();
  const chatIds = owned().map((chat) => chat.chat_id).sort();
  assert.equal(customerIds.length, CUSTOMERS);
  assert.equal(chatIds.length, 3);

  const admin = await env.login();
  // The HR system knows the employee by number; SCRM's user is bound to the WeCom account.
  const added = await nexus('/user/add', { empNo: 'H5-LEAVER', nickname: leaving.name });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  await okDate(admin.post('/scrm/admin/sys/user/bindQwUserid', { userId: added.body.date.id, qwUserid: leaving.userid }));

  // The policy: leader, with a fallback; the fallback must be eligible.
  const refused = await admin.post('/scrm/admin/lifecycle/policy/save', { enabled: true, mode: 'employee', takeoverUserid: 'nobody-at-all' });
  assert.equal(refused.status, 400);
  const policy = await okDate(admin.post('/scrm/admin/lifecycle/policy/save', { enabled: true, mode: 'leader', fallbackUserid: fallback.userid }));
  assert.deepEqual({ enabled: policy.enabled, mode: policy.mode, fallbackName: policy.fallbackName }, { enabled: true, mode: 'leader', fallbackName: fallback.name });
  assert.equal((await okDate(admin.get('/scrm/admin/lifecycle/policy/get'))).fallbackUserid, fallback.userid);

  // Nexus says the employee left: a pending departure, visible; no transfer yet (WeCom has not confirmed).
  const deleted = await nexus('/user/deleteByEmpNo', { empNos: ['H5-LEAVER'] });
  assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
  const pending = await okDate(admin.post('/scrm/admin/lifecycle/departure/page', { pageNum: 1, pageSize: 10, userid: leaving.userid }));
  assert.equal(pending.total, 1);
  assert.deepEqual({ status: pending.records[0].status, announcedBy: pending.records[0].announcedBy, name: pending.records[0].name }, { status: 'pending', announcedBy: 'nexus', name: leaving.name });
  assert.equal(state.transfers.filter((transfer) => transfer.handover_userid === leaving.userid).length, 0, 'nothing asked of WeCom before its confirmation');

  // The dry run: the leader gets all 150 customers and the 3 groups.
  const preview = await okDate(admin.post('/scrm/admin/lifecycle/policy/preview', { userid: leaving.userid }));
  assert.equal(preview.departed, false);
  assert.equal(preview.manualReason, null);
  assert.deepEqual(preview.takeovers.map((takeover: any) => [takeover.userid, takeover.name, takeover.source, takeover.customers.length, takeover.groups.length]), [
    [leader.userid, leader.name, 'directLeader', CUSTOMERS, 3],
  ]);
  assert.deepEqual(preview.takeovers[0].customers.map((customer: any) => customer.externalUserid).sort(), customerIds);
  assert.ok(preview.takeovers[0].customers.every((customer: any) => customer.name), 'customers by name');

  // WeCom confirms: delete_user → the policy runs after the callback's commit.
  env.sim.actions.deleteEmployee({ userid: leaving.userid });
  await env.settle();
  const page = async () => (await okDate(admin.post('/scrm/admin/lifecycle/departure/page', { pageNum: 1, pageSize: 10, userid: leaving.userid }))).records;
  const [done] = await until('the departure is transferred', page, (records) => records[0]?.status === 'transferred' || records[0]?.status === 'manual');
  assert.equal(done.status, 'transferred', JSON.stringify(done));
  assert.equal(done.confirmedBy, 'delete_user');
  assert.equal(done.mode, 'leader');
  assert.deepEqual(done.takeovers.map((takeover: any) => [takeover.userid, takeover.name, takeover.customers, takeover.groups, takeover.refused.length]), [[leader.userid, leader.name, CUSTOMERS, 3, 0]]);
  const batchId = done.takeovers[0].batchId;
  assert.ok(batchId > 0);
  assert.equal(done.customerCount, CUSTOMERS);

  // What was done is what the dry run said: every customer and group asked of WeCom for the leader, once.
  const asked = state.transfers.filter((transfer) => transfer.handover_userid === leaving.userid);
  assert.deepEqual(asked.map((transfer) => transfer.external_userid).sort(), customerIds);
  assert.ok(asked.every((transfer) => transfer.takeover_userid === leader.userid));
  const items = await env.db.execute<{ subject: string; target: string; takeover_userid: string }>(sql`
    SELECT subject, target, takeover_userid FROM lifecycle_transfer_item WHERE batch_id = ${batchId}`);
  assert.deepEqual(items.rows.filter((row) => row.subject === 'customer').map((row) => row.target).sort(), customerIds);
  assert.deepEqual(items.rows.filter((row) => row.subject === 'group').map((row) => row.target).sort(), chatIds);
  const audit = await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM sys_audit_log WHERE action = 'lifecycle.inheritance.run' AND target_id = ${String(done.id)}`);
  assert.equal(Number(audit.rows[0].n), 1, 'the run is in the audit log');

  // The same departure reported again (a later delete_user, and the unassigned refresh): nothing more is asked.
  const again = `<xml><ToUserName><![CDATA[${env.wecom.corpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>${Math.floor(env.clock.now / 1000) + 60}</CreateTime>` +
    `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[delete_user]]></ChangeType><UserID><![CDATA[${leaving.userid}]]></UserID></xml>`;
  await okDate(admin.post('/scrm/wx/portal/test', { xml: again }));
  await env.settle();
  await env.runJob('lifecycle.unassigned-refresh');
  // The sweep that picks up departures only the unassigned list reports finds this one recorded already.
  const sweep = await env.jobs.boss.send(INHERITANCE_SWEEP_QUEUE, {});
  await until('the sweep ran', async () => (await env.jobs.boss.getJobById(INHERITANCE_SWEEP_QUEUE, sweep!))?.state, (value) => value === 'completed');
  const afterTwice = await page();
  assert.equal(afterTwice.length, 1, 'one departure');
  assert.equal(state.transfers.filter((transfer) => transfer.handover_userid === leaving.userid).length, CUSTOMERS, 'transferred once');
  const batches = await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM lifecycle_transfer_batch WHERE handover_userid = ${leaving.userid}`);
  assert.equal(Number(batches.rows[0].n), 1);

  // The leader is told once (the transfer's app message), by name and count.
  const messages = await until('the takeover notice reaches WeCom', () => simAppMessages(env, leader.userid), (list) => list.some((message) => message.content.includes(leaving.name)));
  const notices = messages.filter((message) => message.content.includes(leaving.name));
  assert.equal(notices.length, 1, JSON.stringify(notices));
  assert.ok(notices[0].content.includes(`${CUSTOMERS} 位客户`) && notices[0].content.includes('3 个'), notices[0].content);

  // A day later WeCom settles the takeovers; the result job makes every row final.
  env.clock.now += 25 * 3600_000;
  env.sim.settle();
  await env.settle({ timeoutMs: 120_000 }); // a callback per customer taken over
  await env.runJob(TRANSFER_RESULT_JOB, { kind: 'resigned', handoverUserid: leaving.userid, takeoverUserid: leader.userid });
  const final = await env.db.execute<{ status: string; n: number }>(sql`SELECT status, count(*)::int AS n FROM lifecycle_transfer_item WHERE batch_id = ${batchId} GROUP BY status`);
  assert.deepEqual(final.rows.map((row) => [row.status, Number(row.n)]), [['done', CUSTOMERS + 3]]);
  assert.deepEqual(state.relationList(leader.userid).map((relation) => relation.external_userid).filter((id) => customerIds.includes(id)).sort(), customerIds);
  assert.ok(chatIds.every((chatId) => state.groupChats.get(chatId)!.owner === leader.userid));
  assert.equal(state.transfers.filter((transfer) => transfer.handover_userid === leaving.userid).length, CUSTOMERS, 'still transferred once');

  // A self-scope user bound to another employee sees no departures of others, and cannot preview them.
  const other = await createScopedUser(env, admin, { username: 'h5self', perms: ['lifecycle:resigned:list', 'lifecycle:policy:query'], dataScope: 5, qwUserid: fallback.userid });
  assert.equal((await okDate(other.post('/scrm/admin/lifecycle/departure/page', { pageNum: 1, pageSize: 10 }))).total, 0);
  assert.equal((await other.post('/scrm/admin/lifecycle/policy/preview', { userid: leaving.userid })).status, 404);
  assert.equal((await other.post('/scrm/admin/lifecycle/policy/save', { enabled: false, mode: 'leader' })).status, 403, 'saving needs lifecycle:policy:save');
});

test('announced by an HR department delete, confirmed by WeCom, no eligible takeover: left for a manual transfer, with the reason in words', async (t) => {
  const env = await createWecomTestEnv({ env: { NEXUS_APP_KEY: NEXUS_TEST_KEY, NEXUS_SECRET: NEXUS_TEST_SECRET } });
  const nexus = nexusClient(env);
  t.after(() => env.close());
  const state = env.sim.state;
  const active = [...state.employees.values()].filter((employee) => employee.resignedAt === undefined && employee.status === 1 && employee.customerContact && state.relationList(employee.userid).length > 0);
  const leaving = active[0];
  const disabled = [...state.employees.values()].find((employee) => employee.userid !== leaving.userid && employee.resignedAt === undefined)!;
  // Their leaders: one who left before SCRM's first sync (never in its mirror), and a disabled one.
  state.employees.get(leaving.userid)!.direct_leader = ['ghost-leader', disabled.userid];
  for (const department of state.departments.values()) department.department_leader = [];
  for (const employee of state.employees.values()) employee.is_leader_in_dept = employee.is_leader_in_dept.map(() => 0);
  state.employees.get(disabled.userid)!.status = 2;
  await env.syncOrg();
  await env.runJob('customers.sync');
  const admin = await env.login();
  await okDate(admin.post('/scrm/admin/lifecycle/policy/save', { enabled: true, mode: 'leader' }));
  // The HR system closes the employee's department: their users are disabled, and the bound employee's departure pending.
  assert.equal((await nexus('/dept/save', { deptId: 'H5-CLOSED', name: '撤销的部门' })).status, 200);
  const added = await nexus('/user/add', { empNo: 'H5-DEPT', nickname: leaving.name, deptId: 'H5-CLOSED' });
  await okDate(admin.post('/scrm/admin/sys/user/bindQwUserid', { userId: added.body.date.id, qwUserid: leaving.userid }));
  assert.equal((await nexus('/dept/delete', { deptId: 'H5-CLOSED' })).status, 200);
  const [pending] = (await okDate(admin.post('/scrm/admin/lifecycle/departure/page', { pageNum: 1, pageSize: 10, status: 'pending' }))).records;
  assert.deepEqual([pending.userid, pending.announcedBy], [leaving.userid, 'nexus-dept']);
  const preview = await okDate(admin.post('/scrm/admin/lifecycle/policy/preview', { userid: leaving.userid }));
  assert.deepEqual(preview.takeovers, []);
  assert.deepEqual(preview.skipped.map((entry: any) => [entry.userid, entry.name, entry.reason]), [
    ['ghost-leader', null, '不在企微通讯录中'],
    [disabled.userid, disabled.name, '已停用'],
  ]);
  assert.equal(preview.handover.name, leaving.name);
  assert.match(preview.manualReason, /都不能接待客户/);

  env.sim.actions.deleteEmployee({ userid: leaving.userid });
  await env.settle();
  const [departure] = await until(
    'the departure is left for manual transfer',
    async () => (await okDate(admin.post('/scrm/admin/lifecycle/departure/page', { pageNum: 1, pageSize: 10, status: 'manual' }))).records,
    (records) => records.length === 1,
  );
  assert.equal(departure.userid, leaving.userid);
  assert.equal(departure.id, pending.id, 'the pending departure, confirmed');
  assert.deepEqual([departure.announcedBy, departure.confirmedBy], ['nexus-dept', 'delete_user']);
  assert.ok(departure.reason.includes(disabled.name) && departure.reason.includes('已停用'), departure.reason);
  assert.ok(departure.reason.includes('未知员工（ghost-leader）（不在企微通讯录中）'), departure.reason);
  assert.equal(state.transfers.filter((transfer) => transfer.handover_userid === leaving.userid).length, 0, 'nothing asked of WeCom');
  const en = await admin.post('/scrm/admin/lifecycle/departure/page', { pageNum: 1, pageSize: 10, status: 'manual' }, { 'accept-language': 'en' });
  assert.match(en.body.date.records[0].reason, /No employee the policy chose can take customers/);
});

test('policy input is checked: hostile and incomplete bodies are refused in words and change nothing', async (t) => {
  const env = await createWecomTestEnv();
  t.after(() => env.close());
  await env.syncOrg();
  const admin = await env.login();
  for (const body of [
    { enabled: true, mode: 'employee' },
    { enabled: true, mode: 'link' },
    { enabled: true, mode: 'link', linkGetType: 'link', linkId: 999999 },
    { enabled: true, mode: 'nonsense' },
    { enabled: 'yes', mode: 'leader' },
    { enabled: true, mode: 'leader', fallbackUserid: 'a'.repeat(65) },
    { enabled: true, mode: 'leader', fallbackUserid: 'x\u0000y' },
    { enabled: true, mode: 'leader', extra: 1 },
  ]) {
    const response = await admin.post('/scrm/admin/lifecycle/policy/save', body);
    assert.equal(response.status, 400, `${JSON.stringify(body)} → ${response.status} ${response.body.msg}`);
    assert.ok(response.body.msg);
  }
  const rows = await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM inheritance_policy`);
  assert.equal(Number(rows.rows[0].n), 0, 'nothing saved');
  assert.equal((await admin.post('/scrm/admin/lifecycle/policy/preview', { userid: 'nobody-here' })).status, 404);
  assert.equal((await admin.post('/scrm/admin/lifecycle/departure/page', { pageNum: 0 })).status, 400);
  assert.equal((await env.anonymous.get('/scrm/admin/lifecycle/policy/get')).status, 401);
  // Defaults before anything is saved: off, leader.
  const policy = await okDate(admin.get('/scrm/admin/lifecycle/policy/get'));
  assert.deepEqual({ enabled: policy.enabled, mode: policy.mode }, { enabled: false, mode: 'leader' });

  // Link mode: the customers spread by a channel QR code's weights (2:1), as the routing engine spreads new customers.
  await env.runJob('customers.sync');
  const state = env.sim.state;
  const eligible = [...state.employees.values()].filter((employee) => employee.resignedAt === undefined && employee.status === 1 && employee.customerContact);
  const handover = eligible.find((employee) => state.relationList(employee.userid).length >= 3)!;
  const [a, b] = eligible.filter((employee) => employee.userid !== handover.userid);
  const qr = await okDate(admin.post('/scrm/admin/cust/get/qr/save', {
    linkName: '继承分配', allocationMethod: 'weight', userList: [a.userid, b.userid], allocationRules: [{ userId: a.userid, weight: 2 }, { userId: b.userid, weight: 1 }], status: 1,
  }));
  const saved = await okDate(admin.post('/scrm/admin/lifecycle/policy/save', { enabled: true, mode: 'link', linkGetType: 'qr', linkId: qr.id, includeGroups: false }));
  assert.deepEqual([saved.mode, saved.linkName], ['link', '继承分配']);
  const spread = await okDate(admin.post('/scrm/admin/lifecycle/policy/preview', { userid: handover.userid }));
  const n = state.relationList(handover.userid).length;
  const bShare = Math.floor((n + 1) / 3); // a b a a b a …: b's turns are the 2nd, 5th, 8th…
  assert.deepEqual(
    spread.takeovers.map((takeover: any) => [takeover.userid, takeover.name, takeover.source, takeover.customers.length, takeover.groups.length]),
    [[a.userid, a.name, 'link', n - bShare, 0], ...(bShare ? [[b.userid, b.name, 'link', bShare, 0]] : [])],
  );
  assert.deepEqual(spread.takeovers.flatMap((takeover: any) => takeover.customers.map((customer: any) => customer.externalUserid)).sort(), state.relationList(handover.userid).map((relation) => relation.external_userid).sort());
  const savedAudit = await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM sys_audit_log WHERE action = 'lifecycle.policy.save'`);
  assert.equal(Number(savedAudit.rows[0].n), 1, 'the save is audited');
  // The jobs the sync started (linking leads after it) finish before the app closes.
  await until(
    'background jobs finished',
    async () => Number((await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM sys_job WHERE state IN ('created', 'active', 'retry')`)).rows[0].n),
    (running) => running === 0,
  );
});
