import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseCallbackEvent, type WecomEvent } from '@scrm/wecom';
import { createWecomSimulator, type WecomSimulator } from './simulator.ts';
import { startCallbackReceiver, type CallbackReceiver, type ReceiverBehaviour } from './test-support.ts';

/** Runs an action and returns the events the receiver got for it. */
async function eventsOf(sim: WecomSimulator, receiver: CallbackReceiver, action: () => unknown): Promise<WecomEvent[]> {
  const before = receiver.events.length;
  await action();
  await sim.flushDeliveries();
  return receiver.events.slice(before);
}

describe('callbacks: every action sends the encrypted, signed event WeCom would send', () => {
  let sim: WecomSimulator;
  let receiver: CallbackReceiver;

  before(async () => {
    sim = createWecomSimulator({ seed: 'callbacks', settleIntervalMs: 0, delivery: { retryDelayMs: 10 }, transfers: { delaySeconds: 0 } });
    await sim.listen();
    receiver = await startCallbackReceiver(sim);
    sim.setCallbackUrl(receiver.url);
  });
  after(async () => {
    await sim.close();
    await receiver.close();
  });

  const contactEmployees = () => [...sim.state.employees.values()].filter((employee) => employee.customerContact && employee.resignedAt === undefined && employee.status === 1);

  it('verifies the callback URL with an echostr round trip', async () => {
    const result = await sim.verifyCallbackUrl();
    assert.equal(result.ok, true);
    assert.equal(result.response, result.expected);
  });

  it('scanning a contact way: add_external_contact with the way state and a welcome code', async () => {
    const way = [...sim.state.contactWays.values()].find((candidate) => candidate.type === 2)!;
    let result: ReturnType<typeof sim.actions.scanContactWay> | undefined;
    const events = await eventsOf(sim, receiver, () => (result = sim.actions.scanContactWay({ config_id: way.config_id })));
    assert.equal(events.length, 1);
    const [event] = events;
    assert.equal(event.kind, 'change_external_contact');
    assert.ok(event.kind === 'change_external_contact');
    assert.equal(event.changeType, 'add_external_contact');
    assert.equal(event.userId, result!.userid);
    assert.equal(event.externalUserId, result!.external_userid);
    assert.equal(event.state, way.state);
    assert.equal(event.welcomeCode, result!.welcome_code);
    assert.equal(event.toUserName, sim.credentials().corpId);
    assert.ok(way.user.includes(result!.userid));
    assert.equal(sim.state.relation(result!.userid, result!.external_userid)?.add_way, 1);
    // Round-robin: the next scan goes to the next employee of the way.
    const next = sim.actions.scanContactWay({ config_id: way.config_id });
    assert.notEqual(next.userid, result!.userid);
    await sim.flushDeliveries();
  });

  it('opening an acquisition link: customer_channel becomes State; priority goes to an existing friend', async () => {
    const [first, second, third] = contactEmployees();
    const link = sim.state.acquisitionLinks.values().next().value!;
    link.range = { user_list: [first.userid, second.userid], department_list: [] };
    link.priority_option = { priority_type: 1, priority_userid_list: [] };
    link.skip_verify = false;
    const customer = sim.actions.addCustomer({ userid: third.userid });
    await sim.flushDeliveries();
    let routed: ReturnType<typeof sim.actions.openAcquisitionLink> | undefined;
    const events = await eventsOf(sim, receiver, () => (routed = sim.actions.openAcquisitionLink({ url: `${link.url}?customer_channel=spring_sale`, external_userid: customer.external_userid })));
    assert.equal(routed!.userid, third.userid);
    assert.equal(routed!.added, false);
    // Already a friend of `third` (whole-corp priority): no new relation, only the friend request event.
    assert.deepEqual(events.map((event) => `${event.kind}/${event.changeType}`), ['customer_acquisition/friend_request']);
    assert.ok(events[0].kind === 'customer_acquisition');
    assert.equal(events[0].linkId, link.link_id);
    assert.equal(events[0].state, 'spring_sale');

    link.skip_verify = true;
    link.priority_option = undefined;
    let opened: ReturnType<typeof sim.actions.openAcquisitionLink> | undefined;
    const added = await eventsOf(sim, receiver, () => (opened = sim.actions.openAcquisitionLink({ link_id: link.link_id, customer_channel: 'x'.repeat(80) })));
    assert.equal(added.length, 1);
    assert.ok(added[0].kind === 'change_external_contact');
    assert.equal(added[0].changeType, 'add_external_contact');
    assert.equal(added[0].state, 'x'.repeat(64), 'customer_channel is truncated to 64 bytes');
    assert.ok([first.userid, second.userid].includes(opened!.userid));
    assert.equal(sim.state.relation(opened!.userid, opened!.external_userid)?.add_way, 16);
    assert.equal(link.customers.at(-1)?.state, 'x'.repeat(64));
  });

  it('deleting either way: del_follow_user and del_external_contact', async () => {
    const [employee] = contactEmployees();
    const one = sim.actions.addCustomer({ userid: employee.userid });
    const two = sim.actions.addCustomer({ userid: employee.userid });
    await sim.flushDeliveries();
    const events = await eventsOf(sim, receiver, () => {
      sim.actions.customerDeletesEmployee({ userid: employee.userid, external_userid: one.external_userid });
      sim.actions.employeeDeletesCustomer({ userid: employee.userid, external_userid: two.external_userid });
    });
    assert.deepEqual(
      events.map((event) => (event.kind === 'change_external_contact' ? [event.changeType, event.externalUserId] : [])),
      [
        ['del_follow_user', one.external_userid],
        ['del_external_contact', two.external_userid],
      ],
    );
    assert.equal(sim.state.relation(employee.userid, one.external_userid), undefined);
  });

  it('editing in the app: edit_external_contact for remark or tags, nothing for remark mobiles alone', async () => {
    const [employee] = contactEmployees();
    const customer = sim.actions.addCustomer({ userid: employee.userid });
    await sim.flushDeliveries();
    const tag = [...sim.state.tagIndex.keys()][0];
    const edits = await eventsOf(sim, receiver, () => {
      sim.actions.editCustomer({ userid: employee.userid, external_userid: customer.external_userid, remark: '王总', add_tags: [tag] });
      sim.actions.editCustomer({ userid: employee.userid, external_userid: customer.external_userid, remark_mobiles: ['13800000000'] });
    });
    assert.equal(edits.length, 1);
    assert.ok(edits[0].kind === 'change_external_contact');
    assert.equal(edits[0].changeType, 'edit_external_contact');
    assert.deepEqual(sim.state.relation(employee.userid, customer.external_userid)?.tag_ids, [tag]);
  });

  it('corp tags in the admin console: change_external_tag create, update, delete, shuffle', async () => {
    let created: { group_id: string; tag_ids: string[] } | undefined;
    const events = await eventsOf(sim, receiver, () => {
      created = sim.actions.createCorpTags({ group_name: '会员等级', tags: [{ name: '金卡' }, { name: '银卡' }] });
      const more = sim.actions.createCorpTags({ group_id: created.group_id, tags: [{ name: '铜卡' }] });
      sim.actions.editCorpTag({ id: created.tag_ids[0], name: '黑金卡' });
      sim.actions.editCorpTag({ id: created.group_id, name: '会员卡等级' });
      sim.actions.shuffleCorpTags({ group_id: created.group_id });
      sim.actions.deleteCorpTags({ tag_id: more.tag_ids });
      sim.actions.deleteCorpTags({ group_id: [created.group_id] });
    });
    const summary = events.map((event) => (event.kind === 'change_external_tag' ? `${event.changeType}:${event.tagType ?? '-'}` : event.kind));
    assert.deepEqual(summary, ['create:tag_group', 'create:tag', 'update:tag', 'update:tag_group', 'shuffle:-', 'delete:tag', 'delete:tag_group']);
    assert.ok(events[0].kind === 'change_external_tag' && events[0].id === created!.group_id);
    assert.equal(sim.state.tagGroups.has(created!.group_id), false);
  });

  it('groups: create, rename, notice, owner, member join and quit with versions, dismiss', async () => {
    const [owner, colleague] = contactEmployees();
    const customers = [...sim.state.customers.keys()].slice(0, 3);
    let chatId = '';
    const events = await eventsOf(sim, receiver, () => {
      chatId = sim.actions.createGroupChat({ owner: owner.userid, name: '新品体验群', members: [colleague.userid] }).chat_id;
      sim.actions.renameGroupChat({ chat_id: chatId, name: '新品体验1群' });
      sim.actions.changeGroupNotice({ chat_id: chatId, notice: '欢迎' });
      sim.actions.joinGroupChat({ chat_id: chatId, members: customers.slice(0, 2), join_scene: 3, state: 'qr_expo' });
      sim.actions.quitGroupChat({ chat_id: chatId, members: [customers[0]], quit_scene: 1 });
      sim.actions.changeGroupOwner({ chat_id: chatId, new_owner: colleague.userid });
      sim.actions.dismissGroupChat({ chat_id: chatId });
    });
    const chatEvents = events.filter((event) => event.kind === 'change_external_chat');
    assert.equal(chatEvents.length, 7);
    assert.deepEqual(chatEvents.map((event) => event.updateDetail ?? event.changeType), ['create', 'change_name', 'change_notice', 'add_member', 'del_member', 'change_owner', 'dismiss']);
    const join = chatEvents[3];
    assert.equal(join.joinScene, 3);
    assert.equal(join.memChangeCnt, 2);
    assert.deepEqual(join.memChangeList, customers.slice(0, 2));
    const quit = chatEvents[4];
    assert.equal(quit.quitScene, 1);
    assert.deepEqual(quit.memChangeList, [customers[0]]);
    assert.equal(quit.lastMemVer, join.curMemVer, 'versions chain from one change to the next');
    assert.notEqual(quit.curMemVer, quit.lastMemVer);
    const chat = sim.state.groupChats.get(chatId)!;
    assert.equal(chat.member_version, quit.curMemVer);
    assert.equal(chat.member_list.find((member) => member.userid === customers[1])?.state, 'qr_expo');
    assert.equal(chat.owner, colleague.userid);
    assert.equal(chat.dismissed, true);
  });

  it('join way QR: the customer joins a group with the way state', async () => {
    const way = sim.state.joinWays.values().next().value!;
    let joined: ReturnType<typeof sim.actions.scanJoinWay> | undefined;
    const events = await eventsOf(sim, receiver, () => (joined = sim.actions.scanJoinWay({ config_id: way.config_id })));
    const [event] = events;
    assert.ok(event.kind === 'change_external_chat');
    assert.equal(event.updateDetail, 'add_member');
    assert.equal(event.joinScene, 3);
    assert.deepEqual(event.memChangeList, [joined!.external_userid]);
    const member = sim.state.groupChats.get(joined!.chat_id)?.member_list.find((entry) => entry.userid === joined!.external_userid);
    assert.equal(member?.state, way.state);
  });

  it('contacts: employee created, updated, renamed, moved, deleted; department created, updated, deleted', async () => {
    let userid = '';
    let departmentId = 0;
    const events = await eventsOf(sim, receiver, () => {
      departmentId = sim.actions.createDepartment({ name: '直播运营部', parentid: 1, order: 5 }).id;
      userid = sim.actions.createEmployee({ userid: 'xiaoming', name: '小明', department: [departmentId], position: '主播' }).userid;
      sim.actions.updateEmployee({ userid, position: '金牌主播' });
      sim.actions.updateEmployee({ userid, new_userid: 'xiaoming01' });
      sim.actions.moveEmployee({ userid: 'xiaoming01', department: [2] });
      sim.actions.updateDepartment({ id: departmentId, name: '直播部' });
      sim.actions.deleteDepartment({ id: departmentId });
      sim.actions.deleteEmployee({ userid: 'xiaoming01' });
    });
    const contact = events.filter((event) => event.kind === 'change_contact');
    assert.deepEqual(contact.map((event) => event.changeType), ['create_party', 'create_user', 'update_user', 'update_user', 'update_user', 'update_party', 'delete_party', 'delete_user']);
    const [party, created, updated, renamed, moved] = contact;
    assert.ok(party.changeType === 'create_party' && party.id === departmentId && party.parentId === 1 && party.name === '直播运营部');
    assert.ok(created.changeType === 'create_user');
    assert.equal(created.userId, 'xiaoming');
    assert.deepEqual(created.department, [departmentId]);
    assert.ok(updated.changeType === 'update_user');
    assert.equal(updated.position, '金牌主播');
    assert.equal(updated.name, undefined, 'update_user carries only changed fields');
    assert.ok(renamed.changeType === 'update_user');
    assert.equal(renamed.userId, 'xiaoming');
    assert.equal(renamed.newUserId, 'xiaoming01');
    assert.ok(moved.changeType === 'update_user');
    assert.deepEqual(moved.department, [2]);
    assert.equal(sim.state.employees.get('xiaoming01')?.resignedAt !== undefined, true);
  });

  it('a userid rename rewrites relations, groups and channels', () => {
    const [employee] = contactEmployees();
    const relationCount = sim.state.relationList(employee.userid).length;
    const old = employee.userid;
    sim.actions.updateEmployee({ userid: old, new_userid: `${old}_new` });
    assert.equal(sim.state.relationList(`${old}_new`).length, relationCount);
    assert.equal(sim.state.relationList(old).length, 0);
    for (const chat of sim.state.groupChats.values()) assert.notEqual(chat.owner, old);
    for (const way of sim.state.contactWays.values()) assert.ok(!way.user.includes(old));
  });

  it('a transfer the customer refuses: transfer_fail with FailReason', async () => {
    const [handover, takeover] = contactEmployees();
    const customer = sim.actions.addCustomer({ userid: handover.userid });
    await sim.flushDeliveries();
    const token = await (await fetch(`${sim.url}/cgi-bin/gettoken?corpid=${sim.credentials().corpId}&corpsecret=${sim.credentials().secret}`)).json() as { access_token: string };
    await fetch(`${sim.url}/cgi-bin/externalcontact/transfer_customer?access_token=${token.access_token}`, {
      method: 'POST',
      body: JSON.stringify({ handover_userid: handover.userid, takeover_userid: takeover.userid, external_userid: [customer.external_userid] }),
    });
    sim.actions.refuseTransfer({ external_userid: customer.external_userid });
    const events = await eventsOf(sim, receiver, () => sim.settle());
    assert.equal(events.length, 1);
    assert.ok(events[0].kind === 'change_external_contact');
    assert.equal(events[0].changeType, 'transfer_fail');
    assert.equal(events[0].failReason, 'customer_refused');
    assert.equal(events[0].userId, takeover.userid);
    assert.ok(sim.state.relation(handover.userid, customer.external_userid), 'the customer stays with the handover member');
  });

  it('every delivery so far was delivered on the first attempt, nothing rejected by the receiver', () => {
    assert.equal(receiver.rejected, 0);
    for (const delivery of sim.deliveries) {
      assert.equal(delivery.status, 'delivered', `${delivery.changeType} ${delivery.status}`);
      assert.equal(delivery.attempts.length, 1);
    }
  });
});

describe('callback delivery retries', () => {
  async function deliverWith(behaviour: (request: number) => ReceiverBehaviour) {
    const sim = createWecomSimulator({ seed: 'retries', sizes: { customers: 20 }, settleIntervalMs: 0, delivery: { retryDelayMs: 5, timeoutMs: 200 } });
    const receiver = await startCallbackReceiver(sim, behaviour);
    sim.setCallbackUrl(receiver.url);
    const userid = [...sim.state.employees.values()].find((employee) => employee.customerContact && employee.resignedAt === undefined)!.userid;
    sim.actions.addCustomer({ userid });
    await sim.flushDeliveries();
    const delivery = sim.deliveries[0];
    await sim.close();
    await receiver.close();
    return { delivery, receiver };
  }

  it('retries until the receiver answers success', async () => {
    const { delivery, receiver } = await deliverWith((request) => (request < 3 ? (request === 1 ? 'fail' : 'error500') : 'success'));
    assert.equal(delivery.status, 'delivered');
    assert.equal(delivery.attempts.length, 3);
    assert.equal(delivery.attempts[0].response, 'not ok');
    assert.equal(delivery.attempts[1].httpStatus, 500);
    assert.equal(delivery.attempts[2].ok, true);
    assert.equal(receiver.events.length, 1);
  });

  it('accepts an empty answer as success', async () => {
    const { delivery } = await deliverWith(() => 'empty');
    assert.equal(delivery.status, 'delivered');
    assert.equal(delivery.attempts.length, 1);
  });

  it('gives up after 3 retries (4 attempts) when the receiver never answers in time', async () => {
    const { delivery, receiver } = await deliverWith(() => 'hang');
    assert.equal(delivery.status, 'failed');
    assert.equal(delivery.attempts.length, 4);
    assert.equal(receiver.requests, 4);
    for (const attempt of delivery.attempts) assert.match(attempt.error ?? '', /no answer within 200 ms/);
  });

  it('records events without a callback URL as skipped', async () => {
    const sim = createWecomSimulator({ seed: 'no-url', sizes: { customers: 10 }, settleIntervalMs: 0 });
    const userid = [...sim.state.employees.values()].find((employee) => employee.customerContact && employee.resignedAt === undefined)!.userid;
    sim.actions.addCustomer({ userid });
    await sim.flushDeliveries();
    assert.equal(sim.deliveries[0].status, 'skipped');
    assert.match(sim.deliveries[0].xml, /<ChangeType><!\[CDATA\[add_external_contact\]\]><\/ChangeType>/);
    await sim.close();
  });
});

describe('action edge cases', () => {
  const changeTypes = (sim: WecomSimulator, from: number) => sim.deliveries.slice(from).map((delivery) => `${delivery.event}/${delivery.changeType}`);

  it('acquisition quota: balance_low, then balance_exhausted, then the link stops working', async () => {
    const sim = createWecomSimulator({ seed: 'quota', sizes: { customers: 30 }, settleIntervalMs: 0 });
    const link = sim.state.acquisitionLinks.values().next().value!;
    sim.state.acquisitionQuota.balance = 2;
    sim.state.acquisitionQuota.lowThreshold = 1;
    const from = sim.deliveries.length;
    sim.actions.openAcquisitionLink({ link_id: link.link_id });
    sim.actions.openAcquisitionLink({ link_id: link.link_id });
    assert.deepEqual(changeTypes(sim, from), [
      'change_external_contact/add_external_contact',
      'customer_acquisition/balance_low',
      'change_external_contact/add_external_contact',
      'customer_acquisition/balance_exhausted',
    ]);
    assert.throws(() => sim.actions.openAcquisitionLink({ link_id: link.link_id }), /quota is exhausted/);
    assert.equal(sim.state.acquisitionQuota.balance, 0);
    await sim.close();
  });

  it('join way: a full group makes WeCom auto-create the next room', async () => {
    const sim = createWecomSimulator({ seed: 'rooms', sizes: { customers: 300, maxGroupMembers: 10 }, settleIntervalMs: 0 });
    const way = sim.state.joinWays.values().next().value!;
    const customers = [...sim.state.customers.keys()];
    for (const chatId of way.chat_id_list) {
      const chat = sim.state.groupChats.get(chatId)!;
      const missing = customers.filter((id) => !chat.member_list.some((member) => member.userid === id)).slice(0, 200 - chat.member_list.length);
      sim.actions.joinGroupChat({ chat_id: chatId, members: missing });
    }
    const from = sim.deliveries.length;
    const baseId = way.room_base_id;
    const joined = sim.actions.scanJoinWay({ config_id: way.config_id });
    assert.equal(joined.createdChat, true);
    assert.equal(sim.state.groupChats.get(joined.chat_id)?.name, `${way.room_base_name}${baseId}`);
    assert.ok(way.chat_id_list.includes(joined.chat_id));
    assert.deepEqual(changeTypes(sim, from), ['change_external_chat/create', 'change_external_chat/update']);
    const event = parseCallbackEvent(sim.deliveries.at(-1)!.xml);
    assert.ok(event.kind === 'change_external_chat' && event.updateDetail === 'add_member' && event.joinScene === 3);
    await sim.close();
  });

  it('a temporary contact way works once', async () => {
    const sim = createWecomSimulator({ seed: 'temp-way', sizes: { customers: 20 }, settleIntervalMs: 0 });
    const way = sim.state.contactWays.values().next().value!;
    way.is_temp = true;
    way.expires_in = 7 * 86_400;
    way.createdAt = Math.floor(Date.now() / 1000);
    way.user = way.user.slice(0, 1);
    sim.actions.scanContactWay({ config_id: way.config_id });
    assert.throws(() => sim.actions.scanContactWay({ config_id: way.config_id }), /already been used/);
    await sim.close();
  });
});

describe('acquisition link events', () => {
  it('customer_start_chat on the first message, link_unavailable when the range leaves, delete_link from the console', async () => {
    const sim = createWecomSimulator({ seed: 'link-events', sizes: { customers: 30 }, settleIntervalMs: 0 });
    const [only] = [...sim.state.employees.values()].filter((employee) => employee.customerContact && employee.resignedAt === undefined && employee.status === 1);
    const link = sim.state.acquisitionLinks.values().next().value!;
    link.range = { user_list: [only.userid], department_list: [] };
    link.priority_option = undefined;
    const opened = sim.actions.openAcquisitionLink({ link_id: link.link_id, customer_channel: 'wechat_ad' });
    const from = sim.deliveries.length;
    sim.actions.customerStartsChat({ userid: opened.userid, external_userid: opened.external_userid });
    sim.actions.customerStartsChat({ userid: opened.userid, external_userid: opened.external_userid });
    sim.actions.deleteEmployee({ userid: only.userid });
    const events = sim.deliveries.slice(from).map((delivery) => parseCallbackEvent(delivery.xml));
    assert.deepEqual(events.map((event) => `${event.kind}/${event.changeType}`), [
      'customer_acquisition/customer_start_chat',
      'change_contact/delete_user',
      'customer_acquisition/link_unavailable',
    ]);
    const [started, , unavailable] = events;
    assert.ok(started.kind === 'customer_acquisition' && started.linkId === link.link_id && started.externalUserId === opened.external_userid);
    assert.ok(unavailable.kind === 'customer_acquisition' && unavailable.linkId === link.link_id);
    assert.equal(link.customers.at(-1)?.chat_status, 1);
    sim.actions.deleteAcquisitionLink({ link_id: link.link_id });
    const deleted = parseCallbackEvent(sim.deliveries.at(-1)!.xml);
    assert.ok(deleted.kind === 'customer_acquisition' && deleted.changeType === 'delete_link' && deleted.linkId === link.link_id);
    await sim.close();
  });
});
