import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { ok } from '../customers/customers.testing.ts';

const CORP = '/scrm/admin/tag/corp';
const SELF = '/scrm/admin/tag/self';

/** The simulator's corp tags, as comparable data: groups by WeCom id with name, order and tags. */
function simGroups(env: WecomTestEnv) {
  return [...env.sim.state.tagGroups.values()]
    .map((group) => ({
      wecomGroupId: group.group_id,
      groupName: group.group_name,
      order: group.order,
      tags: group.tag.map((tag) => ({ wecomTagId: tag.id, name: tag.name, order: tag.order })).sort((a, b) => a.wecomTagId.localeCompare(b.wecomTagId)),
    }))
    .sort((a, b) => a.wecomGroupId.localeCompare(b.wecomGroupId));
}

/** The stored corp tags in the same shape. */
async function storedGroups(admin: TestClient) {
  const grouped = (await ok(admin.get(`${CORP}/grouped`))) as any[];
  return grouped
    .map((group) => ({
      wecomGroupId: group.wecomGroupId,
      groupName: group.groupName,
      order: group.order,
      tags: (group.tags as any[]).map((tag) => ({ wecomTagId: tag.wecomTagId, name: tag.name, order: tag.order })).sort((a, b) => a.wecomTagId.localeCompare(b.wecomTagId)),
    }))
    .sort((a, b) => a.wecomGroupId.localeCompare(b.wecomGroupId));
}

describe('corp tags, end to end through the simulator', () => {
  let env: WecomTestEnv;
  let admin: TestClient;

  const assertMirrors = async (message?: string) => assert.deepEqual(await storedGroups(admin), simGroups(env), message);
  const storedGroup = async (wecomGroupId: string) => ((await ok(admin.get(`${CORP}/grouped`))) as any[]).find((group) => group.wecomGroupId === wecomGroupId);

  before(async () => {
    env = await createWecomTestEnv({ sizes: { tagGroups: 3 } });
    admin = await env.login();
    const started = await ok(admin.post(`${CORP}/sync`));
    assert.equal(started.type, 'tags.corp.sync');
    const job = await env.jobs.waitFor(started.id, 60_000);
    assert.equal(job.state, 'completed', job.error ?? '');
  });
  after(() => env?.close());

  test('a sync stores every group and tag as WeCom has them; the reads agree', async () => {
    await assertMirrors();
    const groups = await ok(admin.get(`${CORP}/groupList`));
    assert.equal(groups.length, env.sim.state.tagGroups.size);
    const all = await ok(admin.get(`${CORP}/list`));
    assert.equal(all.length, env.sim.state.tagIndex.size);
    const first = groups[0];
    const byGroup = await ok(admin.get(`${CORP}/listByGroup`, { groupId: first.id }));
    assert.equal(byGroup.length, first.tagCount);
    assert.ok(byGroup.every((tag: any) => tag.groupId === first.id && tag.type === 'corp'));
    // Larger order first, as in WeCom.
    const orders = byGroup.map((tag: any) => tag.order);
    assert.deepEqual(orders, [...orders].sort((a: number, b: number) => b - a));
    assert.equal((await admin.get(`${SELF}/listByGroup`, { groupId: first.id })).status, 404, 'a corp group is not an SCRM group');
  });

  test('a group created here exists in WeCom, with its tags', async () => {
    const saved = await ok(admin.post(`${CORP}/saveGroup`, { groupName: '意向等级', order: 5, tags: [{ name: '高', order: 3 }, { name: '中', order: 2 }, { name: '低' }] }));
    assert.ok(saved.wecomGroupId);
    const inWecom = env.sim.state.tagGroups.get(saved.wecomGroupId)!;
    assert.equal(inWecom.group_name, '意向等级');
    assert.equal(inWecom.order, 5);
    assert.deepEqual(inWecom.tag.map((tag) => tag.name).sort(), ['中', '低', '高'].sort());
    assert.deepEqual(
      saved.tags.map((tag: any) => [tag.name, tag.order]),
      [['高', 3], ['中', 2], ['低', 0]],
    );
    await assertMirrors();
  });

  test("WeCom's rules: a new group needs a tag, names ≤ 30 characters, no duplicates in a group, unique group names", async () => {
    const before = env.wecomCalls.get('externalcontact/add_corp_tag') ?? 0;
    const empty = await admin.post(`${CORP}/saveGroup`, { groupName: '空组', tags: [] });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.msg, '新增标签组须至少包含一个标签');
    const long = await admin.post(`${CORP}/saveGroup`, { groupName: '长名字', tags: [{ name: '标'.repeat(31) }] }, { 'accept-language': 'en' });
    assert.equal(long.status, 400);
    assert.match(long.body.msg, /limited to 30 characters/);
    assert.equal(long.body.date.fields[0].field, 'tags.0.name');
    assert.equal((await admin.post(`${CORP}/saveGroup`, { groupName: '三十个字'.repeat(8), tags: [{ name: 'a' }] })).status, 400, 'group names too');
    assert.equal((await admin.post(`${CORP}/saveGroup`, { groupName: '标'.repeat(30), tags: [{ name: '字'.repeat(30) }] })).status, 200, '30 characters are fine');
    const duplicate = await admin.post(`${CORP}/saveGroup`, { groupName: '重复', tags: [{ name: 'A' }, { name: 'A' }] });
    assert.equal(duplicate.status, 400);
    assert.match(duplicate.body.msg, /同一标签组内标签名称不能重复：A/);
    const existing = [...env.sim.state.tagGroups.values()][0];
    const taken = await admin.post(`${CORP}/saveGroup`, { groupName: existing.group_name, tags: [{ name: '新的' }] });
    assert.equal(taken.status, 409);
    assert.equal(env.wecomCalls.get('externalcontact/add_corp_tag'), before + 1, 'only the valid one reached WeCom');
    // Adding a tag whose name the group has already, and renaming onto a sibling's name.
    const group = await storedGroup(existing.group_id);
    const clash = await admin.post(`${CORP}/saveGroup`, { id: group.id, groupName: group.groupName, tags: [{ name: group.tags[0].name }] });
    assert.equal(clash.status, 400);
    const rename = await admin.post(`${CORP}/updateTag`, { id: group.tags[1].id, name: group.tags[0].name });
    assert.equal(rename.status, 400);
    await assertMirrors();
  });

  test('renames, reorders, additions and deletions are made in WeCom, then stored', async () => {
    const saved = await ok(admin.post(`${CORP}/saveGroup`, { groupName: '获客途径', tags: [{ name: '展会' }, { name: '官网' }, { name: '转介绍' }] }));
    const [expo, web, referral] = saved.tags as any[];
    // updateTag: rename one tag.
    const renamed = await ok(admin.post(`${CORP}/updateTag`, { id: web.id, name: '官方网站', order: 9 }));
    assert.equal(renamed.name, '官方网站');
    assert.equal(env.sim.state.tagIndex.get(web.wecomTagId)!.tag.name, '官方网站');
    assert.equal(env.sim.state.tagIndex.get(web.wecomTagId)!.tag.order, 9);
    // updateGroup with the whole list: rename the group, drop one tag, add one.
    const updated = await ok(
      admin.post(`${CORP}/updateGroup`, {
        id: saved.id,
        groupName: '来源渠道',
        order: 7,
        tags: [{ id: expo.id, name: '线下展会' }, { id: web.id, name: '官方网站' }, { name: '直播' }],
      }),
    );
    assert.equal(updated.groupName, '来源渠道');
    assert.deepEqual(updated.tags.map((tag: any) => tag.name).sort(), ['官方网站', '直播', '线下展会'].sort());
    assert.equal(env.sim.state.tagIndex.has(referral.wecomTagId), false, 'the unlisted tag is gone from WeCom');
    assert.equal(env.sim.state.tagGroups.get(saved.wecomGroupId)!.group_name, '来源渠道');
    // saveGroup with id: adds without deleting.
    const added = await ok(admin.post(`${CORP}/saveGroup`, { id: saved.id, groupName: '来源渠道', tags: [{ name: '地推' }] }));
    assert.equal(added.tags.length, 4);
    await assertMirrors();
    // Deleting every tag of a group deletes the group (WeCom does).
    await ok(admin.post(`${CORP}/deleteTag`, { ids: added.tags.map((tag: any) => tag.id) }));
    assert.equal(env.sim.state.tagGroups.has(saved.wecomGroupId), false);
    assert.equal((await admin.get(`${CORP}/listByGroup`, { groupId: saved.id })).status, 404);
    await assertMirrors();
  });

  test('changes made in the WeCom admin console arrive through their callbacks', async () => {
    const { group_id } = env.sim.actions.createCorpTags({ group_name: '会员等级', group_order: 3, tags: [{ name: '金卡', order: 2 }, { name: '银卡', order: 1 }] });
    await env.settle();
    const created = await storedGroup(group_id);
    assert.equal(created.groupName, '会员等级');
    assert.deepEqual(created.tags.map((tag: any) => tag.name), ['金卡', '银卡']);
    // A tag added to an existing group, a rename of a tag and of the group, a shuffle.
    const { tag_ids } = env.sim.actions.createCorpTags({ group_id, tags: [{ name: '铜卡' }] });
    env.sim.actions.editCorpTag({ id: tag_ids[0], name: '普通卡' });
    env.sim.actions.editCorpTag({ id: group_id, name: '会员卡等级', order: 8 });
    env.sim.actions.shuffleCorpTags({ group_id });
    await env.settle();
    await assertMirrors();
    assert.equal((await storedGroup(group_id)).groupName, '会员卡等级');
    // Deleting a tag, then the group.
    env.sim.actions.deleteCorpTags({ tag_id: [tag_ids[0]] });
    await env.settle();
    assert.equal((await storedGroup(group_id)).tags.length, 2);
    env.sim.actions.deleteCorpTags({ group_id: [group_id] });
    await env.settle();
    assert.equal(await storedGroup(group_id), undefined);
    await assertMirrors();
    assert.equal((await env.eventCounts()).dead ?? 0, 0);
  });

  test('a WeCom error comes back in the envelope, translated with the raw code as detail, and changes nothing here', async () => {
    const group = (await ok(admin.get(`${CORP}/grouped`)))[0];
    const snapshot = await ok(admin.get(`${CORP}/grouped`));
    env.sim.faults.set({ failNext: 1, failNextErrcode: 60011, apis: ['externalcontact/edit_corp_tag'] });
    try {
      const response = await admin.post(`${CORP}/updateTag`, { id: group.tags[0].id, name: '改不了' });
      assert.equal(response.status, 400);
      assert.equal(response.body.date.errcode, 60011);
      // What happened and what to do, never WeCom's raw text; the code and errmsg in the details line.
      assert.equal(response.body.msg, '该成员或所选部门不在应用的可见范围内：请在企业微信管理后台「应用管理 → 本应用 → 可见范围」中添加');
      assert.match(response.body.date.detail, /^errcode 60011: no privilege/);
    } finally {
      env.sim.faults.reset();
    }
    env.sim.faults.set({ failNext: 1, failNextErrcode: 40058, apis: ['externalcontact/add_corp_tag'] });
    try {
      const response = await admin.post(`${CORP}/saveGroup`, { groupName: '不会出现', tags: [{ name: 'x' }] }, { 'accept-language': 'en' });
      assert.equal(response.status, 400);
      assert.equal(response.body.msg, 'WeCom found a request parameter invalid: check what was entered (name length, employees, departments, tags) and try again');
      assert.match(response.body.date.detail, /^errcode 40058: /);
    } finally {
      env.sim.faults.reset();
    }
    env.sim.faults.set({ failNext: 1, failNextErrcode: 60011, apis: ['externalcontact/del_corp_tag'] });
    try {
      assert.equal((await admin.post(`${CORP}/deleteGroup`, { ids: [group.id] })).status, 400);
    } finally {
      env.sim.faults.reset();
    }
    assert.deepEqual(await ok(admin.get(`${CORP}/grouped`)), snapshot);
    await assertMirrors();
  });

  test('a change that fails half-way in WeCom stores what WeCom did', async () => {
    const saved = await ok(admin.post(`${CORP}/saveGroup`, { groupName: '半途', tags: [{ name: '一' }, { name: '二' }] }));
    // The renames go through (edit_corp_tag), the addition fails (add_corp_tag).
    env.sim.faults.set({ failNext: 1, failNextErrcode: 60011, apis: ['externalcontact/add_corp_tag'] });
    try {
      const response = await admin.post(`${CORP}/updateGroup`, {
        id: saved.id,
        groupName: '半途改名',
        tags: [{ id: saved.tags[0].id, name: '一改' }, { id: saved.tags[1].id, name: '二' }, { name: '三' }],
      });
      assert.equal(response.status, 400);
      assert.equal(response.body.date.errcode, 60011);
    } finally {
      env.sim.faults.reset();
    }
    assert.equal(env.sim.state.tagGroups.get(saved.wecomGroupId)!.group_name, '半途改名');
    const stored = await storedGroup(saved.wecomGroupId);
    assert.equal(stored.groupName, env.sim.state.tagGroups.get(saved.wecomGroupId)!.group_name);
    await assertMirrors();
  });

  test('two concurrent edits of one group leave WeCom and the copy the same', async () => {
    const saved = await ok(admin.post(`${CORP}/saveGroup`, { groupName: '并发', tags: [{ name: '甲' }] }));
    env.sim.faults.set({ latencyMs: 30 });
    try {
      const results = await Promise.all([
        admin.post(`${CORP}/updateGroup`, { id: saved.id, groupName: '并发一', tags: [{ id: saved.tags[0].id, name: '甲' }, { name: '乙' }] }),
        admin.post(`${CORP}/updateGroup`, { id: saved.id, groupName: '并发二', tags: [{ id: saved.tags[0].id, name: '甲一' }, { name: '丙' }] }),
        admin.post(`${CORP}/saveGroup`, { id: saved.id, groupName: '并发三', tags: [{ name: '丁' }] }),
        admin.post(`${CORP}/updateTag`, { id: saved.tags[0].id, name: '甲二' }),
      ]);
      for (const result of results) assert.equal(result.status, 200, result.body.msg);
    } finally {
      env.sim.faults.reset();
    }
    await assertMirrors();
    const group = env.sim.state.tagGroups.get(saved.wecomGroupId)!;
    assert.equal(new Set(group.tag.map((tag) => tag.name)).size, group.tag.length, 'no duplicate names');
  });

  test('a late callback never undoes a newer change made here', async () => {
    const saved = await ok(admin.post(`${CORP}/saveGroup`, { groupName: '迟到', tags: [{ name: '旧名' }] }));
    const tagId = saved.tags[0].wecomTagId;
    // A console rename whose callback is held back, then a rename here.
    env.sim.actions.editCorpTag({ id: tagId, name: '控制台' });
    await ok(admin.post(`${CORP}/updateTag`, { id: saved.tags[0].id, name: '这里改的' }));
    await env.settle();
    assert.equal((await storedGroup(saved.wecomGroupId)).tags[0].name, '这里改的');
    await assertMirrors();
  });

  test('the sync repairs what callbacks missed', async () => {
    env.sim.setCallbackUrl('http://127.0.0.1:9/nowhere');
    const { group_id } = env.sim.actions.createCorpTags({ group_name: '漏掉的', tags: [{ name: 'x' }] });
    const victim = [...env.sim.state.tagGroups.values()].find((group) => group.group_id !== group_id)!;
    env.sim.actions.deleteCorpTags({ group_id: [victim.group_id] });
    await env.sim.flushDeliveries();
    env.sim.setCallbackUrl(env.portalUrl);
    assert.equal(await storedGroup(group_id), undefined);
    const job = await env.runJob('tags.corp.sync');
    assert.equal((job.result as any).deletedGroups, 1);
    await assertMirrors();
  });

  test('permissions: reading needs tag:corp:list, changing tag:corp:save', async () => {
    const anonymous = await env.anonymous.get(`${CORP}/list`);
    assert.equal(anonymous.status, 401);
    const count = Number((await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM tag WHERE type = 'corp' AND is_del = 0`)).rows[0].n);
    assert.equal(count, env.sim.state.tagIndex.size);
  });
});

describe('SCRM tags', () => {
  let env: WecomTestEnv;
  let admin: TestClient;

  before(async () => {
    env = await createWecomTestEnv({ sizes: { tagGroups: 1 } });
    admin = await env.login();
  });
  after(() => env?.close());

  test('the same endpoints, stored only here', async () => {
    const saved = await ok(admin.post(`${SELF}/saveGroup`, { groupName: '线索阶段', tags: [{ name: '新线索', order: 2 }, { name: '已联系', order: 1 }] }));
    assert.equal(saved.type, 'self');
    assert.equal(saved.wecomGroupId, null);
    assert.equal(env.wecomCalls.get('externalcontact/add_corp_tag'), undefined, 'WeCom is not involved');
    assert.deepEqual(saved.tags.map((tag: any) => tag.name), ['新线索', '已联系']);
    // Corp and SCRM tags are apart.
    assert.equal((await ok(admin.get(`${SELF}/list`))).length, 2);
    assert.equal((await ok(admin.get(`${CORP}/list`))).length, 0);
    assert.equal((await admin.get(`${CORP}/listByGroup`, { groupId: saved.id })).status, 404);

    const renamed = await ok(admin.post(`${SELF}/updateTag`, { id: saved.tags[1].id, name: '已跟进' }));
    assert.equal(renamed.name, '已跟进');
    assert.equal((await admin.post(`${SELF}/updateTag`, { id: saved.tags[1].id, name: '新线索' })).status, 400, 'no duplicates');
    assert.equal((await admin.post(`${SELF}/saveGroup`, { groupName: '线索阶段', tags: [{ name: 'x' }] })).status, 409);
    // A corp group may share a name with an SCRM group.
    const updated = await ok(admin.post(`${SELF}/updateGroup`, { id: saved.id, groupName: '阶段', tags: [{ id: saved.tags[0].id, name: '新线索' }, { name: '成交' }] }));
    assert.deepEqual(updated.tags.map((tag: any) => tag.name).sort(), ['成交', '新线索'].sort());
    const grouped = await ok(admin.get(`${SELF}/grouped`));
    assert.equal(grouped.length, 1);
    assert.equal(grouped[0].tagCount, 2);
    // Deleting the last tags deletes the group.
    await ok(admin.post(`${SELF}/deleteTag`, { ids: updated.tags.map((tag: any) => tag.id) }));
    assert.deepEqual(await ok(admin.get(`${SELF}/groupList`)), []);
    assert.equal((await admin.post(`${SELF}/deleteTag`, { ids: [updated.tags[0].id] })).status, 404);
  });

  test('concurrent edits of one SCRM group stay consistent', async () => {
    const saved = await ok(admin.post(`${SELF}/saveGroup`, { groupName: '并发', tags: [{ name: 'a' }] }));
    const results = await Promise.all(
      ['b', 'c', 'b', 'd', 'c'].map((name) => admin.post(`${SELF}/saveGroup`, { id: saved.id, groupName: '并发', tags: [{ name }] })),
    );
    assert.deepEqual(results.map((result) => result.status).sort(), [200, 200, 200, 400, 400]);
    const tags = await ok(admin.get(`${SELF}/listByGroup`, { groupId: saved.id }));
    assert.deepEqual(tags.map((tag: any) => tag.name).sort(), ['a', 'b', 'c', 'd']);
  });
});
