// Resigned and on-the-job transfers against the WeCom simulator, through HTTP: the unassigned mirror and its page
// (by data scope: a departed employee stays visible to the scopes that covered them), transfers of customers and
// groups followed until final, WeCom's rules refused with reasons before calling, WeCom's refusals explained, and a
// request whose WeCom call never answered shown as unknown and never sent again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { createScopedUser, departmentUnderRoot, okDate as ok, SCOPE_USER_PASSWORD, type ScopedClient } from '../../testing/scope-users.ts';
import { runSopEvaluation } from '../journey/sop.testing.ts';
import { createSyncedCorp } from './lifecycle.testing.ts';

const RESIGNED_PERMS = ['lifecycle:resigned:list', 'lifecycle:resigned:query', 'lifecycle:resigned:transfer'];
const ONJOB_PERMS = ['lifecycle:onjob:list', 'lifecycle:onjob:transfer'];

describe('lifecycle transfers with WeCom', () => {
  let env: WecomTestEnv;
  let admin: TestClient;

  before(async () => {
    ({ env, admin } = await createSyncedCorp({ sizes: { employees: 10, customers: 60, groups: 8 }, simulator: { transfers: { delaySeconds: 3600 } } }));
  });
  after(() => env.close());

  const state = () => env.sim.state;
  const inCorp = () => [...state().employees.values()].filter((employee) => employee.resignedAt === undefined && employee.customerContact && employee.status === 1);
  const groupsOf = (userid: string) => [...state().groupChats.values()].filter((chat) => chat.owner === userid && !chat.dismissed);
  const customersOf = (userid: string) => state().relationList(userid).map((relation) => relation.external_userid);
  const simTransfersOf = (externalUserid: string) => state().transfers.filter((transfer) => transfer.external_userid === externalUserid);
  const itemsOf = (result: { items: Array<{ target: string; status: string; reason: string | null }> }) =>
    Object.fromEntries(result.items.map((item) => [item.target, item.status]));
  /** A day and a bit later: WeCom's takeover time has come (the simulator's delay is an hour here). */
  const afterTakeover = async () => {
    env.clock.now = env.clock.now + 3700_000;
    admin = await env.login();
    env.sim.settle();
    await env.settle();
  };

  it('a departed employee: mirror and page by scope, resigned transfer of customers and groups until final, rules refused, notice and audit', async () => {
    // The leaver: an employee with customers and a group; the takeover employee: another one in the corp.
    const leaver = inCorp().find((employee) => customersOf(employee.userid).length >= 3 && groupsOf(employee.userid).length >= 1) ?? inCorp().find((employee) => customersOf(employee.userid).length >= 3)!;
    assert.ok(leaver, 'an employee with customers');
    if (groupsOf(leaver.userid).length === 0) {
      env.sim.actions.createGroupChat({ owner: leaver.userid, name: '离职成员的群' });
      await env.settle();
    }
    const takeover = inCorp().find((employee) => employee.userid !== leaver.userid && customersOf(employee.userid).every((id) => !customersOf(leaver.userid).includes(id)))!;
    const outsiderEmployee = inCorp().find((employee) => ![leaver.userid, takeover.userid].includes(employee.userid))!;

    // A manager of the leaver's system department; the leaver's own (bound) user; an outsider with self scope.
    const department = await departmentUnderRoot(admin, '离职继承部');
    const manager = await createScopedUser(env, admin, { username: 'lc_manager', perms: [...RESIGNED_PERMS, 'cust:emp:list'], dataScope: 3, deptId: department });
    const member = await createScopedUser(env, admin, { username: 'lc_member', perms: ['lifecycle:resigned:list'], dataScope: 5, deptId: department, qwUserid: leaver.userid });
    const outsider = await createScopedUser(env, admin, { username: 'lc_outsider', perms: RESIGNED_PERMS, dataScope: 5, qwUserid: outsiderEmployee.userid });

    env.sim.actions.deleteEmployee({ userid: leaver.userid });
    await env.settle();
    // The leaver's system user goes too: the scope still knows their last department through it.
    await ok(admin.post('/scrm/admin/sys/user/batchDelete', { ids: [member.id] }));
    // The customer page too: the manager still sees the leaver's relations, awaiting inheritance.
    const seen = await ok(manager.post('/scrm/admin/cust/emp/page', { userIds: [leaver.userid], pageSize: 100 }));
    assert.deepEqual(seen.records.map((record: any) => record.externalUserid).sort(), customersOf(leaver.userid).sort());
    const refresh = await env.runJob('lifecycle.unassigned-refresh');
    assert.equal((refresh.result as { listed: number }).listed >= customersOf(leaver.userid).length, true);

    const leaverCustomers = customersOf(leaver.userid).sort();
    const leaverGroups = groupsOf(leaver.userid).map((chat) => chat.chat_id).sort();
    const pageFor = async (client: TestClient) => (await ok(client.post('/scrm/admin/lifecycle/unassigned/page', { pageSize: 100 }))).records as Array<Record<string, any>>;
    const row = (await pageFor(admin)).find((record) => record.userid === leaver.userid);
    assert.ok(row, 'the leaver is on the page');
    assert.deepEqual([row.name, row.customerCount, row.groupCount], [leaver.name, leaverCustomers.length, leaverGroups.length]);
    assert.ok(row.leftAt, 'with the departure time');
    assert.ok((await pageFor(manager)).some((record) => record.userid === leaver.userid), "the manager of the leaver's department sees them");
    assert.ok(!(await pageFor(outsider)).some((record) => record.userid === leaver.userid), 'a self-scope user of another employee does not');
    assert.equal((await outsider.get('/scrm/admin/lifecycle/unassigned/get', { userid: leaver.userid })).status, 404);
    assert.equal((await outsider.post('/scrm/admin/lifecycle/resigned/transfer', { handoverUserid: leaver.userid, takeoverUserid: takeover.userid, allCustomers: true })).status, 404);

    const detail = await ok(manager.get('/scrm/admin/lifecycle/unassigned/get', { userid: leaver.userid }));
    assert.deepEqual(detail.customers.map((customer: any) => customer.externalUserid).sort(), leaverCustomers);
    assert.ok(detail.customers.every((customer: any) => customer.listedByWecom && customer.transfer === null));
    assert.deepEqual(detail.groups.map((group: any) => group.chatId).sort(), leaverGroups);
    const names = new Map(detail.customers.map((customer: any) => [customer.externalUserid, customer.name]));

    // Refused before anything is remembered: same employee, a takeover who left, on-the-job for a leaver.
    const same = await manager.post('/scrm/admin/lifecycle/resigned/transfer', { handoverUserid: leaver.userid, takeoverUserid: leaver.userid, externalUserids: leaverCustomers });
    assert.equal(same.status, 400);
    assert.equal(same.body.msg, '接替成员不能是原跟进成员本人');
    const onJob = await admin.post('/scrm/admin/lifecycle/onjob/transfer', { handoverUserid: leaver.userid, takeoverUserid: takeover.userid, externalUserids: leaverCustomers });
    assert.equal(onJob.status, 400);
    assert.equal(onJob.body.msg, `${leaver.name}已离职：请用「离职继承」分配`);
    assert.equal(Number((await env.db.execute(sql`SELECT count(*)::int AS n FROM lifecycle_transfer_batch`)).rows[0].n), 0, 'nothing remembered');

    // Two customers, a stranger and the groups to the takeover employee.
    const [first, second, third] = leaderOrder(leaverCustomers);
    const requested = await ok(
      manager.post('/scrm/admin/lifecycle/resigned/transfer', { handoverUserid: leaver.userid, takeoverUserid: takeover.userid, externalUserids: [first, second, 'wmNotACustomerOfTheLeaver'], allGroups: true }),
    );
    assert.deepEqual(itemsOf(requested), { [first]: 'waiting', [second]: 'waiting', wmNotACustomerOfTheLeaver: 'failed', ...Object.fromEntries(leaverGroups.map((id) => [id, 'done'])) });
    assert.deepEqual(requested.counts, { sent: 2 + leaverGroups.length, refused: 1, failed: 0, unknown: 0 });
    assert.deepEqual(requested.refused, [{ externalUserid: 'wmNotACustomerOfTheLeaver', name: '该客户', reason: `该客户不是${leaver.name}的客户（或已不在其名下）` }]);
    assert.equal(simTransfersOf('wmNotACustomerOfTheLeaver').length, 0, 'never sent to WeCom');
    for (const chatId of leaverGroups) assert.equal(state().groupChats.get(chatId)!.owner, takeover.userid, 'WeCom moved the group');
    const owners = await env.db.execute<{ owner: string; status: number }>(sql`SELECT owner, status FROM group_chat WHERE chat_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(leaverGroups)}::jsonb))`);
    assert.ok(owners.rows.every((group) => group.owner === takeover.userid && Number(group.status) === 3), 'SCRM shows the new owner at once');
    const pending = await env.db.execute<{ transfer_to: string }>(sql`SELECT transfer_to FROM customer_relation WHERE userid = ${leaver.userid} AND external_userid = ${first} AND status = 'active'`);
    assert.equal(pending.rows[0].transfer_to, takeover.userid, 'the relation shows the transfer pending');
    const waitingItem = requested.items.find((item: any) => item.target === first);
    assert.equal(waitingItem.reason, '企业微信已受理，等待接替（最长 24 小时）');
    assert.deepEqual([waitingItem.targetName, waitingItem.handoverName, waitingItem.takeoverName], [names.get(first), leaver.name, takeover.name]);

    // The audit log and the notice to the takeover employee, one per batch.
    const audit = await env.db.execute<{ actor: string; after: any }>(sql`SELECT actor, after FROM sys_audit_log WHERE action = 'lifecycle.transfer.resigned' AND target_id = ${String(requested.batchId)}`);
    assert.equal(audit.rows.length, 1);
    assert.deepEqual([audit.rows[0].actor, audit.rows[0].after.customers.sort(), audit.rows[0].after.refused], ['lc_manager', [first, second, 'wmNotACustomerOfTheLeaver'].sort(), 1]);
    const notices = await env.db.execute<{ userid: string; content: string }>(sql`SELECT userid, content FROM app_message WHERE dedupe_key = ${`lifecycle.batch:${requested.batchId}`}`);
    assert.deepEqual(notices.rows.map((notice) => notice.userid), [takeover.userid]);
    assert.match(notices.rows[0].content, new RegExp(`离职成员${leaver.name}的 2 位客户和 ${leaverGroups.length} 个群已分配给你`));

    // The same customer again inside WeCom's window: refused with the reason, not sent.
    const again = await ok(manager.post('/scrm/admin/lifecycle/resigned/transfer', { handoverUserid: leaver.userid, takeoverUserid: takeover.userid, externalUserids: [first, third] }));
    assert.deepEqual(itemsOf(again), { [first]: 'failed', [third]: 'waiting' });
    assert.equal(again.refused[0].reason, `${names.get(first)}正在转接中（企业微信最长 24 小时内完成）：请等待结果后再分配`);
    assert.equal(simTransfersOf(first).length, 1, 'WeCom was asked once');
    const english = await manager.post('/scrm/admin/lifecycle/resigned/record/page', { status: 'failed', pageSize: 50 }, { 'accept-language': 'en' });
    assert.ok(english.body.date.records.some((record: any) => record.reason === `${names.get(first)} is already being transferred (WeCom settles it within 24 hours): wait for the result`));

    // WeCom settles: the customer of `second` refuses, the others are taken over.
    env.sim.actions.refuseTransfer({ external_userid: second });
    await afterTakeover();
    const check = await env.runJob('lifecycle.transfer-result', { kind: 'resigned', handoverUserid: leaver.userid, takeoverUserid: takeover.userid });
    assert.equal((check.result as { stillWaiting: number }).stillWaiting, 0);
    const records = await ok(manager.post('/scrm/admin/lifecycle/resigned/record/page', { subject: 'customer', handoverUserid: leaver.userid, pageSize: 50 }));
    // The first request's rows of `first` and `second`, the second request's of `third`.
    const byTarget = new Map<string, any>(
      records.records.filter((record: any) => (record.batchId === requested.batchId) !== (record.target === third)).map((record: any) => [record.target, record]),
    );
    assert.deepEqual([byTarget.get(first).status, byTarget.get(third).status, byTarget.get(second).status], ['done', 'done', 'failed']);
    assert.equal(byTarget.get(second).reason, `${names.get(second)}拒绝了转接`);
    // On each customer's timeline (客户动态), once: taken over, or refused (on the handover employee's relation).
    for (const [customer, status, userid] of [[first, 'done', takeover.userid], [second, 'failed', leaver.userid]] as const) {
      const timeline = await env.db.execute<{ status: string; userid: string; to_name: string }>(sql`
        SELECT data->>'status' AS status, userid, data->>'toName' AS to_name FROM customer_event WHERE type = 'transferred' AND external_userid = ${customer}`);
      assert.deepEqual(timeline.rows.map((row) => [row.status, row.userid, row.to_name]), [[status, userid, takeover.name]]);
    }
    assert.equal(byTarget.get(first).reason, '已完成接替');
    assert.ok(byTarget.get(first).settledAt);
    const relations = await env.db.execute<{ external_userid: string; status: string; transfer_to: string | null }>(
      sql`SELECT external_userid, status, transfer_to FROM customer_relation WHERE userid = ${leaver.userid} AND external_userid IN (${first}, ${second})`,
    );
    assert.deepEqual(Object.fromEntries(relations.rows.map((relation) => [relation.external_userid, [relation.status, relation.transfer_to]])), {
      [first]: ['transferred', null],
      [second]: ['active', null],
    });
    // The outsider sees none of these records.
    assert.equal((await ok(outsider.post('/scrm/admin/lifecycle/resigned/record/page', {}))).total, 0);
    await env.runJob('lifecycle.unassigned-refresh');
    const remaining = await ok(manager.get('/scrm/admin/lifecycle/unassigned/get', { userid: leaver.userid }));
    assert.ok(!remaining.customers.some((customer: any) => [first, third].includes(customer.externalUserid)), 'taken over: no longer unassigned');
    assert.ok(remaining.customers.some((customer: any) => customer.externalUserid === second), 'refused: still unassigned');
  });

  it("WeCom's refusal of a call is explained in words with what to do (40205), and nothing is retried", async () => {
    const leaver = inCorp().find((employee) => customersOf(employee.userid).length >= 2)!;
    const takeover = inCorp().find((employee) => employee.userid !== leaver.userid && customersOf(employee.userid).every((id) => !customersOf(leaver.userid).includes(id)))!;
    env.sim.actions.deleteEmployee({ userid: leaver.userid });
    await env.settle();
    // The delete_user callback alone puts the leaver on the page, before WeCom's list is read again.
    const listed = (await ok(admin.post('/scrm/admin/lifecycle/unassigned/page', { userid: leaver.userid }))).records;
    assert.deepEqual(listed.map((record: any) => [record.userid, record.customerCount]), [[leaver.userid, customersOf(leaver.userid).length]]);
    const [customer] = customersOf(leaver.userid);
    const before = env.wecomCalls.get('externalcontact/resigned/transfer_customer') ?? 0;
    env.sim.faults.set({ failNext: 1, failNextErrcode: 40205, apis: ['externalcontact/resigned/transfer_customer'] });
    try {
      const result = await ok(admin.post('/scrm/admin/lifecycle/resigned/transfer', { handoverUserid: leaver.userid, takeoverUserid: takeover.userid, externalUserids: [customer] }));
      assert.equal(result.items[0].status, 'failed');
      assert.match(result.items[0].reason, new RegExp(`^${takeover.name}的微信授权已过期`));
      assert.match(result.items[0].detail, /^errcode 40205: /);
      assert.deepEqual(result.counts, { sent: 0, refused: 0, failed: 1, unknown: 0 });
    } finally {
      env.sim.faults.reset();
    }
    assert.equal((env.wecomCalls.get('externalcontact/resigned/transfer_customer') ?? 0) - before, 1, 'one call, no retry');
  });

  it('a WeCom call that never answers leaves the customers unknown, and they are not sent again', async () => {
    const leaver = inCorp().find((employee) => customersOf(employee.userid).length >= 2)!;
    const takeover = inCorp().find((employee) => employee.userid !== leaver.userid && customersOf(employee.userid).every((id) => !customersOf(leaver.userid).includes(id)))!;
    env.sim.actions.deleteEmployee({ userid: leaver.userid });
    await env.settle();
    const [customer] = customersOf(leaver.userid);
    const transfers = env.wecom.client.transfers;
    const original = transfers.transferResignedCustomers;
    let calls = 0;
    // The batch is remembered, then the process loses WeCom's answer (a crash, a cut connection).
    transfers.transferResignedCustomers = async () => {
      calls++;
      const remembered = await env.db.execute<{ status: string }>(sql`SELECT status FROM lifecycle_transfer_item WHERE target = ${customer}`);
      assert.deepEqual(remembered.rows.map((row) => row.status), ['sending'], 'the in-flight marker is committed before the call');
      throw new Error('socket hang up');
    };
    try {
      const result = await ok(admin.post('/scrm/admin/lifecycle/resigned/transfer', { handoverUserid: leaver.userid, takeoverUserid: takeover.userid, externalUserids: [customer] }));
      assert.equal(result.items[0].status, 'unknown');
      assert.match(result.items[0].reason, /不会自动重发/);
      const again = await ok(admin.post('/scrm/admin/lifecycle/resigned/transfer', { handoverUserid: leaver.userid, takeoverUserid: takeover.userid, externalUserids: [customer] }));
      assert.equal(again.items[0].status, 'failed');
      assert.match(again.refused[0].reason, /正在转接中/);
    } finally {
      transfers.transferResignedCustomers = original;
    }
    assert.equal(calls, 1, 'asked WeCom once');
    // The result check neither re-sends nor invents an answer: WeCom has no record, the row stays unknown.
    await env.runJob('lifecycle.transfer-result', { kind: 'resigned', handoverUserid: leaver.userid, takeoverUserid: takeover.userid });
    assert.equal(simTransfersOf(customer).length, 0);
    const rows = await env.db.execute<{ status: string }>(sql`SELECT status FROM lifecycle_transfer_item WHERE target = ${customer} ORDER BY id`);
    assert.deepEqual(rows.rows.map((row) => row.status), ['unknown', 'failed']);
  });

  it('on the job: customers by filter with the success message and groups via onjob_transfer; WeCom\'s 90-day protection refused', async () => {
    const handover = inCorp().find((employee) => customersOf(employee.userid).length >= 2 && groupsOf(employee.userid).length >= 1)!;
    assert.ok(handover, 'an employee with customers and a group');
    const takeover = inCorp().find((employee) => employee.userid !== handover.userid && customersOf(employee.userid).every((id) => !customersOf(handover.userid).includes(id)))!;
    const operator = await createScopedUser(env, admin, { username: 'lc_onjob', perms: ONJOB_PERMS, dataScope: 1 });
    const candidates = await ok(operator.post('/scrm/admin/lifecycle/onjob/candidates', { handoverUserid: handover.userid, pageSize: 100 }));
    assert.deepEqual(candidates.records.map((record: any) => record.externalUserid).sort(), customersOf(handover.userid).sort());
    assert.ok(candidates.records.every((record: any) => record.blockedReason === null && record.transfer === null));
    const [picked, staged] = candidates.records;

    // 客户阶段 as a filter, as on the customer page: one customer moved to 有意向 is the only one there, the others are
    // still in the first stage; an unknown stage matches nothing; a malformed one is refused.
    const stages = await ok(admin.get('/scrm/admin/stage/list'));
    const [firstStage, interested] = stages;
    assert.equal(interested.name, '有意向');
    await ok(admin.post('/scrm/admin/stage/move', { relations: [{ externalUserid: staged.externalUserid, userid: handover.userid }], stageId: interested.id }));
    const byStage = async (stageIds: unknown) => ok(operator.post('/scrm/admin/lifecycle/onjob/candidates', { handoverUserid: handover.userid, stageIds, pageSize: 100 }));
    const inInterested = await byStage([interested.id]);
    assert.deepEqual(inInterested.records.map((record: any) => [record.externalUserid, record.stageName]), [[staged.externalUserid, '有意向']]);
    const inFirst = await byStage([firstStage.id]);
    assert.deepEqual(inFirst.records.map((record: any) => record.externalUserid).sort(), customersOf(handover.userid).filter((id) => id !== staged.externalUserid).sort());
    assert.ok(inFirst.records.every((record: any) => record.stageName === firstStage.name));
    assert.equal((await byStage([firstStage.id, interested.id])).total, candidates.total);
    assert.equal((await byStage([999999])).total, 0);
    for (const bad of [['x'], [0], Array.from({ length: 101 }, (_, i) => i + 1)]) {
      assert.equal((await operator.post('/scrm/admin/lifecycle/onjob/candidates', { handoverUserid: handover.userid, stageIds: bad })).status, 400);
    }
    const [group] = await ok(operator.get('/scrm/admin/lifecycle/onjob/groups', { handoverUserid: handover.userid }));

    const tooLong = await operator.post('/scrm/admin/lifecycle/onjob/transfer', { handoverUserid: handover.userid, takeoverUserid: takeover.userid, externalUserids: [picked.externalUserid], transferSuccessMsg: '长'.repeat(201) });
    assert.equal(tooLong.status, 400);
    const message = '您好，后续由我的同事为您服务';
    const result = await ok(
      operator.post('/scrm/admin/lifecycle/onjob/transfer', {
        handoverUserid: handover.userid,
        takeoverUserid: takeover.userid,
        filters: { externalUserid: picked.externalUserid },
        chatIds: [group.chatId],
        transferSuccessMsg: message,
      }),
    );
    assert.deepEqual(itemsOf(result), { [picked.externalUserid]: 'waiting', [group.chatId]: 'done' });
    assert.equal(simTransfersOf(picked.externalUserid)[0].transfer_success_msg, message);
    assert.equal(state().groupChats.get(group.chatId)!.owner, takeover.userid);
    const blocked = await ok(operator.post('/scrm/admin/lifecycle/onjob/candidates', { handoverUserid: handover.userid, externalUserid: picked.externalUserid }));
    assert.equal(blocked.records[0].transfer.status, 'waiting');
    assert.match(blocked.records[0].blockedReason, /正在转接中/);

    await afterTakeover();
    await env.runJob('lifecycle.transfer-result', { kind: 'onjob', handoverUserid: handover.userid, takeoverUserid: takeover.userid });
    const records = await ok(operator.post('/scrm/admin/lifecycle/onjob/record/page', { target: picked.externalUserid }));
    assert.deepEqual(records.records.map((record: any) => [record.status, record.origin]), [['done', 'manual']]);
    // Back again within 90 days: WeCom protects the new relation; SCRM says so and asks nothing.
    await env.runJob('customers.sync');
    const back = await ok(operator.post('/scrm/admin/lifecycle/onjob/transfer', { handoverUserid: takeover.userid, takeoverUserid: handover.userid, externalUserids: [picked.externalUserid] }));
    assert.equal(back.items[0].status, 'failed');
    assert.match(back.refused[0].reason, /90 天保护期内企业微信不允许再次分配/);
    assert.equal(simTransfersOf(picked.externalUserid).length, 1);
  });

  it('open SOP tasks follow the customer and the group to the new owner when the transfer settles, once; 我的待办 of both says so', async () => {
    const used = new Set((await env.db.execute<{ target: string }>(sql`SELECT target FROM lifecycle_transfer_item`)).rows.map((row) => row.target));
    const fresh = (userid: string) => customersOf(userid).filter((id) => !used.has(id) && simTransfersOf(id).length === 0);
    const handover = inCorp().find((employee) => fresh(employee.userid).length >= 1)!;
    const customer = fresh(handover.userid)[0];
    const takeover = inCorp().find((employee) => employee.userid !== handover.userid && !customersOf(employee.userid).includes(customer))!;
    const { chat_id: chatId } = env.sim.actions.createGroupChat({ owner: handover.userid, name: 'SOP转接群' });
    await env.settle();
    // A customer SOP on entering 已报价 (now, and a day later) and a group SOP on a date, each overdue after 30 minutes.
    const quoted = (await ok(admin.get('/scrm/admin/stage/list'))).find((stage: any) => stage.name === '已报价');
    const step = (name: string, amount: number, unit: string) => ({ name, when: { type: 'after', amount, unit }, text: `${name}的话术` });
    await ok(admin.post('/scrm/admin/sop/customer/save', { name: '报价跟进', userIds: [handover.userid], trigger: { type: 'stage', stageIds: [quoted.id] }, steps: [step('报价回访', 0, 'minute'), step('次日再访', 1, 'day')], overdueMinutes: 30 }));
    await ok(admin.post('/scrm/admin/sop/group/save', { name: '群早报', trigger: { type: 'date', at: new Date(env.clock.now + 60_000).toISOString(), chatIds: [chatId] }, steps: [step('发早报', 0, 'minute')], overdueMinutes: 30 }));
    await ok(admin.post('/scrm/admin/stage/move', { relations: [{ externalUserid: customer, userid: handover.userid }], stageId: quoted.id }));
    env.clock.now += 2 * 60_000;
    await runSopEvaluation(env.jobs);
    env.clock.now += 40 * 60_000;
    await runSopEvaluation(env.jobs);

    // 我的待办 of each employee (an account bound to them; signed in again after the clock jumps).
    const accounts = { [handover.userid]: 'sop_from', [takeover.userid]: 'sop_to' };
    const sessions = new Map<string, TestClient>();
    for (const [userid, username] of Object.entries(accounts)) sessions.set(userid, await createScopedUser(env, admin, { username, perms: ['sop:todo'], dataScope: 5, qwUserid: userid }));
    const signInAgain = async () => {
      for (const [userid, username] of Object.entries(accounts)) sessions.set(userid, await env.login(username, SCOPE_USER_PASSWORD));
    };
    const todo = async (userid: string) => {
      const client = sessions.get(userid)!;
      const listed = await ok(client.post('/scrm/admin/sop/todo/page', { view: 'all', pageNum: 1, pageSize: 50 }));
      return listed.records.map((task: any) => [task.ruleName, task.customerName ?? task.groupName, task.state, task.dueAt]).sort() as string[][];
    };
    const before = await todo(handover.userid);
    const customerName = state().customers.get(customer)!.name;
    assert.deepEqual(before.map(([rule, about, taskState]) => [rule, about, taskState]), [['报价跟进', customerName, 'overdue'], ['群早报', 'SOP转接群', 'overdue']]);
    assert.deepEqual(await todo(takeover.userid), []);

    // The group moves at once (groupchat/onjob_transfer), its task with it; the customer's waits for WeCom.
    const requested = await ok(admin.post('/scrm/admin/lifecycle/onjob/transfer', { handoverUserid: handover.userid, takeoverUserid: takeover.userid, externalUserids: [customer], chatIds: [chatId] }));
    assert.deepEqual(itemsOf(requested), { [customer]: 'waiting', [chatId]: 'done' });
    assert.deepEqual(await todo(handover.userid), before.filter(([rule]) => rule === '报价跟进'), 'the customer is not theirs yet');
    assert.deepEqual(await todo(takeover.userid), before.filter(([rule]) => rule === '群早报'), 'due time and overdue state kept');

    // WeCom settles: the customer's task follows; a second result check (the settlement seen again) moves nothing more.
    await afterTakeover();
    await signInAgain();
    for (let i = 0; i < 2; i++) await env.runJob('lifecycle.transfer-result', { kind: 'onjob', handoverUserid: handover.userid, takeoverUserid: takeover.userid });
    assert.deepEqual(await todo(handover.userid), []);
    assert.deepEqual(await todo(takeover.userid), before);
    const moved = await env.db.execute<{ userid: string; title: string; content: string }>(sql`SELECT userid, title, content FROM app_message WHERE kind = 'sop.task' AND dedupe_key LIKE 'sop-task:%:moved:%' ORDER BY id`);
    assert.deepEqual(moved.rows.map((row) => [row.userid, row.title]), [[takeover.userid, 'SOP待办（转交）：群早报'], [takeover.userid, 'SOP待办（转交）：报价跟进']], 'told once per task');
    assert.match(moved.rows[1].content, new RegExp(`客户：${customerName}[\\s\\S]*由${handover.name}转交给你`));
    const timeline = await env.db.execute<{ state: string; userid: string; from_name: string }>(sql`
      SELECT data->>'state' AS state, userid, data->>'fromName' AS from_name FROM customer_event WHERE type = 'sop_task' AND external_userid = ${customer} ORDER BY id`);
    assert.deepEqual(timeline.rows.map((row) => [row.state, row.userid]), [['created', handover.userid], ['overdue', handover.userid], ['moved', takeover.userid]]);
    const audit = await env.db.execute<{ target_type: string; after: any }>(sql`SELECT target_type, after FROM sys_audit_log WHERE action = 'sop.task.reassign' ORDER BY id`);
    assert.deepEqual(audit.rows.map((row) => [row.target_type, row.after.userid]), [['group_chat', takeover.userid], ['customer', takeover.userid]]);

    // The SOP goes on with the new owner: the next day's step is theirs.
    env.clock.now += 86_400_000;
    await runSopEvaluation(env.jobs);
    await signInAgain();
    assert.deepEqual((await todo(takeover.userid)).map(([rule]) => rule), ['报价跟进', '报价跟进', '群早报']);
    assert.deepEqual(await todo(handover.userid), []);
  });

  it("WeCom took it but its answer was lost: unknown, then the result check finds WeCom's record and follows it", async () => {
    const used = new Set((await env.db.execute<{ target: string }>(sql`SELECT target FROM lifecycle_transfer_item`)).rows.map((row) => row.target));
    const fresh = (userid: string) => customersOf(userid).filter((id) => !used.has(id) && simTransfersOf(id).length === 0);
    const handover = inCorp().find((employee) => fresh(employee.userid).length >= 1)!;
    const customer = fresh(handover.userid)[0];
    const takeover = inCorp().find((employee) => employee.userid !== handover.userid && !customersOf(employee.userid).includes(customer))!;
    const transfers = env.wecom.client.transfers;
    const original = transfers.transferCustomers;
    transfers.transferCustomers = async (request) => {
      await original.call(transfers, request);
      throw new Error('connection reset after WeCom answered');
    };
    let result;
    try {
      result = await ok(admin.post('/scrm/admin/lifecycle/onjob/transfer', { handoverUserid: handover.userid, takeoverUserid: takeover.userid, externalUserids: [customer] }));
    } finally {
      transfers.transferCustomers = original;
    }
    assert.equal(result.items[0].status, 'unknown');
    assert.ok(result.jobId, 'a result check follows it');
    const check = await env.jobs.waitFor(result.jobId);
    assert.equal(check.state, 'completed', check.error ?? '');
    const records = await ok(admin.post('/scrm/admin/lifecycle/onjob/record/page', { batchId: result.batchId }));
    assert.deepEqual(records.records.map((record: any) => record.status), ['waiting'], "WeCom's record says it took it");
    assert.equal(simTransfersOf(customer).length, 1, 'and it was asked once');
  });

  it('rows remembered but never answered (the process stopped before WeCom answered) read unknown and are never sent', async () => {
    const [handover, takeover] = inCorp();
    const customer = customersOf(handover.userid)[0];
    const calls = env.wecomCalls.get('externalcontact/transfer_customer') ?? 0;
    const batch = await env.db.execute<{ id: number }>(sql`INSERT INTO lifecycle_transfer_batch (kind, origin, handover_userid, takeover_userid, ctime, cuser)
      VALUES ('onjob', 'manual', ${handover.userid}, ${takeover.userid}, now() - interval '11 minutes', 'admin') RETURNING id`);
    const batchId = Number(batch.rows[0].id);
    await env.db.execute(sql`INSERT INTO lifecycle_transfer_item (batch_id, kind, subject, target, handover_userid, takeover_userid, status, ctime)
      VALUES (${batchId}, 'onjob', 'customer', ${customer}, ${handover.userid}, ${takeover.userid}, 'sending', now() - interval '11 minutes')`);
    const shown = await ok(admin.post('/scrm/admin/lifecycle/onjob/record/page', { batchId }));
    assert.deepEqual(shown.records.map((record: any) => record.status), ['unknown'], 'shown as unknown at once');
    // The sweep (the refresh job's, or a result check's running meanwhile) stores it as unknown.
    await env.runJob('lifecycle.unassigned-refresh');
    const rows = await env.db.execute<{ status: string }>(sql`SELECT status FROM lifecycle_transfer_item WHERE batch_id = ${batchId}`);
    assert.deepEqual(rows.rows.map((row) => row.status), ['unknown']);
    assert.equal(env.wecomCalls.get('externalcontact/transfer_customer') ?? 0, calls, 'nothing sent');
    const candidates = await ok(admin.post('/scrm/admin/lifecycle/onjob/candidates', { handoverUserid: handover.userid, externalUserid: customer }));
    assert.equal(candidates.records[0].transfer.status, 'unknown');
    assert.match(candidates.records[0].blockedReason, /正在转接中/, 'not offered again while unknown');
    assert.equal(candidates.records[0].transfer.takeoverName, takeover.name);
    // Going to an employee SCRM never synced: no name (the console's 未知员工), never the account as one.
    await env.db.execute(sql`UPDATE lifecycle_transfer_item SET takeover_userid = 'left-before-sync' WHERE batch_id = ${batchId}`);
    const unnamed = await ok(admin.post('/scrm/admin/lifecycle/onjob/candidates', { handoverUserid: handover.userid, externalUserid: customer }));
    assert.deepEqual([unnamed.records[0].transfer.takeoverUserid, unnamed.records[0].transfer.takeoverName], ['left-before-sync', null]);
  });

  it("a lead's transfer goes through the lifecycle service: its record reads origin leads", async () => {
    const used = new Set((await env.db.execute<{ target: string }>(sql`SELECT target FROM lifecycle_transfer_item`)).rows.map((row) => row.target));
    const fresh = (userid: string) => customersOf(userid).filter((id) => !used.has(id) && simTransfersOf(id).length === 0);
    const handover = inCorp().find((employee) => fresh(employee.userid).length >= 1)!;
    const customer = fresh(handover.userid)[0];
    const takeover = inCorp().find((employee) => employee.userid !== handover.userid && !customersOf(employee.userid).includes(customer))!;
    const requested = await ok(admin.post('/scrm/admin/clue/detail/transfer', { externalUserids: [customer], handoverUserid: handover.userid, takeoverUserid: takeover.userid }));
    assert.deepEqual(requested.transfers.map((row: any) => row.status), ['waiting']);
    const records = await ok(admin.post('/scrm/admin/lifecycle/onjob/record/page', { target: customer, origin: 'leads' }));
    assert.deepEqual(records.records.map((record: any) => [record.status, record.handoverUserid, record.takeoverUserid]), [['waiting', handover.userid, takeover.userid]]);
    assert.equal(simTransfersOf(customer).length, 1);
  });

  it('two requests for the same customer at once: WeCom is asked once, the other is refused as in flight', async () => {
    const used = new Set((await env.db.execute<{ target: string }>(sql`SELECT target FROM lifecycle_transfer_item`)).rows.map((row) => row.target));
    const fresh = (userid: string) => customersOf(userid).filter((id) => !used.has(id) && simTransfersOf(id).length === 0);
    const handover = inCorp().find((employee) => fresh(employee.userid).length >= 1)!;
    const customer = fresh(handover.userid)[0];
    const takeover = inCorp().find((employee) => employee.userid !== handover.userid && !customersOf(employee.userid).includes(customer))!;
    const body = { handoverUserid: handover.userid, takeoverUserid: takeover.userid, externalUserids: [customer] };
    const [one, two] = await Promise.all([ok(admin.post('/scrm/admin/lifecycle/onjob/transfer', body)), ok(admin.post('/scrm/admin/lifecycle/onjob/transfer', body))]);
    assert.deepEqual([one.items[0].status, two.items[0].status].sort(), ['failed', 'waiting']);
    assert.equal(simTransfersOf(customer).length, 1);
  });

  it("an employee who left before SCRM knew them (in WeCom's unassigned list, never in the org mirror): their customers can be inherited", async () => {
    const leaver = inCorp().find((employee) => customersOf(employee.userid).length >= 2);
    assert.ok(leaver, `an employee with customers among ${inCorp().length}`);
    const takeover = inCorp().find((employee) => employee.userid !== leaver.userid)!;
    // Customers the takeover employee does not have already, never transferred before (WeCom's 90-day rules).
    const inTransfer = new Set((await env.db.execute<{ target: string }>(sql`SELECT target FROM lifecycle_transfer_item`)).rows.map((row) => row.target));
    const customers = customersOf(leaver.userid).filter((id) => !customersOf(takeover.userid).includes(id) && simTransfersOf(id).length === 0 && !inTransfer.has(id)).sort();
    assert.ok(customers.length >= 1);
    env.sim.actions.deleteEmployee({ userid: leaver.userid });
    await env.settle();
    // As on a corp whose employee left before the first sync: neither they nor their relations were ever synced.
    await env.db.execute(sql`DELETE FROM qw_emp WHERE userid = ${leaver.userid}`);
    await env.db.execute(sql`DELETE FROM customer_relation WHERE userid = ${leaver.userid}`);
    await env.runJob('lifecycle.unassigned-refresh');
    const requested = await ok(admin.post('/scrm/admin/lifecycle/resigned/transfer', { handoverUserid: leaver.userid, takeoverUserid: takeover.userid, externalUserids: customers }));
    assert.deepEqual(requested.items.filter((item: any) => item.status !== 'waiting').map((item: any) => [item.target, item.reason]), []);
    assert.deepEqual(itemsOf(requested), Object.fromEntries(customers.map((id) => [id, 'waiting'])));
    for (const id of customers) assert.equal(simTransfersOf(id).filter((transfer) => transfer.handover_userid === leaver.userid).length, 1, 'asked of WeCom once');
    // Named in words, never by the bare account: the notice to the takeover employee, and the records (the console's 未知员工).
    const notices = await env.db.execute<{ content: string }>(sql`SELECT content FROM app_message WHERE dedupe_key = ${`lifecycle.batch:${requested.batchId}`}`);
    assert.match(notices.rows[0].content, new RegExp(`^离职成员未知员工（${leaver.userid}）的 ${customers.length} 位客户`));
    assert.ok(requested.items.every((item: any) => item.handoverName === null && item.takeoverName === takeover.name), JSON.stringify(requested.items));
    // Settled like any other: the takeover employee has them, in SCRM too.
    await afterTakeover();
    const check = await env.runJob('lifecycle.transfer-result', { kind: 'resigned', handoverUserid: leaver.userid, takeoverUserid: takeover.userid });
    assert.equal((check.result as { stillWaiting: number }).stillWaiting, 0);
    const statuses = await env.db.execute<{ target: string; status: string }>(sql`SELECT target, status FROM lifecycle_transfer_item WHERE batch_id = ${requested.batchId}`);
    assert.deepEqual(Object.fromEntries(statuses.rows.map((row) => [row.target, row.status])), Object.fromEntries(customers.map((id) => [id, 'done'])));
    // Someone WeCom never listed is still unknown, in words.
    const unknown = await admin.post('/scrm/admin/lifecycle/resigned/transfer', { handoverUserid: 'never_an_employee', takeoverUserid: takeover.userid, allCustomers: true });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.msg, /企微成员不存在：never_an_employee/);
  });

  it('hostile input is refused in the envelope and writes nothing', async () => {
    const countBatches = async () => Number((await env.db.execute(sql`SELECT count(*)::int AS n FROM lifecycle_transfer_batch`)).rows[0].n);
    const before = await countBatches();
    const [one, two] = inCorp();
    const bad = [
      admin.post('/scrm/admin/lifecycle/resigned/transfer', { handoverUserid: '', takeoverUserid: two.userid, externalUserids: ['x'] }),
      admin.post('/scrm/admin/lifecycle/resigned/transfer', { handoverUserid: one.userid, takeoverUserid: two.userid, externalUserids: Array.from({ length: 1001 }, (_, i) => `wm${i}`) }),
      admin.post('/scrm/admin/lifecycle/resigned/transfer', { handoverUserid: one.userid, takeoverUserid: two.userid, externalUserids: 'wm1' }),
      admin.post('/scrm/admin/lifecycle/onjob/transfer', { handoverUserid: one.userid, takeoverUserid: two.userid, externalUserids: [{ $ne: 1 }] }),
      admin.post('/scrm/admin/lifecycle/onjob/transfer', { handoverUserid: one.userid, takeoverUserid: two.userid }),
      admin.post('/scrm/admin/lifecycle/onjob/transfer', { handoverUserid: 'nobody-here', takeoverUserid: two.userid, externalUserids: ['wm1'] }),
      admin.post('/scrm/admin/lifecycle/resigned/record/page', { pageSize: 100000 }),
      admin.post('/scrm/admin/lifecycle/resigned/record/page', { beginTime: 'yesterday' }),
      admin.get('/scrm/admin/lifecycle/unassigned/get', {}),
    ];
    for (const response of await Promise.all(bad)) {
      assert.ok(response.status >= 400 && response.status < 500, `${response.status} ${JSON.stringify(response.body)}`);
      assert.equal(typeof response.body.msg, 'string');
    }
    assert.equal((await admin.get('/scrm/admin/lifecycle/unassigned/get', { userid: one.userid })).status, 404, 'an employee in post has no unassigned page');
    assert.equal(await countBatches(), before);
  });
});

/** The customers in a stable order. */
function leaderOrder(ids: string[]): string[] {
  return [...ids].sort();
}
