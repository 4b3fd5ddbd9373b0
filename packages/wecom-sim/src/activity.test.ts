import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LiveActivity } from './activity.ts';
import { createManualClock } from './clock.ts';
import { generateCorp, HISTORY_DAYS } from './generator.ts';
import { createWecomSimulator, type WecomSimulator } from './simulator.ts';
import { startCallbackReceiver, type CallbackReceiver } from './test-support.ts';

const DAY = 86_400;

describe('the generated history', () => {
  it('falls in the HISTORY_DAYS (90) before the start date, and is deterministic for a seed and start date', () => {
    const start = Math.floor(Date.UTC(2026, 11, 3, 9, 30) / 1000);
    const state = generateCorp({ seed: 'history', anchorTime: start });
    const times: number[] = [];
    for (const byUser of state.relationsByUser.values()) for (const relation of byUser.values()) times.push(relation.createtime);
    const relationCount = times.length;
    for (const chat of state.groupChats.values()) {
      times.push(chat.create_time);
      for (const member of chat.member_list) times.push(member.join_time);
    }
    for (const group of state.tagGroups.values()) times.push(group.create_time);
    for (const link of state.acquisitionLinks.values()) times.push(link.create_time);
    assert.ok(relationCount > 1000);
    for (const time of times) assert.ok(time <= start && time >= start - HISTORY_DAYS * DAY, `${new Date(time * 1000).toISOString()} is within the 90 days up to the start`);
    // Spread over the window: the last 7 days hold adds (the demo's 7-day charts are not empty), and so do the first weeks.
    const addsLastWeek = times.slice(0, relationCount).filter((time) => time > start - 7 * DAY).length;
    assert.ok(addsLastWeek > 30, `${addsLastWeek} adds in the last 7 days`);
    assert.ok(times.slice(0, relationCount).some((time) => time < start - 80 * DAY));
    // Deterministic for a seed and a start date; another start date moves the history with it.
    assert.equal(JSON.stringify(generateCorp({ seed: 'history', anchorTime: start }).toJSON()), JSON.stringify(state.toJSON()));
    const later = generateCorp({ seed: 'history', anchorTime: start + 30 * DAY });
    assert.deepEqual([...later.customers.keys()], [...state.customers.keys()]);
    const [userid, relations] = [...state.relationsByUser.entries()].find(([, byUser]) => byUser.size > 0)!;
    const [externalUserId, relation] = [...relations.entries()][0];
    assert.equal(later.relation(userid, externalUserId)?.createtime, relation.createtime + 30 * DAY);
  });
});

describe('live activity', () => {
  let sim: WecomSimulator;
  let receiver: CallbackReceiver;
  const clock = createManualClock(Date.UTC(2026, 11, 3, 9, 0));

  before(async () => {
    sim = createWecomSimulator({ seed: 'live', clock, settleIntervalMs: 0, delivery: { retryDelayMs: 10 } });
    await sim.listen();
    receiver = await startCallbackReceiver(sim);
    sim.setCallbackUrl(receiver.url);
  });
  after(async () => {
    await sim.close();
    await receiver.close();
  });

  it('adds, deletes and group joins on the clock, each sent as the callback WeCom would send', async () => {
    const activity = new LiveActivity(() => sim.state, sim.actions, { perHour: 6, now: clock.now });
    assert.deepEqual(activity.tick(), [], 'nothing due yet');
    clock.advance(9 * 60_000);
    assert.deepEqual(activity.tick(), [], 'one every 10 minutes');
    const before = receiver.events.length;
    const done = [];
    for (let hour = 0; hour < 10; hour++) {
      clock.advance(3_600_000);
      done.push(...activity.tick());
    }
    assert.ok(done.length >= 50 && done.length <= 60, `${done.length} actions in 10 hours at 6 an hour`);
    const kinds = new Set(done.map((action) => action.kind));
    assert.deepEqual([...kinds].sort(), ['add', 'delete', 'join']);
    for (const action of done) {
      if (action.kind === 'add') assert.ok(sim.state.relation(action.userid, action.externalUserId));
      if (action.kind === 'join') assert.ok(sim.state.groupChats.get(action.chatId!)!.member_list.some((member) => member.userid === action.externalUserId));
    }
    await sim.flushDeliveries();
    const events = receiver.events.slice(before);
    assert.equal(events.length, done.length, 'one callback per action');
    const changeTypes = new Set(events.map((event) => (event as { changeType?: string }).changeType ?? event.kind));
    for (const expected of ['add_external_contact', 'update']) assert.ok(changeTypes.has(expected), [...changeTypes].join());
    assert.ok(changeTypes.has('del_follow_user') || changeTypes.has('del_external_contact'));
    // A clock that jumped a day ahead catches up one hour's worth, not a burst.
    clock.advance(DAY * 1000);
    assert.ok(activity.tick().length <= 6);
  });

  it('employees now and then confirm pending 群发 tasks and publish pending moments, without callbacks', async () => {
    const sender = [...sim.state.employees.values()].find((employee) => employee.customerContact && employee.resignedAt === undefined && sim.state.relationList(employee.userid).length > 1)!;
    const token = (await (await fetch(`${sim.url}/cgi-bin/gettoken?corpid=${sim.credentials().corpId}&corpsecret=${sim.credentials().secret}`)).json()) as { access_token: string };
    const post = async (api: string, body: unknown) =>
      (await (await fetch(`${sim.url}/cgi-bin/externalcontact/${api}?access_token=${token.access_token}`, { method: 'POST', body: JSON.stringify(body) })).json()) as Record<string, any>;
    const msg = await post('add_msg_template', { sender: sender.userid, text: { content: '演示群发' } });
    const moment = await post('add_moment_task', { text: { content: '演示朋友圈' }, visible_range: { sender_list: { user_list: [sender.userid] } } });
    assert.equal(msg.errcode, 0);
    assert.equal(moment.errcode, 0);
    clock.advance(3000);
    const activity = new LiveActivity(() => sim.state, sim.actions, { perHour: 6, now: clock.now, seed: 'confirming' });
    const confirmed = [];
    for (let hour = 0; hour < 4 && confirmed.length < 2; hour++) {
      clock.advance(3_600_000);
      confirmed.push(...activity.tick().filter((action) => action.kind === 'confirm'));
    }
    assert.equal(confirmed.length, 2, 'both pending tasks were confirmed');
    assert.deepEqual(confirmed.map((action) => action.userid), [sender.userid, sender.userid]);
    assert.equal(sim.state.groupMsgIndex.get(msg.msgid)!.tasks[0].status, 2);
    assert.equal(sim.state.moments.find((entry) => entry.jobid === moment.jobid)!.tasks[0].publish_status, 1);
    assert.equal(activity.confirmPending(), undefined, 'nothing left to confirm');
  });

  it('does nothing when off (0 an hour)', async () => {
    const activity = new LiveActivity(() => sim.state, sim.actions, { perHour: 0, now: clock.now });
    const before = sim.deliveries.length;
    clock.advance(10 * 3_600_000);
    assert.deepEqual(activity.tick(), []);
    activity.start(1);
    await new Promise((wait) => setTimeout(wait, 20));
    activity.stop();
    assert.equal(sim.deliveries.length, before);
  });
});
