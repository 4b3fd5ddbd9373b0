// Leads owned by WeCom employees (issue 15, item 9), through HTTP against the simulator: assigning tells the
// owner by app message (what the simulator recorded the employee received), 领取 from the pool, 退回公海 with a
// reason, deletion, the 待跟进 view and its reminders (once per date), the export — each within the caller's
// data scope (relationScope through the user's binding), audited, and hostile input refused with nothing changed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { readXlsx } from '../customers/customers.testing.ts';
import { FOLLOW_UP_REMINDER_QUEUE } from './leads.module.ts';
import { addLead, department, fails, ok, scopedUser, selfTags } from './leads.testing.ts';

const PERMS = ['clue:list', 'clue:query', 'clue:add', 'clue:update', 'clue:assign', 'clue:claim', 'clue:return', 'clue:export', 'clue:delete'];

describe('leads owned by WeCom employees', () => {
  let env: WecomTestEnv;
  let admin: TestClient;
  type User = Awaited<ReturnType<typeof scopedUser>>;
  let alice: User; // self scope, bound to e1, Sales A
  let amy: User; // Sales A department scope, bound to nobody
  let bob: User; // self scope, bound to e2, Sales B
  let carol: User; // self scope, bound to nobody
  let e1: { userid: string; name: string };
  let e2: { userid: string; name: string };

  before(async () => {
    env = await createWecomTestEnv();
    admin = await env.login();
    await env.syncOrg();
    [e1, e2] = [...env.sim.state.employees.values()].filter((e) => e.resignedAt === undefined && e.status === 1 && env.sim.state.isEmployeeVisible(e));
    const salesA = await department(admin, 'Sales A');
    const salesB = await department(admin, 'Sales B');
    alice = await scopedUser(env, admin, { username: 'alice_lo', perms: PERMS, dataScope: 5, deptId: salesA, qwUserid: e1.userid });
    amy = await scopedUser(env, admin, { username: 'amy_lo', perms: PERMS, dataScope: 3, deptId: salesA });
    bob = await scopedUser(env, admin, { username: 'bob_lo', perms: PERMS, dataScope: 5, deptId: salesB, qwUserid: e2.userid });
    carol = await scopedUser(env, admin, { username: 'carol_lo', perms: PERMS, dataScope: 5, deptId: salesB });
  });
  after(() => env.close());

  /** What the employee received through message/send (the simulator's record), waiting up to 10 s for `count`. */
  async function receivedBy(userid: string, count: number) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const got = env.sim.state.appMessages.filter((message) => message.userid === userid);
      if (got.length >= count || Date.now() > deadline) return got;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const audit = async (action: string, leadId: number) =>
    (await env.db.execute<{ actor: string; after: any }>(sql`SELECT actor, after FROM sys_audit_log WHERE action = ${action} AND target_id = ${String(leadId)} ORDER BY id`)).rows;
  const idsSeenBy = async (user: TestClient, filters: Record<string, unknown> = {}) =>
    (await ok(user.post('/scrm/admin/clue/page', { pageSize: 500, ...filters }))).records.map((r: any) => r.id);

  it("assigning by the employee's userid names the owner and tells them by app message", async () => {
    const before = env.sim.state.appMessages.filter((m) => m.userid === e1.userid).length;
    const lead = await addLead(admin, { name: '分配线索甲', phone: '13900000001' });
    const assigned = await ok(admin.post('/scrm/admin/clue/batchAssign', { clueIds: [lead.id], userid: e1.userid }));
    assert.deepEqual(assigned, { assigned: 1, unchanged: 0, ownerUserid: e1.userid, ownerName: e1.name });
    const detail = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: lead.id }));
    assert.deepEqual([detail.ownerUserid, detail.ownerName, detail.status], [e1.userid, e1.name, 'assigned']);
    const got = await receivedBy(e1.userid, before + 1);
    assert.equal(got.length, before + 1, 'one message');
    assert.match(got.at(-1)!.content, /^【线索分配提醒】\n.*把线索「分配线索甲」分配给你/);
    assert.equal(got.at(-1)!.dropped, undefined);
    assert.equal((await audit('lead.assign', lead.id)).length, 1);
    // alice (bound to e1) sees it; bob does not.
    assert.ok((await idsSeenBy(alice)).includes(lead.id));
    assert.ok((await idsSeenBy(amy)).includes(lead.id), "amy's department holds alice, bound to e1");
    assert.ok(!(await idsSeenBy(bob)).includes(lead.id));
    await fails(bob.get('/scrm/admin/clue/detail/get', { clueId: lead.id }), 404);
  });

  it('领取: a bound user takes pool leads; taken ones are 409, an unbound user 400, nothing changes', async () => {
    const lead = await addLead(admin, { name: '公海线索', phone: '13900000002' });
    await fails(carol.post('/scrm/admin/clue/claim', { clueIds: [lead.id] }), 400, /未绑定企业微信成员/);
    assert.deepEqual(await ok(bob.post('/scrm/admin/clue/claim', { clueIds: [lead.id] })), { changed: 1, unchanged: 0 });
    const claimed = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: lead.id }));
    assert.deepEqual([claimed.ownerUserid, claimed.ownerName, claimed.status], [e2.userid, e2.name, 'assigned']);
    // Now bob's: out of alice's scope (404), and not in the pool for an administrator either (409).
    await fails(alice.post('/scrm/admin/clue/claim', { clueIds: [lead.id] }), 404);
    await fails(admin.post('/scrm/admin/clue/claim', { clueIds: [lead.id] }), 400, /未绑定/);
    const other = await addLead(admin, { name: '公海线索二', phone: '13900000003' });
    await ok(admin.post('/scrm/admin/clue/batchAssign', { clueIds: [other.id], userid: e1.userid }));
    await fails(amy.post('/scrm/admin/clue/claim', { clueIds: [other.id] }), 400, /未绑定/);
    // A claim of several where one is taken changes none.
    const free = await addLead(admin, { name: '公海线索三', phone: '13900000004' });
    const taken = await addLead(admin, { name: '公海线索四', phone: '13900000005' });
    await ok(admin.post('/scrm/admin/clue/batchAssign', { clueIds: [taken.id], userid: e1.userid }));
    await fails(bob.post('/scrm/admin/clue/claim', { clueIds: [free.id, taken.id] }), 404);
    // Someone who sees every lead (all data) and is bound: a lead no longer in the pool is 409, and none is claimed.
    const e3 = [...env.sim.state.employees.values()].find((e) => e.resignedAt === undefined && e.status === 1 && ![e1.userid, e2.userid].includes(e.userid))!;
    const dana = await scopedUser(env, admin, { username: 'dana_lo', perms: PERMS, dataScope: 1, deptId: (await department(admin, 'Sales C')), qwUserid: e3.userid });
    await fails(dana.post('/scrm/admin/clue/claim', { clueIds: [free.id, taken.id] }), 409, new RegExp(String(taken.id)));
    assert.equal((await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: free.id }))).ownerUserid, null);
    assert.equal((await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: taken.id }))).ownerUserid, e1.userid);
    const types = (await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: lead.id, types: ['claimed'] }))).records;
    assert.deepEqual(types.map((e: any) => [e.actor, e.data.toOwnerName]), [['bob_lo', e2.name]]);
    assert.equal((await audit('lead.claim', lead.id)).length, 1);
  });

  it('退回公海 with a reason: back in the pool, the reason on the timeline and in the audit log', async () => {
    const lead = await addLead(admin, { name: '退回线索', phone: '13900000006' });
    await ok(admin.post('/scrm/admin/clue/batchAssign', { clueIds: [lead.id], userid: e1.userid }));
    await fails(alice.post('/scrm/admin/clue/returnPool', { clueIds: [lead.id] }), 400);
    await fails(alice.post('/scrm/admin/clue/returnPool', { clueIds: [lead.id], reason: '  ' }), 400);
    await fails(bob.post('/scrm/admin/clue/returnPool', { clueIds: [lead.id], reason: '不是我的' }), 404);
    assert.deepEqual(await ok(alice.post('/scrm/admin/clue/returnPool', { clueIds: [lead.id], reason: '客户无意向' })), { changed: 1, unchanged: 0 });
    const returned = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: lead.id }));
    assert.deepEqual([returned.ownerUserid, returned.status, returned.returnReason], [null, 'pool', '客户无意向']);
    await fails(alice.post('/scrm/admin/clue/returnPool', { clueIds: [lead.id], reason: '再退' }), 409);
    const events = (await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: lead.id, types: ['returned'] }))).records;
    assert.deepEqual(events.map((e: any) => [e.data.reason, e.data.fromOwnerName]), [['客户无意向', e1.name]]);
    const [row] = await audit('lead.return', lead.id);
    assert.deepEqual([row.actor, row.after.reason], ['alice_lo', '客户无意向']);
    // Back in the pool: everyone with the list sees it again.
    assert.ok((await idsSeenBy(bob, { pool: true })).includes(lead.id));
  });

  it('待跟进: due leads of the caller in date order; the owner is reminded once per date', async () => {
    const due = await addLead(admin, { name: '到期线索', phone: '13900000007' });
    const later = await addLead(admin, { name: '未到期线索', phone: '13900000008' });
    const bobsDue = await addLead(admin, { name: '鲍的到期线索', phone: '13900000009' });
    await ok(admin.post('/scrm/admin/clue/batchAssign', { clueIds: [due.id, later.id], userid: e1.userid }));
    await ok(admin.post('/scrm/admin/clue/batchAssign', { clueIds: [bobsDue.id], userid: e2.userid }));
    const pastDate = new Date(env.clock.now - 3600_000).toISOString();
    const updated = await ok(alice.post('/scrm/admin/clue/update', { clueId: due.id, nextFollowAt: pastDate }));
    assert.equal(updated.nextFollowAt, pastDate);
    await ok(alice.post('/scrm/admin/clue/update', { clueId: later.id, nextFollowAt: new Date(env.clock.now + 3 * 86_400_000).toISOString() }));
    await ok(bob.post('/scrm/admin/clue/update', { clueId: bobsDue.id, nextFollowAt: pastDate }));
    assert.deepEqual(await idsSeenBy(alice, { followUp: 'due' }), [due.id]);
    assert.deepEqual(await idsSeenBy(bob, { followUp: 'due' }), [bobsDue.id]);
    assert.deepEqual((await idsSeenBy(admin, { followUp: 'due' })).filter((id: number) => [due.id, bobsDue.id, later.id].includes(id)).sort(), [due.id, bobsDue.id].sort());

    const reminders = () => env.sim.state.appMessages.filter((m) => m.content.includes('约定的跟进时间') && m.content.includes('「到期线索」'));
    const runReminderJob = async () => {
      const jobId = await env.jobs.boss.send(FOLLOW_UP_REMINDER_QUEUE, {});
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const job = await env.jobs.boss.getJobById(FOLLOW_UP_REMINDER_QUEUE, jobId!);
        if (job?.state === 'completed') return;
        assert.notEqual(job?.state, 'failed', JSON.stringify(job?.output));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.fail('the reminder job did not run');
    };
    await runReminderJob();
    const deadline = Date.now() + 10_000;
    while (reminders().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(reminders().map((m) => m.userid), [e1.userid], 'the owner is reminded');
    assert.ok(env.sim.state.appMessages.some((m) => m.userid === e2.userid && m.content.includes('「鲍的到期线索」')));
    assert.ok(!env.sim.state.appMessages.some((m) => m.content.includes('「未到期线索」') && m.content.includes('约定的跟进时间')));
    // Again: nothing new for the same date.
    await runReminderJob();
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(reminders().length, 1, 'once per date');
    const queued = await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM app_message WHERE kind = 'lead.follow-up' AND content LIKE '%「到期线索」%'`);
    assert.equal(Number(queued.rows[0].n), 1);
  });

  it('exports the list with the same filters and scope, by name: owner, status, tags', async () => {
    const mine = await addLead(admin, { name: '导出线索', phone: '13900000010', company: '=HYPERLINK("x")' });
    await ok(admin.post('/scrm/admin/clue/batchAssign', { clueIds: [mine.id], userid: e1.userid }));
    const tagIds = await selfTags(env.db, '导出意向', ['高', '低']);
    await ok(admin.post('/scrm/admin/clue/tag/batchAdd', { clueIds: [mine.id], tagIds }));
    const response = await alice.post('/scrm/admin/clue/export', { pool: false });
    assert.equal(response.status, 200);
    const [header, ...rows] = await readXlsx(response.raw.rawPayload);
    assert.deepEqual(header.slice(0, 7), ['姓名', '手机号', '性别', '公司', '职位', '状态', '负责人']);
    const page = (await ok(alice.post('/scrm/admin/clue/page', { pool: false, pageSize: 500 }))).records;
    assert.deepEqual(rows.map((row) => row[0]), page.map((r: any) => r.name), 'the rows of her page, in its order');
    const row = rows.find((cells) => cells[0] === '导出线索')!;
    assert.deepEqual([row[3], row[5], row[6]], [`'=HYPERLINK("x")`, '已分配', e1.name]);
    const detail = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: mine.id }));
    assert.equal(row[header.indexOf('标签')], detail.tags.map((tag: any) => `${tag.groupName}/${tag.name}`).join('，'), 'its tags by group and name, in display order');
    assert.match(row[header.indexOf('标签')], /^导出意向\/.+，导出意向\/.+$/);
    assert.ok(!rows.some((cells) => cells[6] === e2.name), "bob's leads are not hers to export");
    assert.ok(!JSON.stringify(rows).includes(e1.userid), 'names, not userids');
    await fails(carol.post('/scrm/admin/clue/export', { status: 'nope' }), 400);
  });

  it('deletes in bulk within the scope, audited; deleted leads are gone from the list', async () => {
    const a = await addLead(admin, { name: '删除甲', phone: '13900000011' });
    const b = await addLead(admin, { name: '删除乙', phone: '13900000012' });
    await ok(admin.post('/scrm/admin/clue/batchAssign', { clueIds: [a.id, b.id], userid: e1.userid }));
    await fails(bob.post('/scrm/admin/clue/delete', { clueIds: [a.id] }), 404);
    assert.deepEqual(await ok(alice.post('/scrm/admin/clue/delete', { clueIds: [a.id, b.id] })), { changed: 2, unchanged: 0 });
    const seen = await idsSeenBy(admin);
    assert.ok(!seen.includes(a.id) && !seen.includes(b.id));
    await fails(admin.get('/scrm/admin/clue/detail/get', { clueId: a.id }), 404);
    assert.equal((await audit('lead.delete', a.id)).length, 1);
    // The phone is free again.
    await addLead(admin, { name: '删除甲又来', phone: '13900000011' });
  });

  it('hostile input is a 4xx in the envelope and changes nothing', async () => {
    const lead = await addLead(admin, { name: '不动的线索', phone: '13900000013' });
    const attempts: Array<[string, unknown]> = [
      ['/scrm/admin/clue/batchAssign', { clueIds: [lead.id], userid: 'x'.repeat(65) }],
      ['/scrm/admin/clue/batchAssign', { clueIds: [lead.id], userid: 'nobody\u0000' }],
      ['/scrm/admin/clue/batchAssign', { clueIds: [lead.id], userid: 'nobody_at_all' }],
      ['/scrm/admin/clue/batchAssign', { clueIds: [lead.id], userId: -1 }],
      ['/scrm/admin/clue/batchAssign', { clueIds: [], userid: e1.userid }],
      ['/scrm/admin/clue/claim', { clueIds: ['1'] }],
      ['/scrm/admin/clue/claim', { clueIds: Array.from({ length: 1001 }, (_, i) => i + 1) }],
      ['/scrm/admin/clue/returnPool', { clueIds: [lead.id], reason: 'x'.repeat(201) }],
      ['/scrm/admin/clue/returnPool', { clueIds: [lead.id], reason: '\ud800' }],
      ['/scrm/admin/clue/delete', { clueIds: [0] }],
      ['/scrm/admin/clue/update', { clueId: lead.id, nextFollowAt: '0000-01-01T00:00:00Z' }],
      ['/scrm/admin/clue/page', { followUp: 'soon' }],
      ['/scrm/admin/clue/export', { ownerUserid: { $ne: null } }],
    ];
    for (const [url, body] of attempts) {
      const response = await admin.post(url, body);
      assert.ok(response.status >= 400 && response.status < 500, `${url} ${JSON.stringify(body).slice(0, 80)}: ${response.status}`);
      assert.equal(typeof response.body.msg, 'string');
    }
    const after = await ok(admin.get('/scrm/admin/clue/detail/get', { clueId: lead.id }));
    assert.deepEqual([after.ownerUserid, after.status, after.nextFollowAt, after.returnReason], [null, 'pool', null, null]);
  });
});
