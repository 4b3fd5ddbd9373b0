// 客户SOP / 群SOP through HTTP, the simulator and the evaluation job, with a controlled clock (issue 19): an SOP on a
// channel QR code makes its tasks at the right times for the customers added through it, and a restart in between
// (a second app on the same database) neither misses nor repeats any; a recurrence missed for days makes one task;
// a group SOP starts when a customer joins; tasks are scoped; the employee is told by a textcard; 我的待办 marks done.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { createScopedUser, okDate } from '../../testing/scope-users.ts';
import { startSecondReplica } from '../../testing/second-replica.ts';
import { createWecom, simulatorSettings } from '../../platform/wecom.ts';
import { localTime } from '../../platform/local-time.ts';
import { runSopEvaluation } from './sop.testing.ts';
import { until } from '../../testing/until.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

test('SOP: tasks at their times through a restart, recurrence catch-up, group join, scope, textcard, 我的待办', async (t) => {
  const env = await createWecomTestEnv();
  // The second app (below) closes first: the first one drops the database.
  let replica: Awaited<ReturnType<typeof startSecondReplica>> | undefined;
  let wecom: Awaited<ReturnType<typeof createWecom>> | undefined;
  t.after(async () => {
    await replica?.close();
    await wecom?.close();
    await env.close();
  });
  const state = env.sim.state;
  await env.syncOrg();
  await env.runJob('groups.sync');
  const admin = await env.login();
  const [seller, other] = [...state.employees.values()].filter((employee) => employee.resignedAt === undefined && employee.status === 1 && employee.customerContact);
  const page = async (client: TestClient, url: string, body: object = {}) => okDate(client.post(url, { pageNum: 1, pageSize: 100, ...body }));
  const taskRows = async () => (await env.db.execute<{ rule_id: number; step_id: string; external_userid: string; occurrence: string; due_at: Date }>(sql`SELECT * FROM sop_task ORDER BY id`)).rows;

  // A channel QR code and a customer SOP on it: at once, after 2 hours, and on day 2 at 10:00.
  const channel = await okDate(admin.post('/scrm/admin/cust/channel/save', { name: '门店活码' }));
  const qr = await okDate(admin.post('/scrm/admin/cust/get/qr/save', {
    linkName: '门店二维码', channelId: channel.id, allocationMethod: 'round', userList: [seller.userid], allocationRules: [{ userId: seller.userid }], status: 1,
  }));
  assert.equal(qr.status, 1, qr.statusReason ?? '');
  // Refused: a group trigger on a customer SOP, a step without content, unknown employees — 400, nothing saved.
  const steps = [
    { name: '打招呼', when: { type: 'after', amount: 0, unit: 'minute' }, text: '您好，欢迎光临！' },
    { name: '介绍产品', when: { type: 'after', amount: 2, unit: 'hour' }, text: '给客户发产品手册' },
    { name: '回访', when: { type: 'dayAt', day: 2, time: '10:00' }, text: '问问客户的使用感受' },
  ];
  for (const body of [
    { name: 'x', trigger: { type: 'joined', chatIds: [] }, steps },
    { name: 'x', trigger: { type: 'added', linkIds: [qr.id] }, steps: [{ when: { type: 'after', amount: 1, unit: 'hour' }, text: '' }] },
    { name: 'x', userIds: ['nobody'], trigger: { type: 'added', linkIds: [qr.id] }, steps },
    { name: 'x', trigger: { type: 'added', linkIds: [qr.id] }, steps: [{ when: { type: 'after', amount: -1, unit: 'hour' }, text: 'a' }] },
  ]) assert.equal((await admin.post('/scrm/admin/sop/customer/save', body)).status, 400, JSON.stringify(body));
  const sop = await okDate(admin.post('/scrm/admin/sop/customer/save', { name: '门店新客跟进', userIds: [seller.userid], trigger: { type: 'added', channelIds: [], linkIds: [qr.id] }, steps }));
  assert.deepEqual(sop.employees, [{ id: seller.userid, name: seller.name }]);
  assert.equal(sop.steps.length, 3);

  // A customer scans the code: the first step's task at once, nothing more yet.
  const start = env.clock.now;
  const first = env.sim.actions.scanContactWay({ config_id: qr.allocationRules[0].configLinkId });
  await env.settle();
  await runSopEvaluation(env.jobs);
  let tasks = await taskRows();
  assert.deepEqual(tasks.map((task) => [task.external_userid, task.step_id]), [[first.external_userid, sop.steps[0].id]]);
  // Told by a textcard that opens 我的待办 (sent by the app-message service on its own, once the task is stored).
  const messages = await until(
    'the SOP textcard',
    async () => ((await (await fetch(`${env.sim.url}/sim/app-messages?userid=${seller.userid}`)).json()) as { app_messages: Array<{ msgtype: string; title?: string; content: string; url?: string }> }).app_messages,
    (sent) => sent.some((message) => message.title?.includes('门店新客跟进')),
    20_000,
  );
  const card = messages.find((message) => message.title?.includes('门店新客跟进'));
  assert.ok(card, JSON.stringify(messages));
  assert.equal(card.msgtype, 'textcard');
  assert.match(card.url ?? '', /\/ops\/todo$/);
  assert.ok(card.content.includes('您好，欢迎光临') && card.content.includes(state.customers.get(first.external_userid)!.name), card.content);

  // The server is down for three days (no run); then a second app on the same database evaluates: the 2-hour and
  // day-2 steps are made once each, late; a customer who scanned meanwhile gets the first step; again: nothing more.
  env.clock.now = start + 3 * DAY;
  const second = env.sim.actions.scanContactWay({ config_id: qr.allocationRules[0].configLinkId });
  // One who scans and deletes the employee again before the run gets no task.
  const gone = env.sim.actions.scanContactWay({ config_id: qr.allocationRules[0].configLinkId });
  await env.settle();
  env.sim.actions.customerDeletesEmployee({ userid: seller.userid, external_userid: gone.external_userid });
  await env.settle();
  wecom = await createWecom(simulatorSettings(env.sim.credentials(), env.sim.url!), { db: env.db, now: () => env.clock.now });
  const secondWecom = wecom;
  replica = await startSecondReplica(env, () => ({ wecom: secondWecom }));
  await runSopEvaluation(replica.jobs);
  await runSopEvaluation(env.jobs);
  tasks = await taskRows();
  assert.equal(tasks.length, 4, JSON.stringify(tasks));
  assert.deepEqual(
    tasks.map((task) => [task.external_userid, task.step_id]).sort(),
    [[first.external_userid, sop.steps[0].id], [first.external_userid, sop.steps[1].id], [first.external_userid, sop.steps[2].id], [second.external_userid, sop.steps[0].id]].sort(),
  );
  const dayTwo = tasks.find((task) => task.step_id === sop.steps[2].id)!;
  assert.deepEqual(localTime(new Date(dayTwo.due_at), 'Asia/Shanghai').minuteOfDay, 600, 'day 2 at 10:00, corp time');
  // The first customer's tasks are overdue by now (end of their due day); the overview counts them.
  const listed = await okDate(admin.post('/scrm/admin/sop/customer/page', { pageNum: 1, pageSize: 10 }));
  assert.deepEqual(listed.records[0].tasks, { total: 4, done: 0, pending: 1, overdue: 3 });

  // Scope: a self-scope user bound to the seller sees the seller's tasks; one bound to another employee sees none and
  // cannot mark them done (404, nothing changes), neither from the task list nor from 我的待办.
  const own = await createScopedUser(env, admin, { username: 'sopown', perms: ['sop:customer:task', 'sop:todo', 'sop:customer:list', 'sop:customer:save'], dataScope: 5, qwUserid: seller.userid });
  const stranger = await createScopedUser(env, admin, { username: 'sopstranger', perms: ['sop:customer:task', 'sop:todo'], dataScope: 5, qwUserid: other.userid });
  assert.equal((await page(own, '/scrm/admin/sop/customer/tasks/page')).total, 4);
  // An author with self scope makes SOPs for their own employee only: everyone, departments or another employee are refused in words.
  const author = own;
  const draft = { name: '自己的跟进', enabled: false, trigger: { type: 'added', channelIds: [], linkIds: [qr.id] }, steps };
  assert.match((await author.post('/scrm/admin/sop/customer/save', draft)).body.msg, /全部数据/);
  const foreign = await author.post('/scrm/admin/sop/customer/save', { ...draft, userIds: [other.userid] });
  assert.deepEqual([foreign.status, foreign.body.msg.includes(other.name)], [400, true], foreign.body.msg);
  assert.equal((await author.post('/scrm/admin/sop/customer/save', { ...draft, userIds: [seller.userid] })).status, 200);
  assert.equal((await page(stranger, '/scrm/admin/sop/customer/tasks/page', { userIds: [seller.userid] })).total, 0);
  const pending = (await page(own, '/scrm/admin/sop/customer/tasks/page', { state: 'pending' })).records;
  assert.equal(pending.length, 1);
  assert.equal(pending[0].customerName, state.customers.get(second.external_userid)!.name);
  assert.equal(pending[0].employeeName, seller.name);
  assert.equal((await stranger.post('/scrm/admin/sop/customer/tasks/done', { ids: [pending[0].id] })).status, 404);
  assert.equal((await stranger.post('/scrm/admin/sop/todo/done', { ids: [pending[0].id] })).status, 404);
  assert.equal((await admin.post('/scrm/admin/sop/todo/done', { ids: [pending[0].id] })).status, 400, 'the admin is bound to no employee');
  // 我的待办: today's task, the overdue ones; done moves it; the customer's timeline has the task created and done.
  const today = await page(own, '/scrm/admin/sop/todo/page', { view: 'today' });
  assert.deepEqual([today.total, today.counts.overdue, today.records[0].text], [1, 3, '您好，欢迎光临！']);
  assert.equal(await okDate(own.post('/scrm/admin/sop/todo/done', { ids: [pending[0].id] })), 1);
  assert.equal(await okDate(own.post('/scrm/admin/sop/todo/done', { ids: [pending[0].id] })), 0, 'done twice is no error');
  assert.equal((await page(own, '/scrm/admin/sop/todo/page', { view: 'done' })).total, 1);
  const timeline = await env.db.execute<{ state: string }>(sql`SELECT data->>'state' AS state FROM customer_event WHERE type = 'sop_task' AND external_userid = ${second.external_userid} ORDER BY id`);
  assert.deepEqual(timeline.rows.map((row) => row.state), ['created', 'done']);
  const stat = await okDate(admin.post('/scrm/admin/sop/customer/stat', {}));
  assert.deepEqual([stat.totals.total, stat.totals.done, stat.bySop[0].name, stat.byEmployee[0].name], [4, 1, '门店新客跟进', seller.name]);

  // Group SOPs: a customer joining a chosen group starts one for its owner; a daily recurrence over that group, missed for
  // three days, makes one task (the latest occurrence), not three.
  const group = [...state.groupChats.values()].find((chat) => chat.owner === seller.userid) ?? [...state.groupChats.values()][0];
  const joined = await okDate(admin.post('/scrm/admin/sop/group/save', { name: '入群欢迎', trigger: { type: 'joined', chatIds: [group.chat_id] }, steps: [{ when: { type: 'after', amount: 5, unit: 'minute' }, text: '欢迎新朋友' }] }));
  const daily = await okDate(admin.post('/scrm/admin/sop/group/save', { name: '每日早报', trigger: { type: 'recurrence', every: 'daily', time: '09:00', chatIds: [group.chat_id] }, steps: [{ when: { type: 'after', amount: 0, unit: 'minute' }, text: '发今日早报' }] }));
  const newcomer = [...state.customers.keys()].find((id) => !group.member_list.some((member) => member.userid === id))!;
  env.sim.actions.joinGroupChat({ chat_id: group.chat_id, members: [newcomer] });
  await env.settle();
  env.clock.now += 3 * DAY + 10 * MINUTE;
  await runSopEvaluation(env.jobs);
  await runSopEvaluation(replica.jobs);
  const groupTasks = await page(admin, '/scrm/admin/sop/group/tasks/page');
  assert.deepEqual(groupTasks.records.map((task: { ruleId: number }) => task.ruleId).sort(), [joined.id, daily.id].sort(), JSON.stringify(groupTasks.records));
  for (const task of groupTasks.records) assert.deepEqual([task.chatId, task.userid, task.groupName], [group.chat_id, group.owner, group.name]);
  const joinTask = groupTasks.records.find((task: { ruleId: number }) => task.ruleId === joined.id);
  assert.equal(joinTask.externalUserid, newcomer);
  // Disabled, the recurrence makes nothing more; the customer SOP's list does not show group tasks.
  await okDate(admin.post('/scrm/admin/sop/group/enable', { id: daily.id, enabled: false }));
  env.clock.now += DAY;
  await runSopEvaluation(env.jobs);
  assert.equal((await page(admin, '/scrm/admin/sop/group/tasks/page')).total, 2);
  assert.equal((await page(admin, '/scrm/admin/sop/customer/tasks/page')).total, 6, 'the second customer\'s later steps came due meanwhile');
  assert.equal((await admin.post('/scrm/admin/sop/customer/tasks/done', { ids: [joinTask.id] })).status, 404, 'a group task is not a customer task');

  // The owner hands the group over in WeCom, not through SCRM: its open tasks follow the new owner (change_owner
  // callback), once — a sync seeing the same owner moves nothing more.
  const before = (await page(admin, '/scrm/admin/sop/group/tasks/page')).records;
  const heir = [...state.employees.values()].find((employee) => employee.userid !== group.owner && employee.status === 1 && employee.resignedAt === undefined)!;
  env.sim.actions.changeGroupOwner({ chat_id: group.chat_id, new_owner: heir.userid });
  await env.settle();
  const moved = (await page(admin, '/scrm/admin/sop/group/tasks/page')).records;
  assert.deepEqual(moved.map((task: { id: number; userid: string; dueAt: string }) => [task.id, task.userid, task.dueAt]).sort(), before.map((task: { id: number; dueAt: string }) => [task.id, heir.userid, task.dueAt]).sort(), 'every open task is the new owner\'s, due as before');
  const reassigned = await env.db.execute<{ after: { taskIds: number[] } }>(sql`SELECT after FROM sys_audit_log WHERE action = 'sop.task.reassign' AND target_id = ${group.chat_id}`);
  assert.equal(reassigned.rows.length, 1, 'audited once');
  await env.runJob('groups.sync');
  await env.settle();
  assert.equal((await env.db.execute(sql`SELECT 1 FROM sys_audit_log WHERE action = 'sop.task.reassign' AND target_id = ${group.chat_id}`)).rows.length, 1, 'a sync seeing the same owner moves nothing');
  assert.deepEqual((await page(admin, '/scrm/admin/sop/group/tasks/page')).records.map((task: { userid: string }) => task.userid), before.map(() => heir.userid));
});
