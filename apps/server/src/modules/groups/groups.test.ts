import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { createDept, createRole, createUser, ok, PASSWORD } from '../system/test-fixtures.ts';
import { pick, readXlsx } from '../customers/customers.testing.ts';
import { addDays, expectedGroup, expectedMembers, shanghai } from './groups.testing.ts';
import { dayOf } from './group-days.ts';
import { MEMBER_EXPORT_COLUMNS } from './member-export.ts';

const GROUP_PERMS = ['group:list', 'group:member:list', 'group:member:export', 'group:stat', 'qw:chat:list', 'qw:chat:query'];

describe('groups: sync through the simulator', () => {
  let env: WecomTestEnv;
  let admin: TestClient;

  before(async () => {
    env = await createWecomTestEnv({ sizes: { groups: 6, maxGroupMembers: 12 } });
    admin = await env.login();
    await env.syncOrg();
    const started = await ok(admin.post('/scrm/admin/group/sync'));
    assert.equal(started.type, 'groups.sync');
    const job = await env.jobs.waitFor(started.id, 60_000);
    assert.equal(job.state, 'completed', job.error ?? '');
  });
  after(() => env?.close());

  test('a sync reproduces every group and member of the simulator; the job shows its progress', async () => {
    const chats = [...env.sim.state.groupChats.values()].filter((chat) => !chat.dismissed);
    assert.ok(chats.length >= 6);
    const named = await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM group_chat g JOIN qw_emp e ON e.userid = g.owner`);
    assert.ok(Number(named.rows[0].n) > 0, 'owners named from the organisation mirror');
    const page = await ok(admin.post('/scrm/admin/group/page', { pageSize: 100 }));
    assert.equal(page.total, chats.length);
    for (const chat of chats) {
      const stored = page.records.find((record: any) => record.chatId === chat.chat_id);
      const want = expectedGroup(env.sim, chat.chat_id);
      assert.deepEqual(pick(stored, want), want);
      const mirrored = await env.db.execute<{ name: string }>(sql`SELECT name FROM qw_emp WHERE userid = ${chat.owner}`);
      // An owner who left before the organisation sync is not in the mirror: named as WeCom named them in the member list.
      const ownerInSim = env.sim.state.employees.get(chat.owner)!;
      assert.equal(stored.ownerName, mirrored.rows[0]?.name ?? ownerInSim.name);
      assert.equal(stored.ownerDeparted, ownerInSim.resignedAt !== undefined, `${chat.owner} departed`);
      const members = (await ok(admin.get('/scrm/admin/group/members', { chatId: chat.chat_id }))) as any[];
      const wantMembers = expectedMembers(env.sim, chat.chat_id);
      assert.deepEqual(
        members.map((member) => pick(member, wantMembers[0])).sort((a, b) => (a.userid < b.userid ? -1 : 1)),
        wantMembers,
      );
    }
    const jobId = (await env.db.execute<{ id: number }>(sql`SELECT max(id) AS id FROM sys_job WHERE type = 'groups.sync'`)).rows[0].id;
    const job = await ok(admin.get('/scrm/admin/job/get', { id: jobId }));
    assert.equal(job.state, 'completed');
    assert.equal(job.total, chats.length);
    assert.equal(job.progress, chats.length);
    const memberCount = chats.reduce((sum, chat) => sum + chat.member_list.length, 0);
    assert.deepEqual(job.result, { groups: chats.length, skipped: 0, members: memberCount, quits: 0, dismissed: 0, resumed: false });
  });

  test('one sync at a time; a second sync changes nothing', async () => {
    const snapshot = async () => (await env.db.execute(sql`SELECT * FROM group_member ORDER BY id`)).rows;
    const before = await snapshot();
    const first = await ok(admin.post('/scrm/admin/group/sync'));
    const second = await ok(admin.post('/scrm/admin/group/sync'));
    assert.equal(second.id, first.id);
    const job = await env.jobs.waitFor(first.id, 60_000);
    assert.equal(job.state, 'completed');
    assert.equal((job.result as any).quits, 0);
    assert.deepEqual(await snapshot(), before);
  });

  test('a sync ends the periods of members WeCom no longer lists and marks groups WeCom no longer knows dismissed', async () => {
    const chat = [...env.sim.state.groupChats.values()][0];
    await env.db.execute(sql`INSERT INTO group_member (chat_id, userid, type, join_time) VALUES (${chat.chat_id}, 'wmGhost', 2, now() - interval '1 day')`);
    await env.db.execute(sql`INSERT INTO group_chat (chat_id, name, owner, create_time) VALUES ('wrGoneGroup', '消失的群', ${chat.owner}, now() - interval '2 days')`);
    const started = await ok(admin.post('/scrm/admin/group/sync'));
    const job = await env.jobs.waitFor(started.id, 60_000);
    assert.equal(job.state, 'completed', job.error ?? '');
    assert.equal((job.result as any).quits, 1);
    assert.equal((job.result as any).dismissed, 1);
    const [ghost] = (await ok(admin.post('/scrm/admin/group/member/page', { chatId: chat.chat_id, userid: 'wmGhost' }))).records;
    assert.ok(ghost.quitTime, 'the ghost quit');
    assert.equal(ghost.quitScene, null, 'how is unknown');
    const [gone] = (await ok(admin.post('/scrm/admin/group/page', { chatId: 'wrGoneGroup' }))).records;
    assert.equal(gone.dismissed, true);
    assert.ok(gone.dismissedAt);
    assert.equal((await ok(admin.post('/scrm/admin/group/page', { dismissed: false, pageSize: 1 }))).total, env.sim.state.groupChats.size);
  });
});

describe('groups: a scripted history of events across several days', () => {
  let env: WecomTestEnv;
  let admin: TestClient;
  // Day 1 is tomorrow (Asia/Shanghai), so the clock only ever moves forward.
  const day1 = addDays(dayOf(Date.now(), 'Asia/Shanghai'), 1);
  const day2 = addDays(day1, 1);
  const day3 = addDays(day1, 2);
  const STATE = 'qr-spring';
  let chatA = '';
  let chatB = '';
  const c: string[] = [];
  const atTime = async (day: string, time: string, action: () => void) => {
    env.clock.now = shanghai(day, time);
    action();
    await env.settle();
  };
  const stat = (chatId: string) => ok(admin.get('/scrm/admin/group/member/stat', { chatId }));
  const membersOf = async (chatId: string) =>
    ((await ok(admin.post('/scrm/admin/group/member/page', { chatId, pageSize: 100 }))).records as any[]).sort((a, b) => a.id - b.id);

  before(async () => {
    env = await createWecomTestEnv({ sizes: { groups: 2 }, env: { JWT_TTL_HOURS: '10000' } });
    admin = await env.login();
    const { actions } = env.sim;
    for (const userid of ['owner_e1', 'owner_e2', 'owner_e3']) actions.createEmployee({ userid, name: `员工${userid.slice(-1)}` });
    for (let index = 1; index <= 7; index++) c.push(actions.addCustomer({ userid: 'owner_e1', customer: { name: `客户${index}` } }).external_userid);
    await env.settle();
    await env.syncOrg();

    await atTime(day1, '10:00', () => (chatA = actions.createGroupChat({ owner: 'owner_e1', name: 'VIP群', members: [c[0], c[1]] }).chat_id));
    await atTime(day1, '10:05', () => actions.joinGroupChat({ chat_id: chatA, members: [c[2]], join_scene: 1, invitor: 'owner_e1' }));
    await atTime(day1, '10:10', () => actions.joinGroupChat({ chat_id: chatA, members: [c[3], c[4]], join_scene: 3, state: STATE }));
    await atTime(day1, '10:20', () => (chatB = actions.createGroupChat({ owner: 'owner_e2', name: '售后群', members: [c[5]] }).chat_id));
    await atTime(day1, '11:00', () => actions.joinGroupChat({ chat_id: chatB, members: [c[6]], join_scene: 3, state: STATE }));
  });
  after(() => env?.close());

  test('day 1: groups created, members joined by invitation and by QR with a state', async () => {
    env.clock.now = shanghai(day1, '18:00');
    const members = await membersOf(chatA);
    assert.deepEqual(
      members.map((member) => [member.userid, member.type, member.joinScene, member.invitor, member.state, member.joinTime]),
      [
        ['owner_e1', 1, 1, null, '', new Date(shanghai(day1, '10:00')).toISOString()],
        [c[0], 2, 1, 'owner_e1', '', new Date(shanghai(day1, '10:00')).toISOString()],
        [c[1], 2, 1, 'owner_e1', '', new Date(shanghai(day1, '10:00')).toISOString()],
        [c[2], 2, 1, 'owner_e1', '', new Date(shanghai(day1, '10:05')).toISOString()],
        [c[3], 2, 3, null, STATE, new Date(shanghai(day1, '10:10')).toISOString()],
        [c[4], 2, 3, null, STATE, new Date(shanghai(day1, '10:10')).toISOString()],
      ],
    );
    assert.equal(members[1].name, '客户1');
    assert.deepEqual(await stat(chatA), { chatId: chatA, memberCount: 6, customerCount: 5, joinedToday: 6, quitToday: 0, date: day1 });
    assert.deepEqual(await stat(chatB), { chatId: chatB, memberCount: 3, customerCount: 2, joinedToday: 3, quitToday: 0, date: day1 });
    const group = await ok(admin.post('/scrm/admin/group/page', { chatId: chatA }));
    assert.deepEqual(pick(group.records[0], expectedGroup(env.sim, chatA)), expectedGroup(env.sim, chatA));
  });

  test('day 2: one quits, one is removed, the owner changes, the group is renamed', async () => {
    const { actions } = env.sim;
    await atTime(day2, '09:00', () => actions.quitGroupChat({ chat_id: chatA, members: [c[3]], quit_scene: 0 }));
    await atTime(day2, '09:30', () => actions.quitGroupChat({ chat_id: chatA, members: [c[2]], quit_scene: 1 }));
    await atTime(day2, '10:00', () => actions.changeGroupOwner({ chat_id: chatA, new_owner: 'owner_e3' }));
    await atTime(day2, '11:00', () => actions.renameGroupChat({ chat_id: chatA, name: 'VIP尊享群' }));
    await atTime(day2, '11:10', () => actions.changeGroupNotice({ chat_id: chatA, notice: '欢迎各位' }));
    env.clock.now = shanghai(day2, '12:00');

    const members = await membersOf(chatA);
    const byUser = new Map(members.map((member) => [member.userid, member]));
    assert.equal(byUser.get(c[3]).quitTime, new Date(shanghai(day2, '09:00')).toISOString());
    assert.equal(byUser.get(c[3]).quitScene, 0, 'left by themselves');
    assert.equal(byUser.get(c[2]).quitTime, new Date(shanghai(day2, '09:30')).toISOString());
    assert.equal(byUser.get(c[2]).quitScene, 1, 'removed');
    assert.equal(byUser.get('owner_e3').joinTime, new Date(shanghai(day2, '10:00')).toISOString());
    const [group] = (await ok(admin.post('/scrm/admin/group/page', { chatId: chatA }))).records;
    assert.equal(group.owner, 'owner_e3');
    assert.equal(group.name, 'VIP尊享群');
    assert.equal(group.notice, '欢迎各位');
    assert.deepEqual(pick(group, expectedGroup(env.sim, chatA)), expectedGroup(env.sim, chatA));
    assert.deepEqual(await stat(chatA), { chatId: chatA, memberCount: 5, customerCount: 3, joinedToday: 1, quitToday: 2, date: day2 });
  });

  test('day 3: a member comes back by QR (a new period), the other group is dismissed and kept', async () => {
    const { actions } = env.sim;
    await atTime(day3, '09:00', () => actions.joinGroupChat({ chat_id: chatA, members: [c[3]], join_scene: 3, state: STATE }));
    await atTime(day3, '10:00', () => actions.dismissGroupChat({ chat_id: chatB }));
    env.clock.now = shanghai(day3, '12:00');

    const periods = (await membersOf(chatA)).filter((member) => member.userid === c[3]);
    assert.deepEqual(
      periods.map((member) => [member.joinTime, member.quitTime, member.quitScene]),
      [
        [new Date(shanghai(day1, '10:10')).toISOString(), new Date(shanghai(day2, '09:00')).toISOString(), 0],
        [new Date(shanghai(day3, '09:00')).toISOString(), null, null],
      ],
    );
    assert.deepEqual(await stat(chatA), { chatId: chatA, memberCount: 6, customerCount: 4, joinedToday: 1, quitToday: 0, date: day3 });
    assert.deepEqual(await stat(chatB), { chatId: chatB, memberCount: 0, customerCount: 0, joinedToday: 0, quitToday: 0, date: day3 });
    const [dismissed] = (await ok(admin.post('/scrm/admin/group/page', { chatId: chatB }))).records;
    assert.equal(dismissed.dismissed, true);
    assert.equal(dismissed.dismissedAt, new Date(shanghai(day3, '10:00')).toISOString());
    assert.equal((await membersOf(chatB)).length, 3, 'members of a dismissed group are kept');
    const live = (await ok(admin.get('/scrm/admin/group/list'))) as any[];
    assert.ok(live.some((group) => group.chatId === chatA));
    assert.ok(!live.some((group) => group.chatId === chatB), 'the list shows live groups');
  });

  test('group statistics per owner over date ranges', async () => {
    const owners = ['owner_e1', 'owner_e2', 'owner_e3'];
    const all = await ok(admin.post('/scrm/admin/group/member/groupStats', { startDate: day1, endDate: day3, owners }));
    assert.deepEqual(all.owners.map((row: any) => pick(row, { owner: '', groups: 0, newGroups: 0, members: 0, newMembers: 0, quits: 0 })), [
      { owner: 'owner_e3', groups: 1, newGroups: 1, members: 6, newMembers: 8, quits: 2 },
      { owner: 'owner_e2', groups: 0, newGroups: 1, members: 0, newMembers: 3, quits: 0 },
    ]);
    assert.deepEqual(all.total, { groups: 1, newGroups: 2, members: 6, newMembers: 11, quits: 2 });
    const second = await ok(admin.post('/scrm/admin/group/member/groupStats', { startDate: day2, endDate: day2, owners }));
    assert.deepEqual(second.owners.map((row: any) => pick(row, { owner: '', groups: 0, newGroups: 0, members: 0, newMembers: 0, quits: 0 })), [
      { owner: 'owner_e3', groups: 1, newGroups: 0, members: 5, newMembers: 1, quits: 2 },
      { owner: 'owner_e2', groups: 1, newGroups: 0, members: 3, newMembers: 0, quits: 0 },
    ]);
    const first = await ok(admin.post('/scrm/admin/group/member/groupStats', { startDate: day1, endDate: day1, owners }));
    assert.deepEqual(first.total, { groups: 2, newGroups: 2, members: 9, newMembers: 9, quits: 0 });
  });

  test('channel statistics and the member page by state', async () => {
    const byState = await ok(admin.post('/scrm/admin/group/member/page', { state: STATE, pageSize: 50 }));
    assert.deepEqual(byState.records.map((row: any) => row.userid).sort(), [c[3], c[3], c[4], c[6]].sort());
    const channel = await ok(admin.post('/scrm/admin/group/member/channelStats', { state: STATE, startDate: day1, endDate: day3 }));
    assert.deepEqual(pick(channel, { state: '', joined: 0, quit: 0, current: 0 }), { state: STATE, joined: 4, quit: 1, current: 2 });
    assert.deepEqual(
      channel.groups.map((row: any) => [row.chatId, row.joined, row.quit, row.current, row.dismissed]),
      [
        [chatA, 3, 1, 2, false],
        [chatB, 1, 0, 0, true],
      ],
    );
    assert.deepEqual(channel.days, [
      { date: day1, joined: 3, quit: 0 },
      { date: day2, joined: 0, quit: 1 },
      { date: day3, joined: 1, quit: 0 },
    ]);
    const lastDay = await ok(admin.post('/scrm/admin/group/member/channelStats', { state: STATE, startDate: day3, endDate: day3 }));
    assert.deepEqual(pick(lastDay, { joined: 0, quit: 0, current: 0 }), { joined: 1, quit: 0, current: 1 });
    const bad = await admin.post('/scrm/admin/group/member/channelStats', { state: STATE, startDate: day3 });
    assert.equal(bad.status, 400);
  });

  test('the member export: every period of a group, Chinese headers, values as the page shows them', async () => {
    const response = await admin.post('/scrm/admin/group/member/export', { chatId: chatA });
    assert.equal(response.status, 200);
    assert.match(String(response.raw.headers['content-type']), /spreadsheetml/);
    const rows = await readXlsx(response.raw.rawPayload);
    assert.deepEqual(rows[0], MEMBER_EXPORT_COLUMNS.map((column) => column.header));
    assert.equal(rows.length - 1, 8);
    const column = (header: string) => rows[0].indexOf(header);
    const rowOf = (userid: string, status: string) => rows.find((row) => row[column('成员ID')] === userid && row[column('状态')] === status)!;
    const quitter = rowOf(c[3], '已退群');
    assert.equal(quitter[column('群名称')], 'VIP尊享群');
    assert.equal(quitter[column('成员名称')], '客户4');
    assert.equal(quitter[column('成员类型')], '外部联系人');
    assert.equal(quitter[column('入群时间')], `${day1} 10:10:00`);
    assert.equal(quitter[column('入群方式')], '通过扫描群二维码入群');
    assert.equal(quitter[column('渠道')], '未知渠道', 'a state no SCRM join way made');
    assert.equal(quitter[column('渠道参数')], STATE);
    assert.equal(quitter[column('退群时间')], `${day2} 09:00:00`);
    assert.equal(quitter[column('退群方式')], '自己退群');
    assert.equal(rowOf(c[2], '已退群')[column('退群方式')], '被移出群聊');
    assert.equal(rowOf(c[2], '已退群')[column('邀请人')], env.sim.state.employees.get('owner_e1')?.name ?? 'owner_e1');
    assert.equal(rowOf(c[3], '在群')[column('入群时间')], `${day3} 09:00:00`);
    // Newest join first, as the page.
    const page = await ok(admin.post('/scrm/admin/group/member/page', { chatId: chatA, pageSize: 100 }));
    assert.deepEqual(rows.slice(1).map((row) => row[column('成员ID')]), page.records.map((row: any) => row.userid));
  });

  test('a redelivered or replayed event changes nothing; a member event already applied needs no fetch', async () => {
    const snapshot = async () => ({
      groups: (await env.db.execute(sql`SELECT * FROM group_chat ORDER BY id`)).rows,
      members: (await env.db.execute(sql`SELECT * FROM group_member ORDER BY id`)).rows,
    });
    const before = await snapshot();
    const events = await env.db.execute<{ id: number; change_type: string }>(sql`SELECT id, change_type FROM wx_event WHERE event = 'change_external_chat' ORDER BY id`);
    assert.ok(events.rows.length >= 12);

    // The last member event of group A: its CurMemVer is the stored version, so no groupchat/get.
    const last = await env.db.execute<{ id: number }>(sql`
      SELECT id FROM wx_event WHERE event = 'change_external_chat' AND payload->>'chatId' = ${chatA} AND payload->>'updateDetail' = 'add_member'
      ORDER BY id DESC LIMIT 1`);
    env.wecomCalls.clear();
    await ok(admin.post('/scrm/admin/event/replay', { ids: [Number(last.rows[0].id)] }));
    await env.settle();
    assert.equal(env.wecomCalls.get('externalcontact/groupchat/get') ?? 0, 0, 'up to date: no fetch');

    await ok(admin.post('/scrm/admin/event/replay', { ids: events.rows.map((row) => Number(row.id)) }));
    await env.settle();
    assert.ok((env.wecomCalls.get('externalcontact/groupchat/get') ?? 0) > 0);
    assert.deepEqual(await snapshot(), before);
  });

  test('data scope by group owner: a self-scope user bound to owner_e3 sees group A only', async () => {
    const roleId = await createRole(env, admin, { roleKey: 'group_self', perms: GROUP_PERMS, dataScope: 5 });
    const userId = await createUser(admin, { username: 'owner3user', roleIds: [roleId] });
    await ok(admin.post('/scrm/admin/sys/user/bindQwUserid', { userId, qwUserid: 'owner_e3' }));
    const user = await env.login('owner3user', PASSWORD);

    const groups = await ok(user.post('/scrm/admin/group/page', { pageSize: 100 }));
    assert.deepEqual(groups.records.map((row: any) => row.chatId), [chatA]);
    assert.deepEqual((await ok(user.post('/scrm/admin/qw/chat/page', { pageSize: 100 }))).total, 1);
    const members = await ok(user.post('/scrm/admin/group/member/page', { pageSize: 100 }));
    assert.ok(members.records.length === 8 && members.records.every((row: any) => row.chatId === chatA));
    assert.equal((await user.get('/scrm/admin/group/member/stat', { chatId: chatB })).status, 404);
    assert.equal((await user.get('/scrm/admin/group/members', { chatId: chatB })).status, 404);
    const memberOfB = (await membersOf(chatB))[0];
    assert.equal((await user.get('/scrm/admin/group/member/get', { id: memberOfB.id })).status, 404);
    assert.equal((await ok(user.get('/scrm/admin/group/member/get', { id: (await membersOf(chatA))[0].id }))).chatId, chatA);
    const stats = await ok(user.post('/scrm/admin/group/member/groupStats', { startDate: day1, endDate: day3 }));
    assert.deepEqual(stats.owners.map((row: any) => row.owner), ['owner_e3']);
    const channel = await ok(user.post('/scrm/admin/group/member/channelStats', { state: STATE }));
    assert.deepEqual(channel.groups.map((row: any) => row.chatId), [chatA]);
    const exported = await readXlsx((await user.post('/scrm/admin/group/member/export', {})).raw.rawPayload);
    assert.equal(exported.length - 1, 8);
    // Without group:sync the sync is forbidden.
    assert.equal((await user.post('/scrm/admin/group/sync')).status, 403);
  });

  test('data scope by department: an own-department user sees the groups of owners bound to users of that department', async () => {
    const root = (await ok(admin.get('/scrm/admin/sys/dept/tree')))[0].id;
    const deptId = await createDept(admin, '售后部', root);
    const ownerUser = await createUser(admin, { username: 'owner2user', deptId });
    await ok(admin.post('/scrm/admin/sys/user/bindQwUserid', { userId: ownerUser, qwUserid: 'owner_e2' }));
    const roleId = await createRole(env, admin, { roleKey: 'group_dept', perms: GROUP_PERMS, dataScope: 3 });
    await createUser(admin, { username: 'deptviewer', roleIds: [roleId], deptId });
    const viewer = await env.login('deptviewer', PASSWORD);
    assert.deepEqual((await ok(viewer.post('/scrm/admin/group/page', { pageSize: 100 }))).records.map((row: any) => row.chatId), [chatB]);
    assert.equal((await ok(viewer.post('/scrm/admin/group/member/page', { pageSize: 100 }))).total, 3);
    assert.equal((await viewer.get('/scrm/admin/group/member/stat', { chatId: chatA })).status, 404);
    assert.equal((await ok(viewer.get('/scrm/admin/group/member/stat', { chatId: chatB }))).memberCount, 0);
  });

  test('企微聊天群: get, edit the remark, register a group by chat id', async () => {
    const [group] = (await ok(admin.post('/scrm/admin/qw/chat/page', { chatId: chatA }))).records;
    const saved = await ok(admin.post('/scrm/admin/qw/chat/save', { id: group.id, remark: '重点客户群' }));
    assert.equal(saved.remark, '重点客户群');
    assert.equal((await ok(admin.get('/scrm/admin/qw/chat/get', { id: group.id }))).remark, '重点客户群');
    assert.equal((await admin.post('/scrm/admin/qw/chat/save', { chatId: chatA })).status, 409);
    assert.equal((await admin.post('/scrm/admin/qw/chat/save', { chatId: 'wrNoSuchChat' })).status, 404);
    assert.equal((await admin.post('/scrm/admin/qw/chat/save', {})).status, 400);
    assert.equal((await admin.get('/scrm/admin/qw/chat/get', { id: 999999 })).status, 404);
  });
});
