// Leads and the customers they link to (Trust issue, hole 3): a lead is no way around the customer data scope.
// Linking needs a customer the caller sees; inside a lead's detail the customer's relations, transfers and
// timeline go only as far as the caller's scope; a transfer moves only a relation of the caller's scope.
// Written by what a self-scope and a department-scope user see, so it holds whoever owns a lead.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { addLead, department, fails, ok, scopedUser, selfTags } from './leads.testing.ts';

const PERMS = ['clue:list', 'clue:query', 'clue:add', 'clue:update', 'clue:link', 'clue:tag', 'clue:transfer', 'clue:assign', 'clue:merge', 'clue:stat'];

describe("a lead is no way around the customers' data scope", () => {
  let env: WecomTestEnv;
  let admin: TestClient;
  type User = Awaited<ReturnType<typeof scopedUser>>;
  let alice: User; // self scope, bound to employee e1, Sales A
  let amy: User; // department scope Sales A, not bound
  let bob: User; // self scope, bound to employee e2, Sales B
  let e1: string;
  let e2: string;
  let e3: string;
  /** Customers: shared (e1 and e2, e2's relation with a remark mobile), bobsOnly (e2 only), bobsLinked (e2 only, linked by an admin to alice's lead). */
  let shared: string;
  let bobsOnly: string;
  let bobsLinked: string;
  let aliceLead: { id: number };
  let aliceLinkedToBobs: { id: number };
  let bobLead: { id: number };

  before(async () => {
    env = await createWecomTestEnv({ simulator: { transfers: { delaySeconds: 3600 } } });
    admin = await env.login();
    await env.syncOrg();
    await env.runJob('customers.sync');
    [e1, e2, e3] = [...env.sim.state.employees.values()].filter((e) => e.customerContact && e.resignedAt === undefined).map((e) => e.userid);
    assert.ok(e3, 'three employees with 客户联系');

    shared = env.sim.actions.addCustomer({ userid: e2, customer: { name: '共享客户' } }).external_userid;
    env.sim.actions.editCustomer({ userid: e2, external_userid: shared, remark: '鲍的备注', remark_mobiles: ['13799990001'] });
    env.sim.actions.addCustomer({ userid: e1, external_userid: shared });
    bobsOnly = env.sim.actions.addCustomer({ userid: e2, customer: { name: '鲍的客户' } }).external_userid;
    bobsLinked = env.sim.actions.addCustomer({ userid: e2, customer: { name: '鲍的另一个客户' } }).external_userid;
    await env.settle();

    const salesA = await department(admin, 'Sales A');
    const salesB = await department(admin, 'Sales B');
    alice = await scopedUser(env, admin, { username: 'alice_cs', perms: PERMS, dataScope: 5, deptId: salesA, qwUserid: e1 });
    amy = await scopedUser(env, admin, { username: 'amy_cs', perms: PERMS, dataScope: 3, deptId: salesA });
    bob = await scopedUser(env, admin, { username: 'bob_cs', perms: PERMS, dataScope: 5, deptId: salesB, qwUserid: e2 });

    aliceLead = await addLead(admin, { name: '爱丽丝的线索', phone: '13700000001', ownerId: alice.id });
    aliceLinkedToBobs = await addLead(admin, { name: '爱丽丝的线索二', phone: '13700000002', ownerId: alice.id });
    bobLead = await addLead(admin, { name: '鲍的线索', phone: '13700000003', ownerId: bob.id });
    // An administrator links alice's second lead to a customer only bob serves.
    await ok(admin.post('/scrm/admin/clue/linkCustomer', { clueId: aliceLinkedToBobs.id, externalUserid: bobsLinked }));
  });
  after(() => env.close());

  it("links only a customer the caller sees: another employee's customer is 404", async () => {
    await fails(alice.post('/scrm/admin/clue/linkCustomer', { clueId: aliceLead.id, externalUserid: bobsOnly }), 404);
    await fails(amy.post('/scrm/admin/clue/linkCustomer', { clueId: aliceLead.id, externalUserid: bobsOnly }), 404);
    assert.equal((await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: aliceLead.id }))).externalUserid, null, 'nothing linked');
    // A customer alice serves (with bob too) she may link.
    const linked = await ok(alice.post('/scrm/admin/clue/linkCustomer', { clueId: aliceLead.id, externalUserid: shared }));
    assert.equal(linked.externalUserid, shared);
    // Bob's lead is not alice's to touch at all.
    await fails(alice.post('/scrm/admin/clue/linkCustomer', { clueId: bobLead.id, externalUserid: shared }), 404);
  });

  it("a lead's detail shows the customer's relations only as far as the caller's scope reaches", async () => {
    const relationsSeenBy = async (user: TestClient, clueId: number) =>
      ((await ok(user.get('/scrm/admin/clue/detail/get', { clueId }))).customer?.relations ?? []).map((r: any) => r.userid).sort();
    assert.deepEqual(await relationsSeenBy(admin, aliceLead.id), [e1, e2].sort());
    assert.deepEqual(await relationsSeenBy(alice, aliceLead.id), [e1]);
    assert.deepEqual(await relationsSeenBy(amy, aliceLead.id), [e1], "her department's users' employees only");
    const detail = await ok(alice.get('/scrm/admin/clue/detail/get', { clueId: aliceLead.id }));
    assert.ok(!JSON.stringify(detail).includes('13799990001'), "bob's remark mobile is not shown");
    assert.ok(!JSON.stringify(detail).includes('鲍的备注'), "bob's remark is not shown");
    // The lead linked to bob's customer: the customer's name, none of bob's relation.
    const linked = await ok(alice.get('/scrm/admin/clue/detail/get', { clueId: aliceLinkedToBobs.id }));
    assert.equal(linked.customer.name, '鲍的另一个客户');
    assert.deepEqual(linked.customer.relations, []);
    assert.deepEqual(await relationsSeenBy(amy, aliceLinkedToBobs.id), []);
    // Leads outside the scope are 404, by id and by customer.
    await fails(alice.get('/scrm/admin/clue/detail/get', { clueId: bobLead.id }), 404);
    await fails(amy.get('/scrm/admin/clue/detail/get', { clueId: bobLead.id }), 404);
    await fails(bob.get('/scrm/admin/clue/detail/get', { clueId: aliceLead.id }), 404);
    await fails(alice.post('/scrm/admin/clue/detail/dynamics', { clueId: bobLead.id }), 404);
  });

  it("a transfer moves only a relation of the caller's scope: a lead linking to the customer is not enough", async () => {
    const transfer = (user: TestClient, externalUserid: string, handoverUserid: string, takeoverUserid: string) =>
      user.post('/scrm/admin/clue/detail/transfer', { externalUserids: [externalUserid], handoverUserid, takeoverUserid });
    // alice's lead links to bobsLinked, which only bob serves: neither she nor her department's viewer may move it.
    await fails(transfer(alice, bobsLinked, e2, e1), 404);
    await fails(transfer(amy, bobsLinked, e2, e3), 404);
    // The shared customer: bob's relation is not alice's to move, hers is.
    await fails(transfer(alice, shared, e2, e1), 404);
    await fails(transfer(alice, bobsOnly, e2, e1), 404);
    const moved = await ok(transfer(alice, shared, e1, e3));
    assert.deepEqual(moved.transfers.map((row: any) => [row.handoverUserid, row.takeoverUserid, row.status]), [[e1, e3, 'waiting']]);
    assert.ok(env.sim.state.relation(e2, shared), "bob's relation is untouched");
  });

  it("corp tags of another employee's relation are neither shown nor changed through a lead", async () => {
    await fails(alice.post('/scrm/admin/clue/detail/updateCorpTags', { externalUserid: bobsLinked, addTagIds: [1] }), 404);
    await fails(alice.post('/scrm/admin/clue/detail/updateCorpTags', { externalUserid: shared, userid: e2, addTagIds: [] }), 400, new RegExp(e2));
    const portrait = await ok(alice.get('/scrm/admin/clue/detail/portraitTags', { clueId: aliceLead.id }));
    assert.ok(portrait.corpTags.every((t: any) => t.userids.every((userid: string) => userid === e1)));
  });

  it("transfers and timeline entries about employees outside the caller's scope are left out of a lead's detail", async () => {
    // An administrator moves bob's customer (linked to alice's lead) from bob to e3: nothing of alice's scope.
    await ok(admin.post('/scrm/admin/clue/detail/transfer', { externalUserids: [bobsLinked], handoverUserid: e2, takeoverUserid: e3 }));
    const adminView = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: aliceLinkedToBobs.id }));
    assert.equal(adminView.transfers.length, 1);
    const adminTimeline = await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: aliceLinkedToBobs.id, pageSize: 50 }));
    assert.ok(adminTimeline.records.some((e: any) => e.type === 'transfer_requested'));
    for (const user of [alice, amy]) {
      assert.deepEqual((await ok(user.get('/scrm/admin/clue/detail/get', { clueId: aliceLinkedToBobs.id }))).transfers, []);
      const timeline = await ok(user.post('/scrm/admin/clue/detail/dynamics', { clueId: aliceLinkedToBobs.id, pageSize: 50 }));
      assert.ok(!timeline.records.some((e: any) => e.type === 'transfer_requested'), 'the transfer between two others is hidden');
      assert.equal(timeline.total, timeline.records.length, 'the total counts what is shown');
      assert.ok(timeline.records.some((e: any) => e.type === 'created'), 'the rest of the timeline is there');
    }
    // alice's own transfer (from her relation) shows in her lead's detail.
    const own = await ok(alice.get('/scrm/admin/clue/detail/get', { clueId: aliceLead.id }));
    assert.deepEqual(own.transfers.map((row: any) => row.handoverUserid), [e1]);
  });

  it("tagging a customer one serves leaves the lead of someone else's scope linked to it alone", async () => {
    const [tagId] = await selfTags(env.db, '范围', ['鲍的标签']);
    // bob serves the shared customer, which is linked to alice's lead.
    assert.deepEqual(await ok(bob.post('/scrm/admin/clue/tag/batchAdd', { externalUserids: [shared], tagIds: [tagId] })), { leads: 0, customers: 1 });
    assert.deepEqual((await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: aliceLead.id }))).tags, [], "alice's lead is not bob's to tag");
    assert.deepEqual((await ok(bob.get('/scrm/admin/clue/detail/portraitTags', { externalUserid: shared }))).selfTags.map((t: any) => t.id), [tagId]);
    await ok(admin.post('/scrm/admin/clue/tag/batchAdd', { clueIds: [aliceLead.id], tagIds: [tagId] }));
    assert.deepEqual(await ok(bob.post('/scrm/admin/clue/tag/deleteByCustomer', { externalUserid: shared, tagIds: [tagId] })), { removed: 0 });
    assert.deepEqual((await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: aliceLead.id }))).tags.map((t: any) => t.id), [tagId]);
  });

  it('the lists hold exactly what each sees: own leads (and the pool), the department\'s for the department scope', async () => {
    const idsSeenBy = async (user: TestClient) => (await ok(user.post('/scrm/admin/clue/page', { pageSize: 500 }))).records.map((r: any) => r.id);
    for (const user of [alice, amy]) {
      const ids = await idsSeenBy(user);
      assert.ok(ids.includes(aliceLead.id) && ids.includes(aliceLinkedToBobs.id));
      assert.ok(!ids.includes(bobLead.id));
    }
    const bobs = await idsSeenBy(bob);
    assert.ok(bobs.includes(bobLead.id) && !bobs.includes(aliceLead.id));
    // Counted the same way.
    const owners = (await ok(amy.post('/scrm/admin/clue/stat', {}))).perOwner.map((row: any) => row.ownerUserid);
    assert.ok(owners.includes(e1) && !owners.includes(e2));
  });

  it("acting on a lead outside one's scope by id is 404, for the self and the department scope alike", async () => {
    for (const user of [alice, amy]) {
      await fails(user.post('/scrm/admin/clue/update', { clueId: bobLead.id, remark: 'x' }), 404);
      await fails(user.post('/scrm/admin/clue/contacts', { clueId: bobLead.id, contacts: [{ type: 'phone', value: '13700000009' }] }), 404);
      await fails(user.post('/scrm/admin/clue/batchAssign', { clueIds: [bobLead.id], userId: alice.id }), 404);
      await fails(user.post('/scrm/admin/clue/merge', { targetId: aliceLead.id, sourceIds: [bobLead.id] }), 404);
      await fails(user.post('/scrm/admin/clue/tag/delete', { clueId: bobLead.id, tagIds: [1] }), 404);
      await fails(user.post('/scrm/admin/clue/detail/leadLink', { clueId: bobLead.id }), 404);
      await fails(user.post('/scrm/admin/clue/unlinkCustomer', { clueId: bobLead.id }), 404);
      await fails(user.get('/scrm/admin/clue/detail/portraitTags', { clueId: bobLead.id }), 404);
    }
    const untouched = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: bobLead.id }));
    assert.deepEqual([untouched.ownerUserid, untouched.remark, untouched.status], [e2, '', 'assigned']);
  });
});
