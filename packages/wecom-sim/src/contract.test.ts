// Client ↔ simulator contract: every WecomClient method against the simulator, asserting the answers
// match the simulator's state (so a field renamed on either side breaks here).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WecomApiError, WecomClient, createConfigSignature } from '@scrm/wecom';
import { createManualClock } from './clock.ts';
import type { Employee } from './model.ts';
import { createWecomSimulator, type WecomSimulator } from './simulator.ts';

const DAY = 86_400;
/** 2026-06-15 12:00 +08:00: after the generated history (which ends 2026-01-01) and inside the 180-day windows. */
const START_MS = Date.UTC(2026, 5, 15, 4);

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

async function rejectsWith(promise: Promise<unknown>, errcode: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof WecomApiError && error.errcode === errcode);
}

describe('WecomClient ↔ simulator contract', () => {
  const clock = createManualClock(START_MS);
  let sim: WecomSimulator;
  let client: WecomClient;
  let employees: Employee[];
  const nowSeconds = () => Math.floor(clock.now() / 1000);

  before(async () => {
    sim = createWecomSimulator({ seed: 'contract', clock, settleIntervalMs: 0, transfers: { delaySeconds: 120 } });
    const baseUrl = await sim.listen();
    const { corpId, secret, agentId } = sim.credentials();
    client = new WecomClient({ corpId, secret, agentId, baseUrl });
    employees = [...sim.state.employees.values()].filter((employee) => employee.customerContact && employee.resignedAt === undefined && employee.status === 1);
  });
  after(() => sim.close());

  describe('contacts', () => {
    it('department list, simplelist and get', async () => {
      const listed = await client.contacts.listDepartments();
      assert.deepEqual(listed.department.map((department) => department.id), [...sim.state.departments.keys()]);
      const sales = sim.state.departments.get(2)!;
      assert.deepEqual(listed.department.find((department) => department.id === 2), { ...sales });
      const subtree = await client.contacts.listDepartmentsSimple(2);
      assert.deepEqual(subtree.department_id.map((department) => department.id).sort(), sim.state.departmentSubtree(2).sort());
      assert.equal((await client.contacts.getDepartment(2)).department.name, sales.name);
      await rejectsWith(client.contacts.getDepartment(999), 60123);
    });

    it('user list, simplelist, get', async () => {
      const department = employees[0].main_department;
      const members = [...sim.state.employees.values()].filter((employee) => employee.resignedAt === undefined && employee.department.includes(department));
      const listed = await client.contacts.listUsers(department);
      assert.deepEqual(listed.userlist.map((user) => user.userid), members.map((member) => member.userid));
      assert.equal(listed.userlist[0].gender, members[0].gender, 'gender is a string');
      const simple = await client.contacts.listUsersSimple(1, { fetchChild: true });
      assert.equal(simple.userlist.length, [...sim.state.employees.values()].filter((employee) => employee.resignedAt === undefined).length);
      const user = await client.contacts.getUser(employees[0].userid);
      assert.equal(user.name, employees[0].name);
      assert.equal(user.mobile, employees[0].mobile);
      assert.deepEqual(user.department, employees[0].department);
      await rejectsWith(client.contacts.getUser('nobody'), 60111);
    });

    it('user/list_id with the contact-sync secret, iterated', async () => {
      const { corpId, contactSyncSecret } = sim.credentials();
      const syncClient = new WecomClient({ corpId, secret: contactSyncSecret, baseUrl: sim.url });
      const pages = await collect(syncClient.contacts.iterateUserIds(4));
      assert.ok(pages.length > 5);
      const rows = pages.flatMap((page) => page.dept_user);
      const expected = [...sim.state.employees.values()].filter((employee) => employee.resignedAt === undefined).reduce((total, employee) => total + employee.department.length, 0);
      assert.equal(rows.length, expected);
      const first = await syncClient.contacts.listUserIds({ limit: 3 });
      assert.equal(first.dept_user.length, 3);
      await rejectsWith(client.contacts.listUserIds(), 48002);
    });
  });

  describe('external contacts', () => {
    it('follow users, list, get, get with all follow users', async () => {
      const follow = await client.externalContact.getFollowUserList();
      assert.deepEqual(follow.follow_user, [...sim.state.employees.values()].filter((employee) => employee.customerContact && employee.resignedAt === undefined).map((employee) => employee.userid));
      const userid = employees[0].userid;
      const listed = await client.externalContact.list(userid);
      assert.deepEqual(listed.external_userid, sim.state.relationList(userid).map((relation) => relation.external_userid));
      const externalUserId = listed.external_userid[0];
      const customer = await client.externalContact.get(externalUserId);
      assert.equal(customer.external_contact.name, sim.state.customers.get(externalUserId)!.name);
      assert.deepEqual(customer.follow_user.map((entry) => entry.userid).sort(), sim.state.customerRelations(externalUserId).map((relation) => relation.userid).sort());
      const all = await client.externalContact.getWithAllFollowUsers(externalUserId);
      assert.equal(all.follow_user.length, customer.follow_user.length);
      await rejectsWith(client.externalContact.get('wmXXXXXXXXXXXXXXXXXXXXXXXXXXAAAA'), 84061);
    });

    it('getWithAllFollowUsers follows next_cursor past 500 follow users', async () => {
      const customer = sim.actions.addCustomer({ userid: employees[0].userid });
      const base = sim.state.relation(employees[0].userid, customer.external_userid)!;
      // WeCom pages follow_user by 500; give one customer 620 follow relations.
      for (let index = 0; index < 620; index++) sim.state.addRelation({ ...base, userid: `bulk_${index}`, tag_ids: [] });
      const first = await client.externalContact.get(customer.external_userid);
      assert.equal(first.follow_user.length, 500);
      assert.ok(first.next_cursor);
      const all = await client.externalContact.getWithAllFollowUsers(customer.external_userid);
      assert.equal(all.follow_user.length, 621);
      for (let index = 0; index < 620; index++) sim.state.removeRelation(`bulk_${index}`, customer.external_userid);
    });

    it('batch/get_by_user, one page and iterated over every follow user', async () => {
      const userids = employees.map((employee) => employee.userid);
      const page = await client.externalContact.batchGetByUser({ userid_list: userids.slice(0, 2), limit: 10 });
      assert.equal(page.external_contact_list.length, 10);
      const first = page.external_contact_list[0];
      const relation = sim.state.relation(first.follow_info.userid, first.external_contact.external_userid)!;
      assert.deepEqual(first.follow_info.tag_id, relation.tag_ids);
      assert.equal(first.follow_info.createtime, relation.createtime);
      const pages = await collect(client.externalContact.iterateBatchByUser(userids, { limit: 100 }));
      const total = pages.reduce((sum, current) => sum + current.external_contact_list.length, 0);
      assert.equal(total, userids.reduce((sum, userid) => sum + sim.state.relationList(userid).length, 0));
    });

    it('remark', async () => {
      const relation = sim.state.relationList(employees[1].userid)[0];
      await client.externalContact.remark({ userid: relation.userid, external_userid: relation.external_userid, remark: '张总', description: '年度大客户', remark_mobiles: ['13900000000'] });
      assert.equal(relation.remark, '张总');
      assert.equal(relation.description, '年度大客户');
      assert.deepEqual(relation.remark_mobiles, ['13900000000']);
      await rejectsWith(client.externalContact.remark({ userid: relation.userid, external_userid: relation.external_userid, remark: '这是一个超过二十个字的备注内容这是一个超过二十' }), 40058);
    });
  });

  describe('corp tags', () => {
    it('list, add, edit, mark, delete', async () => {
      const listed = await client.corpTags.list();
      assert.equal(listed.tag_group.length, sim.state.tagGroups.size);
      const added = await client.corpTags.add({ group_name: '合同状态', tag: [{ name: '已签约', order: 2 }, { name: '待续约', order: 1 }] });
      assert.match(added.tag_group.group_id, /^et/);
      assert.deepEqual(added.tag_group.tag.map((tag) => tag.name), ['已签约', '待续约']);
      const [signed, renewing] = added.tag_group.tag;
      await client.corpTags.edit({ id: signed.id, name: '已签署' });
      const byTag = await client.corpTags.list({ tag_id: [signed.id] });
      assert.deepEqual(byTag.tag_group[0].tag.map((tag) => tag.name), ['已签署']);
      await rejectsWith(client.corpTags.add({ group_id: added.tag_group.group_id, tag: [{ name: '待续约' }] }), 40071);
      const relation = sim.state.relationList(employees[0].userid)[0];
      await client.corpTags.mark({ userid: relation.userid, external_userid: relation.external_userid, add_tag: [signed.id, renewing.id] });
      assert.ok(relation.tag_ids.includes(signed.id) && relation.tag_ids.includes(renewing.id));
      await client.corpTags.mark({ userid: relation.userid, external_userid: relation.external_userid, remove_tag: [renewing.id] });
      assert.ok(!relation.tag_ids.includes(renewing.id));
      await client.corpTags.delete({ group_id: [added.tag_group.group_id] });
      assert.ok(!relation.tag_ids.includes(signed.id), 'deleting a tag removes it from customers');
      await rejectsWith(client.corpTags.edit({ id: signed.id, name: 'x' }), 40068);
    });
  });

  describe('contact ways', () => {
    it('add, get, list, iterate, update, delete, close temp chat', async () => {
      const added = await client.contactWays.add({ type: 2, scene: 2, remark: '门店海报', state: 'store_a', user: [employees[0].userid, employees[1].userid], skip_verify: true });
      assert.match(added.config_id, /^[0-9a-f]{32}$/);
      assert.ok(added.qr_code?.startsWith('https://'));
      const got = await client.contactWays.get(added.config_id);
      assert.equal(got.contact_way.state, 'store_a');
      assert.deepEqual(got.contact_way.user, [employees[0].userid, employees[1].userid]);
      await client.contactWays.update({ config_id: added.config_id, state: 'store_b', user: [employees[2].userid] });
      assert.equal((await client.contactWays.get(added.config_id)).contact_way.state, 'store_b');
      // The default window is the last 90 days: only the new way; a wider window also has the generated ones.
      assert.deepEqual((await client.contactWays.list()).contact_way, [{ config_id: added.config_id }]);
      const listed = await client.contactWays.list({ start_time: nowSeconds() - 365 * DAY, limit: 2 });
      assert.equal(listed.contact_way.length, 2);
      const pages = await collect(client.contactWays.iterate({ start_time: nowSeconds() - 365 * DAY, limit: 2 }));
      assert.equal(pages.length, Math.ceil(sim.state.contactWays.size / 2));
      const configIds = pages.flatMap((page) => page.contact_way.map((way) => way.config_id));
      assert.ok(configIds.includes(added.config_id));
      const scanned = sim.actions.scanContactWay({ config_id: added.config_id });
      assert.equal(scanned.userid, employees[2].userid);
      assert.equal(sim.state.relation(scanned.userid, scanned.external_userid)?.state, 'store_b');
      await client.contactWays.closeTempChat({ userid: scanned.userid, external_userid: scanned.external_userid });
      await client.contactWays.delete(added.config_id);
      await rejectsWith(client.contactWays.get(added.config_id), 40058);
      await rejectsWith(client.contactWays.add({ type: 1, scene: 2, user: [employees[0].userid, employees[1].userid] }), 40058);
    });
  });

  describe('acquisition links', () => {
    it('create, get, update, list, iterate, customers, quota, statistic, delete', async () => {
      const created = await client.acquisition.createLink({ link_name: '春季投放', range: { user_list: [employees[0].userid], department_list: [] }, skip_verify: true });
      const linkId = created.link.link_id;
      assert.equal(created.link.url, `https://work.weixin.qq.com/ca/${linkId}`);
      await client.acquisition.updateLink({ link_id: linkId, range: { user_list: [employees[1].userid], department_list: [] }, priority_option: { priority_type: 2, priority_userid_list: [employees[1].userid] } });
      const got = await client.acquisition.getLink(linkId);
      assert.equal(got.link.link_name, '春季投放');
      assert.deepEqual(got.range.user_list, [employees[1].userid]);
      assert.equal(got.priority_option?.priority_type, 2);
      const listed = await client.acquisition.listLinks({ limit: 1 });
      assert.equal(listed.link_id_list.length, 1);
      const all = (await collect(client.acquisition.iterateLinks(1))).flatMap((page) => page.link_id_list);
      assert.ok(all.includes(linkId));
      const before = (await client.acquisition.getQuota()).balance;
      const opened = [
        sim.actions.openAcquisitionLink({ url: `${created.link.url}?customer_channel=douyin` }),
        sim.actions.openAcquisitionLink({ link_id: linkId, customer_channel: 'xhs' }),
      ];
      const customers = await client.acquisition.listCustomers({ link_id: linkId, limit: 1 });
      assert.equal(customers.customer_list.length, 1);
      assert.ok(customers.next_cursor);
      const everyone = (await collect(client.acquisition.iterateCustomers(linkId, 1))).flatMap((page) => page.customer_list);
      assert.deepEqual(everyone.map((customer) => [customer.external_userid, customer.userid, customer.state]), opened.map((result) => [result.external_userid, employees[1].userid, result.state]));
      const quota = await client.acquisition.getQuota();
      assert.equal(quota.balance, before - 2);
      const statistic = await client.acquisition.getStatistic({ link_id: linkId, start_time: nowSeconds() - DAY, end_time: nowSeconds() + 1 });
      assert.deepEqual([statistic.click_link_customer_cnt, statistic.new_customer_cnt], [2, 2]);
      await client.acquisition.deleteLink(linkId);
      await rejectsWith(client.acquisition.getLink(linkId), 40058);
    });
  });

  describe('group chats and join ways', () => {
    it('list, iterate, get', async () => {
      const owner = employees[0].userid;
      const listed = await client.groupChats.list({ limit: 5, owner_filter: { userid_list: [owner] } });
      const expected = [...sim.state.groupChats.values()].filter((chat) => !chat.dismissed && chat.owner === owner).map((chat) => chat.chat_id);
      assert.deepEqual(listed.group_chat_list.map((chat) => chat.chat_id), expected.slice(0, 5));
      const all = (await collect(client.groupChats.iterate({ limit: 7 }))).flatMap((page) => page.group_chat_list);
      assert.equal(all.length, [...sim.state.groupChats.values()].filter((chat) => !chat.dismissed).length);
      const chat = sim.state.groupChats.get(all[0].chat_id)!;
      const got = await client.groupChats.get(chat.chat_id, true);
      assert.equal(got.group_chat.owner, chat.owner);
      assert.equal(got.group_chat.member_version, chat.member_version);
      assert.equal(got.group_chat.member_list.length, chat.member_list.length);
      assert.equal(got.group_chat.member_list[0].name, chat.member_list[0].name);
      const withoutNames = await client.groupChats.get(chat.chat_id);
      assert.equal(withoutNames.group_chat.member_list[0].name, undefined, 'names only with need_name');
      await rejectsWith(client.groupChats.get('wrNOPE'), 86003);
    });

    it('join ways: add, get, update (overwrite), delete', async () => {
      const chatIds = [...sim.state.groupChats.keys()].slice(0, 2);
      const added = await client.joinWays.add({ scene: 2, remark: '展会入群', chat_id_list: chatIds, state: 'expo_2026', auto_create_room: 1, room_base_name: '展会客户群', room_base_id: 1 });
      const got = await client.joinWays.get(added.config_id);
      assert.deepEqual(got.join_way.chat_id_list, chatIds);
      assert.equal(got.join_way.state, 'expo_2026');
      assert.ok(got.join_way.qr_code);
      await client.joinWays.update({ config_id: added.config_id, scene: 2, chat_id_list: [chatIds[0]] });
      const updated = await client.joinWays.get(added.config_id);
      assert.deepEqual(updated.join_way.chat_id_list, [chatIds[0]]);
      assert.equal(updated.join_way.state, '', 'update overwrites: fields left out are cleared');
      await client.joinWays.delete(added.config_id);
      await rejectsWith(client.joinWays.get(added.config_id), 40058);
    });
  });

  describe('transfers', () => {
    it('on-the-job customer transfer: waiting, then done after the delay', async () => {
      const [handover, takeover] = [employees[2], employees[3]];
      const externalUserIds = sim.state.relationList(handover.userid).map((relation) => relation.external_userid).filter((id) => !sim.state.relation(takeover.userid, id)).slice(0, 3);
      const response = await client.transfers.transferCustomers({ handover_userid: handover.userid, takeover_userid: takeover.userid, external_userid: externalUserIds, transfer_success_msg: '您好，后续由我的同事为您服务' });
      assert.deepEqual(response.customer, externalUserIds.map((id) => ({ external_userid: id, errcode: 0 })));
      const waiting = await client.transfers.getTransferResult({ handover_userid: handover.userid, takeover_userid: takeover.userid });
      assert.deepEqual(waiting.customer.map((entry) => entry.status), [2, 2, 2]);
      clock.advance(121_000);
      const pages = await collect(client.transfers.iterateTransferResult(handover.userid, takeover.userid));
      assert.deepEqual(pages.flatMap((page) => page.customer.map((entry) => entry.status)), [1, 1, 1]);
      for (const id of externalUserIds) assert.ok(sim.state.relation(takeover.userid, id));
    });

    it('resigned customer and group transfers', async () => {
      const resigned = [...sim.state.employees.values()].find((employee) => employee.resignedAt !== undefined && sim.state.relationList(employee.userid).length > 0)!;
      const takeover = employees[4];
      await rejectsWith(client.transfers.transferResignedCustomers({ handover_userid: employees[0].userid, takeover_userid: takeover.userid, external_userid: ['wmAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'] }), 40097);
      const ids = sim.state.relationList(resigned.userid).map((relation) => relation.external_userid).filter((id) => !sim.state.relation(takeover.userid, id)).slice(0, 2);
      const response = await client.transfers.transferResignedCustomers({ handover_userid: resigned.userid, takeover_userid: takeover.userid, external_userid: ids });
      assert.deepEqual(response.customer.map((entry) => entry.errcode), [0, 0]);
      assert.deepEqual((await client.transfers.getResignedTransferResult({ handover_userid: resigned.userid, takeover_userid: takeover.userid })).customer.map((entry) => entry.status), [2, 2]);
      clock.advance(121_000);
      const done = (await collect(client.transfers.iterateResignedTransferResult(resigned.userid, takeover.userid))).flatMap((page) => page.customer);
      assert.deepEqual(done.map((entry) => entry.status), [1, 1]);

      const orphaned = [...sim.state.groupChats.values()].filter((chat) => chat.status === 1 && !chat.dismissed).map((chat) => chat.chat_id);
      const healthy = [...sim.state.groupChats.values()].find((chat) => chat.status === 0 && !chat.dismissed)!;
      const groups = await client.transfers.transferGroupChats({ chat_id_list: [...orphaned, healthy.chat_id], new_owner: takeover.userid });
      assert.deepEqual(groups.failed_chat_list.map((entry) => [entry.chat_id, entry.errcode]), [[healthy.chat_id, 90500]]);
      for (const chatId of orphaned) assert.equal(sim.state.groupChats.get(chatId)?.owner, takeover.userid);
      const onJob = await client.transfers.transferOnJobGroupChats({ chat_id_list: [healthy.chat_id], new_owner: takeover.userid });
      assert.deepEqual(onJob.failed_chat_list, []);
      assert.equal(sim.state.groupChats.get(healthy.chat_id)?.owner, takeover.userid);
    });
  });

  describe('media, welcome message', () => {
    it('upload (created_at string), uploadimg, send_welcome_msg with attachments', async () => {
      const uploaded = await client.media.upload('image', { filename: 'poster.png', data: new Uint8Array(4096).fill(7) });
      assert.equal(typeof uploaded.created_at, 'string');
      assert.equal(uploaded.type, 'image');
      assert.ok(sim.state.media.has(uploaded.media_id));
      await rejectsWith(client.media.upload('voice', { filename: 'hello.mp3', data: new Uint8Array(100) }), 40004);
      const image = await client.media.uploadImage({ filename: 'banner.jpg', data: new Uint8Array(2048).fill(3) });
      assert.match(image.url, /^https:\/\/p\.qpic\.cn\/pic_wework\//);
      const scanned = sim.actions.scanContactWay({ config_id: [...sim.state.contactWays.keys()][0] });
      await client.welcome.send({
        welcome_code: scanned.welcome_code!,
        text: { content: '欢迎！' },
        attachments: [
          { msgtype: 'image', image: { media_id: uploaded.media_id } },
          { msgtype: 'image', image: { pic_url: image.url } },
          { msgtype: 'link', link: { title: '产品手册', url: 'https://example.com/manual', picurl: image.url, desc: '最新版' } },
        ],
      });
      const sent = sim.state.welcomeMessages.at(-1)!;
      assert.equal(sent.external_userid, scanned.external_userid);
      assert.equal(sent.attachments.length, 3);
      await rejectsWith(client.welcome.send({ welcome_code: scanned.welcome_code!, text: { content: '再来一次' } }), 41051);
    });
  });

  describe('statistics and tickets', () => {
    it('user behavior data: new contacts counted from the state', async () => {
      const day = Math.floor((nowSeconds() + 8 * 3600) / DAY) * DAY - 8 * 3600;
      const userid = employees[5].userid;
      sim.actions.addCustomer({ userid });
      sim.actions.addCustomer({ userid });
      const data = await client.statistics.getUserBehaviorData({ userid: [userid], start_time: day - 2 * DAY, end_time: day });
      assert.deepEqual(data.behavior_data.map((entry) => entry.stat_time), [day - 2 * DAY, day - DAY, day]);
      assert.equal(data.behavior_data[2].new_contact_cnt, 2);
      await rejectsWith(client.statistics.getUserBehaviorData({ userid: [userid], start_time: day - 40 * DAY, end_time: day }), 40058);
      await rejectsWith(client.statistics.getUserBehaviorData({ start_time: day - DAY, end_time: day }), 40058);
    });

    it('group chat statistic by owner (offset-paged) and by day', async () => {
      const yesterday = Math.floor((nowSeconds() + 8 * 3600) / DAY) * DAY - 8 * 3600 - DAY;
      const owner = employees[0].userid;
      const chat = sim.actions.createGroupChat({ owner, name: '统计测试群' });
      sim.actions.joinGroupChat({ chat_id: chat.chat_id, members: [...sim.state.customers.keys()].slice(0, 3) });
      // Yesterday from the next day's point of view.
      clock.advance(DAY * 1000);
      const page = await client.statistics.getGroupChatStatistic({ day_begin_time: yesterday + DAY, owner_filter: { userid_list: [owner] }, order_by: 2, limit: 10 });
      assert.equal(page.total, 1);
      assert.equal(page.items[0].owner, owner);
      assert.equal(page.items[0].data.new_chat_cnt, 1);
      assert.equal(page.items[0].data.new_member_cnt, 4);
      const pages = await collect(client.statistics.iterateGroupChatStatistic({ day_begin_time: yesterday + DAY, limit: 3 }));
      const owners = new Set([...sim.state.groupChats.values()].filter((candidate) => !candidate.dismissed).map((candidate) => candidate.owner));
      assert.equal(pages.flatMap((current) => current.items).length, owners.size);
      const byDay = await client.statistics.getGroupChatStatisticByDay({ day_begin_time: yesterday, day_end_time: yesterday + DAY, owner_filter: { userid_list: [owner] } });
      assert.deepEqual(byDay.items.map((item) => item.stat_time), [yesterday, yesterday + DAY]);
      assert.equal(byDay.items[1].data.new_chat_cnt, 1);
    });

    it('jsapi and agent tickets, cached, and signatures over them', async () => {
      const ticket = await client.tickets.getJsapiTicket();
      assert.equal(await client.tickets.getJsapiTicket(), ticket, 'cached by the client');
      const agentTicket = await client.tickets.getAgentTicket();
      assert.notEqual(agentTicket, ticket);
      const config = await client.tickets.getConfigSignature('https://scrm.example.com/h5?x=1');
      assert.equal(config.signature, createConfigSignature({ corpId: sim.credentials().corpId, ticket, url: 'https://scrm.example.com/h5?x=1', nonceStr: config.nonceStr, timestamp: config.timestamp }).signature);
      const agentConfig = await client.tickets.getAgentConfigSignature('https://scrm.example.com/h5');
      assert.equal(String(agentConfig.agentid), String(sim.credentials().agentId));
    });
  });
});
