// Customer broadcasts against the WeCom simulator, through HTTP: the preview is what is sent, the senders'
// confirmations and the recipients' results match the simulator's truth, remind and cancel, the receive limit,
// the do-not-disturb list. (Dispatch faults: broadcast-dispatch.test.ts; groups, moments, scope, bad input:
// broadcast-kinds.test.ts.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { fails, ok } from '../leads/leads.testing.ts';
import { auditActions, createBroadcastTestEnv, employeesWithCustomers, perSender, post, preview, recipients, saveBroadcast, simMessages, stat, waitDispatched } from './broadcasts.testing.ts';

const DAY = 86_400_000;

describe('broadcasts to customers with WeCom', () => {
  let env: WecomTestEnv;
  let admin: TestClient & { token: string };
  let senders: string[];
  let tagId: number;
  let wecomTag: string;
  let expectedPlan: Awaited<ReturnType<typeof createBroadcastTestEnv>>['expectedPlan'];

  before(async () => {
    ({ env, admin, senders, tagId, wecomTag, expectedPlan } = await createBroadcastTestEnv());
  });
  after(() => env.close());

  let firstId: number;
  const firstText = '双十二活动：老客户专享 8 折';

  it('a tag segment across three senders: the preview counts are what is sent, one task per sender, senders told', async () => {
    const saved = await saveBroadcast(admin, 'customer', { name: '双十二老客', content: { text: firstText }, senders: { userids: senders }, audience: { corpTagIds: [tagId] } });
    assert.equal(saved.status, 'draft');
    assert.deepEqual(saved.audienceNames.corpTags.map((t: { id: number }) => t.id), [tagId]);
    firstId = saved.id;
    const shown = await preview(admin, 'customer', firstId);
    const expected = expectedPlan(wecomTag, senders);
    assert.equal(shown.total, expected.assigned.size);
    assert.equal(shown.excluded.notFriend, expected.notFriend.length);
    assert.deepEqual(new Map(shown.senders.filter((s: { count: number }) => s.count > 0).map((s: { userid: string; count: number }) => [s.userid, s.count])), perSender(expected.assigned));
    for (const sender of shown.senders) assert.equal(sender.name, env.sim.state.employees.get(sender.userid)!.name, 'senders by name');

    await ok(post(admin, 'customer', 'send', { id: firstId }));
    const sent = await waitDispatched(admin, 'customer', firstId);
    assert.equal(sent.status, 'sent');
    assert.deepEqual(sent.chunkCounts, { pending: 0, inFlight: 0, created: perSender(expected.assigned).size, failed: 0, unknown: 0 });
    // The simulator's truth: one task per sender with exactly the customers the preview counted.
    const messages = simMessages(env, firstText);
    assert.equal(messages.length, perSender(expected.assigned).size);
    const sentTo = new Map<string, string>();
    for (const message of messages) for (const task of message.tasks) for (const recipient of task.recipients) sentTo.set(recipient.external_userid!, task.userid);
    assert.deepEqual(sentTo, expected.assigned);
    // Each sender is told by an app message (deduped per broadcast and sender).
    const told = await env.db.execute<{ userid: string }>(sql`SELECT userid FROM app_message WHERE kind = 'broadcast' AND dedupe_key LIKE ${`broadcast:${firstId}:await:%`}`);
    assert.deepEqual(told.rows.map((row) => row.userid).sort(), [...perSender(expected.assigned).keys()].sort());
    assert.deepEqual(await auditActions(env, firstId), ['broadcast.send']);
  });

  it('senders confirm some tasks and ignore others: results and statistics match the simulator, the rest expires', async () => {
    const messages = simMessages(env, firstText);
    const [confirmed, ...ignored] = messages;
    const confirmedUser = confirmed.tasks[0].userid;
    // One recipient of the confirming sender stopped being a friend before the send.
    const gone = confirmed.tasks[0].recipients[0].external_userid!;
    env.sim.actions.employeeDeletesCustomer({ userid: confirmedUser, external_userid: gone });
    await env.settle();
    env.sim.actions.confirmGroupMsg({ msgid: confirmed.msgid, userid: confirmedUser });
    await env.runJob('broadcasts.track', { broadcastId: firstId });

    const truth = confirmed.tasks[0].recipients;
    const delivered = truth.filter((r) => r.status === 1).length;
    const notFriend = truth.filter((r) => r.status === 2).length;
    assert.ok(notFriend >= 1);
    const figures = await stat(admin, 'customer', firstId);
    const mine = figures.perSender.find((s: { userid: string }) => s.userid === confirmedUser);
    assert.equal(mine.status, 'sent');
    assert.equal(mine.delivered, delivered);
    assert.equal(mine.notFriend, notFriend);
    assert.equal(figures.delivered, delivered);
    assert.equal(figures.senders.sent, 1);
    assert.equal(figures.senders.waiting, ignored.length);
    assert.equal(figures.coverage, Math.round((delivered / figures.planned) * 1000) / 10);
    assert.equal(figures.byDay.reduce((sum: number, d: { delivered: number }) => sum + d.delivered, 0), delivered);
    // The list page's figures for it, in one call, are stat's; an id of another kind or unknown is left out.
    const progress = await ok(post(admin, 'customer', 'progress', { ids: [firstId, 987654] }));
    assert.deepEqual(progress, [{ id: firstId, planned: figures.planned, delivered, coverage: figures.coverage, senders: { total: figures.senders.total, sent: 1 } }]);
    assert.deepEqual(await ok(post(admin, 'group', 'progress', { ids: [firstId] })), [], 'a customer broadcast is not a group broadcast');
    // Each customer it reached has it on their timeline (客户动态), by the broadcast's name.
    const reached = truth.find((r) => r.status === 1)!.external_userid!;
    const timeline = await admin.post('/scrm/admin/cust/timeline', { externalUserid: reached, types: ['broadcast_received'], pageNum: 1, pageSize: 10 });
    assert.deepEqual(timeline.body.date.records.map((event: any) => [event.data.broadcastId, event.data.kind, event.userid]), [[firstId, 'customer', confirmedUser]]);
    const notFriendRows = await recipients(admin, 'customer', firstId, { status: 'not_friend' });
    assert.deepEqual(notFriendRows.records.map((r: { key: string }) => r.key), [gone]);
    assert.equal(notFriendRows.records[0].statusText, '不是好友');

    // After the expiry (3 days by default) the ignored tasks are expired and tracking ends.
    env.clock.now = env.clock.now + 3 * DAY + 60_000;
    await env.runJob('broadcasts.track', { broadcastId: firstId });
    const after = await stat(admin, 'customer', firstId);
    assert.equal(after.senders.expired, ignored.length);
    assert.equal(after.expired, ignored.reduce((sum, m) => sum + m.tasks[0].recipients.length, 0));
    assert.ok(after.trackedAt);
    env.clock.now = Date.now();

    // The export names recipients and senders, never ids.
    const exported = await env.app.inject({ method: 'POST', url: '/scrm/admin/broadcast/customer/export', payload: { id: firstId }, headers: { token: admin.token } });
    assert.equal(exported.statusCode, 200);
    assert.match(String(exported.headers['content-disposition']), /filename\*=UTF-8''/);
    const { sheetRows } = await import('../../platform/excel.ts');
    const { Readable } = await import('node:stream');
    const lines: string[][] = [];
    for await (const row of sheetRows(Readable.from(exported.rawPayload))) lines.push(row.cells.slice(1).map((cell) => String(cell ?? '')));
    assert.deepEqual(lines[0], ['客户', '发送成员', '状态', '送达时间']);
    const senderNames = new Set(senders.map((userid) => env.sim.state.employees.get(userid)!.name));
    for (const line of lines.slice(1)) {
      assert.ok(senderNames.has(line[1]) || line[1] === '', `sender by name: ${line[1]}`);
      assert.ok(!line.some((cell) => cell.startsWith('wm')), 'no WeCom ids in the file');
    }
    assert.ok(lines.some((line) => line[2] === '已送达'));
  });

  it('remind (at most 3 within 24 hours, refused in words after) and cancel, audited', async () => {
    const text = '提醒与取消测试';
    const saved = await saveBroadcast(admin, 'customer', { name: '提醒测试', content: { text }, senders: { userids: senders }, audience: { corpTagIds: [tagId] } });
    await ok(post(admin, 'customer', 'send', { id: saved.id }));
    await waitDispatched(admin, 'customer', saved.id);
    for (let n = 0; n < 3; n++) {
      const reminded = await ok(post(admin, 'customer', 'remind', { id: saved.id }));
      assert.equal(reminded.remindsLeft, 2 - n);
    }
    await fails(post(admin, 'customer', 'remind', { id: saved.id }), 409, /24 小时内最多提醒 3 次/);
    for (const message of simMessages(env, text)) assert.equal(message.reminds.length, 3);
    const cancelled = await ok(post(admin, 'customer', 'cancel', { id: saved.id }));
    assert.equal(cancelled.status, 'cancelled');
    for (const message of simMessages(env, text)) assert.ok(message.cancelled_at !== undefined, 'cancel_groupmsg_send reached WeCom');
    const figures = await stat(admin, 'customer', saved.id);
    assert.equal(figures.senders.cancelled, figures.senders.total);
    assert.equal(figures.pending, 0);
    assert.deepEqual(await auditActions(env, saved.id), ['broadcast.send', 'broadcast.remind', 'broadcast.remind', 'broadcast.remind', 'broadcast.cancel']);
    await fails(post(admin, 'customer', 'cancel', { id: saved.id }), 409);
  });

  it('the receive limit excludes exactly the customers at it: our deliveries and employees\' own sends', async () => {
    // One a day (WeCom's older rule), in WeCom and in SCRM's settings.
    env.sim.actions.setReceiveLimit({ per: 'day' });
    await ok(admin.post('/scrm/admin/broadcast/settings/save', { receiveLimitPeriod: 'day', receiveLimitCount: null, expireDays: 3, remindTime: '17:00' }));
    // Today: the first broadcast delivered to some (confirmed above); an employee's own mass message reaches another.
    const deliveredToday = (await recipients(admin, 'customer', firstId, { status: 'delivered' })).records.map((r: { key: string }) => r.key);
    const own = employeesWithCustomers(env).find((e) => !senders.includes(e.userid)) ?? employeesWithCustomers(env)[0];
    const target = env.sim.state.relationList(own.userid).map((r) => r.external_userid).find((id) => !deliveredToday.includes(id))!;
    env.sim.actions.employeeBroadcast({ userid: own.userid, text: '我自己发的', external_userids: [target] });
    const saved = await saveBroadcast(admin, 'customer', { name: '上限测试', content: { text: '上限测试' }, senders: { userids: [...senders, own.userid] }, audience: {} });
    const shown = await preview(admin, 'customer', saved.id);
    const atLimit = new Set([...deliveredToday, target]);
    assert.equal(shown.receiveLimit.count, 1);
    assert.equal(shown.excluded.receiveLimit, atLimit.size);
    await ok(post(admin, 'customer', 'send', { id: saved.id }));
    await waitDispatched(admin, 'customer', saved.id);
    const left = (await recipients(admin, 'customer', saved.id, { status: 'excluded' })).records.filter((r: { reason: string }) => r.reason === 'receive_limit');
    assert.deepEqual(new Set(left.map((r: { key: string }) => r.key)), atLimit);
    for (const message of simMessages(env, '上限测试')) for (const recipient of message.tasks[0].recipients) assert.ok(!atLimit.has(recipient.external_userid!), 'nobody at the limit was sent to');
    await ok(admin.post('/scrm/admin/broadcast/settings/save', { receiveLimitPeriod: 'month', receiveLimitCount: null, expireDays: 3, remindTime: '17:00' }));
    env.sim.actions.setReceiveLimit({ per: 'month' });
  });

  it('do-not-disturb customers are always left out', async () => {
    const expected = expectedPlan(wecomTag, senders);
    const [quiet] = [...expected.assigned.keys()];
    assert.deepEqual(await ok(admin.post('/scrm/admin/broadcast/dnd/save', { externalUserids: [quiet], reason: '客户要求' })), { added: 1 });
    const listed = await ok(admin.post('/scrm/admin/broadcast/dnd/page', {}));
    assert.equal(listed.records[0].externalUserid, quiet);
    const saved = await saveBroadcast(admin, 'customer', { name: '免打扰测试', content: { text: '免打扰测试' }, senders: { userids: senders }, audience: { corpTagIds: [tagId] } });
    const shown = await preview(admin, 'customer', saved.id);
    assert.equal(shown.excluded.dnd, 1);
    assert.ok(shown.excludedSample.some((s: { reason: string }) => s.reason === 'dnd'));
  });

  it('the reminder at the set time: senders who have not confirmed get an app message (the simulator shows it), the one who confirmed does not; once', async () => {
    await ok(admin.post('/scrm/admin/broadcast/settings/save', { receiveLimitPeriod: 'month', receiveLimitCount: null, expireDays: 3, remindTime: '10:30' }));
    const name = '定时提醒测试';
    try {
      const saved = await saveBroadcast(admin, 'customer', { name, content: { text: name }, senders: { userids: senders }, audience: { corpTagIds: [tagId] } });
      await ok(post(admin, 'customer', 'send', { id: saved.id }));
      const sent = await waitDispatched(admin, 'customer', saved.id);
      assert.equal(sent.status, 'sent');
      // The reminder is due at the next 10:30 in the corp's time zone.
      const remindAt = Date.parse(sent.remindAt);
      assert.ok(remindAt > env.clock.now && remindAt <= env.clock.now + DAY, sent.remindAt);
      assert.equal(new Intl.DateTimeFormat('en-GB', { timeZone: env.config.TZ_DEFAULT, hour: '2-digit', minute: '2-digit' }).format(new Date(remindAt)), '10:30');
      const [confirmed, ...ignored] = simMessages(env, name);
      assert.ok(ignored.length >= 1, 'some senders leave it unconfirmed');
      env.sim.actions.confirmGroupMsg({ msgid: confirmed.msgid, userid: confirmed.tasks[0].userid });

      const received = async (userid: string) => {
        const answer = await fetch(`${env.sim.url}/sim/app-messages?userid=${encodeURIComponent(userid)}`);
        const { app_messages } = (await answer.json()) as { app_messages: Array<{ content: string; dropped?: string }> };
        return app_messages.filter((message) => message.content.includes(`「${name}」还没有发送`));
      };
      // The app's messages reach only members in the app's visible range (WeCom drops the others).
      const late = ignored.map((message) => message.tasks[0].userid).filter((userid) => env.sim.state.isEmployeeVisible(env.sim.state.employees.get(userid)!));
      assert.ok(late.length >= 1, 'a sender in the app\'s visible range who has not confirmed');

      // Before its time: tracked, nobody reminded.
      await env.runJob('broadcasts.track', { broadcastId: saved.id });
      for (const userid of late) assert.equal((await received(userid)).length, 0);

      // At its time: the senders who have not confirmed are reminded; the one who confirmed is not.
      env.clock.now = remindAt + 60_000;
      await env.runJob('broadcasts.track', { broadcastId: saved.id });
      const deadline = Date.now() + 10_000;
      for (const userid of late) {
        while ((await received(userid)).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        const reminders = await received(userid);
        assert.equal(reminders.length, 1, `${userid} reminded once`);
        assert.equal(reminders[0].dropped, undefined);
        assert.match(reminders[0].content, /群发提醒/);
      }
      assert.equal((await received(confirmed.tasks[0].userid)).length, 0, 'the sender who confirmed is not reminded');
      const figures = await stat(admin, 'customer', saved.id);
      assert.equal(figures.senders.sent, 1);

      // The next rounds remind nobody again.
      env.clock.now = remindAt + 3_600_000;
      await env.runJob('broadcasts.track', { broadcastId: saved.id });
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const userid of late) assert.equal((await received(userid)).length, 1, `${userid} not reminded twice`);
    } finally {
      env.clock.now = Date.now();
      await ok(admin.post('/scrm/admin/broadcast/settings/save', { receiveLimitPeriod: 'month', receiveLimitCount: null, expireDays: 3, remindTime: '17:00' }));
    }
  });
});
