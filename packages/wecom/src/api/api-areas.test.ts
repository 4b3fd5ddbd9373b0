import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WecomClient } from '../client.ts';
import { startFakeWecom, type FakeWecom, type RecordedCall } from '../testing/fake-wecom.ts';

// Every method against its exact path, HTTP verb and parameters from API-FACTS §2–§12.

let server: FakeWecom;
let client: WecomClient;
let answers: Map<string, Array<Record<string, unknown>>>;

before(async () => {
  answers = new Map();
  server = await startFakeWecom((call) => answers.get(call.api)?.shift());
  client = new WecomClient({ corpId: 'ww1436e0e65a779aee', secret: 'secret', baseUrl: server.baseUrl });
});
after(() => server.close());

function answer(api: string, ...bodies: Array<Record<string, unknown>>): void {
  answers.set(api, bodies.map((body) => ({ errcode: 0, errmsg: 'ok', ...body })));
}

async function lastCall(action: () => Promise<unknown>): Promise<RecordedCall> {
  const before = server.apiCalls().length;
  await action();
  const calls = server.apiCalls();
  assert.equal(calls.length, before + 1, 'exactly one call');
  return calls[calls.length - 1];
}

function assertCall(call: RecordedCall, method: string, api: string, parameters: Record<string, unknown> = {}): void {
  assert.equal(call.method, method);
  assert.equal(call.api, api);
  if (method === 'GET') {
    const { access_token: _token, ...query } = call.query;
    assert.deepEqual(query, parameters);
  } else {
    assert.deepEqual(call.body, parameters);
  }
}

describe('API areas: paths, verbs and parameters', () => {
  it('contacts', async () => {
    assertCall(await lastCall(() => client.contacts.listDepartments()), 'GET', 'department/list');
    assertCall(await lastCall(() => client.contacts.listDepartments(2)), 'GET', 'department/list', { id: '2' });
    assertCall(await lastCall(() => client.contacts.listDepartmentsSimple(1)), 'GET', 'department/simplelist', { id: '1' });
    assertCall(await lastCall(() => client.contacts.getDepartment(3)), 'GET', 'department/get', { id: '3' });
    assertCall(await lastCall(() => client.contacts.listUsers(1)), 'GET', 'user/list', { department_id: '1' });
    assertCall(await lastCall(() => client.contacts.listUsers(1, { fetchChild: true })), 'GET', 'user/list', {
      department_id: '1',
      fetch_child: '1',
    });
    assertCall(await lastCall(() => client.contacts.listUsersSimple(2, { fetchChild: false })), 'GET', 'user/simplelist', {
      department_id: '2',
      fetch_child: '0',
    });
    assertCall(await lastCall(() => client.contacts.getUser('zhangsan')), 'GET', 'user/get', { userid: 'zhangsan' });
    assertCall(await lastCall(() => client.contacts.listUserIds({ limit: 10_000 })), 'POST', 'user/list_id', { limit: 10_000 });
  });

  it('external contacts', async () => {
    assertCall(await lastCall(() => client.externalContact.getFollowUserList()), 'GET', 'externalcontact/get_follow_user_list');
    assertCall(await lastCall(() => client.externalContact.list('zhangsan')), 'GET', 'externalcontact/list', { userid: 'zhangsan' });
    assertCall(await lastCall(() => client.externalContact.get('wo1')), 'GET', 'externalcontact/get', { external_userid: 'wo1' });
    assertCall(await lastCall(() => client.externalContact.get('wo1', 'CURSOR')), 'GET', 'externalcontact/get', {
      external_userid: 'wo1',
      cursor: 'CURSOR',
    });
    const batch = { userid_list: ['zhangsan', 'lisi'], cursor: '', limit: 100 };
    assertCall(await lastCall(() => client.externalContact.batchGetByUser(batch)), 'POST', 'externalcontact/batch/get_by_user', batch);
    const remark = { userid: 'zhangsan', external_userid: 'wo1', remark: '李部长', remark_mobiles: ['13800000001'] };
    assertCall(await lastCall(() => client.externalContact.remark(remark)), 'POST', 'externalcontact/remark', remark);
  });

  it('corp tags', async () => {
    assertCall(await lastCall(() => client.corpTags.list()), 'POST', 'externalcontact/get_corp_tag_list', {});
    assertCall(await lastCall(() => client.corpTags.list({ group_id: ['g1'] })), 'POST', 'externalcontact/get_corp_tag_list', {
      group_id: ['g1'],
    });
    const add = { group_name: '客户等级', tag: [{ name: '重要', order: 1 }] };
    assertCall(await lastCall(() => client.corpTags.add(add)), 'POST', 'externalcontact/add_corp_tag', add);
    assertCall(await lastCall(() => client.corpTags.edit({ id: 't1', name: '新' })), 'POST', 'externalcontact/edit_corp_tag', {
      id: 't1',
      name: '新',
    });
    assertCall(await lastCall(() => client.corpTags.delete({ tag_id: ['t1'] })), 'POST', 'externalcontact/del_corp_tag', {
      tag_id: ['t1'],
    });
    const mark = { userid: 'zhangsan', external_userid: 'wo1', add_tag: ['t1'], remove_tag: ['t2'] };
    assertCall(await lastCall(() => client.corpTags.mark(mark)), 'POST', 'externalcontact/mark_tag', mark);
  });

  it('contact ways', async () => {
    const add = { type: 1 as const, scene: 2 as const, state: 'teststate', user: ['zhangsan'], skip_verify: true };
    assertCall(await lastCall(() => client.contactWays.add(add)), 'POST', 'externalcontact/add_contact_way', add);
    assertCall(await lastCall(() => client.contactWays.get('c1')), 'POST', 'externalcontact/get_contact_way', { config_id: 'c1' });
    assertCall(await lastCall(() => client.contactWays.list({ limit: 1000 })), 'POST', 'externalcontact/list_contact_way', {
      limit: 1000,
    });
    assertCall(await lastCall(() => client.contactWays.update({ config_id: 'c1', remark: 'r' })), 'POST', 'externalcontact/update_contact_way', {
      config_id: 'c1',
      remark: 'r',
    });
    assertCall(await lastCall(() => client.contactWays.delete('c1')), 'POST', 'externalcontact/del_contact_way', { config_id: 'c1' });
    const close = { userid: 'zhangsan', external_userid: 'wo1' };
    assertCall(await lastCall(() => client.contactWays.closeTempChat(close)), 'POST', 'externalcontact/close_temp_chat', close);
  });

  it('acquisition links', async () => {
    const base = 'externalcontact/customer_acquisition';
    assertCall(await lastCall(() => client.acquisition.listLinks({ limit: 100 })), 'POST', `${base}/list_link`, { limit: 100 });
    assertCall(await lastCall(() => client.acquisition.getLink('l1')), 'POST', `${base}/get`, { link_id: 'l1' });
    const create = {
      link_name: '获客链接1号',
      range: { user_list: ['zhangsan'], department_list: [2] },
      priority_option: { priority_type: 2 as const, priority_userid_list: ['lisi'] },
    };
    assertCall(await lastCall(() => client.acquisition.createLink(create)), 'POST', `${base}/create_link`, create);
    assertCall(await lastCall(() => client.acquisition.updateLink({ link_id: 'l1', link_name: 'n' })), 'POST', `${base}/update_link`, {
      link_id: 'l1',
      link_name: 'n',
    });
    assertCall(await lastCall(() => client.acquisition.deleteLink('l1')), 'POST', `${base}/delete_link`, { link_id: 'l1' });
    assertCall(await lastCall(() => client.acquisition.listCustomers({ link_id: 'l1', limit: 1000 })), 'POST', `${base}/customer`, {
      link_id: 'l1',
      limit: 1000,
    });
    assertCall(await lastCall(() => client.acquisition.getQuota()), 'GET', 'externalcontact/customer_acquisition_quota');
    const statistic = { link_id: 'l1', start_time: 1672502400, end_time: 1672588800 };
    assertCall(await lastCall(() => client.acquisition.getStatistic(statistic)), 'POST', `${base}/statistic`, statistic);
  });

  it('group chats and join ways', async () => {
    const list = { status_filter: 0 as const, owner_filter: { userid_list: ['abel'] }, limit: 10 };
    assertCall(await lastCall(() => client.groupChats.list(list)), 'POST', 'externalcontact/groupchat/list', list);
    assertCall(await lastCall(() => client.groupChats.get('wr1')), 'POST', 'externalcontact/groupchat/get', { chat_id: 'wr1', need_name: 0 });
    assertCall(await lastCall(() => client.groupChats.get('wr1', true)), 'POST', 'externalcontact/groupchat/get', {
      chat_id: 'wr1',
      need_name: 1,
    });
    const joinWay = { scene: 2 as const, chat_id_list: ['wr1'], state: 'klsdup3kj3s1', auto_create_room: 1 as const };
    assertCall(await lastCall(() => client.joinWays.add(joinWay)), 'POST', 'externalcontact/groupchat/add_join_way', joinWay);
    assertCall(await lastCall(() => client.joinWays.get('j1')), 'POST', 'externalcontact/groupchat/get_join_way', { config_id: 'j1' });
    assertCall(await lastCall(() => client.joinWays.update({ config_id: 'j1', ...joinWay })), 'POST', 'externalcontact/groupchat/update_join_way', {
      config_id: 'j1',
      ...joinWay,
    });
    assertCall(await lastCall(() => client.joinWays.delete('j1')), 'POST', 'externalcontact/groupchat/del_join_way', { config_id: 'j1' });
  });

  it('transfers', async () => {
    const transfer = { handover_userid: 'zhangsan', takeover_userid: 'lisi', external_userid: ['wo1'], transfer_success_msg: 'hi' };
    assertCall(await lastCall(() => client.transfers.transferCustomers(transfer)), 'POST', 'externalcontact/transfer_customer', transfer);
    const result = { handover_userid: 'zhangsan', takeover_userid: 'lisi' };
    assertCall(await lastCall(() => client.transfers.getTransferResult(result)), 'POST', 'externalcontact/transfer_result', result);
    const resigned = { handover_userid: 'zhangsan', takeover_userid: 'lisi', external_userid: ['wo1'] };
    assertCall(
      await lastCall(() => client.transfers.transferResignedCustomers(resigned)),
      'POST',
      'externalcontact/resigned/transfer_customer',
      resigned,
    );
    assertCall(
      await lastCall(() => client.transfers.getResignedTransferResult(result)),
      'POST',
      'externalcontact/resigned/transfer_result',
      result,
    );
    const groups = { chat_id_list: ['wr1'], new_owner: 'lisi' };
    assertCall(await lastCall(() => client.transfers.transferGroupChats(groups)), 'POST', 'externalcontact/groupchat/transfer', groups);
    assertCall(
      await lastCall(() => client.transfers.transferOnJobGroupChats(groups)),
      'POST',
      'externalcontact/groupchat/onjob_transfer',
      groups,
    );
  });

  it('unassigned customers of resigned members', async () => {
    assertCall(await lastCall(() => client.transfers.getUnassignedList()), 'POST', 'externalcontact/get_unassigned_list', {});
    assertCall(
      await lastCall(() => client.transfers.getUnassignedList({ cursor: 'C', page_size: 100 })),
      'POST',
      'externalcontact/get_unassigned_list',
      { cursor: 'C', page_size: 100 },
    );
  });

  it('broadcasts (企业群发)', async () => {
    const template = {
      chat_type: 'single' as const,
      external_userid: ['wo1', 'wo2'],
      sender: 'zhangsan',
      text: { content: '文本消息内容' },
      attachments: [
        { msgtype: 'image' as const, image: { media_id: 'MEDIA_ID' } },
        { msgtype: 'miniprogram' as const, miniprogram: { title: 't', pic_media_id: 'M', appid: 'wx8bd80126147dfAAA', page: '/p' } },
      ],
    };
    assertCall(await lastCall(() => client.broadcasts.addMsgTemplate(template)), 'POST', 'externalcontact/add_msg_template', template);
    const list = { chat_type: 'group' as const, start_time: 1605171726, end_time: 1605172726, creator: 'zhangsan', filter_type: 1 as const, limit: 50 };
    assertCall(await lastCall(() => client.broadcasts.getGroupMsgListV2(list)), 'POST', 'externalcontact/get_groupmsg_list_v2', list);
    const task = { msgid: 'msg1', limit: 1000 };
    assertCall(await lastCall(() => client.broadcasts.getGroupMsgTask(task)), 'POST', 'externalcontact/get_groupmsg_task', task);
    const result = { msgid: 'msg1', userid: 'zhangsan', limit: 1000, cursor: 'C' };
    assertCall(await lastCall(() => client.broadcasts.getGroupMsgSendResult(result)), 'POST', 'externalcontact/get_groupmsg_send_result', result);
    assertCall(await lastCall(() => client.broadcasts.remindGroupMsgSend({ msgid: 'msg1' })), 'POST', 'externalcontact/remind_groupmsg_send', {
      msgid: 'msg1',
    });
    assertCall(await lastCall(() => client.broadcasts.cancelGroupMsgSend({ msgid: 'msg1' })), 'POST', 'externalcontact/cancel_groupmsg_send', {
      msgid: 'msg1',
    });
  });

  it('moments (客户朋友圈)', async () => {
    const task = {
      text: { content: '文本消息内容' },
      attachments: [{ msgtype: 'image' as const, image: { media_id: 'MEDIA_ID' } }],
      visible_range: { sender_list: { user_list: ['zhangshan'], department_list: [2] }, external_contact_list: { tag_list: ['et1'] } },
    };
    assertCall(await lastCall(() => client.moments.addMomentTask(task)), 'POST', 'externalcontact/add_moment_task', task);
    assertCall(await lastCall(() => client.moments.getMomentTaskResult('JOB')), 'GET', 'externalcontact/get_moment_task_result', { jobid: 'JOB' });
    assertCall(await lastCall(() => client.moments.cancelMomentTask({ moment_id: 'mom1' })), 'POST', 'externalcontact/cancel_moment_task', {
      moment_id: 'mom1',
    });
    const list = { start_time: 1605000000, end_time: 1605172726, filter_type: 0 as const, limit: 20 };
    assertCall(await lastCall(() => client.moments.getMomentList(list)), 'POST', 'externalcontact/get_moment_list', list);
    assertCall(await lastCall(() => client.moments.getMomentTask({ moment_id: 'mom1', limit: 1000 })), 'POST', 'externalcontact/get_moment_task', {
      moment_id: 'mom1',
      limit: 1000,
    });
    const customers = { moment_id: 'mom1', userid: 'zhangsan', limit: 1000 };
    assertCall(await lastCall(() => client.moments.getMomentCustomerList(customers)), 'POST', 'externalcontact/get_moment_customer_list', customers);
    assertCall(await lastCall(() => client.moments.getMomentSendResult(customers)), 'POST', 'externalcontact/get_moment_send_result', customers);
  });

  it('welcome message and statistics', async () => {
    const welcome = {
      welcome_code: 'CALLBACK_CODE',
      text: { content: '你好' },
      attachments: [{ msgtype: 'link' as const, link: { title: 't', url: 'https://example.com' } }],
    };
    assertCall(await lastCall(() => client.welcome.send(welcome)), 'POST', 'externalcontact/send_welcome_msg', welcome);
    const behavior = { userid: ['zhangsan'], start_time: 1536508800, end_time: 1536940800 };
    assertCall(
      await lastCall(() => client.statistics.getUserBehaviorData(behavior)),
      'POST',
      'externalcontact/get_user_behavior_data',
      behavior,
    );
    const statistic = { day_begin_time: 1600272000, owner_filter: { userid_list: ['zhangsan'] }, limit: 1000 };
    assertCall(await lastCall(() => client.statistics.getGroupChatStatistic(statistic)), 'POST', 'externalcontact/groupchat/statistic', statistic);
    const byDay = { day_begin_time: 1600272000, owner_filter: { userid_list: ['zhangsan'] } };
    assertCall(
      await lastCall(() => client.statistics.getGroupChatStatisticByDay(byDay)),
      'POST',
      'externalcontact/groupchat/statistic_group_by_day',
      byDay,
    );
  });
});

describe('API areas: paging', () => {
  it('iterates batch/get_by_user in chunks of 100 userids, following each cursor', async () => {
    const userids = Array.from({ length: 250 }, (_, index) => `user${index}`);
    answer(
      'externalcontact/batch/get_by_user',
      { external_contact_list: [], next_cursor: 'A2' },
      { external_contact_list: [], next_cursor: '' },
      { external_contact_list: [] },
      { external_contact_list: [], next_cursor: '' },
    );
    const before = server.apiCalls().length;
    let pages = 0;
    for await (const page of client.externalContact.iterateBatchByUser(userids, { limit: 100 })) {
      assert.equal(page.errcode, 0);
      pages++;
    }
    const calls = server.apiCalls().slice(before);
    assert.equal(pages, 4);
    assert.deepEqual(
      calls.map((call) => {
        const body = call.body as { userid_list: string[]; cursor?: string; limit: number };
        return [body.userid_list.length, body.userid_list[0], body.cursor, body.limit];
      }),
      [
        [100, 'user0', undefined, 100],
        [100, 'user0', 'A2', 100],
        [100, 'user100', undefined, 100],
        [50, 'user200', undefined, 100],
      ],
    );
  });

  it('stops when WeCom repeats a cursor instead of looping forever', async () => {
    answer('externalcontact/customer_acquisition/list_link', { link_id_list: ['a'], next_cursor: 'X' }, { link_id_list: ['b'], next_cursor: 'X' });
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const page of client.acquisition.iterateLinks(100)) seen.push(...page.link_id_list);
    }, /returned twice/);
    assert.deepEqual(seen, ['a', 'b']);
  });

  it('collects every follow user of a customer across pages', async () => {
    const contact = { external_userid: 'wo1', name: '李四', type: 1, gender: 1 };
    const follow = (userid: string) => ({ userid, remark: '', description: '', createtime: 1, add_way: 1 });
    answer(
      'externalcontact/get',
      { external_contact: contact, follow_user: [follow('a'), follow('b')], next_cursor: 'P2' },
      { external_contact: contact, follow_user: [follow('c')], next_cursor: '' },
    );
    const full = await client.externalContact.getWithAllFollowUsers('wo1');
    assert.deepEqual(
      full.follow_user.map((user) => user.userid),
      ['a', 'b', 'c'],
    );
    assert.equal(full.external_contact.name, '李四');
    assert.equal(server.apiCalls().at(-1)!.query.cursor, 'P2');
  });

  it('iterates the other cursor-paged APIs', async () => {
    answer('user/list_id', { dept_user: [{ userid: 'a', department: 1 }], next_cursor: 'N' }, { dept_user: [{ userid: 'b', department: 1 }] });
    const userids: string[] = [];
    for await (const page of client.contacts.iterateUserIds(1)) userids.push(...page.dept_user.map((row) => row.userid));
    assert.deepEqual(userids, ['a', 'b']);

    answer('externalcontact/groupchat/list', { group_chat_list: [{ chat_id: 'wr1', status: 0 }], next_cursor: 'G' }, { group_chat_list: [] });
    const chats: string[] = [];
    for await (const page of client.groupChats.iterate({ limit: 1 })) chats.push(...page.group_chat_list.map((chat) => chat.chat_id));
    assert.deepEqual(chats, ['wr1']);
    assert.deepEqual(server.apiCalls().at(-1)!.body, { limit: 1, cursor: 'G' });

    answer('externalcontact/customer_acquisition/customer', { customer_list: [], next_cursor: 'C' }, { customer_list: [] });
    let customerPages = 0;
    for await (const _page of client.acquisition.iterateCustomers('l1', 1000)) customerPages++;
    assert.equal(customerPages, 2);
    assert.deepEqual(server.apiCalls().at(-1)!.body, { link_id: 'l1', limit: 1000, cursor: 'C' });

    answer('externalcontact/list_contact_way', { contact_way: [{ config_id: 'c1' }], next_cursor: 'W' }, { contact_way: [] });
    let wayPages = 0;
    for await (const _page of client.contactWays.iterate({ limit: 1 })) wayPages++;
    assert.equal(wayPages, 2);

    answer('externalcontact/transfer_result', { customer: [], next_cursor: 'T' }, { customer: [] });
    let transferPages = 0;
    for await (const _page of client.transfers.iterateTransferResult('zhangsan', 'lisi')) transferPages++;
    assert.equal(transferPages, 2);
    assert.deepEqual(server.apiCalls().at(-1)!.body, { handover_userid: 'zhangsan', takeover_userid: 'lisi', cursor: 'T' });

    answer('externalcontact/resigned/transfer_result', { customer: [] });
    let resignedPages = 0;
    for await (const _page of client.transfers.iterateResignedTransferResult('zhangsan', 'lisi')) resignedPages++;
    assert.equal(resignedPages, 1);
  });

  it('iterates the broadcast, moment and unassigned cursors with their keys', async () => {
    answer('externalcontact/get_groupmsg_list_v2', { group_msg_list: [{ msgid: 'm1', create_time: '1605171726', create_type: 0 }], next_cursor: 'L' }, { group_msg_list: [], next_cursor: '' });
    const msgids: string[] = [];
    for await (const page of client.broadcasts.iterateGroupMsgListV2({ chat_type: 'single', start_time: 1, end_time: 2 })) {
      msgids.push(...page.group_msg_list.map((msg) => msg.msgid));
    }
    assert.deepEqual(msgids, ['m1']);
    assert.deepEqual(server.apiCalls().at(-1)!.body, { chat_type: 'single', start_time: 1, end_time: 2, cursor: 'L' });

    answer('externalcontact/get_groupmsg_task', { task_list: [{ userid: 'a', status: 0 }], next_cursor: 'T' }, { task_list: [{ userid: 'b', status: 2, send_time: 5 }] });
    const senders: string[] = [];
    for await (const page of client.broadcasts.iterateGroupMsgTask('m1', 1)) senders.push(...page.task_list.map((task) => task.userid));
    assert.deepEqual(senders, ['a', 'b']);
    assert.deepEqual(server.apiCalls().at(-1)!.body, { msgid: 'm1', limit: 1, cursor: 'T' });

    answer('externalcontact/get_groupmsg_send_result', { send_list: [], next_cursor: 'S' }, { send_list: [] });
    let resultPages = 0;
    for await (const _page of client.broadcasts.iterateGroupMsgSendResult('m1', 'a')) resultPages++;
    assert.equal(resultPages, 2);
    assert.deepEqual(server.apiCalls().at(-1)!.body, { msgid: 'm1', userid: 'a', cursor: 'S' });

    answer('externalcontact/get_moment_list', { moment_list: [], next_cursor: 'M' }, { moment_list: [] });
    let momentPages = 0;
    for await (const _page of client.moments.iterateMomentList({ start_time: 1, end_time: 2 })) momentPages++;
    assert.equal(momentPages, 2);
    answer('externalcontact/get_moment_task', { task_list: [], next_cursor: 'K' }, { task_list: [] });
    for await (const _page of client.moments.iterateMomentTask('mom1')) momentPages++;
    assert.deepEqual(server.apiCalls().at(-1)!.body, { moment_id: 'mom1', cursor: 'K' });
    answer('externalcontact/get_moment_customer_list', { customer_list: [], next_cursor: 'U' }, { customer_list: [] });
    for await (const _page of client.moments.iterateMomentCustomerList('mom1', 'a')) momentPages++;
    answer('externalcontact/get_moment_send_result', { customer_list: [], next_cursor: 'R' }, { customer_list: [] });
    for await (const _page of client.moments.iterateMomentSendResult('mom1', 'a', 5000)) momentPages++;
    assert.equal(momentPages, 8);
    assert.deepEqual(server.apiCalls().at(-1)!.body, { moment_id: 'mom1', userid: 'a', limit: 5000, cursor: 'R' });

    answer(
      'externalcontact/get_unassigned_list',
      { info: [{ handover_userid: 'a', external_userid: 'wo1', dimission_time: 1550838571 }], is_last: false, next_cursor: 'N' },
      { info: [{ handover_userid: 'a', external_userid: 'wo2', dimission_time: 1550838571 }], is_last: true, next_cursor: '' },
    );
    const unassigned: string[] = [];
    for await (const page of client.transfers.iterateUnassignedList(1)) unassigned.push(...page.info.map((row) => row.external_userid));
    assert.deepEqual(unassigned, ['wo1', 'wo2']);
    assert.deepEqual(server.apiCalls().at(-1)!.body, { cursor: 'N', page_size: 1 });
  });

  it('iterates groupchat/statistic by offset until next_offset reaches total', async () => {
    const item = (owner: string) => ({ owner, data: { new_chat_cnt: 1, chat_total: 1, chat_has_msg: 0, new_member_cnt: 0, member_total: 1, member_has_msg: 0, msg_total: 0 } });
    answer(
      'externalcontact/groupchat/statistic',
      { total: 3, next_offset: 2, items: [item('a'), item('b')] },
      { total: 3, next_offset: 3, items: [item('c')] },
    );
    const owners: string[] = [];
    for await (const page of client.statistics.iterateGroupChatStatistic({ day_begin_time: 1600272000, limit: 2 })) {
      owners.push(...page.items.map((entry) => entry.owner));
    }
    assert.deepEqual(owners, ['a', 'b', 'c']);
    assert.equal((server.apiCalls().at(-1)!.body as { offset: number }).offset, 2);
  });
});
