// The one customer timeline (issue 19): every module's writer records its event in the transaction of the change
// (through the simulator's real callbacks and the console's endpoints), a redelivered callback records once, the
// upgrade's backfill agrees with the live writers, and 客户动态 (POST /scrm/admin/cust/timeline) pages the events
// newest first with names, within the caller's data scope.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { ok, scopedUser } from '../customers/customers.testing.ts';
import { TIMELINE_EVENT_TYPES } from './timeline.service.ts';

describe('customer timeline', () => {
  let env: WecomTestEnv;
  let admin: TestClient;
  /** Two employees with 客户联系. */
  let alice: string;
  let bob: string;
  /** A self-scope user bound to alice, with the customer detail's permission. */
  let self: TestClient;

  // The writers of this file's modules (stage moves and SOP tasks have their own tests).
  const types = TIMELINE_EVENT_TYPES.filter((type) => type !== 'stage_moved' && type !== 'sop_task');
  const timeline = (client: TestClient, externalUserid: string, extra: Record<string, unknown> = {}) =>
    client.post('/scrm/admin/cust/timeline', { externalUserid, pageNum: 1, pageSize: 100, types, ...extra });
  const eventsOf = async (externalUserid: string, extra: Record<string, unknown> = {}) => (await ok(timeline(admin, externalUserid, extra))).records as any[];
  const countOf = async (type: string, externalUserid: string) =>
    Number((await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM customer_event WHERE type = ${type} AND external_userid = ${externalUserid}`)).rows[0].n);
  /** Replays the last callback WeCom delivered of this kind about the customer (a redelivery), and waits for it. */
  const redeliver = async (externalUserid: string, changeType: string) => {
    const delivery = [...env.sim.deliveries].reverse().find((record) => record.changeType === changeType && record.xml.includes(externalUserid));
    assert.ok(delivery, `a ${changeType} callback about ${externalUserid}`);
    await ok(admin.post('/scrm/wx/portal/test', { xml: delivery.xml }));
    await env.settle();
  };

  /** A minute later: WeCom's callback times have whole seconds, so the steps of a story are a minute apart. */
  const later = () => {
    env.clock.now = env.clock.now + 60_000;
  };

  before(async () => {
    env = await createWecomTestEnv({ sizes: { employees: 4, customers: 8, groups: 2, tagGroups: 2, acquisitionLinks: 0, contactWays: 0, joinWays: 0 } });
    admin = await env.login();
    await env.syncOrg();
    await env.runJob('tags.corp.sync');
    await env.runJob('customers.sync');
    await env.runJob('groups.sync');
    [alice, bob] = [...env.sim.state.employees.values()].filter((employee) => employee.customerContact && employee.status === 1).map((employee) => employee.userid);
    assert.ok(alice && bob, 'two employees with 客户联系');
  });
  after(() => env?.close());

  test('each writer records its event, in words, newest first; a redelivered add records once', async () => {
    const corpTags = (await ok(admin.get('/scrm/admin/tag/corp/list'))) as any[];
    const [vip, hot] = corpTags;
    const link = await ok(
      admin.post('/scrm/admin/cust/get/link/save', {
        linkName: '春季海报', allocationMethod: 'weight', userList: [alice], allocationRules: [{ userId: alice, weight: 1 }], skipVerify: 'true', status: 1,
      }),
    );
    assert.equal(link.status, 1, link.statusReason ?? '');
    const added = env.sim.actions.openAcquisitionLink({ url: link.allocationRules[0].linkUrl });
    const customer = added.external_userid;
    assert.equal(added.userid, alice);
    await env.settle();
    await redeliver(customer, 'add_external_contact');
    assert.equal(await countOf('customer_added', customer), 1, 'a redelivered add callback records one event');

    // Tags: from the console (corp, through mark_tag) and in WeCom (edit callback); the remark: in WeCom and from the console.
    later();
    await ok(admin.post('/scrm/admin/cust/tag/save', { externalUserid: customer, userId: alice, tagType: 'corp', addTagIds: [vip.id] }));
    later();
    env.sim.actions.editCustomer({ userid: alice, external_userid: customer, remark: '王总', add_tags: [hot.wecomTagId] });
    await env.settle();
    const relation = (await ok(admin.post('/scrm/admin/cust/emp/page', { externalUserid: customer, pageNum: 1, pageSize: 10 }))).records[0];
    later();
    await ok(admin.post('/scrm/admin/cust/emp/save', { id: relation.id, description: '老客户介绍' }));
    // Groups: created with the customer in it, another customer joins, the first one leaves.
    const other = env.sim.actions.addCustomer({ userid: alice }).external_userid;
    await env.settle();
    later();
    const { chat_id: chatId } = env.sim.actions.createGroupChat({ owner: alice, name: '春季客户群', members: [customer] });
    await env.settle();
    later();
    env.sim.actions.joinGroupChat({ chat_id: chatId, members: [other] });
    await env.settle();
    later();
    env.sim.actions.quitGroupChat({ chat_id: chatId, members: [customer] });
    await env.settle();
    // The relations end: the employee deletes one customer, the other customer deletes the employee.
    later();
    env.sim.actions.employeeDeletesCustomer({ userid: alice, external_userid: customer });
    env.sim.actions.customerDeletesEmployee({ userid: alice, external_userid: other });
    await env.settle();
    await redeliver(customer, 'del_external_contact');

    const events = await eventsOf(customer);
    assert.deepEqual(
      events.map((event) => event.type),
      ['customer_deleted', 'group_quit', 'group_joined', 'remark_changed', 'tags_changed', 'remark_changed', 'tags_changed', 'customer_added'],
      'newest first (the WeCom edit recorded its remark, then its tags, at one time: by id)',
    );
    for (const event of events) assert.equal(event.employeeName, env.sim.state.employees.get(alice)!.name, `${event.type}: the employee by name`);
    const byType = (type: string) => events.filter((event) => event.type === type);
    assert.deepEqual(pick(byType('customer_added')[0].data, ['linkName', 'getType', 'linkId']), { linkName: '春季海报', getType: 'link', linkId: link.id });
    const [wecomTags, consoleTags] = byType('tags_changed');
    assert.deepEqual(consoleTags.data.added.map((tag: any) => tag.name), [vip.name]);
    assert.equal(consoleTags.actor, 'admin');
    assert.ok(consoleTags.actorName, 'the console user by name');
    assert.deepEqual(wecomTags.data.added.map((tag: any) => [tag.id, tag.name]), [[hot.id, hot.name]], 'a WeCom edit names the tag as SCRM knows it');
    assert.equal(wecomTags.actor, 'wecom');
    assert.deepEqual(byType('remark_changed').map((event) => event.data), [{ description: '老客户介绍' }, { remark: '王总' }]);
    assert.deepEqual(pick(byType('group_joined')[0].data, ['groupName', 'chatId']), { groupName: '春季客户群', chatId });
    assert.equal(byType('group_quit')[0].data.groupName, '春季客户群');
    assert.deepEqual((await eventsOf(other)).map((event) => event.type), ['customer_lost', 'group_joined', 'customer_added']);
    const created = await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM customer_event WHERE type = 'group_created' AND chat_id = ${chatId}`);
    assert.equal(created.rows[0].n, 1, 'group_created');

    // Paging: the pages in turn are the whole list; ties on occurredAt go by id (newest recorded first); types filter.
    const pages: any[] = [];
    for (let pageNum = 1; pageNum <= 3; pageNum++) {
      const page = await ok(timeline(admin, customer, { pageNum, pageSize: 3 }));
      assert.equal(page.total, events.length);
      pages.push(...page.records);
    }
    assert.deepEqual(pages.map((event) => event.id), events.map((event) => event.id));
    await env.db.execute(sql`INSERT INTO customer_event (external_userid, userid, type, occurred_at, actor, data)
      VALUES (${customer}, ${alice}, 'follow_up', '2020-01-01T00:00:00Z', 'admin', '{"content":"first"}'),
             (${customer}, ${alice}, 'follow_up', '2020-01-01T00:00:00Z', 'admin', '{"content":"second"}')`);
    const notes = await eventsOf(customer, { types: ['follow_up'] });
    assert.deepEqual(notes.map((event) => event.data.content), ['second', 'first']);
    assert.ok(notes[0].id > notes[1].id);
  });

  test("scope: a self-scope user sees their own relation's events only, and 404 for a customer they cannot see", async () => {
    const shared = env.sim.actions.addCustomer({ userid: alice }).external_userid;
    env.sim.actions.addCustomer({ userid: bob, external_userid: shared });
    const bobsOnly = env.sim.actions.addCustomer({ userid: bob }).external_userid;
    await env.settle();
    self = await scopedUser(env, admin, { username: 'timeline_self', perms: ['cust:info:query'], dataScope: 5, qwUserid: alice });
    const seen = (await ok(timeline(self, shared))).records as any[];
    assert.deepEqual(seen.map((event) => [event.type, event.userid]), [['customer_added', alice]], "only alice's relation");
    assert.equal((await eventsOf(shared)).length, 2, 'the administrator sees both relations');
    const hidden = await timeline(self, bobsOnly);
    assert.equal(hidden.status, 404);
    assert.equal(hidden.body.code, '404');
    assert.equal((await timeline(self, 'wm-nobody')).status, 404);
    const noPermission = await scopedUser(env, admin, { username: 'timeline_none', perms: ['cust:info:list'], dataScope: 1 });
    assert.equal((await timeline(noPermission, shared)).status, 403);
    assert.equal((await self.post('/scrm/admin/cust/timeline', { externalUserid: shared, pageNum: 1, pageSize: 10, types: ['nope'] })).status, 400);
  });

  test("the upgrade's backfill writes existing relations' adds and group joins once, under the live writers' keys", async () => {
    // Relations and groups the sync found (no callback: no events), as on an install upgraded to this version.
    const [relation] = (await env.db.execute<{ external_userid: string; userid: string }>(sql`
      SELECT r.external_userid, r.userid FROM customer_relation r WHERE r.status = 'active'
        AND NOT EXISTS (SELECT 1 FROM customer_event e WHERE e.external_userid = r.external_userid) LIMIT 1`)).rows;
    assert.ok(relation, 'a synced relation without events');
    const [member] = (await env.db.execute<{ userid: string; chat_id: string }>(sql`
      SELECT m.userid, m.chat_id FROM group_member m WHERE m.type = 2 AND m.quit_time IS NULL
        AND NOT EXISTS (SELECT 1 FROM customer_event e WHERE e.external_userid = m.userid AND e.type = 'group_joined') LIMIT 1`)).rows;
    assert.ok(member, 'a synced customer member of a group');
    // Replayed on today's schema, where the dedupe key's unique index is partial (0036): its conflict target says so.
    const migration = readFileSync(join(import.meta.dirname, '../../db/migrations/0030_journey-timeline-backfill.sql'), 'utf8')
      .replaceAll('ON CONFLICT ("dedupe_key") DO NOTHING', 'ON CONFLICT ("dedupe_key") WHERE "dedupe_key" IS NOT NULL DO NOTHING')
      .split('--> statement-breakpoint');
    assert.ok(migration.join('').includes('WHERE "dedupe_key" IS NOT NULL DO NOTHING'));
    const backfill = async () => {
      for (const statement of migration) await env.db.execute(sql.raw(statement));
    };
    await backfill();
    const total = async () => Number((await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM customer_event`)).rows[0].n);
    const afterOnce = await total();
    await backfill();
    assert.equal(await total(), afterOnce, 'running it again adds nothing');
    assert.equal(await countOf('customer_added', relation.external_userid), 1);
    const joined = await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM customer_event
      WHERE type = 'group_joined' AND external_userid = ${member.userid} AND chat_id = ${member.chat_id}`);
    assert.equal(joined.rows[0].n, 1);
    // A live add callback about a backfilled relation (e.g. WeCom's redelivery) records nothing more.
    env.sim.actions.editCustomer({ userid: relation.userid, external_userid: relation.external_userid, remark: 'backfilled' });
    await env.settle();
    await ok(admin.post('/scrm/wx/portal/test', {
      xml: [...env.sim.deliveries].reverse().find((record) => record.xml.includes(relation.external_userid))!.xml.replace('edit_external_contact', 'add_external_contact'),
    }));
    await env.settle();
    assert.equal(await countOf('customer_added', relation.external_userid), 1, 'the live writer agrees with the backfill');
  });

  test("lead timelines after the migration: lead_event rows become the lead's entries in the same order, shown by the lead dynamics and on its customer's timeline", async () => {
    const customer = env.sim.actions.addCustomer({ userid: alice }).external_userid;
    await env.settle();
    const lead = await ok(admin.post('/scrm/admin/clue/add', { name: '迁移线索', phone: '13900009999' }));
    const merged = await ok(admin.post('/scrm/admin/clue/add', { name: '被合并', phone: '13900009998' }));
    // An install before this version: the lead's timeline in lead_event (its entries recorded by this version moved there too).
    await env.db.execute(sql`CREATE TABLE lead_event (id bigint PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, lead_id bigint NOT NULL, type text NOT NULL,
      occurred_at timestamptz NOT NULL, actor text, data jsonb DEFAULT '{}'::jsonb NOT NULL, merged_from_id bigint, ctime timestamptz DEFAULT now() NOT NULL)`);
    await env.db.execute(sql`DELETE FROM customer_event WHERE lead_id IN (${lead.id}, ${merged.id})`);
    await env.db.execute(sql`UPDATE lead SET external_userid = ${customer} WHERE id = ${lead.id}`);
    await env.db.execute(sql`INSERT INTO lead_event (lead_id, type, occurred_at, actor, data, merged_from_id) VALUES
      (${lead.id}, 'created', '2026-01-01T08:00:00Z', 'admin', '{"source":"manual"}', NULL),
      (${lead.id}, 'created', '2026-01-02T08:00:00Z', 'admin', '{"source":"manual"}', ${merged.id}),
      (${lead.id}, 'assigned', '2026-01-03T08:00:00Z', 'admin', ${JSON.stringify({ employeeUserid: bob })}::jsonb, NULL),
      (${lead.id}, 'followed_up', '2026-01-03T08:00:00Z', 'admin', '{"content":"电话沟通"}', NULL)`);
    const migration = readFileSync(join(import.meta.dirname, '../../db/migrations/0031_leads-timeline-on-customer-events.sql'), 'utf8').split('--> statement-breakpoint');
    for (const statement of migration) await env.db.execute(sql.raw(statement));

    const dynamics = await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: lead.id, pageNum: 1, pageSize: 10 }));
    assert.deepEqual(
      dynamics.records.map((event: any) => [event.type, event.leadId, event.mergedFromId, event.data]),
      [
        ['followed_up', lead.id, null, { content: '电话沟通' }],
        ['assigned', lead.id, null, { employeeUserid: bob }],
        ['created', lead.id, merged.id, { source: 'manual' }],
        ['created', lead.id, null, { source: 'manual' }],
      ],
      'newest first; same time by the order they were recorded',
    );
    assert.equal((await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: lead.id, pageNum: 1, pageSize: 10, types: ['created'] }))).total, 2);
    // A new entry goes through the timeline: on the lead and on its customer's timeline.
    await ok(admin.post('/scrm/admin/clue/update', { clueId: lead.id, followUp: { content: '再次联系' } }));
    const onCustomer = await eventsOf(customer, { types: ['lead'] });
    assert.deepEqual(onCustomer.map((event) => event.data.leadType), ['followed_up', 'followed_up', 'assigned', 'created', 'created']);
    // The lead scope rule stays: a self-scope user of alice does not see the assignment to bob.
    assert.ok(!(await ok(timeline(self, customer, { types: ['lead'] }))).records.some((event: any) => event.data.leadType === 'assigned'));
  });
});

const pick = (record: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((key) => [key, record[key]]));
