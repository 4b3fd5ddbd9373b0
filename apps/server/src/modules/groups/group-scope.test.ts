// Data scope of customer groups, their members and the member export (issue 14): a self-scope user and a
// department-scope user see, export and act on exactly the groups their employees own; another owner's group
// or member by id is a 404 and changes nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { createScopedUser, departmentUnderRoot, okDate as ok, type ScopedClient } from '../../testing/scope-users.ts';
import { readXlsx } from '../customers/customers.testing.ts';
import { dayOf } from './group-days.ts';
import { addDays } from './groups.testing.ts';

const PERMS = ['group:list', 'group:member:list', 'group:member:export', 'group:stat', 'qw:chat:list', 'qw:chat:query', 'qw:chat:save'];

type GroupRow = {
  id: number;
  chat_id: string;
  owner: string;
  dismissed: boolean;
};

describe('group data scope: self and department scope see, export and act on exactly their own', () => {
  let env: WecomTestEnv;
  let admin: TestClient;
  let groups: GroupRow[];
  let members: Array<{ id: number; chat_id: string; userid: string }>;
  let owners: { self: string; department: string; outsider: string };
  let cases: Array<{ client: () => ScopedClient; own: string[] }>;

  const groupsOf = (userids: string[]) => groups.filter((row) => userids.includes(row.owner));
  const membersOf = (userids: string[]) => {
    const chats = new Set(groupsOf(userids).map((row) => row.chat_id));
    return members.filter((row) => chats.has(row.chat_id));
  };
  const byId = (a: number, b: number) => a - b;

  before(async () => {
    env = await createWecomTestEnv({ sizes: { groups: 8, maxGroupMembers: 12 } });
    admin = await env.login();
    await env.syncOrg();
    await env.runJob('groups.sync');
    groups = (await env.db.execute<GroupRow>(sql`SELECT id, chat_id, owner, dismissed FROM group_chat ORDER BY id`)).rows.map((row) => ({ ...row, id: Number(row.id) }));
    members = (await env.db.execute<{ id: number; chat_id: string; userid: string }>(sql`SELECT id, chat_id, userid FROM group_member ORDER BY id`)).rows.map(
      (row) => ({ ...row, id: Number(row.id) }),
    );
    const distinct = [...new Set(groups.filter((row) => !row.dismissed).map((row) => row.owner))];
    assert.ok(distinct.length >= 3, 'three owners of live groups');
    owners = { self: distinct[0], department: distinct[1], outsider: distinct[2] };
    const department = await departmentUnderRoot(admin, '社群运营部');
    const self = await createScopedUser(env, admin, { username: 'group_self', perms: PERMS, dataScope: 5, qwUserid: owners.self });
    await createScopedUser(env, admin, { username: 'group_member', perms: ['group:list'], dataScope: 5, qwUserid: owners.department, deptId: department });
    const lead = await createScopedUser(env, admin, { username: 'group_lead', perms: PERMS, dataScope: 3, deptId: department });
    await createScopedUser(env, admin, { username: 'group_outsider', perms: ['group:list'], dataScope: 5, qwUserid: owners.outsider });
    cases = [
      { client: () => self, own: [owners.self] },
      { client: () => lead, own: [owners.department] },
    ];
  });
  after(() => env?.close());

  for (const [index, name] of ['self scope', 'department scope'].entries()) {
    const scenario = () => cases[index];

    test(`${name}: group and member lists, statistics and the export hold exactly their owners' groups`, async () => {
      const { client, own } = scenario();
      const mine = groupsOf(own);
      for (const url of ['/scrm/admin/group/page', '/scrm/admin/qw/chat/page']) {
        const page = await ok(client().post(url, { pageSize: 100 }));
        assert.deepEqual(page.records.map((row: any) => row.id).sort(byId), mine.map((row) => row.id), url);
        assert.equal(page.total, mine.length);
      }
      const live = await ok(client().get('/scrm/admin/group/list'));
      assert.deepEqual(live.map((row: any) => row.chatId).sort(), mine.filter((row) => !row.dismissed).map((row) => row.chat_id).sort());
      const memberPage = await ok(client().post('/scrm/admin/group/member/page', { pageSize: 500 }));
      assert.deepEqual(memberPage.records.map((row: any) => row.id).sort(byId), membersOf(own).map((row) => row.id));
      assert.equal(memberPage.total, membersOf(own).length);
      assert.equal((await ok(client().post('/scrm/admin/group/member/page', { chatId: groupsOf([owners.outsider])[0].chat_id }))).total, 0);
      const today = dayOf(env.clock.now, 'Asia/Shanghai');
      const stats = await ok(client().post('/scrm/admin/group/member/groupStats', { startDate: addDays(today, -300), endDate: today }));
      assert.deepEqual(stats.owners.map((row: any) => row.owner), own);

      const exported = await client().post('/scrm/admin/group/member/export', {});
      assert.equal(exported.status, 200);
      const [, ...rows] = await readXlsx(exported.raw.rawPayload);
      assert.equal(rows.length, membersOf(own).length, 'the export has exactly the rows of their member page');
      const theirChat = groupsOf([owners.outsider])[0].chat_id;
      const filtered = await readXlsx((await client().post('/scrm/admin/group/member/export', { chatId: theirChat })).raw.rawPayload);
      assert.equal(filtered.length, 1, "a filter on another owner's group exports the header only");
    });

    test(`${name}: another owner's group or member by id is a 404; their own is found`, async () => {
      const { client, own } = scenario();
      const mine = groupsOf(own).find((row) => !row.dismissed)!;
      const theirs = groupsOf([owners.outsider]).find((row) => !row.dismissed)!;
      assert.equal((await ok(client().get('/scrm/admin/qw/chat/get', { id: mine.id }))).chatId, mine.chat_id);
      assert.equal((await client().get('/scrm/admin/qw/chat/get', { id: theirs.id })).status, 404);
      assert.equal((await client().get('/scrm/admin/group/members', { chatId: theirs.chat_id })).status, 404);
      assert.ok((await ok(client().get('/scrm/admin/group/members', { chatId: mine.chat_id }))).length > 0);
      assert.equal((await client().get('/scrm/admin/group/member/stat', { chatId: theirs.chat_id })).status, 404);
      assert.equal((await ok(client().get('/scrm/admin/group/member/stat', { chatId: mine.chat_id }))).chatId, mine.chat_id);
      const theirMember = members.find((row) => row.chat_id === theirs.chat_id)!;
      const myMember = members.find((row) => row.chat_id === mine.chat_id)!;
      assert.equal((await client().get('/scrm/admin/group/member/get', { id: theirMember.id })).status, 404);
      assert.equal((await ok(client().get('/scrm/admin/group/member/get', { id: myMember.id }))).chatId, mine.chat_id);
    });

    test(`${name}: editing another owner's group is a 404 and changes nothing; their own is edited`, async () => {
      const { client, own } = scenario();
      const mine = groupsOf(own)[0];
      const theirs = groupsOf([owners.outsider])[0];
      const row = async (id: number) => (await env.db.execute(sql`SELECT remark, muser, mtime FROM group_chat WHERE id = ${id}`)).rows[0];
      const before = await row(theirs.id);
      assert.equal((await client().post('/scrm/admin/qw/chat/save', { id: theirs.id, remark: '不该改' })).status, 404);
      assert.deepEqual(await row(theirs.id), before);
      assert.equal((await ok(client().post('/scrm/admin/qw/chat/save', { id: mine.id, remark: `${name} 备注` }))).remark, `${name} 备注`);
    });
  }

  test("registering a group by chat id: only one whose owner is in the caller's scope; another owner's is a 404 and nothing is stored", async () => {
    const theirs = groupsOf([owners.outsider]).find((row) => !row.dismissed)!;
    const mine = groupsOf([owners.self]).find((row) => !row.dismissed)!;
    // Both forgotten here, as if never synced (WeCom still has them).
    for (const chat of [theirs, mine]) {
      await env.db.execute(sql`DELETE FROM group_member WHERE chat_id = ${chat.chat_id}`);
      await env.db.execute(sql`DELETE FROM group_chat WHERE chat_id = ${chat.chat_id}`);
    }
    const stored = async (chatId: string) => Number((await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM group_chat WHERE chat_id = ${chatId}`)).rows[0].n);
    const self = cases[0].client();
    assert.equal((await self.post('/scrm/admin/qw/chat/save', { chatId: theirs.chat_id, remark: '不该登记' })).status, 404);
    assert.equal(await stored(theirs.chat_id), 0, 'nothing stored');
    const registered = await ok(self.post('/scrm/admin/qw/chat/save', { chatId: mine.chat_id, remark: '自己的群' }));
    assert.deepEqual([registered.chatId, registered.owner, registered.remark], [mine.chat_id, owners.self, '自己的群']);
    // The administrator (scope all) registers any group.
    assert.equal((await ok(admin.post('/scrm/admin/qw/chat/save', { chatId: theirs.chat_id }))).owner, owners.outsider);
  });
});
