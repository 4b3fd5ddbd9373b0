import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { ok, scopedUser, simRelations } from '../customers/customers.testing.ts';

const CORP = '/scrm/admin/tag/corp';
const SELF = '/scrm/admin/tag/self';

describe('customer tagging, end to end through the simulator', () => {
  let env: WecomTestEnv;
  let admin: TestClient;
  /** Local tag id by WeCom tag id. */
  let localId: Map<string, number>;

  const key = (externalUserid: string, userid: string) => `${externalUserid}|${userid}`;
  /** Stored corp tags per relation, as WeCom tag ids. */
  const storedCorpTags = async () => {
    const result = await env.db.execute<{ external_userid: string; userid: string; wecom_tag_id: string }>(sql`
      SELECT ct.external_userid, ct.userid, t.wecom_tag_id FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id
      JOIN customer_relation r ON r.external_userid = ct.external_userid AND r.userid = ct.userid AND r.status = 'active'
      WHERE ct.tag_type = 'corp'`);
    const map = new Map<string, string[]>();
    for (const row of result.rows) map.set(key(row.external_userid, row.userid), [...(map.get(key(row.external_userid, row.userid)) ?? []), row.wecom_tag_id]);
    for (const list of map.values()) list.sort();
    return map;
  };
  /** The simulator's corp tags per relation (those WeCom reports). */
  const simCorpTags = () => {
    const map = new Map<string, string[]>();
    for (const relation of simRelations(env.sim)) if (relation.tag_ids.length) map.set(key(relation.external_userid, relation.userid), [...relation.tag_ids].sort());
    return map;
  };
  const refreshLocalIds = async () => {
    const all = (await ok(admin.get(`${CORP}/list`))) as any[];
    localId = new Map(all.map((tag) => [tag.wecomTagId, tag.id]));
  };
  const relationTagIds = async (externalUserid: string, userid: string) =>
    (await env.db.execute<{ tag_ids: string[] }>(sql`SELECT tag_ids FROM customer_relation WHERE external_userid = ${externalUserid} AND userid = ${userid} AND status = 'active'`))
      .rows[0].tag_ids;

  before(async () => {
    env = await createWecomTestEnv({ sizes: { employees: 6, customers: 40, tagGroups: 3 } });
    admin = await env.login();
    await env.syncOrg();
    // Customers first: their tags are not known yet; the tag sync puts them on the relations.
    await env.runJob('customers.sync');
    await env.runJob('tags.corp.sync');
    await refreshLocalIds();
  });
  after(() => env?.close());

  test("after both syncs, every relation's corp tags are stored as WeCom has them", async () => {
    assert.ok(simCorpTags().size > 5, 'the generated corp tags some relations');
    assert.deepEqual(await storedCorpTags(), simCorpTags());
    // And the other way round: a customer sync after the tags are known.
    await env.db.execute(sql`DELETE FROM customer_tag`);
    await env.runJob('customers.sync');
    assert.deepEqual(await storedCorpTags(), simCorpTags());
  });

  test('marking and unmarking round-trips to WeCom', async () => {
    const relation = simRelations(env.sim)[0];
    const free = [...localId.keys()].filter((id) => !relation.tag_ids.includes(id)).slice(0, 2);
    const saved = await ok(
      admin.post('/scrm/admin/cust/tag/save', { externalUserid: relation.external_userid, userId: relation.userid, tagType: 'corp', addTagIds: free.map((id) => localId.get(id)) }),
    );
    const inWecom = env.sim.state.relation(relation.userid, relation.external_userid)!.tag_ids;
    for (const id of free) assert.ok(inWecom.includes(id), `WeCom has ${id}`);
    assert.deepEqual(saved.corpTags.map((tag: any) => tag.wecomTagId).sort(), [...inWecom].sort());
    assert.deepEqual([...(await relationTagIds(relation.external_userid, relation.userid))].sort(), [...inWecom].sort(), "the relation's WeCom tag ids follow");

    const removed = await ok(
      admin.post('/scrm/admin/cust/tag/save', { externalUserid: relation.external_userid, userId: relation.userid, tagType: 'corp', removeTagIds: [localId.get(free[0])] }),
    );
    assert.equal(env.sim.state.relation(relation.userid, relation.external_userid)!.tag_ids.includes(free[0]), false);
    assert.equal(removed.corpTags.some((tag: any) => tag.wecomTagId === free[0]), false);
    assert.deepEqual(await storedCorpTags(), simCorpTags());

    // The marking records.
    const page = await ok(admin.post('/scrm/admin/cust/tag/page', { externalUserid: relation.external_userid, userId: relation.userid, tagType: 'corp' }));
    assert.equal(page.total, env.sim.state.relation(relation.userid, relation.external_userid)!.tag_ids.length);
    const one = await ok(admin.get('/scrm/admin/cust/tag/get', { id: page.records[0].id }));
    assert.equal(one.externalUserid, relation.external_userid);
    assert.equal(one.employeeName, env.sim.state.employees.get(relation.userid)!.name);
  });

  test('concurrent changes of one relation leave WeCom and the copy the same', async () => {
    const relation = simRelations(env.sim)[4];
    const [x, y, z] = [...localId.keys()].slice(3, 6).map((id) => localId.get(id));
    const save = (body: object) => admin.post('/scrm/admin/cust/tag/save', { externalUserid: relation.external_userid, userId: relation.userid, tagType: 'corp', ...body });
    env.sim.faults.set({ latencyMs: 20, apis: ['externalcontact/mark_tag'] });
    try {
      const results = await Promise.all([
        save({ addTagIds: [x, y] }),
        save({ removeTagIds: [x] }),
        save({ addTagIds: [z], removeTagIds: [y] }),
        save({ addTagIds: [x] }),
        admin.post('/scrm/admin/cust/tagInfo/save', { externalUserid: relation.external_userid, userId: relation.userid, tagType: 'corp', tagIds: [y, z] }),
      ]);
      for (const result of results) assert.equal(result.status, 200, result.body.msg);
    } finally {
      env.sim.faults.reset();
    }
    assert.deepEqual(await storedCorpTags(), simCorpTags());
    assert.deepEqual([...(await relationTagIds(relation.external_userid, relation.userid))].sort(), [...env.sim.state.relation(relation.userid, relation.external_userid)!.tag_ids].sort());
  });

  test('a WeCom error on mark_tag changes nothing here', async () => {
    const relation = simRelations(env.sim)[1];
    const free = [...localId.keys()].find((id) => !relation.tag_ids.includes(id))!;
    const before = await storedCorpTags();
    env.sim.faults.set({ failNext: 1, failNextErrcode: 84061, apis: ['externalcontact/mark_tag'] });
    try {
      const response = await admin.post('/scrm/admin/cust/tag/save', {
        externalUserid: relation.external_userid, userId: relation.userid, tagType: 'corp', addTagIds: [localId.get(free)],
      });
      assert.equal(response.status, 400);
      assert.equal(response.body.date.errcode, 84061);
    } finally {
      env.sim.faults.reset();
    }
    assert.deepEqual(await storedCorpTags(), before);
  });

  test("rules: tags of the change's type, known, not both added and removed; corp tags need the employee", async () => {
    const relation = simRelations(env.sim)[2];
    const self = await ok(admin.post(`${SELF}/saveGroup`, { groupName: '画像', tags: [{ name: '高价值' }] }));
    const post = (body: object) => admin.post('/scrm/admin/cust/tag/save', { externalUserid: relation.external_userid, userId: relation.userid, ...body });
    assert.equal((await post({ tagType: 'corp', addTagIds: [self.tags[0].id] })).status, 400, 'an SCRM tag is not a corp tag');
    assert.equal((await post({ tagType: 'corp', addTagIds: [999999] })).status, 400);
    const anyTag = localId.values().next().value;
    assert.equal((await post({ tagType: 'corp', addTagIds: [anyTag], removeTagIds: [anyTag] })).status, 400);
    assert.equal((await post({ tagType: 'corp' })).status, 400, 'nothing to do');
    assert.equal((await admin.post('/scrm/admin/cust/tag/save', { externalUserid: relation.external_userid, tagType: 'corp', addTagIds: [anyTag] })).status, 400);
    assert.equal((await admin.post('/scrm/admin/cust/tag/save', { externalUserid: relation.external_userid, userId: 'nobody', tagType: 'corp', addTagIds: [anyTag] })).status, 404);
  });

  test('tags changed inside WeCom arrive through edit_external_contact; a tag created in WeCom reaches the customers who carry it', async () => {
    const relation = simRelations(env.sim)[3];
    const current = env.sim.state.relation(relation.userid, relation.external_userid)!.tag_ids;
    const add = [...localId.keys()].find((id) => !current.includes(id))!;
    env.sim.actions.editCustomer({ userid: relation.userid, external_userid: relation.external_userid, add_tags: [add], remove_tags: current.slice(0, 1) });
    // A new tag in the console, put on a customer at once: whichever callback is applied first, both end up here.
    const { tag_ids } = env.sim.actions.createCorpTags({ group_name: '活动', tags: [{ name: '双十一' }] });
    env.sim.actions.editCustomer({ userid: relation.userid, external_userid: relation.external_userid, add_tags: tag_ids });
    await env.settle();
    assert.deepEqual(await storedCorpTags(), simCorpTags());
    await refreshLocalIds();
    assert.ok(localId.has(tag_ids[0]));
  });

  test('deleting a group deletes its tags and takes them off every customer', async () => {
    const grouped = (await ok(admin.get(`${CORP}/grouped`))) as any[];
    const carried = new Set(simRelations(env.sim).flatMap((relation) => relation.tag_ids));
    const group = grouped.find((candidate) => candidate.tags.some((tag: any) => carried.has(tag.wecomTagId)))!;
    const groupTagIds = group.tags.map((tag: any) => tag.id);
    assert.ok(Number((await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM customer_tag WHERE tag_id = ANY(${`{${groupTagIds.join(',')}}`}::bigint[])`)).rows[0].n) > 0);
    await ok(admin.post(`${CORP}/deleteGroup`, { ids: [group.id] }));
    assert.equal(env.sim.state.tagGroups.has(group.wecomGroupId), false);
    assert.equal(Number((await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM customer_tag WHERE tag_id = ANY(${`{${groupTagIds.join(',')}}`}::bigint[])`)).rows[0].n), 0);
    const wecomIds = new Set(group.tags.map((tag: any) => tag.wecomTagId));
    const stillOnRelations = await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM customer_relation r, jsonb_array_elements_text(r.tag_ids) w(id)
      WHERE w.id = ANY(${`{${[...wecomIds].join(',')}}`}::text[])`);
    assert.equal(Number(stillOnRelations.rows[0].n), 0, "the relations' WeCom tag ids lose them too");
    assert.deepEqual(await storedCorpTags(), simCorpTags());
    await refreshLocalIds();
  });

  test('filters by tags (any of, all of) return exactly the expected relations', async () => {
    // Two tags: some relations carry both, some one.
    const relations = simRelations(env.sim);
    const [a, b] = [...localId.keys()].slice(0, 2);
    const both = relations.slice(0, 3);
    const onlyA = relations.slice(3, 5);
    for (const relation of both) await ok(admin.post('/scrm/admin/cust/tag/save', { externalUserid: relation.external_userid, userId: relation.userid, tagType: 'corp', addTagIds: [localId.get(a), localId.get(b)] }));
    for (const relation of onlyA) await ok(admin.post('/scrm/admin/cust/tag/save', { externalUserid: relation.external_userid, userId: relation.userid, tagType: 'corp', addTagIds: [localId.get(a)], removeTagIds: [localId.get(b)] }));
    const expected = (test: (tags: string[]) => boolean) =>
      simRelations(env.sim).filter((relation) => test(relation.tag_ids)).map((relation) => key(relation.external_userid, relation.userid)).sort();
    const got = async (body: object) =>
      ((await ok(admin.post('/scrm/admin/cust/tagInfo/page', { pageSize: 500, ...body }))).records as any[]).map((row) => key(row.externalUserid, row.userId)).sort();
    const anyOf = await got({ tagIds: [localId.get(a), localId.get(b)], tagMatch: 'any' });
    assert.deepEqual(anyOf, expected((tags) => tags.includes(a) || tags.includes(b)));
    const allOf = await got({ tagIds: [localId.get(a), localId.get(b)], tagMatch: 'all' });
    assert.deepEqual(allOf, expected((tags) => tags.includes(a) && tags.includes(b)));
    assert.ok(allOf.length >= 3 && anyOf.length > allOf.length);
    // Rows show their tags.
    const row = (await ok(admin.post('/scrm/admin/cust/tagInfo/page', { externalUserid: both[0].external_userid, userId: both[0].userid }))).records[0];
    assert.deepEqual(row.corpTags.map((tag: any) => tag.wecomTagId).sort(), [...env.sim.state.relation(both[0].userid, both[0].external_userid)!.tag_ids].sort());
    assert.deepEqual(await ok(admin.get('/scrm/admin/cust/tagInfo/get', { id: row.id })), row);

    // The customers module's pages take the same filters and show the tags on each row.
    const relationPage = async (body: object) =>
      ((await ok(admin.post('/scrm/admin/cust/emp/page', { pageSize: 500, status: 'active', ...body }))).records as any[]);
    const relationsAny = await relationPage({ tagIds: [localId.get(a), localId.get(b)] });
    assert.deepEqual(relationsAny.map((row) => key(row.externalUserid, row.userid)).sort(), anyOf);
    const relationsAll = await relationPage({ tagIds: [localId.get(a), localId.get(b)], tagMatch: 'all' });
    assert.deepEqual(relationsAll.map((row) => key(row.externalUserid, row.userid)).sort(), allOf);
    for (const relation of relationsAll) assert.ok([localId.get(a), localId.get(b)].every((id) => relation.tagList.some((tag: any) => tag.id === id)));
    const customersOf = (test: (tags: string[]) => boolean) => {
      const tagsByCustomer = new Map<string, Set<string>>();
      for (const relation of simRelations(env.sim)) {
        const set = tagsByCustomer.get(relation.external_userid) ?? new Set<string>();
        relation.tag_ids.forEach((id) => set.add(id));
        tagsByCustomer.set(relation.external_userid, set);
      }
      return [...tagsByCustomer].filter(([, tags]) => test([...tags])).map(([id]) => id).sort();
    };
    const customerPage = async (body: object) =>
      ((await ok(admin.post('/scrm/admin/cust/info/page', { pageSize: 500, ...body }))).records as any[]);
    const customersAll = await customerPage({ tagIds: [localId.get(a), localId.get(b)], tagMatch: 'all' });
    assert.deepEqual(customersAll.map((row) => row.externalUserid).sort(), customersOf((tags) => tags.includes(a) && tags.includes(b)));
    const customersAny = await customerPage({ tagIds: [localId.get(a), localId.get(b)], tagMatch: 'any' });
    assert.deepEqual(customersAny.map((row) => row.externalUserid).sort(), customersOf((tags) => tags.includes(a) || tags.includes(b)));
    assert.ok(customersAll[0].tagList.some((tag: any) => tag.id === localId.get(a)));

    // Statistics: relations per tag under the page filters.
    const stat = await ok(admin.post('/scrm/admin/cust/emp/stat', { status: 'active' }));
    const forA = stat.byTag.find((entry: any) => entry.tagId === localId.get(a));
    assert.equal(forA.active, simRelations(env.sim).filter((relation) => relation.tag_ids.includes(a)).length);
    assert.equal(forA.tagType, 'corp');
    assert.equal(forA.wecomTagId, a);
  });

  test('SCRM tags: on a relation or on the customer as a whole; tagInfo/save sets exactly the given tags; a batch form', async () => {
    const group = await ok(admin.post(`${SELF}/saveGroup`, { groupName: '意向', tags: [{ name: '强' }, { name: '中' }, { name: '弱' }] }));
    const [strong, medium, weak] = group.tags.map((tag: any) => tag.id);
    const [first, second] = simRelations(env.sim);
    const calls = env.wecomCalls.get('externalcontact/mark_tag');
    await ok(admin.post('/scrm/admin/cust/tag/save', { externalUserid: first.external_userid, userId: first.userid, tagType: 'self', addTagIds: [strong] }));
    const whole = await ok(admin.post('/scrm/admin/cust/tag/save', { externalUserid: first.external_userid, tagType: 'self', addTagIds: [medium] }));
    assert.deepEqual(whole.selfTags.map((tag: any) => tag.id), [medium]);
    assert.equal(env.wecomCalls.get('externalcontact/mark_tag'), calls, 'SCRM tags never reach WeCom');
    const info = (await ok(admin.post('/scrm/admin/cust/tagInfo/page', { externalUserid: first.external_userid, userId: first.userid }))).records[0];
    assert.deepEqual(info.selfTags.map((tag: any) => tag.id).sort(), [strong, medium].sort(), "the relation shows the customer's tags too");
    // Replace: exactly weak on the relation.
    const set = await ok(admin.post('/scrm/admin/cust/tagInfo/save', { externalUserid: first.external_userid, userId: first.userid, tagType: 'self', tagIds: [weak] }));
    assert.deepEqual(set.selfTags.map((tag: any) => tag.id).sort(), [medium, weak].sort());
    // Filters see SCRM tags on the customer as a whole on every relation of the customer.
    const byMedium = (await ok(admin.post('/scrm/admin/cust/tagInfo/page', { tagIds: [medium], pageSize: 100 }))).records as any[];
    assert.deepEqual(
      [...new Set(byMedium.map((row) => row.externalUserid))],
      [first.external_userid],
    );
    // Batch: two good targets, one unknown relation.
    const batch = await ok(
      admin.post('/scrm/admin/cust/tag/batchSave', {
        tagType: 'self',
        addTagIds: [strong],
        targets: [
          { externalUserid: first.external_userid, userId: first.userid },
          { externalUserid: second.external_userid, userId: second.userid },
          { externalUserid: second.external_userid, userId: 'nobody' },
        ],
      }),
    );
    assert.equal(batch.succeeded, 2);
    assert.deepEqual(batch.failed.map((failure: any) => failure.userId), ['nobody']);
    // Deleting an SCRM tag takes it off customers.
    await ok(admin.post(`${SELF}/deleteTag`, { ids: [strong] }));
    assert.equal(Number((await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM customer_tag WHERE tag_id = ${strong}`)).rows[0].n), 0);
  });

  test('corp batch: every relation is marked in WeCom', async () => {
    const targets = simRelations(env.sim).slice(5, 12);
    const tagId = [...localId.keys()][2];
    const result = await ok(
      admin.post('/scrm/admin/cust/tag/batchSave', {
        tagType: 'corp',
        addTagIds: [localId.get(tagId)],
        targets: targets.map((relation) => ({ externalUserid: relation.external_userid, userId: relation.userid })),
      }),
    );
    assert.equal(result.succeeded, targets.length);
    for (const relation of targets) assert.ok(env.sim.state.relation(relation.userid, relation.external_userid)!.tag_ids.includes(tagId));
    assert.deepEqual(await storedCorpTags(), simCorpTags());
  });

  test("data scope: a self-scope user tags and sees only their own employee's customers", async () => {
    const relations = simRelations(env.sim);
    const mine = relations[0];
    const theirs = relations.find((relation) => relation.userid !== mine.userid)!;
    const user = await scopedUser(env, admin, { username: 'tagger', perms: ['cust:tag:list', 'cust:tag:query', 'cust:tag:save'], dataScope: 5, qwUserid: mine.userid });
    const tagId = localId.values().next().value;
    const denied = await user.post('/scrm/admin/cust/tag/save', { externalUserid: theirs.external_userid, userId: theirs.userid, tagType: 'corp', addTagIds: [tagId] });
    assert.equal(denied.status, 404);
    const page = await ok(user.post('/scrm/admin/cust/tagInfo/page', { pageSize: 500 }));
    assert.ok(page.total > 0);
    assert.ok((page.records as any[]).every((row) => row.userId === mine.userid));
    const tags = await ok(user.post('/scrm/admin/cust/tag/page', { pageSize: 500 }));
    assert.ok((tags.records as any[]).every((row) => row.userId === mine.userid || row.userId === ''));
    // The 客户标签 menu reads the corp tags (its pickers need them); changing them is another permission.
    assert.equal((await user.get(`${CORP}/list`)).status, 200);
    assert.equal((await user.post(`${CORP}/deleteTag`, { ids: [tagId] })).status, 403, 'tag administration is another permission');
  });
});
