import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signJsSdk } from '@scrm/wecom';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { sql } from 'drizzle-orm';
import { ok, simRelations } from '../customers/customers.testing.ts';
import { samplePng, upload } from '../acquisition/acquisition.testing.ts';
import { addLead } from '../leads/leads.testing.ts';
import { startOfLocalDay } from '../leads/leads.service.ts';
import { oauthCode, sidebarToken } from './sidebar.testing.ts';

describe('the employee sidebar: sign-in, scope, the customer and group views, quick replies', () => {
  let env: WecomTestEnv;
  let admin: TestClient & { token: string };
  /** Two employees, each with customers the other does not follow, and a group each owns. */
  let alice: { userid: string; customer: string; chatId: string };
  let bob: { userid: string; customer: string; chatId: string };

  before(async () => {
    env = await createWecomTestEnv({ sizes: { employees: 5, customers: 30, groups: 6, tagGroups: 2 } });
    admin = await env.login();
    await env.syncOrg();
    await env.runJob('customers.sync');
    await env.runJob('tags.corp.sync');
    await env.runJob('groups.sync');
    const relations = simRelations(env.sim);
    const followers = (externalUserid: string) => relations.filter((relation) => relation.external_userid === externalUserid).map((relation) => relation.userid);
    const pick = (exclude: string[]) => {
      for (const chat of env.sim.state.groupChats.values()) {
        // Not a group the excluded employees are in (a member sees the group in the sidebar).
        if (chat.dismissed || exclude.includes(chat.owner) || chat.member_list.some((member) => exclude.includes(member.userid))) continue;
        const own = relations.find((relation) => relation.userid === chat.owner && followers(relation.external_userid).length === 1);
        if (own) return { userid: chat.owner, customer: own.external_userid, chatId: chat.chat_id };
      }
      throw new Error('the generated corp has no owner with a customer of their own');
    };
    alice = pick([]);
    bob = pick([alice.userid]);
  });
  after(() => env?.close());

  test("OAuth2 → a sidebar token for that employee only: another employee's customer and group are 404; console and sidebar tokens do not cross", async () => {
    const settings = await ok(env.anonymous.get('/scrm/sidebar/settings'));
    assert.equal(settings.oauthAuthorizeUrl, `${env.sim.url}/connect/oauth2/authorize`);
    assert.equal(settings.corpId, env.sim.credentials().corpId);
    assert.equal(settings.demo, true);

    // A code is single use; a made-up one is refused in words.
    const code = await oauthCode(env.sim, alice.userid);
    const first = await env.anonymous.post('/scrm/sidebar/auth', { code });
    assert.equal(first.status, 200);
    const again = await env.anonymous.post('/scrm/sidebar/auth', { code });
    assert.equal(again.status, 400);
    assert.match(again.body.msg, /已被使用过/);
    const made = await env.anonymous.post('/scrm/sidebar/auth', { code: 'made-up' }, { 'accept-language': 'en' });
    assert.equal(made.status, 400);
    assert.match(made.body.msg, /sign-in code is not valid/);

    const token = first.body.date.token as string;
    const sidebar = env.client(token);
    assert.equal((await ok(sidebar.get('/scrm/sidebar/me'))).userid, alice.userid);
    const view = await ok(sidebar.get('/scrm/sidebar/customer', { externalUserid: alice.customer }));
    assert.equal(view.customer.externalUserid, alice.customer);
    assert.equal(view.relation.status, 'active');

    // Bob's customer and Bob's group: not found for Alice (as if they did not exist).
    assert.equal((await sidebar.get('/scrm/sidebar/customer', { externalUserid: bob.customer })).status, 404);
    assert.equal((await sidebar.get('/scrm/sidebar/group', { chatId: bob.chatId })).status, 404);
    assert.equal((await sidebar.post('/scrm/sidebar/customer/tags', { externalUserid: bob.customer, tagType: 'self', tagIds: [] })).status, 404);

    // The console's token opens no sidebar route; the sidebar's opens no console route.
    assert.equal((await admin.get('/scrm/sidebar/customer', { externalUserid: alice.customer })).status, 401);
    assert.equal((await admin.get('/scrm/sidebar/me')).status, 401);
    assert.equal((await sidebar.post('/scrm/admin/cust/info/page', { pageNum: 1, pageSize: 10 })).status, 401);
    assert.equal((await sidebar.get('/scrm/admin/reply/folder/list')).status, 401);
    assert.equal((await env.anonymous.get('/scrm/sidebar/me')).status, 401);

    // The signatures the page registers with are the ones the client accepts (the simulator's live tickets).
    const url = 'http://127.0.0.1/sidebar/?as=x';
    const signed = await ok(sidebar.post('/scrm/sidebar/js-signature', { url }));
    assert.ok(signed.agentConfig);
    const verify = async (kind: string, signature: { timestamp: number; nonceStr: string; signature: string }) =>
      (await fetch(`${env.sim.url}/client/verify`, {
        method: 'POST',
        body: JSON.stringify({ kind, corpid: signed.corpId, agentid: signed.agentId, url, ...signature }),
      }).then((response) => response.json())) as { err_msg: string };
    assert.equal((await verify('config', signed.config)).err_msg, 'config:ok');
    assert.equal((await verify('agentConfig', signed.agentConfig)).err_msg, 'agentConfig:ok');
    assert.equal((await verify('agentConfig', { ...signed.agentConfig, signature: signJsSdk({ ticket: 'other', nonceStr: 'n', timestamp: 1, url }) })).err_msg, 'agentConfig:fail invalid signature');
  });

  test('tags edited in the sidebar show in WeCom and the console at once; notes; the stage moved; the timeline; to-dos; the group; quick replies of each kind (text, image, link, file, mini-program) sent land in the conversation log, counted', async () => {
    const sidebar = env.client(await sidebarToken(env.anonymous, env.sim, alice.userid));
    const bobSidebar = env.client(await sidebarToken(env.anonymous, env.sim, bob.userid));
    const options = await ok(sidebar.get('/scrm/sidebar/tag/options'));
    const corpTag = options.corp[0].tags[0];
    const set = await ok(sidebar.post('/scrm/sidebar/customer/tags', { externalUserid: alice.customer, tagType: 'corp', tagIds: [corpTag.id] }));
    assert.deepEqual(set.corpTags.map((tag: { id: number }) => tag.id), [corpTag.id]);
    const inConsole = await ok(admin.post('/scrm/admin/cust/tagInfo/page', { pageNum: 1, pageSize: 10, externalUserid: alice.customer, userId: alice.userid }));
    assert.deepEqual(inConsole.records[0].corpTags.map((tag: { name: string }) => tag.name), [corpTag.name]);
    assert.equal(env.sim.state.relation(alice.userid, alice.customer)!.tag_ids.length, 1, 'marked in WeCom');

    // A follow-up note: in the sidebar and the console's customer drawer; only its author deletes it.
    const note = await ok(sidebar.post('/scrm/sidebar/note/save', { externalUserid: alice.customer, content: '客户想要报价单' }));
    assert.equal(note.mine, true);
    const drawer = await ok(admin.get('/scrm/admin/cust/note/list', { externalUserid: alice.customer }));
    assert.deepEqual(drawer.map((row: { content: string; employeeName: string | null }) => row.content), ['客户想要报价单']);
    assert.ok(drawer[0].employeeName);
    assert.equal((await bobSidebar.post('/scrm/sidebar/note/delete', { id: note.id })).status, 404);
    assert.equal((await bobSidebar.post('/scrm/sidebar/note/save', { externalUserid: alice.customer, content: 'x' })).status, 404);
    assert.equal((await ok(sidebar.get('/scrm/sidebar/customer', { externalUserid: alice.customer }))).notes.length, 1);

    // The stage: moved from the sidebar, with the console's history; the timeline shows the move and the tags.
    const stage = await ok(sidebar.get('/scrm/sidebar/customer/stage', { externalUserid: alice.customer }));
    const target = stage.stages.find((candidate: { id: number; kind: string }) => candidate.kind === 'normal' && candidate.id !== stage.current?.stageId);
    assert.deepEqual(await ok(sidebar.post('/scrm/sidebar/customer/stage', { externalUserid: alice.customer, stageId: target.id, note: '报价后' })), { moved: 1, unchanged: 0 });
    assert.equal((await ok(admin.get('/scrm/admin/stage/history', { externalUserid: alice.customer, userid: alice.userid }))).current.stageName, target.name);
    assert.equal((await bobSidebar.post('/scrm/sidebar/customer/stage', { externalUserid: alice.customer, stageId: target.id })).status, 404);
    const timeline = await ok(sidebar.get('/scrm/sidebar/customer/timeline', { externalUserid: alice.customer }));
    const types = timeline.records.map((event: { type: string }) => event.type);
    assert.ok(types.includes('stage_moved') && types.includes('tags_changed') && types.includes('follow_up'), types.join(','));
    assert.equal((await bobSidebar.get('/scrm/sidebar/customer/timeline', { externalUserid: alice.customer })).status, 404);
    // To-dos: only the employee's own (none yet); someone else's task id is 404.
    assert.equal((await ok(sidebar.post('/scrm/sidebar/todo/page', { pageNum: 1, pageSize: 10, view: 'today' }))).total, 0);
    assert.equal((await sidebar.post('/scrm/sidebar/todo/done', { ids: [987654] })).status, 404);

    const group = await ok(sidebar.get('/scrm/sidebar/group', { chatId: alice.chatId }));
    const chat = env.sim.state.groupChats.get(alice.chatId)!;
    assert.equal(group.name, chat.name);
    assert.equal(group.memberCount, chat.member_list.length);
    assert.equal(group.members.length, chat.member_list.length);

    // 话术库: made in the console, found and sent from the sidebar, counted.
    const folder = await ok(admin.post('/scrm/admin/reply/folder/save', { name: '开场白' }));
    const reply = await ok(admin.post('/scrm/admin/reply/save', { folderId: folder.id, title: '问候', type: 'text', content: '您好，我是您的专属顾问' }));
    assert.equal((await admin.post('/scrm/admin/reply/save', { folderId: folder.id, title: 'x', type: 'image' })).status, 400);
    const found = await ok(sidebar.post('/scrm/sidebar/reply/search', { keyword: '专属' }));
    assert.deepEqual(found.map((row: { id: number }) => row.id), [reply.id]);
    const message = await ok(sidebar.post('/scrm/sidebar/reply/message', { id: reply.id }));
    assert.deepEqual(message, { msgtype: 'text', text: { content: '您好，我是您的专属顾问' } });
    const sent = await fetch(`${env.sim.url}/client/send-chat-message`, { method: 'POST', body: JSON.stringify({ userid: alice.userid, external_userid: alice.customer, message }) }).then((response) => response.json());
    assert.equal(sent.err_msg, 'sendChatMessage:ok');
    await ok(sidebar.post('/scrm/sidebar/reply/used', { id: reply.id }));
    assert.equal((await ok(admin.post('/scrm/admin/reply/page', { pageNum: 1, pageSize: 10 }))).records[0].useCount, 1);
    assert.deepEqual(env.sim.state.chatMessages.map((row) => [row.userid, row.external_userid, row.text?.content]), [[alice.userid, alice.customer, '您好，我是您的专属顾问']]);

    // Media replies: an image goes as a media/upload id of an image (the client refuses others), a link as news.
    const png = await samplePng();
    const image = await ok(upload(env.app, admin.token, { type: 'image', scope: '1', title: '产品海报' }, { name: 'poster.png', content: png, type: 'image/png' }));
    const link = await ok(upload(env.app, admin.token, { type: 'link', title: '活动报名', url: 'https://example.com/signup', desc: '点击报名' }));
    const file = await ok(upload(env.app, admin.token, { type: 'file', title: '价目表' }, { name: 'prices.txt', content: Buffer.from('prices: 1, 2, 3\n') }));
    const mini = await ok(upload(env.app, admin.token, { type: 'miniprogram', title: '在线预约', appid: 'wx1234567890abcdef', page: 'pages/book/index.html' }, { name: 'cover.png', content: png, type: 'image/png' }));
    const imageReply = await ok(admin.post('/scrm/admin/reply/save', { folderId: folder.id, title: '海报', type: 'image', mediaId: image.id }));
    const linkReply = await ok(admin.post('/scrm/admin/reply/save', { folderId: folder.id, title: '报名链接', type: 'link', mediaId: link.id }));
    const fileReply = await ok(admin.post('/scrm/admin/reply/save', { folderId: folder.id, title: '价目表', type: 'file', mediaId: file.id }));
    const miniReply = await ok(admin.post('/scrm/admin/reply/save', { folderId: folder.id, title: '预约', type: 'miniprogram', mediaId: mini.id }));
    assert.equal((await admin.post('/scrm/admin/reply/save', { folderId: folder.id, title: 'x', type: 'link', mediaId: image.id })).status, 400, 'an image is no link');
    const imageMessage = await ok(sidebar.post('/scrm/sidebar/reply/message', { id: imageReply.id }));
    assert.equal(imageMessage.msgtype, 'image');
    assert.equal(env.sim.state.media.get(imageMessage.image.mediaid)?.type, 'image', 'a WeCom media id of an image');
    const linkMessage = await ok(sidebar.post('/scrm/sidebar/reply/message', { id: linkReply.id }));
    assert.deepEqual(linkMessage, { msgtype: 'news', news: { link: 'https://example.com/signup', title: '活动报名', desc: '点击报名', imgUrl: linkMessage.news.imgUrl } });
    const fileMessage = await ok(sidebar.post('/scrm/sidebar/reply/message', { id: fileReply.id }));
    assert.equal(env.sim.state.media.get(fileMessage.file.mediaid)?.type, 'file');
    const miniMessage = await ok(sidebar.post('/scrm/sidebar/reply/message', { id: miniReply.id }));
    assert.deepEqual({ ...miniMessage.miniprogram, imgUrl: undefined }, { appid: 'wx1234567890abcdef', title: '在线预约', page: 'pages/book/index.html', imgUrl: undefined });
    // The cover is public at the address the client loads: the uploaded picture itself.
    const cover = await env.app.inject({ method: 'GET', url: new URL(miniMessage.miniprogram.imgUrl).pathname + new URL(miniMessage.miniprogram.imgUrl).search });
    assert.equal(cover.statusCode, 200);
    assert.ok(cover.rawPayload.equals(png), 'the cover is the uploaded picture');
    for (const [replyId, payload] of [[imageReply.id, imageMessage], [linkReply.id, linkMessage], [fileReply.id, fileMessage], [miniReply.id, miniMessage]] as const) {
      const result = await fetch(`${env.sim.url}/client/send-chat-message`, { method: 'POST', body: JSON.stringify({ userid: alice.userid, external_userid: alice.customer, message: payload }) }).then((response) => response.json());
      assert.equal(result.err_msg, 'sendChatMessage:ok', JSON.stringify(payload));
      await ok(sidebar.post('/scrm/sidebar/reply/used', { id: replyId }));
    }
    const logged = env.sim.state.chatMessages.slice(-4);
    assert.deepEqual(logged.map((row) => [row.msgtype, row.image?.mediaid ?? row.news?.link ?? row.file?.mediaid ?? row.miniprogram?.appid]), [
      ['image', imageMessage.image.mediaid], ['news', 'https://example.com/signup'], ['file', fileMessage.file.mediaid], ['miniprogram', 'wx1234567890abcdef'],
    ]);
    const counts = (await ok(admin.post('/scrm/admin/reply/page', { pageNum: 1, pageSize: 10, folderId: folder.id }))).records.map((row: { id: number; useCount: number }) => [row.id, row.useCount]);
    assert.deepEqual(counts.filter(([id]: number[]) => id !== reply.id), [[imageReply.id, 1], [linkReply.id, 1], [fileReply.id, 1], [miniReply.id, 1]]);
  });

  test("the customer's lead: the employee's own linked and unlinked here (timeline, audit); another's lead is 404; a lead not theirs is not shown", async () => {
    const sidebar = env.client(await sidebarToken(env.anonymous, env.sim, alice.userid));
    const bobSidebar = env.client(await sidebarToken(env.anonymous, env.sim, bob.userid));
    const aliceName = env.sim.state.employees.get(alice.userid)!.name;
    const mine = await addLead(admin, { name: '侧边栏线索', phone: '13700000001', ownerUserid: alice.userid });
    const bobs = await addLead(admin, { name: '同事的线索', phone: '13700000002', ownerUserid: bob.userid });
    const pool = await addLead(admin, { name: '公海线索', phone: '13700000003' });
    const leadOf = (client: TestClient) => ok(client.get('/scrm/sidebar/lead', { externalUserid: alice.customer }));
    assert.deepEqual(await leadOf(sidebar), { lead: null, linkedElsewhere: false, events: [] });
    assert.equal((await bobSidebar.get('/scrm/sidebar/lead', { externalUserid: alice.customer })).status, 404, "not Bob's customer");

    // The search reaches the employee's own unlinked leads only (not a colleague's, not the pool's), by name or phone.
    const ids = (rows: Array<{ id: number }>) => rows.map((row) => row.id);
    assert.deepEqual(ids(await ok(sidebar.post('/scrm/sidebar/lead/search', {}))), [mine.id]);
    assert.deepEqual(ids(await ok(sidebar.post('/scrm/sidebar/lead/search', { keyword: '1370000' }))), [mine.id]);
    assert.deepEqual(ids(await ok(sidebar.post('/scrm/sidebar/lead/search', { keyword: '线索' }))), [mine.id]);

    // A colleague's lead or the pool's: 404, nothing linked.
    for (const clueId of [bobs.id, pool.id]) assert.equal((await sidebar.post('/scrm/sidebar/lead/link', { externalUserid: alice.customer, clueId })).status, 404);
    assert.equal((await bobSidebar.post('/scrm/sidebar/lead/link', { externalUserid: alice.customer, clueId: bobs.id })).status, 404);
    assert.equal((await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: bobs.id }))).externalUserid, null);

    const linked = await ok(sidebar.post('/scrm/sidebar/lead/link', { externalUserid: alice.customer, clueId: mine.id }));
    assert.deepEqual([linked.lead.id, linked.lead.status, linked.lead.ownerName, linked.linkedElsewhere], [mine.id, 'converted', aliceName, false]);
    assert.equal(linked.events[0].type, 'linked');
    assert.equal(linked.events[0].data.how, 'manual');
    assert.equal((await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: mine.id }))).externalUserid, alice.customer);
    assert.deepEqual(ids(await ok(sidebar.post('/scrm/sidebar/lead/search', {}))), [], 'a linked lead is not offered again');

    // Bob's lead on Bob's customer: Alice cannot unlink it, whichever customer she names.
    await ok(bobSidebar.post('/scrm/sidebar/lead/link', { externalUserid: bob.customer, clueId: bobs.id }));
    assert.equal((await sidebar.post('/scrm/sidebar/lead/unlink', { externalUserid: alice.customer, clueId: bobs.id })).status, 404);
    assert.equal((await sidebar.post('/scrm/sidebar/lead/unlink', { externalUserid: bob.customer, clueId: bobs.id })).status, 404);
    assert.equal((await bobSidebar.post('/scrm/sidebar/lead/unlink', { externalUserid: alice.customer, clueId: mine.id })).status, 404);
    assert.equal((await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: bobs.id }))).externalUserid, bob.customer);

    const unlinked = await ok(sidebar.post('/scrm/sidebar/lead/unlink', { externalUserid: alice.customer, clueId: mine.id }));
    assert.deepEqual(unlinked, { lead: null, linkedElsewhere: false, events: [] });
    const detail = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: mine.id }));
    assert.deepEqual([detail.status, detail.externalUserid], ['assigned', null]);
    const dynamics = await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: mine.id, pageNum: 1, pageSize: 10 }));
    assert.deepEqual(dynamics.records.slice(0, 2).map((event: { type: string }) => event.type), ['unlinked', 'linked']);
    const customerName = env.sim.state.customers.get(alice.customer)!.name;
    assert.equal(dynamics.records[0].data.customerName, customerName);
    const audit = await env.db.execute<{ action: string }>(sql`SELECT action FROM sys_audit_log WHERE target_type = 'lead' AND target_id = ${String(mine.id)} ORDER BY id`);
    assert.deepEqual(audit.rows.map((row) => row.action), ['lead.link', 'lead.unlink']);
    assert.equal((await sidebar.post('/scrm/sidebar/lead/unlink', { externalUserid: alice.customer, clueId: mine.id })).status, 404, 'no longer linked to this customer');

    // A lead that is not hers linked to her customer (the console links a pool lead): not shown, no link offered.
    await ok(admin.post('/scrm/admin/clue/linkCustomer', { clueId: pool.id, externalUserid: alice.customer }));
    assert.deepEqual(await leadOf(sidebar), { lead: null, linkedElsewhere: true, events: [] });
    assert.equal((await sidebar.post('/scrm/sidebar/lead/link', { externalUserid: alice.customer, clueId: mine.id })).status, 409);
    // The console's unlink: the pool lead goes back to the pool; a second unlink is 409.
    assert.equal((await ok(admin.post('/scrm/admin/clue/unlinkCustomer', { clueId: pool.id }))).status, 'pool');
    assert.equal((await admin.post('/scrm/admin/clue/unlinkCustomer', { clueId: pool.id })).status, 409);
    assert.deepEqual(await leadOf(sidebar), { lead: null, linkedElsewhere: false, events: [] });
  });

  test("我的待办's due lead follow-ups: the employee's own due leads (overdue marked); a follow-up recorded here is the console's; another's lead is 404, nothing written; hostile input 400", async () => {
    const sidebar = env.client(await sidebarToken(env.anonymous, env.sim, alice.userid));
    const bobSidebar = env.client(await sidebarToken(env.anonymous, env.sim, bob.userid));
    const now = env.clock.now;
    // The end of today in the corp's time zone: due, and not overdue until then (the test env's TZ_DEFAULT).
    const endOfToday = new Date(startOfLocalDay(new Date(now), process.env.TZ_DEFAULT ?? 'Asia/Shanghai').getTime() + 86_400_000 - 1);
    const lead = async (name: string, phone: string, ownerUserid: string | undefined, nextFollowAt: Date) => {
      const created = await addLead(admin, { name, phone, ...(ownerUserid ? { ownerUserid } : {}) });
      await ok(admin.post('/scrm/admin/clue/update', { clueId: created.id, nextFollowAt: nextFollowAt.toISOString() }));
      return created.id as number;
    };
    const overdue = await lead('逾期跟进线索', '13700000011', alice.userid, new Date(now - 2 * 86_400_000));
    const today = await lead('今日跟进线索', '13700000012', alice.userid, endOfToday);
    await lead('明日跟进线索', '13700000013', alice.userid, new Date(endOfToday.getTime() + 3600_000));
    const bobs = await lead('同事的到期线索', '13700000014', bob.userid, new Date(now - 86_400_000));
    const pool = await lead('公海到期线索', '13700000015', undefined, new Date(now - 86_400_000));

    type Due = { id: number; name: string; status: string; overdue: boolean; nextFollowAt: string; lastFollowAt: string | null };
    const due = async (client: TestClient) => (await ok(client.post('/scrm/sidebar/lead/due', {}))).records as Due[];
    const list = await due(sidebar);
    assert.deepEqual(list.map((row) => [row.id, row.name, row.status, row.overdue, row.lastFollowAt]), [
      [overdue, '逾期跟进线索', 'assigned', true, null],
      [today, '今日跟进线索', 'assigned', false, null],
    ]);
    assert.equal(list[1].nextFollowAt, endOfToday.toISOString());
    assert.deepEqual((await due(bobSidebar)).map((row) => row.id), [bobs]);

    // Another's lead or the pool's: 404 (named as a lead, zh/en), no follow-up written.
    for (const leadId of [bobs, pool]) {
      const refused = await sidebar.post('/scrm/sidebar/lead/followup', { leadId, content: '不是我的' }, { 'accept-language': 'en' });
      assert.equal(refused.status, 404);
      assert.equal(refused.body.msg, `Lead ${leadId} not found`);
      assert.deepEqual((await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: leadId }))).followUps, []);
    }
    assert.match((await sidebar.post('/scrm/sidebar/lead/followup', { leadId: bobs, content: '不是我的' })).body.msg, /线索不存在/);
    // Hostile input: 400, nothing written.
    for (const body of [
      { leadId: overdue, content: '   ' },
      { leadId: overdue, content: 'x'.repeat(2001) },
      { leadId: overdue },
      { leadId: -1, content: '跟进' },
      { leadId: 'drop table lead', content: '跟进' },
      { leadId: overdue, content: '跟进', nextFollowAt: 'tomorrow' },
      { leadId: overdue, content: '跟进', method: 'fax' },
    ]) {
      assert.equal((await sidebar.post('/scrm/sidebar/lead/followup', body)).status, 400, JSON.stringify(body).slice(0, 80));
    }
    assert.deepEqual((await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: overdue }))).followUps, []);

    // Done: the overdue lead followed up without a next time leaves the list; the one given a next time later today stays.
    const done = await ok(sidebar.post('/scrm/sidebar/lead/followup', { leadId: overdue, content: '电话沟通了报价' }));
    assert.deepEqual([done.id, done.nextFollowAt], [overdue, null]);
    assert.ok(done.lastFollowAt);
    await ok(sidebar.post('/scrm/sidebar/lead/followup', { leadId: today, content: '约了今晚再聊', nextFollowAt: endOfToday.toISOString() }));
    assert.deepEqual((await due(sidebar)).map((row) => [row.id, row.lastFollowAt !== null]), [[today, true]]);

    // In the console: the follow-up list and the lead's timeline, by the employee, as the console's own 手动跟进.
    const detail = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: overdue }));
    assert.deepEqual(detail.followUps.map((row: { content: string; method: string }) => [row.content, row.method]), [['电话沟通了报价', 'wechat']]);
    assert.equal(detail.nextFollowAt, null);
    const dynamics = await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: overdue, pageNum: 1, pageSize: 10 }));
    assert.equal(dynamics.records[0].type, 'followed_up');
    assert.equal(dynamics.records[0].data.content, '电话沟通了报价');
    assert.deepEqual((await ok(admin.post('/scrm/admin/clue/page', { pageNum: 1, pageSize: 50, followUp: 'due', ownerUserid: alice.userid }))).records.map((row: { id: number }) => row.id), [today]);
  });

  test('a group chat the employee is in but does not own shows; one they are not in (or left) is 404', async () => {
    const bobSidebar = env.client(await sidebarToken(env.anonymous, env.sim, bob.userid));
    const chat = env.sim.state.groupChats.get(alice.chatId)!;
    if (chat.member_list.some((member) => member.userid === bob.userid)) {
      env.sim.actions.quitGroupChat({ chat_id: alice.chatId, members: [bob.userid] });
      await env.settle();
    }
    assert.equal((await bobSidebar.get('/scrm/sidebar/group', { chatId: alice.chatId })).status, 404);
    env.sim.actions.joinGroupChat({ chat_id: alice.chatId, members: [bob.userid] });
    await env.settle();
    const group = await ok(bobSidebar.get('/scrm/sidebar/group', { chatId: alice.chatId }));
    assert.equal(group.ownerName, env.sim.state.employees.get(alice.userid)!.name);
    assert.equal(group.memberCount, chat.member_list.length);
    assert.ok(group.joinedToday >= 1);
    assert.ok(group.members.some((member: { name: string; type: number }) => member.type === 1 && member.name === env.sim.state.employees.get(bob.userid)!.name));
    env.sim.actions.quitGroupChat({ chat_id: alice.chatId, members: [bob.userid] });
    await env.settle();
    assert.equal((await bobSidebar.get('/scrm/sidebar/group', { chatId: alice.chatId })).status, 404);
  });
});
