// Group broadcasts and moments against the WeCom simulator; data scope; hostile input.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { department, fails, ok, scopedUser } from '../leads/leads.testing.ts';
import { createBroadcastTestEnv, employeesWithCustomers, getBroadcast, post, preview, recipients, saveBroadcast, simMessages, stat, waitDispatched } from './broadcasts.testing.ts';

const DAY = 86_400_000;

describe('group broadcasts, moments, scope and bad input', () => {
  let env: WecomTestEnv;
  let admin: TestClient & { token: string };
  let senders: string[];
  let tagId: number;

  before(async () => {
    ({ env, admin, senders, tagId } = await createBroadcastTestEnv());
  });
  after(() => env.close());

  let groupBroadcastId: number;

  it('group broadcasts: chosen groups go to their owners, results per group', async () => {
    const groups = (await ok(admin.post('/scrm/admin/group/page', { pageSize: 50 }))).records.filter((g: { dismissed: boolean; ownerDeparted: boolean; owner: string }) => !g.dismissed && !g.ownerDeparted && env.sim.state.employees.get(g.owner)?.customerContact);
    assert.ok(groups.length >= 1);
    const group = groups[0];
    const text = '群发到客户群';
    const saved = await saveBroadcast(admin, 'group', { name: '群群发', content: { text }, audience: { chatIds: [group.chatId] } });
    groupBroadcastId = saved.id;
    const shown = await preview(admin, 'group', saved.id);
    assert.equal(shown.total, 1);
    assert.deepEqual(shown.senders.map((s: { userid: string }) => s.userid), [group.owner]);
    await ok(post(admin, 'group', 'send', { id: saved.id }));
    assert.equal((await waitDispatched(admin, 'group', saved.id)).status, 'sent');
    const [message] = simMessages(env, text);
    assert.equal(message.chat_type, 'group');
    assert.deepEqual(message.tasks[0].recipients.map((r) => r.chat_id), [group.chatId]);
    env.sim.actions.confirmGroupMsg({ msgid: message.msgid, userid: group.owner });
    await env.runJob('broadcasts.track', { broadcastId: saved.id });
    const rows = (await recipients(admin, 'group', saved.id)).records;
    assert.deepEqual(rows.map((r: { name: string; status: string }) => [r.name, r.status]), [[group.name, 'delivered']]);
    assert.ok((await getBroadcast(admin, 'group', saved.id)).trackedAt, 'final once every group is delivered');
  });

  it('the group receive limit counts our deliveries and the owners\' own group sends', async () => {
    env.sim.actions.setReceiveLimit({ per: 'day' });
    await ok(admin.post('/scrm/admin/broadcast/settings/save', { receiveLimitPeriod: 'day', receiveLimitCount: null, expireDays: 3, remindTime: '17:00' }));
    try {
      const groups = (await ok(admin.post('/scrm/admin/group/page', { pageSize: 50 }))).records.filter((g: { dismissed: boolean; ownerDeparted: boolean; owner: string }) => !g.dismissed && !g.ownerDeparted && env.sim.state.employees.get(g.owner)?.customerContact);
      assert.ok(groups.length >= 3, 'three groups to tell apart');
      const delivered = (await recipients(admin, 'group', groupBroadcastId, { status: 'delivered' })).records.map((r: { key: string }) => r.key);
      // An owner sends to one of their other groups from the client (个人群发): that group has had today's one message too.
      const ownGroup = groups.find((g: { chatId: string }) => !delivered.includes(g.chatId));
      env.sim.actions.employeeBroadcast({ userid: ownGroup.owner, chat_type: 'group', chat_ids: [ownGroup.chatId], text: '群主自己发的' });
      const atLimit = new Set([...delivered, ownGroup.chatId]);
      const chosen = groups.slice(0, Math.max(3, atLimit.size + 1)).map((g: { chatId: string }) => g.chatId);
      for (const chatId of atLimit) if (!chosen.includes(chatId)) chosen.push(chatId);
      const saved = await saveBroadcast(admin, 'group', { name: '群上限测试', content: { text: '群上限测试' }, audience: { chatIds: chosen } });
      const shown = await preview(admin, 'group', saved.id);
      assert.equal(shown.excluded.receiveLimit, atLimit.size);
      assert.equal(shown.total, chosen.length - atLimit.size);
      await ok(post(admin, 'group', 'send', { id: saved.id }));
      await waitDispatched(admin, 'group', saved.id);
      const left = (await recipients(admin, 'group', saved.id, { status: 'excluded' })).records.filter((r: { reason: string }) => r.reason === 'receive_limit');
      assert.deepEqual(new Set(left.map((r: { key: string }) => r.key)), atLimit);
      const sentTo = simMessages(env, '群上限测试').flatMap((message) => message.tasks.flatMap((task) => task.recipients.map((r) => r.chat_id)));
      assert.ok(sentTo.length > 0 && sentTo.every((chatId) => !atLimit.has(chatId!)), 'nobody at the limit was sent to');
    } finally {
      await ok(admin.post('/scrm/admin/broadcast/settings/save', { receiveLimitPeriod: 'month', receiveLimitCount: null, expireDays: 3, remindTime: '17:00' }));
      env.sim.actions.setReceiveLimit({ per: 'month' });
    }
  });

  it('moments: one task for the senders, published by some, viewers tracked', async () => {
    const text = '朋友圈：新品上市';
    const saved = await saveBroadcast(admin, 'moment', { name: '新品朋友圈', content: { text }, senders: { userids: senders.slice(0, 2) }, audience: { corpTagIds: [tagId] } });
    const shown = await preview(admin, 'moment', saved.id);
    assert.deepEqual(shown.visibleTags.map((t: { id: number }) => t.id), [tagId]);
    assert.equal(shown.senders.length, 2);
    await ok(post(admin, 'moment', 'send', { id: saved.id }));
    assert.equal((await waitDispatched(admin, 'moment', saved.id)).status, 'sent');
    const moment = env.sim.state.moments.find((m) => m.text?.content === text);
    assert.ok(moment, 'add_moment_task reached WeCom');
    assert.deepEqual(moment.tasks.map((t) => t.userid).sort(), senders.slice(0, 2));
    await env.runJob('broadcasts.track', { broadcastId: saved.id });
    const published = env.sim.actions.confirmMoment({ moment_id: moment.moment_id, userid: senders[0] });
    await env.runJob('broadcasts.track', { broadcastId: saved.id });
    const figures = await stat(admin, 'moment', saved.id);
    assert.equal(figures.senders.sent, 1);
    assert.equal(figures.senders.waiting, 1);
    assert.equal(figures.delivered, published.visible_to);
    // Moments have no WeCom reminder: the app message reminds the one who has not published.
    const reminded = await ok(post(admin, 'moment', 'remind', { id: saved.id }));
    assert.equal(reminded.reminded, 1);
    await ok(post(admin, 'moment', 'cancel', { id: saved.id }));
    assert.ok(moment.cancelled_at !== undefined);
  });

  it('data scope: a self-scope user targets and sees only their own customers and broadcasts', async () => {
    const [mine, other] = senders;
    const dept = await department(admin, '群发部');
    const seller = await scopedUser(env, admin, {
      username: 'bcast_self',
      perms: ['broadcast:customer:list', 'broadcast:customer:query', 'broadcast:customer:save', 'broadcast:customer:send'],
      dataScope: 5,
      deptId: dept,
      qwUserid: mine,
    });
    // Another employee as sender: refused, naming the field.
    const refused = await seller.post('/scrm/admin/broadcast/customer/save', { name: '越权', content: { text: 'x' }, senders: { userids: [other] }, audience: {} });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.date.fields[0].field, 'senders.userids');
    // The admin's broadcasts are not theirs.
    const adminsOwn = await saveBroadcast(admin, 'customer', { name: '管理员的', content: { text: 'admin' }, senders: { userids: [other] }, audience: {} });
    await fails(seller.get('/scrm/admin/broadcast/customer/get', { id: adminsOwn.id }), 404);
    assert.equal((await ok(seller.post('/scrm/admin/broadcast/customer/page', {}))).total, 0);
    // Nor are its figures on their list: the list's progress leaves out what they don't see.
    assert.deepEqual(await ok(seller.post('/scrm/admin/broadcast/customer/progress', { ids: [adminsOwn.id] })), []);
    assert.equal((await seller.post('/scrm/admin/broadcast/customer/progress', { ids: [] })).status, 400);
    // Their own broadcast reaches only customers of their relations, even with "all" as the audience.
    const own = await ok(seller.post('/scrm/admin/broadcast/customer/save', { name: '我的群发', content: { text: 'self scope' }, senders: { userids: [mine] }, audience: {} }));
    const shown = await ok(seller.post('/scrm/admin/broadcast/customer/preview', { id: own.id }));
    const myCustomers = new Set(env.sim.state.relationList(mine).map((r) => r.external_userid));
    assert.equal(shown.total + shown.excluded.receiveLimit + shown.excluded.dnd + shown.excluded.notFriend, myCustomers.size);
    assert.equal(shown.excluded.notFriend, 0, 'no customer of another employee is in the segment');
  });

  it('hostile input: 400 naming the field, nothing saved or sent', async () => {
    const before = env.sim.state.groupMsgIndex.size;
    const base = { name: '坏输入', content: { text: 'ok' }, senders: { userids: senders }, audience: {} };
    const field = async (body: unknown, expected: string, url = '/scrm/admin/broadcast/customer/save') => {
      const response = await admin.post(url, body);
      assert.equal(response.status, 400, JSON.stringify(response.body));
      assert.ok(JSON.stringify(response.body.date).includes(expected), `${expected} in ${JSON.stringify(response.body.date)}`);
    };
    await field({ ...base, content: { text: 'x', mediaIds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] } }, 'content.mediaIds');
    await field({ ...base, content: { text: '汉'.repeat(1400) } }, 'content.text');
    await field({ ...base, content: { text: 'x', mediaIds: [987654] } }, 'content.mediaIds');
    await field({ ...base, audience: { corpTagIds: [987654] } }, 'audience.corpTagIds');
    await field({ ...base, scheduleAt: new Date(Date.now() - DAY).toISOString() }, 'scheduleAt');
    await field({ ...base, senders: { userids: ['nobody-here'] } }, 'senders.userids');
    await field({ ...base, audience: { channelIds: [987654] } }, 'audience.channelIds');
    await field({ ...base, name: '' }, 'name');
    const noone = await saveBroadcast(admin, 'customer', { ...base, audience: { corpTagIds: [tagId], excludeTagIds: [tagId] } });
    await field({ id: noone.id }, 'audience', '/scrm/admin/broadcast/customer/send');
    assert.equal((await getBroadcast(admin, 'customer', noone.id)).status, 'draft', 'nothing sent');
    const empty = await saveBroadcast(admin, 'customer', { ...base, content: { text: '' } });
    await field({ id: empty.id }, 'content', '/scrm/admin/broadcast/customer/send');
    // A group broadcast to owners without groups says so, by name.
    const owning = new Set((await ok(admin.post('/scrm/admin/group/page', { pageSize: 500 }))).records.map((g: { owner: string }) => g.owner));
    const ownerless = senders.find((userid) => !owning.has(userid));
    assert.ok(ownerless, 'a sender who owns no group');
    {
      const draft = await saveBroadcast(admin, 'group', { ...base, senders: { userids: [ownerless] }, audience: { ownerUserids: [ownerless] } });
      await field({ id: draft.id }, 'audience.ownerUserids', '/scrm/admin/broadcast/group/send');
      const answer = await admin.post('/scrm/admin/broadcast/group/send', { id: draft.id });
      assert.match(answer.body.msg, new RegExp(`没有可发送的客户群：${env.sim.state.employees.get(ownerless)!.name}`));
    }
    assert.equal(env.sim.state.groupMsgIndex.size, before, 'no WeCom task was made');
    // A sent broadcast is not deleted; a draft is.
    await fails(admin.post('/scrm/admin/broadcast/group/delete', { ids: [groupBroadcastId] }), 409, /只能删除草稿/);
    assert.deepEqual(await ok(admin.post('/scrm/admin/broadcast/customer/delete', { ids: [noone.id] })), { deleted: 1 });
  });

  it('a sender who is a real employee without 客户联系: 400 on senders.userids naming them, in words; a draft whose sender lost it is not sent', async () => {
    // An employee with customers, other than the senders the other tests use (given back 客户联系 at the end).
    const candidates = employeesWithCustomers(env, 1);
    const employee = candidates.find((e) => !senders.includes(e.userid)) ?? candidates.find((e) => e.userid === senders[2])!;
    const draft = await saveBroadcast(admin, 'customer', { name: '失去客户联系', content: { text: '失去客户联系测试' }, senders: { userids: [employee.userid] }, audience: {} });
    const tasksBefore = env.sim.state.groupMsgIndex.size;
    env.sim.actions.updateEmployee({ userid: employee.userid, customerContact: false });
    await env.syncOrg();
    try {
      const message = `${employee.name}没有客户联系权限：请在企业微信管理后台「客户联系 → 权限配置」中添加，再同步企微员工`;
      const body = { name: '无客户联系', content: { text: 'x' }, senders: { userids: [employee.userid] }, audience: {} };
      for (const kind of ['customer', 'moment'] as const) {
        const refused = await admin.post(`/scrm/admin/broadcast/${kind}/save`, body);
        assert.equal(refused.status, 400, JSON.stringify(refused.body));
        assert.equal(refused.body.msg, message);
        assert.deepEqual(refused.body.date.fields, [{ field: 'senders.userids', message }]);
      }
      const english = await admin.post('/scrm/admin/broadcast/customer/save', body, { 'accept-language': 'en' });
      assert.equal(english.status, 400);
      assert.match(english.body.msg, new RegExp(`^${employee.name} has no customer-contact permission`));
      // The draft saved while they had it: refused at send, still a draft, nothing in WeCom.
      const sent = await admin.post('/scrm/admin/broadcast/customer/send', { id: draft.id });
      assert.equal(sent.status, 400, JSON.stringify(sent.body));
      assert.deepEqual(sent.body.date.fields.map((f: { field: string }) => f.field), ['senders.userids']);
      assert.equal((await getBroadcast(admin, 'customer', draft.id)).status, 'draft');
      assert.equal(env.sim.state.groupMsgIndex.size, tasksBefore, 'no WeCom task was made');
      assert.equal(simMessages(env, '失去客户联系测试').length, 0);
    } finally {
      env.sim.actions.updateEmployee({ userid: employee.userid, customerContact: true });
      await env.syncOrg();
    }
  });

  it('group broadcasts respect data scope: a self-scope creator cannot target another owner\'s group or the owner, nor reach the admin\'s broadcast; nothing sent', async () => {
    const groups = (await ok(admin.post('/scrm/admin/group/page', { pageSize: 50 }))).records.filter((g: { dismissed: boolean; ownerDeparted: boolean; owner: string }) => !g.dismissed && !g.ownerDeparted && env.sim.state.employees.get(g.owner)?.customerContact);
    const target = groups[0];
    assert.ok(target, 'a live group');
    // (senders[0] is bound to the other self-scope user already.)
    const mine = senders.slice(1).find((userid) => userid !== target.owner)!;
    const dept = await department(admin, '群群发部');
    const owner = await scopedUser(env, admin, {
      username: 'bcast_group_self',
      perms: ['broadcast:group:list', 'broadcast:group:query', 'broadcast:group:save', 'broadcast:group:send'],
      dataScope: 5,
      deptId: dept,
      qwUserid: mine,
    });
    const tasksBefore = env.sim.state.groupMsgIndex.size;
    const base = { name: '越权群群发', content: { text: '越权群群发测试' } };
    const chosen = await owner.post('/scrm/admin/broadcast/group/save', { ...base, audience: { chatIds: [target.chatId] } });
    assert.equal(chosen.status, 400, JSON.stringify(chosen.body));
    assert.deepEqual(chosen.body.date.fields.map((f: { field: string }) => f.field), ['audience.chatIds']);
    assert.match(chosen.body.msg, /不在你的数据权限范围内/);
    const byOwner = await owner.post('/scrm/admin/broadcast/group/save', { ...base, audience: { ownerUserids: [target.owner] } });
    assert.equal(byOwner.status, 400, JSON.stringify(byOwner.body));
    assert.deepEqual(byOwner.body.date.fields.map((f: { field: string }) => f.field), ['audience.ownerUserids']);
    // The admin's draft to that group is not theirs to preview or send.
    const adminsDraft = await saveBroadcast(admin, 'group', { ...base, name: '管理员的群群发', audience: { chatIds: [target.chatId] } });
    await fails(owner.post('/scrm/admin/broadcast/group/send', { id: adminsDraft.id }), 404);
    await fails(owner.post('/scrm/admin/broadcast/group/preview', { id: adminsDraft.id }), 404);
    assert.equal((await getBroadcast(admin, 'group', adminsDraft.id)).status, 'draft');
    assert.equal(env.sim.state.groupMsgIndex.size, tasksBefore, 'no WeCom task was made');
    assert.equal(simMessages(env, '越权群群发测试').length, 0);
  });
});
