import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createManualClock } from './clock.ts';
import { createWecomSimulator, type WecomSimulator } from './simulator.ts';
import { rawApi, tokenFor } from './test-support.ts';

const DAY_MS = 86_400_000;

describe('simulator /cgi-bin quirks', () => {
  const clock = createManualClock(Date.UTC(2026, 5, 1, 4));
  let sim: WecomSimulator;
  let call: ReturnType<typeof rawApi>;
  let token: string;

  before(async () => {
    sim = createWecomSimulator({ seed: 'api-quirks', clock, settleIntervalMs: 0, transfers: { delaySeconds: 60 } });
    call = rawApi(await sim.listen());
    token = await tokenFor(sim);
  });
  after(() => sim.close());

  const activeContactUser = () => [...sim.state.employees.values()].find((employee) => employee.customerContact && employee.resignedAt === undefined && sim.state.relationList(employee.userid).length > 0)!;

  it('answers errors with HTTP 200, the error-code header and an errmsg hint', async () => {
    const answer = await call('GET', 'user/get', { userid: 'nobody' }, token);
    assert.equal(answer.status, 200);
    assert.equal(answer.errorCode, '60111');
    assert.equal(answer.body.errcode, 60111);
    assert.match(answer.body.errmsg, /^userid not found: nobody, hint: \[\d+_\d+_[0-9a-f]{8}\], from ip: .+, more info at https:\/\/open\.work\.weixin\.qq\.com\/devtool\/query\?e=60111$/);
  });

  it('checks gettoken credentials and the access_token: 41001 missing, 40014 invalid, 42001 expired', async () => {
    const { corpId, secret } = sim.credentials();
    assert.equal((await call('GET', 'gettoken', { corpid: 'wwnope', corpsecret: secret })).body.errcode, 40013);
    assert.equal((await call('GET', 'gettoken', { corpid: corpId, corpsecret: 'wrong' })).body.errcode, 40001);
    assert.equal((await call('GET', 'gettoken', { corpid: corpId })).body.errcode, 41004);
    const again = await call('GET', 'gettoken', { corpid: corpId, corpsecret: secret });
    assert.equal(again.body.access_token, token, 'the same token while it is valid');
    assert.equal((await call('GET', 'department/list')).body.errcode, 41001);
    assert.equal((await call('GET', 'department/list', {}, 'forged')).body.errcode, 40014);
    clock.advance(7201_000);
    assert.equal((await call('GET', 'department/list', {}, token)).body.errcode, 42001);
    const fresh = await call('GET', 'gettoken', { corpid: corpId, corpsecret: secret });
    assert.notEqual(fresh.body.access_token, token);
    assert.equal(fresh.body.expires_in, 7200);
    token = fresh.body.access_token;
  });

  it('reserves user/list_id for the contact-sync secret (48002) and pages it with opaque cursors', async () => {
    assert.equal((await call('POST', 'user/list_id', {}, token)).body.errcode, 48002);
    const syncToken = await tokenFor(sim, 'contactSync');
    const rows: string[] = [];
    let cursor = '';
    do {
      const page = await call('POST', 'user/list_id', { cursor, limit: 7 }, syncToken);
      assert.equal(page.body.errcode, 0);
      assert.ok(page.body.dept_user.length <= 7);
      rows.push(...page.body.dept_user.map((row: { userid: string; department: number }) => `${row.userid}@${row.department}`));
      cursor = page.body.next_cursor;
    } while (cursor);
    const expected = [...sim.state.employees.values()].filter((employee) => employee.resignedAt === undefined).flatMap((employee) => employee.department.map((id) => `${employee.userid}@${id}`));
    assert.deepEqual(rows, expected);
    assert.equal((await call('POST', 'user/list_id', { cursor: 'garbage' }, syncToken)).body.errcode, 40058);
    assert.equal((await call('POST', 'user/list_id', { limit: 10_001 }, syncToken)).body.errcode, 40058);
  });

  it('enforces the visible range with 60011', async () => {
    const previous = sim.state.corp.visibleDepartments;
    const visibleRoot = 3;
    const inside = new Set(sim.state.departmentSubtree(visibleRoot));
    const active = [...sim.state.employees.values()].filter((employee) => employee.resignedAt === undefined);
    const insider = active.find((employee) => employee.department.some((id) => inside.has(id)))!;
    const outsider = active.find((employee) => !employee.department.some((id) => inside.has(id)))!;
    sim.state.corp.visibleDepartments = [visibleRoot];
    sim.state.invalidateVisibility();
    try {
      assert.equal((await call('GET', 'user/get', { userid: insider.userid }, token)).body.errcode, 0);
      assert.equal((await call('GET', 'user/get', { userid: outsider.userid }, token)).body.errcode, 60011);
      assert.equal((await call('GET', 'department/list', { id: 1 }, token)).body.errcode, 60011);
      const listed = await call('GET', 'department/simplelist', {}, token);
      assert.deepEqual(listed.body.department_id.map((department: { id: number }) => department.id).sort(), [...inside].sort());
    } finally {
      sim.state.corp.visibleDepartments = previous;
      sim.state.invalidateVisibility();
    }
  });

  it('reports unknown and unrelated external contacts as WeCom does', async () => {
    assert.equal((await call('GET', 'externalcontact/get', { external_userid: 'not-an-id' }, token)).body.errcode, 40096);
    assert.equal((await call('GET', 'externalcontact/get', { external_userid: 'wmAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, token)).body.errcode, 84061);
    const lonely = sim.actions.createEmployee({ name: '新同事', department: [2] });
    const list = await call('GET', 'externalcontact/list', { userid: lonely.userid }, token);
    assert.equal(list.body.errcode, 84061);
    assert.deepEqual(list.body.external_userid, [], 'observed: 84061 comes with an empty list');
    assert.equal((await call('GET', 'externalcontact/list', { userid: 'ghost' }, token)).body.errcode, 40003);
    assert.equal((await call('GET', 'externalcontact/list', {}, token)).body.errcode, 41009);
  });

  it('batch/get_by_user: ≤100 userids, limit clamped to 100, cursor pages cover every relation once', async () => {
    const tooMany = Array.from({ length: 101 }, (_, index) => `user${index}`);
    assert.equal((await call('POST', 'externalcontact/batch/get_by_user', { userid_list: tooMany }, token)).body.errcode, 40058);
    const userids = [...sim.state.employees.values()].filter((employee) => employee.customerContact && employee.resignedAt === undefined).map((employee) => employee.userid);
    const first = await call('POST', 'externalcontact/batch/get_by_user', { userid_list: userids, limit: 500 }, token);
    assert.equal(first.body.external_contact_list.length, 100, 'limit above 100 is clamped');
    const seen = new Set<string>();
    let cursor = '';
    do {
      const page = await call('POST', 'externalcontact/batch/get_by_user', { userid_list: userids, cursor }, token);
      assert.ok(page.body.external_contact_list.length <= 50, 'default limit 50');
      for (const item of page.body.external_contact_list) {
        const key = `${item.follow_info.userid}/${item.external_contact.external_userid}`;
        assert.ok(!seen.has(key), `duplicate ${key}`);
        seen.add(key);
        assert.ok(Array.isArray(item.follow_info.tag_id));
      }
      cursor = page.body.next_cursor;
    } while (cursor);
    const expected = userids.reduce((total, userid) => total + sim.state.relationList(userid).length, 0);
    assert.equal(seen.size, expected);
  });

  it('externalcontact/get returns follow_user with tag objects and the state', async () => {
    const employee = activeContactUser();
    const relation = sim.state.relationList(employee.userid)[0];
    const tag = [...sim.state.tagIndex.values()][0];
    relation.tag_ids = [tag.tag.id];
    relation.state = 'poster_2026';
    const answer = await call('GET', 'externalcontact/get', { external_userid: relation.external_userid }, token);
    const follow = answer.body.follow_user.find((entry: { userid: string }) => entry.userid === employee.userid);
    assert.deepEqual(follow.tags, [{ group_name: tag.group.group_name, tag_name: tag.tag.name, tag_id: tag.tag.id, type: 1 }]);
    assert.equal(follow.state, 'poster_2026');
    assert.equal(answer.body.external_contact.external_userid, relation.external_userid);
  });

  it('media/upload: created_at is a string, type and size checked, media expire after 3 days', async () => {
    const upload = async (type: string, filename: string, bytes: Buffer) => {
      const form = new FormData();
      form.append('media', new Blob([new Uint8Array(bytes)]), filename);
      const response = await fetch(`${sim.url}/cgi-bin/media/upload?access_token=${token}&type=${type}`, { method: 'POST', body: form });
      return (await response.json()) as Record<string, any>;
    };
    const image = await upload('image', 'cover.png', Buffer.alloc(2048, 1));
    assert.equal(image.errcode, 0);
    assert.equal(image.errmsg, '');
    assert.equal(typeof image.created_at, 'string');
    assert.equal(image.created_at, String(Math.floor(clock.now() / 1000)));
    assert.equal((await upload('image', 'cover.gif', Buffer.alloc(2048, 1))).errcode, 40004);
    assert.equal((await upload('sticker', 'a.png', Buffer.alloc(2048, 1))).errcode, 40005);
    assert.equal((await upload('file', 'tiny.txt', Buffer.from('tiny'))).errcode, 40006);
    const relation = sim.state.relationList(activeContactUser().userid)[0];
    const remark = (mediaId: string) => call('POST', 'externalcontact/remark', { userid: relation.userid, external_userid: relation.external_userid, remark_pic_mediaid: mediaId }, token);
    assert.equal((await remark(image.media_id)).body.errcode, 0);
    clock.advance(3 * DAY_MS);
    token = await tokenFor(sim);
    assert.equal((await remark(image.media_id)).body.errcode, 40007);
  });

  it('send_welcome_msg: once, within 20 s, 41096 while another app distributes', async () => {
    const way = [...sim.state.contactWays.values()][0];
    const scan = () => sim.actions.scanContactWay({ config_id: way.config_id });
    const send = (code: string) => call('POST', 'externalcontact/send_welcome_msg', { welcome_code: code, text: { content: '您好，欢迎咨询' } }, token);
    const first = scan();
    assert.equal((await send(first.welcome_code!)).body.errcode, 0);
    assert.equal((await send(first.welcome_code!)).body.errcode, 41051, 'a code works once');
    const message = sim.state.welcomeMessages.at(-1)!;
    assert.equal(message.external_userid, first.external_userid);
    assert.equal(message.text?.content, '您好，欢迎咨询');

    const late = scan();
    clock.advance(21_000);
    assert.equal((await send(late.welcome_code!)).body.errcode, 41051, 'expired after 20 s');

    const busy = scan();
    sim.actions.distributeWelcomeElsewhere({ welcome_code: busy.welcome_code!, seconds: 5 });
    assert.equal((await send(busy.welcome_code!)).body.errcode, 41096);
    clock.advance(6_000);
    assert.equal((await send(busy.welcome_code!)).body.errcode, 41051, 'the other app delivered it');

    const empty = scan();
    assert.equal((await call('POST', 'externalcontact/send_welcome_msg', { welcome_code: empty.welcome_code }, token)).body.errcode, 40058);
    const chatted = scan();
    sim.actions.customerStartsChat({ userid: chatted.userid, external_userid: chatted.external_userid });
    assert.equal((await send(chatted.welcome_code!)).body.errcode, 41051);
  });

  it('transfers wait (status 2), then complete after the delay and move the customer', async () => {
    const handover = activeContactUser();
    const relation = sim.state.relationList(handover.userid).find((candidate) => !sim.state.relation('x', candidate.external_userid))!;
    const takeover = [...sim.state.employees.values()].find((employee) => employee.customerContact && employee.resignedAt === undefined && employee.userid !== handover.userid && !sim.state.relation(employee.userid, relation.external_userid))!;
    const request = await call('POST', 'externalcontact/transfer_customer', { handover_userid: handover.userid, takeover_userid: takeover.userid, external_userid: [relation.external_userid, 'wmNOPENOPENOPENOPENOPENOPENOAAAA'] }, token);
    assert.deepEqual(request.body.customer, [
      { external_userid: relation.external_userid, errcode: 0 },
      { external_userid: 'wmNOPENOPENOPENOPENOPENOPENOAAAA', errcode: 40096 },
    ]);
    const waiting = await call('POST', 'externalcontact/transfer_result', { handover_userid: handover.userid, takeover_userid: takeover.userid }, token);
    assert.equal(waiting.body.customer[0].status, 2);
    assert.equal(waiting.body.customer[0].takeover_time, Math.floor(clock.now() / 1000) + 60);
    clock.advance(61_000);
    const done = await call('POST', 'externalcontact/transfer_result', { handover_userid: handover.userid, takeover_userid: takeover.userid }, token);
    assert.equal(done.body.customer[0].status, 1);
    assert.equal(sim.state.relation(handover.userid, relation.external_userid), undefined);
    assert.ok(sim.state.relation(takeover.userid, relation.external_userid));
    const deletion = sim.deliveries.at(-1)!;
    assert.equal(deletion.changeType, 'del_external_contact');
    assert.match(deletion.xml, /<Source><!\[CDATA\[DELETE_BY_TRANSFER\]\]><\/Source>/);
  });

  it('changes made through the API emit no callbacks', async () => {
    const before = sim.deliveries.length;
    const added = await call('POST', 'externalcontact/add_corp_tag', { group_name: 'API 标签组', tag: [{ name: '接口标签' }] }, token);
    assert.equal(added.body.errcode, 0);
    assert.match(added.body.tag_group.group_id, /^et/);
    assert.equal((await call('POST', 'externalcontact/del_corp_tag', { group_id: [added.body.tag_group.group_id] }, token)).body.errcode, 0);
    assert.equal(sim.deliveries.length, before);
  });

  it('answers malformed JSON with 47001 and unknown APIs with 404', async () => {
    const response = await fetch(`${sim.url}/cgi-bin/externalcontact/groupchat/list?access_token=${token}`, { method: 'POST', body: '{"limit":' });
    const body = (await response.json()) as { errcode: number; errmsg: string };
    assert.equal(body.errcode, 47001);
    assert.match(body.errmsg, /Warning: wrong json format\./);
    assert.equal((await fetch(`${sim.url}/cgi-bin/no/such/api?access_token=${token}`)).status, 404);
  });

  it('groupchat/list requires limit 1 ~ 1000 and filters by status', async () => {
    assert.equal((await call('POST', 'externalcontact/groupchat/list', {}, token)).body.errcode, 40058);
    assert.equal((await call('POST', 'externalcontact/groupchat/list', { limit: 1001 }, token)).body.errcode, 40058);
    const resigned = await call('POST', 'externalcontact/groupchat/list', { limit: 1000, status_filter: 1 }, token);
    const expected = [...sim.state.groupChats.values()].filter((chat) => !chat.dismissed && chat.status === 1).map((chat) => chat.chat_id);
    assert.deepEqual(resigned.body.group_chat_list.map((chat: { chat_id: string }) => chat.chat_id), expected);
  });
});
