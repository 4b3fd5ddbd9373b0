// 企业群发 through the client and raw calls: tasks per sender, fail_list, confirmation in the client, the
// per-customer receive limit (statuses 1 / 2 / 3), employees' own mass messages, remind and cancel limits,
// and the errcodes of bad requests (API-FACTS-OPERATIONS §17).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WecomApiError, WecomClient } from '@scrm/wecom';
import { receivePeriod } from './api/broadcasts.ts';
import { createManualClock } from './clock.ts';
import { createWecomSimulator, type WecomSimulator } from './simulator.ts';
import { rawApi, tokenFor } from './test-support.ts';

/** 2026-06-15 12:00 China time (a Monday). */
const START_MS = Date.UTC(2026, 5, 15, 4);
const DAY_MS = 86_400_000;

async function rejectsWith(promise: Promise<unknown>, errcode: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof WecomApiError && error.errcode === errcode);
}

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

describe('simulator 企业群发', () => {
  const clock = createManualClock(START_MS);
  let sim: WecomSimulator;
  let client: WecomClient;
  let call: ReturnType<typeof rawApi>;
  let token: string;
  const now = () => Math.floor(clock.now() / 1000);
  // Three senders of our own with known customers.
  let alice: string;
  let bob: string;
  let carol: string;
  let aliceCustomers: string[];
  let bobCustomers: string[];
  let vipTag: string;
  let newTag: string;

  before(async () => {
    sim = createWecomSimulator({ seed: 'broadcasts', clock, settleIntervalMs: 0 });
    const baseUrl = await sim.listen();
    const { corpId, secret } = sim.credentials();
    client = new WecomClient({ corpId, secret, baseUrl });
    call = rawApi(baseUrl);
    token = await tokenFor(sim);
    alice = sim.actions.createEmployee({ userid: 'bc_alice', name: '群发甲' }).userid;
    bob = sim.actions.createEmployee({ userid: 'bc_bob', name: '群发乙' }).userid;
    carol = sim.actions.createEmployee({ userid: 'bc_carol', name: '群发丙', customerContact: false }).userid;
    aliceCustomers = Array.from({ length: 6 }, () => sim.actions.addCustomer({ userid: alice }).external_userid);
    bobCustomers = Array.from({ length: 3 }, () => sim.actions.addCustomer({ userid: bob }).external_userid);
    const tags = sim.actions.createCorpTags({ group_name: '群发测试', tags: [{ name: 'VIP' }, { name: '新客' }] });
    [vipTag, newTag] = tags.tag_ids;
    // VIP: alice's 0, 1, 2; 新客: alice's 1, 2, 3.
    for (const index of [0, 1, 2]) sim.actions.editCustomer({ userid: alice, external_userid: aliceCustomers[index], add_tags: [vipTag] });
    for (const index of [1, 2, 3]) sim.actions.editCustomer({ userid: alice, external_userid: aliceCustomers[index], add_tags: [newTag] });
  });
  after(() => sim.close());

  const recipientsOf = (msgid: string, userid: string) => sim.state.groupMsgIndex.get(msgid)!.tasks.find((task) => task.userid === userid)!.recipients;

  it('creates a pending task for the sender; non-friends come back in fail_list; nothing is sent yet', async () => {
    const stranger = bobCustomers[0];
    const created = await client.broadcasts.addMsgTemplate({ sender: alice, external_userid: [aliceCustomers[0], aliceCustomers[1], stranger], text: { content: '六月活动' } });
    assert.match(created.msgid, /^msg/);
    assert.deepEqual(created.fail_list, [stranger]);
    const tasks = await client.broadcasts.getGroupMsgTask({ msgid: created.msgid });
    assert.deepEqual(tasks.task_list, [{ userid: alice, status: 0 }], 'status 0, no send_time');
    const results = await client.broadcasts.getGroupMsgSendResult({ msgid: created.msgid, userid: alice });
    assert.deepEqual(results.send_list, [
      { external_userid: aliceCustomers[0], userid: alice, status: 0 },
      { external_userid: aliceCustomers[1], userid: alice, status: 0 },
    ]);
    const view = (await (await fetch(`${sim.url}/sim/group-messages?msgid=${created.msgid}`)).json()) as { group_messages: Array<Record<string, any>> };
    assert.equal(view.group_messages.length, 1);
    assert.equal(view.group_messages[0].create_type, 0);
    assert.deepEqual(view.group_messages[0].tasks[0].recipients.map((recipient: { status: number }) => recipient.status), [0, 0]);
  });

  it('a sender confirming sends: task status 2 with send_time, recipients 1, a customer lost meanwhile 2', async () => {
    const created = await client.broadcasts.addMsgTemplate({ sender: bob, external_userid: bobCustomers, text: { content: '确认发送' } });
    assert.deepEqual(created.fail_list, []);
    sim.actions.customerDeletesEmployee({ userid: bob, external_userid: bobCustomers[2] });
    clock.advance(60_000);
    const response = await fetch(`${sim.url}/sim/confirm-group-msg`, { method: 'POST', body: JSON.stringify({ msgid: created.msgid, userid: bob }) });
    assert.deepEqual(await response.json(), { msgid: created.msgid, userid: bob, sent: 2, not_friend: 1, over_limit: 0, not_sent: 0 });
    const tasks = await client.broadcasts.getGroupMsgTask({ msgid: created.msgid });
    assert.deepEqual(tasks.task_list, [{ userid: bob, status: 2, send_time: now() }]);
    const rows = (await collect(client.broadcasts.iterateGroupMsgSendResult(created.msgid, bob, 2))).flatMap((page) => page.send_list);
    assert.deepEqual(
      rows.map((row) => [row.external_userid, row.status, row.send_time]),
      [
        [bobCustomers[0], 1, now()],
        [bobCustomers[1], 1, now()],
        [bobCustomers[2], 2, undefined],
      ],
    );
    const again = await fetch(`${sim.url}/sim/confirm-group-msg`, { method: 'POST', body: JSON.stringify({ msgid: created.msgid, userid: bob }) });
    assert.equal(again.status, 409, 'a task is sent once');
  });

  it('only a sender: all of their customers; tag_filter ORs within a group and ANDs across groups', async () => {
    const all = await client.broadcasts.addMsgTemplate({ sender: alice, text: { content: '全部客户' } });
    assert.deepEqual(recipientsOf(all.msgid, alice).map((recipient) => recipient.external_userid), aliceCustomers);
    const either = await client.broadcasts.addMsgTemplate({ sender: alice, tag_filter: { group_list: [{ tag_list: [vipTag, newTag] }] }, text: { content: 'OR' } });
    assert.deepEqual(recipientsOf(either.msgid, alice).map((recipient) => recipient.external_userid), aliceCustomers.slice(0, 4));
    const both = await client.broadcasts.addMsgTemplate({ sender: alice, tag_filter: { group_list: [{ tag_list: [vipTag] }, { tag_list: [newTag] }] }, text: { content: 'AND' } });
    assert.deepEqual(recipientsOf(both.msgid, alice).map((recipient) => recipient.external_userid), aliceCustomers.slice(1, 3));
    await rejectsWith(client.broadcasts.addMsgTemplate({ sender: alice, tag_filter: { group_list: [{ tag_list: ['etNOPE'] }] }, text: { content: 'x' } }), 40068);
    for (const msgid of [all.msgid, either.msgid, both.msgid]) await client.broadcasts.cancelGroupMsgSend({ msgid });
  });

  it('customers without a sender go to the member who has them, one task per member', async () => {
    const created = await client.broadcasts.addMsgTemplate({ external_userid: [aliceCustomers[4], bobCustomers[0], 'wmNOBODYNOBODYNOBODYNOBODYAAAA'], text: { content: '按成员分发' } });
    assert.deepEqual(created.fail_list, ['wmNOBODYNOBODYNOBODYNOBODYAAAA']);
    const tasks = (await collect(client.broadcasts.iterateGroupMsgTask(created.msgid, 1))).flatMap((page) => page.task_list);
    assert.deepEqual(tasks.map((task) => task.userid).sort(), [alice, bob].sort());
    assert.deepEqual(recipientsOf(created.msgid, bob).map((recipient) => recipient.external_userid), [bobCustomers[0]]);
    await client.broadcasts.cancelGroupMsgSend({ msgid: created.msgid });
  });

  it('refuses bad requests with WeCom errcodes and creates nothing', async () => {
    const before = sim.state.groupMsgs.length;
    const image = await client.media.upload('image', { filename: 'a.png', data: new Uint8Array(100).fill(1) });
    const momentImage = await client.media.uploadAttachment({ filename: 'm.png', data: new Uint8Array(100).fill(2) }, { media_type: 'image', attachment_type: 1 });
    const picture = { msgtype: 'image' as const, image: { media_id: image.media_id } };
    const base = { sender: alice, external_userid: [aliceCustomers[0]] };
    await rejectsWith(client.broadcasts.addMsgTemplate({ ...base, attachments: Array(10).fill(picture) }), 41064);
    await rejectsWith(client.broadcasts.addMsgTemplate({ ...base, attachments: [{ msgtype: 'voice', voice: {} } as never] }), 41065);
    await rejectsWith(client.broadcasts.addMsgTemplate({ ...base, attachments: [{ msgtype: 'file', file: { media_id: 'nope' } }] }), 40007);
    await rejectsWith(client.broadcasts.addMsgTemplate({ ...base, attachments: [{ msgtype: 'image', image: { media_id: momentImage.media_id } }] }), 40007);
    await rejectsWith(client.broadcasts.addMsgTemplate({ ...base, text: { content: '字'.repeat(1334) } }), 45002);
    await rejectsWith(client.broadcasts.addMsgTemplate({ ...base }), 44004);
    await rejectsWith(client.broadcasts.addMsgTemplate({ ...base, chat_type: 'both' as never, text: { content: 'x' } }), 86214);
    await rejectsWith(client.broadcasts.addMsgTemplate({ sender: carol, text: { content: 'x' } }), 84074);
    await rejectsWith(client.broadcasts.addMsgTemplate({ sender: 'nobody_here', text: { content: 'x' } }), 40003);
    await rejectsWith(client.broadcasts.addMsgTemplate({ text: { content: 'x' } }), 40058);
    await rejectsWith(client.broadcasts.addMsgTemplate({ sender: alice, external_userid: Array.from({ length: 10_001 }, (_, index) => `wm${index}`), text: { content: 'x' } }), 40058);
    await rejectsWith(client.broadcasts.addMsgTemplate({ sender: alice, external_userid: [bobCustomers[0]], text: { content: 'x' } }), 41048);
    await rejectsWith(client.broadcasts.addMsgTemplate({ chat_type: 'group', text: { content: 'x' } }), 40058);
    const link = { msgtype: 'link' as const, link: { title: 't'.repeat(129), url: 'https://example.com' } };
    await rejectsWith(client.broadcasts.addMsgTemplate({ ...base, attachments: [link] }), 40058);
    assert.equal(sim.state.groupMsgs.length, before);
    const ok = await client.broadcasts.addMsgTemplate({ ...base, text: { content: '字'.repeat(1333) }, attachments: Array(9).fill(picture) });
    assert.ok(ok.msgid);
    await client.broadcasts.cancelGroupMsgSend({ msgid: ok.msgid });
  });

  it('the receive limit: over it a recipient is status 3; employees own sends count and are listed as create_type 1', async () => {
    sim.actions.setReceiveLimit({ per: 'day' });
    clock.set(START_MS + 2 * DAY_MS);
    const [first, second] = [aliceCustomers[4], aliceCustomers[5]];
    // The employee's own mass message to `first` today uses up its one-a-day.
    const own = sim.actions.employeeBroadcast({ userid: alice, external_userids: [first], text: '我自己发的' });
    assert.equal(own.sent, 1);
    const corp = await client.broadcasts.addMsgTemplate({ sender: alice, external_userid: [first, second], text: { content: '企业群发' } });
    clock.advance(1000);
    const summary = sim.actions.confirmGroupMsg({ msgid: corp.msgid, userid: alice });
    assert.deepEqual([summary.sent, summary.over_limit], [1, 1]);
    const rows = (await client.broadcasts.getGroupMsgSendResult({ msgid: corp.msgid, userid: alice })).send_list;
    assert.deepEqual(
      rows.map((row) => [row.external_userid, row.status]),
      [
        [first, 3],
        [second, 1],
      ],
    );

    const start = now() - 3600;
    const all = (await collect(client.broadcasts.iterateGroupMsgListV2({ chat_type: 'single', start_time: start, end_time: now() + 60, limit: 1 }))).flatMap((page) => page.group_msg_list);
    assert.deepEqual(
      all.map((msg) => [msg.msgid, msg.create_type, msg.creator]),
      [
        [own.msgid, 1, alice],
        [corp.msgid, 0, undefined],
      ],
    );
    assert.equal(all[1].text?.content, '企业群发');
    assert.equal(typeof all[0].create_time, 'string', 'create_time is a string as in the doc sample');
    const corpOnly = await client.broadcasts.getGroupMsgListV2({ chat_type: 'single', start_time: start, end_time: now() + 60, filter_type: 0 });
    assert.deepEqual(corpOnly.group_msg_list.map((msg) => msg.msgid), [corp.msgid]);
    const byCreator = await client.broadcasts.getGroupMsgListV2({ chat_type: 'single', start_time: start, end_time: now() + 60, creator: alice });
    assert.deepEqual(byCreator.group_msg_list.map((msg) => msg.msgid), [own.msgid]);
    await rejectsWith(client.broadcasts.getGroupMsgListV2({ chat_type: 'single', start_time: start - 32 * 86_400, end_time: now() }), 40058);

    // The next day in China time the customer may receive again.
    clock.set(START_MS + 3 * DAY_MS);
    const next = await client.broadcasts.addMsgTemplate({ sender: alice, external_userid: [first], text: { content: '第二天' } });
    assert.equal(sim.actions.confirmGroupMsg({ msgid: next.msgid, userid: alice }).sent, 1);
    sim.actions.setReceiveLimit({ per: 'month' });
  });

  it('the default rule is days-in-month per month; week starts Monday; the oldest 4 a month is a count', () => {
    const june15 = START_MS / 1000;
    assert.deepEqual(receivePeriod({ per: 'month' }, june15), { start: Date.UTC(2026, 5, 1) / 1000 - 8 * 3600, limit: 30 });
    assert.equal(receivePeriod({ per: 'month' }, Date.UTC(2026, 1, 10) / 1000).limit, 28);
    // 2026-06-15 is a Monday: the week starts that day at 00:00 China time.
    assert.deepEqual(receivePeriod({ per: 'week' }, june15 + 3 * 86_400), { start: Date.UTC(2026, 5, 14, 16) / 1000, limit: 7 });
    assert.deepEqual(receivePeriod({ per: 'month', count: 4 }, june15).limit, 4);
    assert.equal(sim.state.receiveLimit.per, 'month');
  });

  it('remind: three times in 24 hours, the fourth 41094; cancel stops pending senders, then 41093', async () => {
    const created = await client.broadcasts.addMsgTemplate({ sender: alice, external_userid: [aliceCustomers[0]], text: { content: '提醒我' } });
    for (let index = 0; index < 3; index++) await client.broadcasts.remindGroupMsgSend({ msgid: created.msgid });
    await rejectsWith(client.broadcasts.remindGroupMsgSend({ msgid: created.msgid }), 41094);
    clock.advance(DAY_MS + 1000);
    await client.broadcasts.remindGroupMsgSend({ msgid: created.msgid });
    await client.broadcasts.cancelGroupMsgSend({ msgid: created.msgid });
    await rejectsWith(client.broadcasts.remindGroupMsgSend({ msgid: created.msgid }), 41093);
    await rejectsWith(client.broadcasts.cancelGroupMsgSend({ msgid: created.msgid }), 41093);
    const confirm = await fetch(`${sim.url}/sim/confirm-group-msg`, { method: 'POST', body: JSON.stringify({ msgid: created.msgid, userid: alice }) });
    assert.equal(confirm.status, 409);
    assert.deepEqual((await client.broadcasts.getGroupMsgTask({ msgid: created.msgid })).task_list.map((task) => task.status), [0]);
    await rejectsWith(client.broadcasts.getGroupMsgTask({ msgid: 'msgNOPE' }), 41047);
    token = await tokenFor(sim);
    assert.equal((await call('POST', 'externalcontact/get_groupmsg_task', {}, token)).body.errcode, 41046);
    assert.equal((await call('POST', 'externalcontact/get_groupmsg_send_result', { msgid: created.msgid }, token)).body.errcode, 41009);
  });

  it('cancel keeps what was sent: a sender who confirmed stays 2, the others cannot send', async () => {
    const created = await client.broadcasts.addMsgTemplate({ external_userid: [aliceCustomers[0], bobCustomers[1]], text: { content: '部分确认' } });
    sim.actions.confirmGroupMsg({ msgid: created.msgid, userid: bob });
    await client.broadcasts.cancelGroupMsgSend({ msgid: created.msgid });
    const tasks = (await client.broadcasts.getGroupMsgTask({ msgid: created.msgid })).task_list;
    assert.deepEqual(Object.fromEntries(tasks.map((task) => [task.userid, task.status])), { [alice]: 0, [bob]: 2 });
    assert.throws(() => sim.actions.confirmGroupMsg({ msgid: created.msgid, userid: alice }), /cancelled/);
  });

  it('allow_select: the sender keeps some customers, the rest stay unsent', async () => {
    const created = await client.broadcasts.addMsgTemplate({ sender: alice, external_userid: aliceCustomers.slice(0, 3), allow_select: true, text: { content: '可选' } });
    const summary = sim.actions.confirmGroupMsg({ msgid: created.msgid, userid: alice, external_userids: [aliceCustomers[1]] });
    assert.deepEqual([summary.sent, summary.not_sent], [1, 2]);
    const fixed = await client.broadcasts.addMsgTemplate({ sender: alice, external_userid: aliceCustomers.slice(0, 2), text: { content: '不可选' } });
    assert.throws(() => sim.actions.confirmGroupMsg({ msgid: fixed.msgid, userid: alice, external_userids: [aliceCustomers[0]] }), /allow_select/);
    await client.broadcasts.cancelGroupMsgSend({ msgid: fixed.msgid });
  });

  it('group sends: chat_id_list of the owner (others in fail_list), or groups picked when confirming; results list sent rows only', async () => {
    const mine = [sim.actions.createGroupChat({ owner: alice, name: '甲群一', members: [aliceCustomers[0]] }).chat_id, sim.actions.createGroupChat({ owner: alice, name: '甲群二' }).chat_id];
    const theirs = sim.actions.createGroupChat({ owner: bob, name: '乙群' }).chat_id;
    const listed = await client.broadcasts.addMsgTemplate({ chat_type: 'group', sender: alice, chat_id_list: [mine[0], theirs], text: { content: '群发到群' } });
    assert.deepEqual(listed.fail_list, [theirs]);
    assert.deepEqual((await client.broadcasts.getGroupMsgSendResult({ msgid: listed.msgid, userid: alice })).send_list, [], 'nothing sent yet');
    sim.actions.confirmGroupMsg({ msgid: listed.msgid, userid: alice });
    assert.deepEqual((await client.broadcasts.getGroupMsgSendResult({ msgid: listed.msgid, userid: alice })).send_list, [{ chat_id: mine[0], userid: alice, status: 1, send_time: now() }]);

    const picked = await client.broadcasts.addMsgTemplate({ chat_type: 'group', sender: alice, text: { content: '群主自选' } });
    assert.throws(() => sim.actions.confirmGroupMsg({ msgid: picked.msgid, userid: alice, chat_ids: [theirs] }), /not a group of/);
    sim.actions.confirmGroupMsg({ msgid: picked.msgid, userid: alice, chat_ids: [mine[1]] });
    const rows = (await client.broadcasts.getGroupMsgSendResult({ msgid: picked.msgid, userid: alice })).send_list;
    assert.deepEqual(rows.map((row) => [row.chat_id, row.status, row.external_userid]), [[mine[1], 1, undefined]]);
    const groups = await client.broadcasts.getGroupMsgListV2({ chat_type: 'group', start_time: now() - 60, end_time: now() + 60 });
    assert.deepEqual(groups.group_msg_list.map((msg) => msg.msgid), [listed.msgid, picked.msgid]);
  });

  it('keeps messages and the receive log across a snapshot', async () => {
    sim.actions.setReceiveLimit({ per: 'day', count: 1 });
    assert.equal(sim.actions.employeeBroadcast({ userid: alice, external_userids: [aliceCustomers[5]], text: '快照前' }).sent, 1);
    const restored = createWecomSimulator({ snapshot: sim.toJSON(), clock, settleIntervalMs: 0 });
    try {
      assert.equal(restored.state.groupMsgs.length, sim.state.groupMsgs.length);
      assert.deepEqual(restored.state.receiveLimit, { per: 'day', count: 1 });
      // aliceCustomers[5] received its one for today before the snapshot.
      const own = restored.actions.employeeBroadcast({ userid: alice, external_userids: [aliceCustomers[5]], text: '恢复后' });
      assert.deepEqual([own.sent, own.over_limit], [0, 1]);
    } finally {
      await restored.close();
      sim.actions.setReceiveLimit({ per: 'month' });
    }
  });
});

describe('simulator 企业群发 while dispatching', () => {
  it('answers 41063 for a new task until it is dispatched', async () => {
    const clock = createManualClock(START_MS);
    const sim = createWecomSimulator({ seed: 'broadcasts-dispatch', clock, settleIntervalMs: 0, groupMsgs: { dispatchSeconds: 5 }, sizes: { employees: 4, customers: 20, groups: 2 } });
    try {
      const { corpId, secret } = sim.credentials();
      const client = new WecomClient({ corpId, secret, baseUrl: await sim.listen(), retry: { maxRetries: 0 } });
      const sender = [...sim.state.employees.values()].find((employee) => employee.customerContact && employee.resignedAt === undefined && sim.state.relationList(employee.userid).length > 0)!;
      const created = await client.broadcasts.addMsgTemplate({ sender: sender.userid, text: { content: '派发中' } });
      await rejectsWith(client.broadcasts.getGroupMsgTask({ msgid: created.msgid }), 41063);
      clock.advance(5000);
      assert.equal((await client.broadcasts.getGroupMsgTask({ msgid: created.msgid })).task_list[0].status, 0);
    } finally {
      await sim.close();
    }
  });
});
