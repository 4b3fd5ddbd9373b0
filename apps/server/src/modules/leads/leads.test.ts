import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp, type TestClient } from '../../testing/test-app.ts';
import { PASSWORD, userWith } from '../system/test-fixtures.ts';
import { addLead, employee, fails, ok, openApp, selfTags, signedPost } from './leads.testing.ts';

const ALL = ['clue:list', 'clue:query', 'clue:add', 'clue:update', 'clue:assign', 'clue:merge', 'clue:link', 'clue:tag', 'clue:stat'];

describe('leads pool', () => {
  let t: TestApp;
  let admin: TestClient;
  let tags: number[];

  before(async () => {
    t = await createTestApp();
    admin = await t.login();
    tags = await selfTags(t.db, '意向', ['高意向', '中意向', '低意向']);
  });
  after(() => t.close());

  it('adds a lead to the pool with contacts, tags and a timeline', async () => {
    const created = await addLead(admin, { name: '张三', phone: '13800000001', wechat: 'zs_wx', email: 'ZS@Example.com', company: '甲公司', tagIds: [tags[0]] });
    assert.equal(created.status, 'pool');
    assert.equal(created.source, 'manual');
    assert.equal(created.primaryPhone, '13800000001');
    assert.deepEqual(created.tags.map((tag: any) => tag.name), ['高意向']);
    const detail = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: created.id }));
    assert.deepEqual(
      detail.contacts.map((c: any) => [c.type, c.value, c.primary]).sort(),
      [['email', 'zs@example.com', true], ['phone', '13800000001', true], ['wechat', 'zs_wx', true]],
    );
    const dynamics = await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: created.id }));
    assert.deepEqual(dynamics.records.map((e: any) => e.type).sort(), ['created', 'tags_changed']);
  });

  it('refuses a second lead with the same primary phone, and bad contacts', async () => {
    await fails(admin.post('/scrm/admin/clue/add', { name: '李四', phone: '13800000001' }), 409, /13800000001/);
    await fails(admin.post('/scrm/admin/clue/add', { name: '李四', phone: '1380000000' }), 400);
    await fails(
      admin.post('/scrm/admin/clue/add', { name: '李四', contacts: [{ type: 'phone', value: '13800000002' }, { type: 'phone', value: '13800000003' }] }),
      400,
    );
  });

  it('manages contacts: exactly one primary per type; the primary phone follows', async () => {
    const lead = await addLead(admin, { name: '王五', phone: '13800000010' });
    const contacts = await ok(
      admin.post('/scrm/admin/clue/contacts', {
        clueId: lead.id,
        contacts: [
          { type: 'phone', value: '13800000010', primary: false },
          { type: 'phone', value: '13800000011', primary: true },
          { type: 'qq', value: '10001' },
        ],
      }),
    );
    assert.equal(contacts.filter((c: any) => c.primary).length, 2);
    const after = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: lead.id }));
    assert.equal(after.primaryPhone, '13800000011');
    // The old primary is free for another lead as its primary now? No: it is still this lead's (secondary) contact,
    // but duplicates are judged by primary phone only.
    await fails(admin.post('/scrm/admin/clue/contacts', { clueId: lead.id, contacts: [{ type: 'phone', value: '13800000001', primary: true }] }), 409);
    await fails(
      admin.post('/scrm/admin/clue/contacts', {
        clueId: lead.id,
        contacts: [{ type: 'phone', value: '13800000010', primary: true }, { type: 'phone', value: '13800000011', primary: true }],
      }),
      400,
    );
  });

  it('updates base info and records a follow-up', async () => {
    const lead = await addLead(admin, { name: '赵六', phone: '13800000020' });
    const updated = await ok(
      admin.post('/scrm/admin/clue/update', {
        clueId: lead.id,
        company: '乙公司',
        followUp: { content: '电话沟通，有意向', method: 'phone', nextFollowAt: '2030-01-01T10:00:00+08:00' },
      }),
    );
    assert.equal(updated.company, '乙公司');
    assert.ok(updated.lastFollowAt);
    assert.equal(updated.nextFollowAt, '2030-01-01T02:00:00.000Z');
    const detail = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: lead.id }));
    assert.equal(detail.followUps.length, 1);
    assert.equal(detail.followUps[0].content, '电话沟通，有意向');
    const invalid = await ok(admin.post('/scrm/admin/clue/update', { clueId: lead.id, invalid: true }));
    assert.equal(invalid.status, 'invalid');
    const restored = await ok(admin.post('/scrm/admin/clue/update', { clueId: lead.id, invalid: false }));
    assert.equal(restored.status, 'pool');
    const types = (await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: lead.id, pageSize: 50 }))).records.map((e: any) => e.type);
    assert.deepEqual(types.sort(), ['created', 'followed_up', 'status_changed', 'status_changed', 'updated']);
  });

  it('assigns in batch to WeCom employees; the timeline says who assigned whom; data scope by owner', async () => {
    const alice = await userWith(t, admin, 'alice', ALL, 5);
    const bob = await userWith(t, admin, 'bob', ALL, 5);
    const unbound = await userWith(t, admin, 'carol', ALL, 5);
    await employee(t.db, 'alice_e', '艾丽斯', { boundTo: alice.id });
    await employee(t.db, 'bob_e', '鲍勃', { boundTo: bob.id });
    await employee(t.db, 'gone_e', '离开的人', { status: 5 });
    // The bindings are read at sign-in.
    const aliceIn = await t.login('alice', PASSWORD);
    const a = await addLead(admin, { name: 'A', phone: '13800000030' });
    const b = await addLead(admin, { name: 'B', phone: '13800000031' });
    const c = await addLead(admin, { name: 'C', phone: '13800000032' });
    const assigned = await ok(admin.post('/scrm/admin/clue/batchAssign', { clueIds: [a.id, b.id], userid: 'alice_e' }));
    assert.deepEqual(assigned, { assigned: 2, unchanged: 0, ownerUserid: 'alice_e', ownerName: '艾丽斯' });
    // The older form (a console user id) means the employee bound to that user.
    assert.deepEqual(await ok(admin.post('/scrm/admin/clue/batchAssign', { clueIds: [a.id], userId: alice.id })), { assigned: 0, unchanged: 1, ownerUserid: 'alice_e', ownerName: '艾丽斯' });
    await fails(admin.post('/scrm/admin/clue/batchAssign', { clueIds: [a.id], userId: unbound.id }), 400, /carol.*未绑定企业微信成员/);
    await fails(admin.post('/scrm/admin/clue/batchAssign', { clueIds: [a.id], userid: 'gone_e' }), 400, /gone_e/);
    await fails(admin.post('/scrm/admin/clue/batchAssign', { clueIds: [a.id], userid: 'alice_e', userId: alice.id }), 400);
    await fails(admin.post('/scrm/admin/clue/batchAssign', { clueIds: [a.id] }), 400);
    const listed = (await ok(admin.post('/scrm/admin/clue/page', { ownerUserid: 'alice_e', pageSize: 500 }))).records;
    assert.deepEqual(listed.map((r: any) => [r.name, r.ownerName, r.status]).sort(), [['A', '艾丽斯', 'assigned'], ['B', '艾丽斯', 'assigned']]);
    const events = await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: a.id, types: ['assigned'] }));
    assert.equal(events.total, 1);
    assert.deepEqual(
      { to: events.records[0].data.toOwnerName, actor: events.records[0].actor, from: events.records[0].data.fromOwnerUserid },
      { to: '艾丽斯', actor: 'admin', from: null },
    );
    const audit = await t.db.execute<{ action: string; target_id: string }>(sql`SELECT action, target_id FROM sys_audit_log WHERE action = 'lead.assign' ORDER BY id`);
    assert.deepEqual(audit.rows.map((row) => [row.action, Number(row.target_id)]), [['lead.assign', a.id], ['lead.assign', b.id]]);
    // Alice (self scope) sees her bound employee's leads and the pool, not Bob's.
    await ok(admin.post('/scrm/admin/clue/batchAssign', { clueIds: [c.id], userid: 'bob_e' }));
    const seen = await ok(aliceIn.post('/scrm/admin/clue/page', { pageSize: 500 }));
    const ids = seen.records.map((r: any) => r.id);
    assert.ok(ids.includes(a.id) && ids.includes(b.id));
    assert.ok(!ids.includes(c.id));
    assert.ok(seen.records.some((r: any) => r.ownerUserid === null), 'pool leads are visible');
    assert.ok(seen.records.every((r: any) => r.ownerUserid === null || r.ownerUserid === 'alice_e'));
    await fails(aliceIn.get('/scrm/admin/clue/detail/get', { clueId: c.id }), 404);
    await fails(aliceIn.post('/scrm/admin/clue/update', { clueId: c.id, remark: 'x' }), 404);
    await fails(aliceIn.post('/scrm/admin/clue/batchAssign', { clueIds: [c.id], userid: 'alice_e' }), 404);
    // A user bound to nobody sees the pool only.
    const carolSees = (await ok(unbound.post('/scrm/admin/clue/page', { pageSize: 500 }))).records;
    assert.ok(carolSees.every((r: any) => r.ownerUserid === null));
    const pool = await ok(aliceIn.post('/scrm/admin/clue/page', { pool: true, pageSize: 500 }));
    assert.ok(pool.records.every((r: any) => r.ownerUserid === null && r.status === 'pool'));
    // Statistics follow the scope too, by the owner's name.
    const stat = await ok(aliceIn.post('/scrm/admin/clue/stat', {}));
    assert.deepEqual(stat.perOwner.map((o: any) => [o.ownerUserid, o.ownerName]), [['alice_e', '艾丽斯']]);
    await fails(admin.post('/scrm/admin/clue/batchAssign', { clueIds: [a.id], userId: 999999 }), 400);
    const noPerm = await userWith(t, admin, 'viewer', ['clue:list'], 1);
    await fails(noPerm.post('/scrm/admin/clue/batchAssign', { clueIds: [a.id], userid: 'alice_e' }), 403);
  });

  it('merges: the target keeps every contact, tag, follow-up and timeline entry; sources are marked, not deleted', async () => {
    const target = await addLead(admin, { name: '目标', phone: '13800000040', tagIds: [tags[0]] });
    const s1 = await addLead(admin, { name: '来源1', phone: '13800000041', wechat: 'src1', tagIds: [tags[1]] });
    const s2 = await addLead(admin, { name: '来源2', email: 'src2@example.com', contacts: [{ type: 'phone', value: '13800000042', primary: true }, { type: 'phone', value: '13800000040' }], tagIds: [tags[1], tags[2]] });
    for (const [id, text] of [[target.id, 'f-t'], [s1.id, 'f-1'], [s1.id, 'f-1b'], [s2.id, 'f-2']] as const) {
      await ok(admin.post('/scrm/admin/clue/update', { clueId: id, followUp: { content: text } }));
    }
    const count = async (table: string, ids: number[]) =>
      Number((await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM ${sql.raw(table)} WHERE lead_id IN (${sql.join(ids.map((i) => sql`${i}`), sql`, `)})`)).rows[0].n);
    const all = [target.id, s1.id, s2.id];
    const eventsBefore = await count('customer_event', all);
    const followUpsBefore = await count('lead_follow_up', all);

    const merged = await ok(admin.post('/scrm/admin/clue/merge', { targetId: target.id, sourceIds: [s1.id, s2.id] }));
    assert.equal(merged.primaryPhone, '13800000040');
    assert.deepEqual(merged.tags.map((tag: any) => tag.id).sort(), [...tags].sort());

    const detail = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: target.id }));
    assert.deepEqual(
      detail.contacts.map((c: any) => `${c.type}:${c.value}:${c.primary}`).sort(),
      ['email:src2@example.com:true', 'phone:13800000040:true', 'phone:13800000041:false', 'phone:13800000042:false', 'wechat:src1:true'],
    );
    assert.deepEqual(detail.followUps.map((f: any) => f.content).sort(), ['f-1', 'f-1b', 'f-2', 'f-t']);
    assert.deepEqual(
      detail.followUps.filter((f: any) => f.mergedFromId !== null).map((f: any) => [f.content, f.mergedFromId]).sort(),
      [['f-1', s1.id], ['f-1b', s1.id], ['f-2', s2.id]],
    );
    // Every earlier timeline entry and follow-up is on the target now; plus one "merged" and one "merged_into" per source.
    assert.equal(await count('lead_follow_up', [target.id]), followUpsBefore);
    assert.equal(await count('customer_event', [target.id]), eventsBefore + 1);
    assert.equal(await count('customer_event', all), eventsBefore + 3);
    const dynamics = await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: target.id, pageSize: 100 }));
    assert.equal(dynamics.records.filter((e: any) => e.type === 'created').length, 3);
    assert.equal(dynamics.records.find((e: any) => e.type === 'merged').data.sourceIds.length, 2);

    // Sources stay, marked merged into the target, and keep their contacts and tags.
    const source = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: s1.id }));
    assert.equal(source.status, 'merged');
    assert.equal(source.mergedIntoId, target.id);
    assert.equal(source.contacts.length, 2);
    assert.deepEqual(source.tags.map((tag: any) => tag.id), [tags[1]]);
    const page = await ok(admin.post('/scrm/admin/clue/page', { name: '来源', pageSize: 50 }));
    assert.equal(page.total, 0, 'merged leads are hidden by default');
    assert.equal((await ok(admin.post('/scrm/admin/clue/page', { name: '来源', includeMerged: true }))).total, 2);
    await fails(admin.post('/scrm/admin/clue/update', { clueId: s1.id, remark: 'x' }), 409);
    await fails(admin.post('/scrm/admin/clue/merge', { targetId: s1.id, sourceIds: [target.id] }), 409);
    await fails(admin.post('/scrm/admin/clue/merge', { targetId: target.id, sourceIds: [target.id] }), 400);
    // The merged source's primary phone is free again.
    await addLead(admin, { name: '新', phone: '13800000041' });
  });

  it('tags: batch add to leads, delete, replace; lists SCRM tags', async () => {
    const a = await addLead(admin, { name: 'T1', phone: '13800000050' });
    const b = await addLead(admin, { name: 'T2', phone: '13800000051' });
    assert.deepEqual(await ok(admin.post('/scrm/admin/clue/tag/batchAdd', { clueIds: [a.id, b.id], tagIds: [tags[0], tags[1]] })), { leads: 2, customers: 0 });
    // The page's tag lists (read for the whole page at once) are the detail's, in its display order; none is [].
    const untagged = await addLead(admin, { name: 'T0', phone: '13800000052' });
    const paged = (await ok(admin.post('/scrm/admin/clue/page', { pageSize: 100 }))).records as { id: number; tags: unknown[] }[];
    for (const id of [a.id, b.id]) {
      const detail = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: id }));
      assert.equal(detail.tags.length, 2);
      assert.deepEqual(paged.find((record) => record.id === id)!.tags, detail.tags);
    }
    assert.deepEqual(paged.find((record) => record.id === untagged.id)!.tags, []);
    assert.deepEqual(await ok(admin.post('/scrm/admin/clue/tag/delete', { clueId: a.id, tagIds: [tags[0]] })), { removed: 1 });
    await ok(admin.post('/scrm/admin/clue/detail/updateSysTags', { clueId: b.id, tagIds: [tags[2]] }));
    const portrait = await ok(admin.get('/scrm/admin/clue/detail/portraitTags', { clueId: b.id }));
    assert.deepEqual(portrait.selfTags.map((tag: any) => tag.id), [tags[2]]);
    assert.deepEqual(portrait.corpTags, []);
    const list = await ok(admin.post('/scrm/admin/clue/tag/list', { name: '意向' }));
    assert.deepEqual(list.map((tag: any) => tag.name), ['高意向', '中意向', '低意向']);
    await fails(admin.post('/scrm/admin/clue/tag/batchAdd', { clueIds: [a.id], tagIds: [999999] }), 400);
    const byTag = await ok(admin.post('/scrm/admin/clue/page', { tagIds: [tags[2]] }));
    assert.ok(byTag.records.some((r: any) => r.id === b.id));
    assert.ok(!byTag.records.some((r: any) => r.id === a.id));
    const changes = await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: b.id, types: ['tags_changed'] }));
    assert.deepEqual(changes.records.map((e: any) => [e.data.added, e.data.removed]), [[[tags[2]], [tags[0], tags[1]].sort((x, y) => x - y)], [[tags[0], tags[1]], []]]);
    // Deleting an SCRM tag takes it off every lead (one storage for SCRM tags).
    await ok(admin.post('/scrm/admin/tag/self/deleteTag', { ids: [tags[2]] }));
    const after = await ok(admin.get('/scrm/admin/clue/detail/portraitTags', { clueId: b.id }));
    assert.deepEqual(after.selfTags, []);
    assert.equal((await ok(admin.post('/scrm/admin/clue/page', { tagIds: [tags[2]] }))).total, 0);
  });

  it("lists a lead's tags on the page whatever the ids of the rows that tag it", async () => {
    // No tag row's id equals its lead's: the page must find a lead's tags by the lead, not by a coincidence of ids.
    await t.db.execute(sql`UPDATE lead_tag SET id = id + 1000000`);
    await t.db.execute(sql`ALTER TABLE lead_tag ALTER COLUMN id RESTART WITH 2000000`);
    const tagged = await addLead(admin, { name: '标签显示', phone: '13800000059', tagIds: [tags[1], tags[0]] });
    const untagged = await addLead(admin, { name: '标签显示无', phone: '13800000058' });
    const names = (records: { id: number; tags: { name: string }[] }[], id: number) => records.find((record) => record.id === id)!.tags.map((tag) => tag.name);
    // As the page opens (its prepared statement) and filtered (a statement of another shape).
    for (const body of [{ pageSize: 100 }, { pageSize: 100, name: '标签显示' }]) {
      const { records } = await ok(admin.post('/scrm/admin/clue/page', body));
      assert.deepEqual(names(records, tagged.id), ['高意向', '中意向']);
      assert.deepEqual(names(records, untagged.id), []);
    }
  });

  it('links a customer by hand; detail and tags by external userid', async () => {
    await t.db.execute(sql`INSERT INTO customer (external_userid, name) VALUES ('wm_manual_1', '微信客户')`);
    const lead = await addLead(admin, { name: '关联', phone: '13800000060' });
    await fails(admin.post('/scrm/admin/clue/linkCustomer', { clueId: lead.id, externalUserid: 'wm_nobody' }), 404);
    const linked = await ok(admin.post('/scrm/admin/clue/linkCustomer', { clueId: lead.id, externalUserid: 'wm_manual_1' }));
    assert.equal(linked.status, 'converted');
    assert.equal(linked.externalUserid, 'wm_manual_1');
    const other = await addLead(admin, { name: '另一个', phone: '13800000061' });
    await fails(admin.post('/scrm/admin/clue/linkCustomer', { clueId: other.id, externalUserid: 'wm_manual_1' }), 409);
    const detail = await ok(admin.get('/scrm/admin/clue/detail/get', { externalUserid: 'wm_manual_1' }));
    assert.equal(detail.id, lead.id);
    assert.equal(detail.customer.name, '微信客户');
    await ok(admin.post('/scrm/admin/clue/tag/batchAdd', { externalUserids: ['wm_manual_1'], tagIds: [tags[0]] }));
    const portrait = await ok(admin.get('/scrm/admin/clue/detail/portraitTags', { externalUserid: 'wm_manual_1' }));
    assert.deepEqual(portrait.selfTags.map((tag: any) => tag.id), [tags[0]]);
    assert.deepEqual((await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: lead.id }))).tags.map((tag: any) => tag.id), [tags[0]]);
    await ok(admin.post('/scrm/admin/clue/tag/deleteByCustomer', { externalUserid: 'wm_manual_1', tagIds: [tags[0]] }));
    assert.deepEqual((await ok(admin.get('/scrm/admin/clue/detail/portraitTags', { externalUserid: 'wm_manual_1' }))).selfTags, []);
    const linkedEvent = await ok(admin.post('/scrm/admin/clue/detail/dynamics', { externalUserid: 'wm_manual_1', types: ['linked'] }));
    assert.equal(linkedEvent.records[0].data.how, 'manual');
    await fails(admin.get('/scrm/admin/clue/detail/get', {}), 400);
  });

  it('collects through the signed open API: one lead per request id; a known phone adds to its timeline', async () => {
    const credentials = await openApp(t.db, '官网落地页');
    const body = {
      requestId: 'req-0001',
      name: '访客',
      phone: '139 0000 0001',
      events: [
        { type: 'registration', title: '注册账号', occurredAt: '2026-01-02T03:04:05+08:00' },
        { type: 'page_visit', url: 'https://example.com/pricing', title: '价格页' },
      ],
    };
    const first = await signedPost(t.app, credentials, '/scrm/open/clue/collect', body, t.clock.now);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.date.created, true);
    assert.equal(first.body.date.replayed, false);
    const again = await signedPost(t.app, credentials, '/scrm/open/clue/collect', body, t.clock.now);
    assert.deepEqual(again.body.date, { clueId: first.body.date.clueId, created: true, replayed: true });
    const count = await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM lead WHERE primary_phone = '13900000001'`);
    assert.equal(Number(count.rows[0].n), 1);

    const known = await signedPost(t.app, credentials, '/scrm/open/clue/collect', { requestId: 'req-0002', phone: '13900000001', wechat: 'visitor_wx', events: [{ type: 'page_visit', url: 'https://example.com/a' }] }, t.clock.now);
    assert.deepEqual(known.body.date, { clueId: first.body.date.clueId, created: false, replayed: false });
    const timeline = await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: first.body.date.clueId, pageSize: 50 }));
    assert.deepEqual(timeline.records.map((e: any) => e.type).sort(), ['collected', 'collected', 'created', 'page_visit', 'page_visit', 'registration']);
    const registration = timeline.records.find((e: any) => e.type === 'registration');
    assert.equal(registration.occurredAt, '2026-01-01T19:04:05.000Z');
    assert.equal(registration.data.title, '注册账号');
    assert.equal(registration.actor, `open:${credentials.appKey}`);
    const lead = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: first.body.date.clueId }));
    assert.equal(lead.source, 'collect');
    assert.equal(lead.channel, '官网落地页');
    assert.ok(lead.contacts.some((c: any) => c.type === 'wechat' && c.value === 'visitor_wx'));

    // Unsigned, or nothing to recognise a person by.
    const unsigned = await t.app.inject({ method: 'POST', url: '/scrm/open/clue/collect', payload: body });
    assert.equal(unsigned.statusCode, 401);
    assert.equal((await signedPost(t.app, credentials, '/scrm/open/clue/collect', { requestId: 'req-3', name: 'x' }, t.clock.now)).status, 400);
    assert.equal((await signedPost(t.app, credentials, '/scrm/open/clue/collect', { requestId: 'req-4', phone: '123' }, t.clock.now)).status, 400);
  });

  it('counts by status, new today (Asia/Shanghai, app clock), converted share and per owner', async () => {
    const before = await ok(admin.post('/scrm/admin/clue/stat', {}));
    const realNow = t.clock.now;
    // Tomorrow 00:30 in Shanghai: nothing is new yet.
    const shanghaiMidnight = Date.parse(new Date(realNow + 8 * 3600_000).toISOString().slice(0, 10) + 'T00:00:00+08:00') + 24 * 3600_000;
    t.clock.now = shanghaiMidnight + 30 * 60_000;
    admin = await t.login();
    const tomorrow = await ok(admin.post('/scrm/admin/clue/stat', {}));
    assert.equal(tomorrow.newToday, 0);
    await addLead(admin, { name: '明天', phone: '13800000070' });
    const after = await ok(admin.post('/scrm/admin/clue/stat', {}));
    assert.equal(after.newToday, 1);
    assert.equal(after.total, before.total + 1);
    assert.equal(after.byStatus.pool, before.byStatus.pool + 1);
    assert.equal(after.total, after.byStatus.pool + after.byStatus.assigned + after.byStatus.converted + after.byStatus.invalid);
    assert.ok(Math.abs(after.convertedShare - after.byStatus.converted / after.total) < 1e-9);
    t.clock.now = realNow;
    admin = await t.login();
  });
});
