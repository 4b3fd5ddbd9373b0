// Leads against the WeCom simulator: customers added through a lead's link or with a lead's phone as
// remark mobile are linked; on-the-job transfers succeed or are refused (transfer_fail); corp tags go
// through mark_tag.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { addLead, fails, ok } from './leads.testing.ts';

describe('leads with WeCom', () => {
  let env: WecomTestEnv;
  let admin: TestClient;

  before(async () => {
    env = await createWecomTestEnv({ simulator: { transfers: { delaySeconds: 3600 } } });
    admin = await env.login();
    await env.syncOrg();
    await env.runJob('customers.sync');
  });
  after(() => env.close());

  const employeesWithCustomers = () =>
    [...env.sim.state.employees.values()].filter((e) => e.customerContact && e.resignedAt === undefined && env.sim.state.relationList(e.userid).length >= 2);

  it("links a customer who adds through the lead's own link (State)", async () => {
    const simLink = [...env.sim.state.acquisitionLinks.values()].find((link) => !link.deleted);
    assert.ok(simLink, 'the simulated corp has an acquisition link');
    const inserted = await env.db.execute<{ id: number }>(
      sql`INSERT INTO acq_link (get_type, link_name, state, status, link_id, url) VALUES ('link', '线索专属', 'lk-leads-test', 1, ${simLink.link_id}, ${`${simLink.url}?customer_channel=lk-leads-test`}) RETURNING id`,
    );
    const lead = await addLead(admin, { name: '链接线索', phone: '13600000001' });
    const link = await ok(admin.post('/scrm/admin/clue/detail/leadLink', { clueId: lead.id, acqLinkId: Number(inserted.rows[0].id) }));
    assert.equal(new URL(link.url).searchParams.get('customer_channel'), link.state);
    assert.deepEqual(await ok(admin.post('/scrm/admin/clue/detail/leadLink', { clueId: lead.id })), { clueId: lead.id, state: link.state, url: null }, 'the state stays');

    const added = env.sim.actions.openAcquisitionLink({ url: link.url, customer: { name: '扫码客户' } });
    assert.equal(added.state, link.state);
    await env.settle();
    const detail = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: lead.id }));
    assert.equal(detail.status, 'converted');
    assert.equal(detail.externalUserid, added.external_userid);
    assert.equal(detail.customer.name, '扫码客户');
    const linked = await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: lead.id, types: ['linked'] }));
    assert.deepEqual([linked.records[0].data.how, linked.records[0].data.employeeUserid, linked.records[0].actor], ['state', added.userid, 'wecom']);
    // The same event again (redelivery or replay) changes nothing.
    assert.equal((await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: lead.id, types: ['linked'] }))).total, 1);
  });

  it("links a customer whose remark mobile is a lead's phone; leaves ambiguous matches alone", async () => {
    const [employee] = employeesWithCustomers();
    const lead = await addLead(admin, { name: '手机线索', phone: '13600000002' });
    const added = env.sim.actions.addCustomer({ userid: employee.userid, customer: { name: '备注手机客户' } });
    await env.settle();
    assert.equal((await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: lead.id }))).status, 'pool');
    // The employee notes the customer's mobile (with a remark, so WeCom sends edit_external_contact).
    env.sim.actions.editCustomer({ userid: employee.userid, external_userid: added.external_userid, remark: '王先生', remark_mobiles: ['13600000002'] });
    await env.settle();
    const detail = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: lead.id }));
    assert.equal(detail.externalUserid, added.external_userid);
    const linked = await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: lead.id, types: ['linked'] }));
    assert.equal(linked.records[0].data.how, 'remark_mobile');

    // Two leads with that phone (one as a secondary contact): no automatic link.
    const one = await addLead(admin, { name: '甲', phone: '13600000003' });
    const two = await addLead(admin, { name: '乙', phone: '13600000004', contacts: [{ type: 'phone', value: '13600000003' }] });
    const other = env.sim.actions.addCustomer({ userid: employee.userid, customer: { name: '两可客户' } });
    env.sim.actions.editCustomer({ userid: employee.userid, external_userid: other.external_userid, remark: '两可', remark_mobiles: ['136 0000 0003'] });
    await env.settle();
    for (const id of [one.id, two.id]) assert.equal((await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: id }))).externalUserid, null);
  });

  it('transfers customers: success and refusal, followed by the transfer_result job and transfer_fail', async () => {
    const [handover, takeover] = employeesWithCustomers();
    const [first, second] = env.sim.state.relationList(handover.userid).filter((r) => !env.sim.state.relation(takeover.userid, r.external_userid));
    const leadA = await addLead(admin, { name: '转移A', phone: '13600000011' });
    const leadB = await addLead(admin, { name: '转移B', phone: '13600000012' });
    await ok(admin.post('/scrm/admin/clue/linkCustomer', { clueId: leadA.id, externalUserid: first.external_userid }));
    await ok(admin.post('/scrm/admin/clue/linkCustomer', { clueId: leadB.id, externalUserid: second.external_userid }));

    await fails(admin.post('/scrm/admin/clue/detail/transfer', { externalUserids: [first.external_userid], handoverUserid: handover.userid, takeoverUserid: handover.userid }), 400);
    const requested = await ok(
      admin.post('/scrm/admin/clue/detail/transfer', {
        externalUserids: [first.external_userid, second.external_userid],
        handoverUserid: handover.userid,
        takeoverUserid: takeover.userid,
        message: '您好，后续由同事为您服务',
      }),
    );
    assert.deepEqual(requested.transfers.map((row: any) => [row.externalUserid, row.status, row.errcode]), [
      [first.external_userid, 'waiting', 0],
      [second.external_userid, 'waiting', 0],
    ]);
    const firstCheck = await env.jobs.waitFor(requested.job.id);
    assert.equal(firstCheck.state, 'completed', firstCheck.error ?? '');
    assert.deepEqual([(firstCheck.result as any).waiting, (firstCheck.result as any).stillWaiting], [2, 2]);

    // The customer of B refuses; a day later WeCom settles both.
    env.sim.actions.refuseTransfer({ external_userid: second.external_userid });
    env.clock.now = env.clock.now + 3700_000;
    admin = await env.login();
    env.sim.settle();
    await env.settle();
    const refused = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: leadB.id }));
    assert.equal(refused.transfers[0].status, 'refused');
    assert.equal(refused.transfers[0].failReason, 'customer_refused');
    const failEvents = await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: leadB.id, types: ['transfer_failed'] }));
    assert.equal(failEvents.total, 1);
    assert.equal(failEvents.records[0].data.reason, 'customer_refused');

    const check = await env.runJob('leads.transfer-result', { handoverUserid: handover.userid, takeoverUserid: takeover.userid });
    assert.deepEqual([(check.result as any).completed, (check.result as any).refused, (check.result as any).stillWaiting], [1, 1, 0]);
    const done = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: leadA.id }));
    assert.equal(done.transfers[0].status, 'completed');
    assert.ok(done.transfers[0].settledAt);
    // The customer's main contact is now the takeover employee, and so is the lead's owner (by name).
    assert.deepEqual([done.ownerUserid, done.ownerName], [takeover.userid, takeover.name]);
    const types = (await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: leadA.id, pageSize: 50 }))).records.map((e: any) => e.type);
    assert.ok(types.includes('transfer_requested') && types.includes('transfer_completed'));
    // The refusal is recorded once, whichever path (callback or result job) saw it first.
    assert.equal((await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: leadB.id, types: ['transfer_failed'] }))).total, 1);
    assert.equal(env.sim.state.relation(takeover.userid, first.external_userid)?.userid, takeover.userid, 'WeCom moved A');
  });

  it('a transfer WeCom refuses answers what happened and what to do (issue 15, item 5), with the raw code as detail', async () => {
    const [handover, takeover] = employeesWithCustomers();
    const customer = env.sim.state.relationList(handover.userid).find((r) => !env.sim.state.relation(takeover.userid, r.external_userid))!;
    env.sim.faults.set({ failNext: 1, failNextErrcode: 40098, apis: ['externalcontact/transfer_customer'] });
    try {
      const response = await admin.post('/scrm/admin/clue/detail/transfer', { externalUserids: [customer.external_userid], handoverUserid: handover.userid, takeoverUserid: takeover.userid });
      assert.equal(response.status, 400);
      // The employee by name (the takeover employee is the one who must verify), never 该成员.
      assert.equal(response.body.msg, `${takeover.name}尚未完成企业微信实名认证：请提醒其在企业微信中完成实名认证后重试`);
      assert.match(response.body.date.detail, /^errcode 40098: /);
    } finally {
      env.sim.faults.reset();
    }
  });

  it('changes corp tags through mark_tag and shows them as portrait tags', async () => {
    const [employee] = employeesWithCustomers();
    const relation = env.sim.state.relationList(employee.userid)[0];
    const [wecomTagId, { tag: simTag, group }] = [...env.sim.state.tagIndex.entries()].find(([id]) => !relation.tag_ids.includes(id))!;
    const groupRow = await env.db.execute<{ id: number }>(
      sql`INSERT INTO tag_group (type, wecom_group_id, name) VALUES ('corp', ${group.group_id}, ${group.group_name}) ON CONFLICT (wecom_group_id) DO UPDATE SET name = excluded.name RETURNING id`,
    );
    const tagRow = await env.db.execute<{ id: number }>(
      sql`INSERT INTO tag (group_id, type, wecom_tag_id, name) VALUES (${groupRow.rows[0].id}, 'corp', ${wecomTagId}, ${simTag.name}) ON CONFLICT (wecom_tag_id) DO UPDATE SET name = excluded.name RETURNING id`,
    );
    const tagId = Number(tagRow.rows[0].id);
    const portrait = await ok(
      admin.post('/scrm/admin/clue/detail/updateCorpTags', { externalUserid: relation.external_userid, userid: employee.userid, addTagIds: [tagId] }),
    );
    assert.ok(env.sim.state.relation(employee.userid, relation.external_userid)!.tag_ids.includes(wecomTagId), 'WeCom has the tag');
    const shown = portrait.corpTags.find((t: any) => t.id === tagId);
    assert.deepEqual(shown.userids, [employee.userid]);
    await ok(admin.post('/scrm/admin/clue/detail/updateCorpTags', { externalUserid: relation.external_userid, userid: employee.userid, removeTagIds: [tagId] }));
    assert.ok(!env.sim.state.relation(employee.userid, relation.external_userid)!.tag_ids.includes(wecomTagId));
    await fails(admin.post('/scrm/admin/clue/detail/updateCorpTags', { externalUserid: relation.external_userid, userid: 'nobody', addTagIds: [tagId] }), 400);
  });
});

describe('leads linked by the full customer sync', () => {
  let env: WecomTestEnv;
  let admin: TestClient;

  before(async () => {
    env = await createWecomTestEnv();
    admin = await env.login();
    await env.syncOrg();
  });
  after(() => env.close());

  /** Runs customers.sync and waits for the leads.link-synced job it sets off. */
  async function syncAndLink() {
    const latest = async () =>
      (await env.db.execute<{ id: number; state: string; result: any }>(sql`SELECT id, state, result FROM sys_job WHERE type = 'leads.link-synced' ORDER BY id DESC LIMIT 1`)).rows[0];
    const before = (await latest())?.id ?? 0;
    await env.runJob('customers.sync');
    const deadline = Date.now() + 30_000;
    for (;;) {
      const job = await latest();
      if (job && Number(job.id) > Number(before) && (job.state === 'completed' || job.state === 'failed')) {
        assert.equal(job.state, 'completed');
        return job.result as { candidates: number; linked: number };
      }
      if (Date.now() > deadline) throw new Error('leads.link-synced did not run after customers.sync');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('links customers WeCom had before the first sync, by State and by remark mobile, once', async () => {
    // Relations WeCom already has (no callback): one came through a lead's link State, two carry lead phones as remark mobile.
    const relations = [...env.sim.state.employees.values()]
      .filter((e) => e.customerContact && e.resignedAt === undefined)
      .flatMap((e) => env.sim.state.relationList(e.userid));
    const distinct = [...new Map(relations.map((r) => [r.external_userid, r])).values()];
    const [byState, byMobile, ambiguous] = distinct.slice(0, 3);
    for (const relation of relations.filter((r) => [byState, byMobile, ambiguous].some((x) => x.external_userid === r.external_userid))) {
      relation.state = '';
      relation.remark_mobiles = [];
    }
    byState.state = 'lk-sync-state';
    byMobile.remark_mobiles = ['+86 136-1000-0002'];
    ambiguous.remark_mobiles = ['13610000003', '13610000004'];

    const stateLead = await addLead(admin, { name: '链接线索', phone: '13610000001' });
    await env.db.execute(sql`UPDATE lead SET link_state = 'lk-sync-state' WHERE id = ${stateLead.id}`);
    const mobileLead = await addLead(admin, { name: '备注手机线索', phone: '13610000002' });
    const ambiguousA = await addLead(admin, { name: '同名A', phone: '13610000003' });
    const ambiguousB = await addLead(admin, { name: '同名B', phone: '13610000004' });

    const first = await syncAndLink();
    assert.ok(first.linked >= 2, JSON.stringify(first));
    const detail = async (id: number) => ok(admin.get('/scrm/admin/clue/detail/get', { clueId: id }));
    const linkedEntries = async (id: number) => (await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: id, types: ['linked'] }))).records;

    const viaState = await detail(stateLead.id);
    assert.equal(viaState.status, 'converted');
    assert.equal(viaState.externalUserid, byState.external_userid);
    const [stateEntry] = await linkedEntries(stateLead.id);
    assert.deepEqual([stateEntry.data.how, stateEntry.data.employeeUserid, stateEntry.actor], ['state', byState.userid, 'wecom']);

    const viaMobile = await detail(mobileLead.id);
    assert.equal(viaMobile.externalUserid, byMobile.external_userid);
    const [mobileEntry] = await linkedEntries(mobileLead.id);
    assert.deepEqual([mobileEntry.data.how, mobileEntry.data.employeeUserid, mobileEntry.actor], ['remark_mobile', byMobile.userid, 'wecom']);

    // Two leads match the third customer's remark mobiles: neither is linked.
    assert.equal((await detail(ambiguousA.id)).externalUserid ?? null, null);
    assert.equal((await detail(ambiguousB.id)).externalUserid ?? null, null);

    // A second sync links nothing again and adds no timeline entry.
    const second = await syncAndLink();
    assert.equal(second.linked, 0);
    assert.equal((await linkedEntries(stateLead.id)).length, 1);
    assert.equal((await linkedEntries(mobileLead.id)).length, 1);

    // Unlinked by hand in the console: the lead keeps its owner (assigned), the timeline and the audit log say so,
    // and the next sync does not link the pair again (the remark mobile still matches).
    const unlinked = await ok(admin.post('/scrm/admin/clue/unlinkCustomer', { clueId: mobileLead.id }));
    assert.deepEqual([unlinked.status, unlinked.externalUserid, unlinked.ownerUserid], ['assigned', null, byMobile.userid]);
    const [entry] = (await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: mobileLead.id, types: ['unlinked'] }))).records;
    assert.equal(entry.data.externalUserid, byMobile.external_userid);
    const audit = await env.db.execute<{ action: string }>(sql`SELECT action FROM sys_audit_log WHERE target_type = 'lead' AND target_id = ${String(mobileLead.id)}`);
    assert.deepEqual(audit.rows.map((row) => row.action), ['lead.unlink']);
    await fails(admin.post('/scrm/admin/clue/unlinkCustomer', { clueId: mobileLead.id }), 409, /未关联/);
    assert.equal((await syncAndLink()).linked, 0);
    assert.equal((await detail(mobileLead.id)).externalUserid ?? null, null);
    // Linked again by hand: that is the person's call (audited).
    assert.equal((await ok(admin.post('/scrm/admin/clue/linkCustomer', { clueId: mobileLead.id, externalUserid: byMobile.external_userid }))).status, 'converted');
    assert.equal((await env.db.execute(sql`SELECT 1 FROM sys_audit_log WHERE action = 'lead.link' AND target_id = ${String(mobileLead.id)}`)).rows.length, 1);
  });
});
