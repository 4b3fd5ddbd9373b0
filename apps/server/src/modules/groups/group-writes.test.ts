import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { GroupChat, GroupChatMember } from '@scrm/wecom';
import { createTestApp, type TestApp } from '../../testing/test-app.ts';
import { createGroupWriteRepository, type GroupWriteRepository } from './group-writes.repository.ts';

const T = 1_760_000_000;
const member = (userid: string, joinTime: number, extra: Partial<GroupChatMember> = {}): GroupChatMember => ({
  userid,
  type: 2,
  join_time: joinTime,
  join_scene: 1,
  invitor: { userid: 'owner' },
  group_nickname: '',
  name: userid,
  ...extra,
});
const chat = (chatId: string, version: string, members: GroupChatMember[]): GroupChat => ({
  chat_id: chatId,
  name: '群',
  owner: 'owner',
  create_time: T,
  member_list: [{ userid: 'owner', type: 1, join_time: T, join_scene: 1, name: '群主' }, ...members],
  member_version: version,
});

describe('group writes', () => {
  let t: TestApp;
  let writes: GroupWriteRepository;
  const periods = async (chatId: string) =>
    (
      await t.db.execute<{ userid: string; join_time: Date; quit_time: Date | null; quit_scene: number | null }>(
        sql`SELECT userid, join_time, quit_time, quit_scene FROM group_member WHERE chat_id = ${chatId} ORDER BY userid, join_time`,
      )
    ).rows.map((row) => [row.userid, new Date(row.join_time).getTime() / 1000, row.quit_time && new Date(row.quit_time).getTime() / 1000, row.quit_scene]);

  before(async () => {
    t = await createTestApp();
    writes = createGroupWriteRepository(t.db);
  });
  after(() => t?.close());

  test('periods: a member gone on refetch quits; one who left and came back gets a new period; the quit event adds scene and time', async () => {
    await writes.storeGroups([{ chat: chat('wrA', 'v1', [member('a', T + 10), member('b', T + 20)]), status: 0 }], new Date((T + 100) * 1000));
    await writes.storeGroups([{ chat: chat('wrA', 'v2', [member('b', T + 20)]) }], new Date((T + 200) * 1000));
    assert.equal(await writes.attributeQuits('wrA', ['a'], 0, new Date((T + 150) * 1000)), 1);
    assert.equal(await writes.attributeQuits('wrA', ['a'], 0, new Date((T + 150) * 1000)), 0, 'applied once');
    // b left and came back between two looks.
    await writes.storeGroups([{ chat: chat('wrA', 'v3', [member('b', T + 300)]) }], new Date((T + 400) * 1000));
    assert.deepEqual(await periods('wrA'), [
      ['a', T + 10, T + 150, 0],
      ['b', T + 20, T + 300, null],
      ['b', T + 300, null, null],
      ['owner', T, null, null],
    ]);
    const [group] = (await t.db.execute<{ member_count: number; customer_count: number; member_version: string }>(sql`SELECT * FROM group_chat WHERE chat_id = 'wrA'`)).rows;
    assert.deepEqual([group.member_count, group.customer_count, group.member_version], [2, 1, 'v3']);
  });

  test('storing the same snapshot again rewrites nothing', async () => {
    const snapshot = { chat: chat('wrB', 'v1', [member('a', T + 10, { state: 'qr', join_scene: 3, invitor: undefined })]), status: 1 };
    await writes.storeGroups([snapshot], new Date());
    const dump = async () => (await t.db.execute(sql`SELECT g.*, m.* FROM group_chat g JOIN group_member m USING (chat_id) WHERE chat_id = 'wrB' ORDER BY m.id`)).rows;
    const before = await dump();
    assert.deepEqual(await writes.storeGroups([snapshot], new Date()), { quits: 0, skipped: 0 });
    assert.deepEqual(await dump(), before);
    // An event's snapshot does not know the list status: the stored one stays.
    await writes.storeGroups([{ chat: { ...snapshot.chat, name: '新名字' } }], new Date());
    const [row] = (await t.db.execute<{ name: string; status: number }>(sql`SELECT name, status FROM group_chat WHERE chat_id = 'wrB'`)).rows;
    assert.deepEqual([row.name, Number(row.status)], ['新名字', 1]);
  });

  test('a sync leaves alone the groups an event rewrote after the sync began', async () => {
    await writes.storeGroups([{ chat: chat('wrC', 'v1', [member('a', T + 10)]), status: 0 }], new Date());
    const syncStarted = await writes.databaseNow();
    // The sync fetched v1 (without c); then an event fetched and stored v2 (c joined).
    await writes.storeGroups([{ chat: chat('wrC', 'v2', [member('a', T + 10), member('c', T + 500)]) }], new Date());
    const stale = { chat: chat('wrC', 'v1', [member('a', T + 10)]), status: 0 };
    const other = { chat: chat('wrD', 'v1', [member('d', T + 10)]), status: 0 };
    assert.deepEqual(await writes.storeGroups([stale, other], new Date(), { unchangedSince: syncStarted }), { quits: 0, skipped: 1 });
    assert.deepEqual((await periods('wrC')).map((row) => [row[0], row[2]]), [['a', null], ['c', null], ['owner', null]]);
    assert.equal((await periods('wrD')).length, 2, 'the other group is written');
    // A later sync (started after the event) applies what it fetched.
    assert.deepEqual(await writes.storeGroups([stale], new Date(), { unchangedSince: await writes.databaseNow() }), { quits: 1, skipped: 0 });
  });

  test('dismissal keeps the group and its members; the first dismissal time stays', async () => {
    await writes.storeGroups([{ chat: chat('wrE', 'v1', [member('e', T + 10)]), status: 0 }], new Date());
    assert.equal(await writes.markDismissed(['wrE'], new Date((T + 1000) * 1000)), 1);
    assert.equal(await writes.markDismissed(['wrE', 'wrUnknown'], new Date((T + 2000) * 1000)), 0);
    const [row] = (await t.db.execute<{ dismissed: boolean; dismissed_at: Date }>(sql`SELECT dismissed, dismissed_at FROM group_chat WHERE chat_id = 'wrE'`)).rows;
    assert.deepEqual([row.dismissed, new Date(row.dismissed_at).getTime() / 1000], [true, T + 1000]);
    assert.equal((await periods('wrE')).filter((period) => period[2] === null).length, 2);
    assert.deepEqual(await writes.liveGroupsNotIn(new Set(['wrA', 'wrB'])), ['wrC', 'wrD']);
  });
});
