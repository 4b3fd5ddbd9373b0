// The tag names the hot pages show come from a copy each replica holds (tag-dictionary.ts), current by construction: a
// page reads the dictionary's version with its tag ids, and a rename, a move, a reorder or a deletion made through any
// replica — or straight in the database — shows on the next page everywhere. Loads are shared and made only when the
// version moved; a statement that changes no tag moves nothing.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { TestApp, TestClient } from '../../testing/test-app.ts';
import { twoReplicas } from '../../testing/second-replica.ts';
import { addLead, ok, selfTags } from '../leads/leads.testing.ts';
import { createTagDictionary, TAG_VERSION } from './tag-dictionary.ts';

const SELF = '/scrm/admin/tag/self';
const onPostgres = Boolean(process.env.DATABASE_URL);

describe('the tag dictionary', () => {
  const env = twoReplicas();
  let t: TestApp;
  let admin: TestClient;
  let onReplica: TestClient;
  before(() => ({ t, admin, onReplica } = env));

  const version = async () => (await t.db.execute<{ v: string | null }>(sql`SELECT ${TAG_VERSION} AS v`)).rows[0].v;
  const pageTags = async (client: TestClient, leadId: number) => {
    const page = await ok(client.post('/scrm/admin/clue/page', { pageNum: 1, pageSize: 100 }));
    return (page.records.find((lead: { id: number }) => lead.id === leadId).tags as Array<{ name: string; groupName: string }>).map((tag) => `${tag.groupName}/${tag.name}`);
  };

  test("a change made through one replica shows on the other's next page: rename, reorder, move, delete", async () => {
    const group = await ok(admin.post(`${SELF}/saveGroup`, { groupName: '意向', tags: [{ name: '高', order: 3 }, { name: '中', order: 2 }, { name: '低', order: 1 }] }));
    const [high, middle, low] = group.tags as Array<{ id: number }>;
    const lead = await addLead(admin, { name: '字典', phone: '13800009001', tagIds: [low.id, high.id, middle.id] });
    // Both replicas have read the dictionary once.
    assert.deepEqual(await pageTags(admin, lead.id), ['意向/高', '意向/中', '意向/低']);
    assert.deepEqual(await pageTags(onReplica, lead.id), ['意向/高', '意向/中', '意向/低']);

    await ok(onReplica.post(`${SELF}/updateTag`, { id: high.id, name: '很高' }));
    assert.deepEqual(await pageTags(admin, lead.id), ['意向/很高', '意向/中', '意向/低'], 'renamed on the other replica');

    await ok(admin.post(`${SELF}/updateGroup`, { id: group.id, groupName: '购买意向', tags: [{ id: high.id, name: '很高', order: 1 }, { id: middle.id, name: '中', order: 2 }, { id: low.id, name: '低', order: 3 }] }));
    assert.deepEqual(await pageTags(onReplica, lead.id), ['购买意向/低', '购买意向/中', '购买意向/很高'], 'the group renamed and the order turned round');

    await ok(onReplica.post(`${SELF}/deleteTag`, { ids: [middle.id] }));
    assert.deepEqual(await pageTags(admin, lead.id), ['购买意向/低', '购买意向/很高'], 'a deleted tag is no longer listed');
    // The detail and the page agree.
    const detail = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: lead.id }));
    assert.deepEqual(detail.tags.map((tag: { name: string }) => tag.name), ['低', '很高']);
  });

  test('a change made straight in the database is seen too; a statement that changes no tag leaves the version', async () => {
    const [first, second] = await selfTags(t.db, '来源', ['展会', '官网']);
    const lead = await addLead(admin, { name: '库里改名', phone: '13800009002', tagIds: [first, second] });
    assert.deepEqual(await pageTags(onReplica, lead.id), ['来源/展会', '来源/官网']);
    await t.db.execute(sql`UPDATE tag SET name = '线下展会' WHERE id = ${first}`);
    assert.deepEqual(await pageTags(onReplica, lead.id), ['来源/线下展会', '来源/官网']);
    const before = await version();
    await t.db.execute(sql`UPDATE tag SET name = 'x' WHERE id = -1`);
    await t.db.execute(sql`DELETE FROM tag_group WHERE id = -1`);
    assert.equal(await version(), before);
    // A transaction that rolls back leaves it too, and its change is never shown.
    await assert.rejects(t.db.transaction(async (tx) => {
      await tx.execute(sql`UPDATE tag SET name = '回滚' WHERE id = ${second}`);
      throw new Error('rolled back');
    }));
    assert.equal(await version(), before);
    assert.deepEqual(await pageTags(admin, lead.id), ['来源/线下展会', '来源/官网']);
  });

  test('two transactions writing tags never wait on each other for the version, and both changes show', { skip: onPostgres ? false : 'two sessions need PostgreSQL' }, async () => {
    const [a, b] = await selfTags(t.db, '并发写', ['A', 'B']);
    const lead = await addLead(admin, { name: '并发写', phone: '13800009003', tagIds: [a, b] });
    const before = await version();
    const one = await t.database.pool.connect();
    const two = await t.database.pool.connect();
    try {
      await one.query('BEGIN');
      await two.query("BEGIN; SET LOCAL statement_timeout = '5s'");
      await one.query('UPDATE tag SET name = $1 WHERE id = $2', ['A1', a]);
      // Set by each statement, the version would be held by the first transaction here until it ends.
      await two.query('UPDATE tag SET name = $1 WHERE id = $2', ['B2', b]);
      const oneOnB = one.query('UPDATE tag SET name = $1 WHERE id = $2', ['B1', b]);
      await two.query('COMMIT');
      await oneOnB;
      await one.query('COMMIT');
    } finally {
      one.release();
      two.release();
    }
    assert.notEqual(await version(), before);
    assert.deepEqual(await pageTags(onReplica, lead.id), ['并发写/A1', '并发写/B1']);
  });

  test('one load per version, shared by the requests waiting on it; an older version than the copy loads once more and shows the tags as they are', async () => {
    const [tagId] = await selfTags(t.db, '计数', ['甲']);
    let loads = 0;
    const counted = new Proxy(t.db, {
      get(target, key, receiver) {
        if (key !== 'execute') return Reflect.get(target, key, receiver);
        return (query: Parameters<typeof t.db.execute>[0]) => {
          loads++;
          return target.execute(query);
        };
      },
    });
    const dictionary = createTagDictionary(counted);
    const now = await version();
    const [a, b, c] = await Promise.all([dictionary.at(now), dictionary.at(now), dictionary.at(now)]);
    assert.equal(loads, 1);
    assert.ok(a === b && b === c);
    assert.equal(a.version, now);
    assert.deepEqual(a.listOf([tagId, 999_999_999]).map((tag) => tag.name), ['甲'], 'an unknown id is left out');
    assert.equal(await dictionary.at(now), a);
    assert.equal(loads, 1, 'the copy is current: no load');

    await t.db.execute(sql`UPDATE tag SET name = '乙' WHERE id = ${tagId}`);
    const newer = await dictionary.at(await version());
    assert.equal(loads, 2);
    assert.deepEqual(newer.listOf([tagId]).map((tag) => tag.name), ['乙']);
    // A page read before the rename (its version older than the copy's): the tags as they are now.
    const older = await dictionary.at(now);
    assert.equal(loads, 4, 'loaded, and once more in case the first load began before the version it was asked for');
    assert.deepEqual(older.listOf([tagId]).map((tag) => tag.name), ['乙']);
  });

  test('lists are in display order: corp tags first, then by group order and tag order (larger first), then by id', async () => {
    const rows = await t.db.execute<{ id: number }>(sql`
      WITH g AS (
        INSERT INTO tag_group (type, wecom_group_id, name, order_num) VALUES ('corp', 'etOrderA', '企业A', 1), ('self', NULL, '自建B', 5), ('self', NULL, '自建C', 5)
        RETURNING id, name, type)
      INSERT INTO tag (group_id, type, name, order_num, wecom_tag_id, is_del)
      SELECT g.id, g.type, v.name, v.o, CASE WHEN g.type = 'corp' THEN 'et' || v.name END, v.del
      FROM g JOIN (VALUES ('企业A', 'a1', 1, 0), ('自建B', 'b1', 1, 0), ('自建B', 'b2', 2, 0), ('自建C', 'c1', 9, 0), ('自建C', 'c-gone', 10, 1)) v(g, name, o, del) ON v.g = g.name
      RETURNING id`);
    const ids = rows.rows.map((row) => Number(row.id));
    const names = await createTagDictionary(t.db).at(await version());
    const listed = names.listOf([...ids].reverse());
    // 自建B and 自建C share their order: the group made first comes first.
    assert.deepEqual(listed.map((tag) => tag.name), ['a1', 'b2', 'b1', 'c1']);
    assert.deepEqual(listed[0], { id: listed[0].id, name: 'a1', type: 'corp', groupId: listed[0].groupId, groupName: '企业A', wecomTagId: 'eta1' });
    assert.deepEqual(names.listOf([]), []);
    assert.deepEqual(names.listOf(null), []);
  });
});
