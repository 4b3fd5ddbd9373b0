// 自动继承 runs (not only previews) through HTTP, the simulator and the sweep: the policy's 'named employee' and
// 'link weights' modes end with the customers and groups where the policy said, as WeCom then has them (the link's
// counters and tallies untouched); a departure no callback announced is found by the sweep — in WeCom's unassigned
// list, or, for an employee with groups and no customers, through the org and groups mirrors — and handled once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { okDate as ok } from '../../testing/scope-users.ts';
import { INHERITANCE_SWEEP_QUEUE } from './inheritance-components.ts';
import { TRANSFER_RESULT_JOB } from './transfer.service.ts';
import { createSyncedCorp } from './lifecycle.testing.ts';
import { until } from '../../testing/until.ts';

describe('automatic inheritance runs with WeCom', () => {
  let env: WecomTestEnv;
  let admin: TestClient;
  /** Employees a test here made leave, took as takeover, or whose customers it moved: each test takes others. */
  const used = new Set<string>();
  /** The policy's named employee (the first test's), the takeover of the later ones. */
  let named: { userid: string; name: string };

  before(async () => {
    // WeCom settles a transfer a minute after it was asked for (settleTransfers).
    ({ env, admin } = await createSyncedCorp({ sizes: { employees: 12, customers: 70, groups: 4 }, simulator: { transfers: { delaySeconds: 60 } } }));
  });
  after(() => env.close());

  const state = () => env.sim.state;
  const eligible = () =>
    [...state().employees.values()].filter((employee) => employee.resignedAt === undefined && employee.customerContact && employee.status === 1 && !used.has(employee.userid));
  const customersOf = (userid: string) => state().relationList(userid).map((relation) => relation.external_userid).sort();
  const groupsOf = (userid: string) => [...state().groupChats.values()].filter((chat) => chat.owner === userid && !chat.dismissed).map((chat) => chat.chat_id).sort();
  const askedOf = (handover: string) => state().transfers.filter((transfer) => transfer.handover_userid === handover);
  const overlaps = (one: string, other: string) => customersOf(one).some((id) => customersOf(other).includes(id));
  const departures = async (userid: string) => (await ok(admin.post('/scrm/admin/lifecycle/departure/page', { pageNum: 1, pageSize: 10, userid }))).records as any[];
  const settledDeparture = async (userid: string) =>
    (await until(`the departure of ${userid} is handled`, () => departures(userid), (records) => ['transferred', 'manual'].includes(records[0]?.status)))[0];
  /** The sweep job (every minute in production), once, to its end. */
  const sweep = async () => {
    const id = await env.jobs.boss.send(INHERITANCE_SWEEP_QUEUE, {});
    const job = await until('the sweep ran', async () => (await env.jobs.boss.getJobById(INHERITANCE_SWEEP_QUEUE, id!))?.state, (value) => value === 'completed' || value === 'failed');
    assert.equal(job, 'completed');
  };
  /** A leave WeCom announces to nobody: no delete_user callback reaches SCRM. */
  const leaveSilently = async (userid: string) => {
    env.sim.setCallbackUrl(undefined);
    env.sim.actions.deleteEmployee({ userid });
    await env.sim.flushDeliveries();
    env.sim.setCallbackUrl(env.portalUrl);
  };
  /** WeCom's takeover time passes; SCRM's result job reads each pair's results. */
  const settleTransfers = async (handover: string, takeovers: string[]) => {
    env.clock.now += 120_000;
    admin = await env.login();
    env.sim.settle();
    await env.settle();
    for (const takeover of takeovers) await env.runJob(TRANSFER_RESULT_JOB, { kind: 'resigned', handoverUserid: handover, takeoverUserid: takeover });
  };
  const itemStatuses = async (handover: string) =>
    (await env.db.execute<{ status: string; n: number }>(sql`SELECT status, count(*)::int AS n FROM lifecycle_transfer_item WHERE handover_userid = ${handover} GROUP BY status`)).rows.map(
      (row) => [row.status, Number(row.n)],
    );

  it("'named employee': every customer and group of the departed employee goes to the named employee, as WeCom then has them", async () => {
    const leaving = eligible().find((employee) => customersOf(employee.userid).length >= 3)!;
    named = eligible().find((employee) => employee.userid !== leaving.userid && !overlaps(employee.userid, leaving.userid))!;
    assert.ok(leaving && named, 'a leaver with customers and an employee to name');
    used.add(leaving.userid).add(named.userid);
    env.sim.actions.createGroupChat({ owner: leaving.userid, name: '指定接替的群' });
    await env.settle();
    const customers = customersOf(leaving.userid);
    const groups = groupsOf(leaving.userid);

    const policy = await ok(admin.post('/scrm/admin/lifecycle/policy/save', { enabled: true, mode: 'employee', takeoverUserid: named.userid, includeGroups: true }));
    assert.deepEqual([policy.mode, policy.takeoverName], ['employee', named.name]);
    env.sim.actions.deleteEmployee({ userid: leaving.userid });
    await env.settle();
    const done = await settledDeparture(leaving.userid);
    assert.deepEqual([done.status, done.mode, done.confirmedBy], ['transferred', 'employee', 'delete_user'], JSON.stringify(done));
    assert.deepEqual(done.takeovers.map((takeover: any) => [takeover.userid, takeover.customers, takeover.groups, takeover.refused.length]), [[named.userid, customers.length, groups.length, 0]]);

    // WeCom was asked for each customer once, for the named employee; the groups are theirs at once.
    assert.deepEqual(askedOf(leaving.userid).map((transfer) => [transfer.external_userid, transfer.takeover_userid, transfer.kind]).sort(), customers.map((id) => [id, named.userid, 'resigned']));
    assert.deepEqual(groups.map((chatId) => state().groupChats.get(chatId)!.owner), groups.map(() => named.userid));
    // WeCom takes them over: the named employee has every customer, and SCRM's records are final.
    await settleTransfers(leaving.userid, [named.userid]);
    assert.deepEqual(customers.filter((id) => customersOf(named.userid).includes(id)), customers);
    assert.deepEqual(await itemStatuses(leaving.userid), [['done', customers.length + groups.length]]);
  });

  it("'link weights': spread 2:1 by an acquisition link's weights, as WeCom then has them; the link's counters and tallies do not move", async () => {
    const leaving = eligible().find((employee) => customersOf(employee.userid).length >= 3)!;
    const [a, b] = eligible().filter((employee) => employee.userid !== leaving.userid && !overlaps(employee.userid, leaving.userid));
    assert.ok(leaving && a && b, 'a leaver and two employees of the link');
    used.add(leaving.userid).add(a.userid).add(b.userid);
    env.sim.actions.createGroupChat({ owner: leaving.userid, name: '按权重分配的群' });
    await env.settle();
    const customers = customersOf(leaving.userid);
    const groups = groupsOf(leaving.userid);

    const link = await ok(
      admin.post('/scrm/admin/cust/get/link/save', {
        linkName: '继承分配链接', allocationMethod: 'weight', userList: [a.userid, b.userid], allocationRules: [{ userId: a.userid, weight: 2 }, { userId: b.userid, weight: 1 }], status: 1,
      }),
    );
    assert.equal(link.status, 1, link.statusReason ?? '');
    // The main link holds its pick (a place of today) from its publishing on: after that, nothing moves by itself.
    await until(
      'the main link holds a pick',
      async () => (await env.db.execute<{ main_rule_id: number | null }>(sql`SELECT main_rule_id FROM acq_round WHERE acq_link_id = ${link.id}`)).rows[0]?.main_rule_id ?? null,
      (held) => held !== null,
    );
    const counters = async () =>
      JSON.parse(
        JSON.stringify({
          link: (await env.db.execute(sql`SELECT add_friend_count, open_profile_count FROM acq_link WHERE id = ${link.id}`)).rows,
          days: (await env.db.execute(sql`SELECT d.rule_id, d.day, d.hits, d.held, d.adds FROM acq_rule_day d JOIN acq_rule r ON r.id = d.rule_id WHERE r.acq_link_id = ${link.id} ORDER BY 1, 2`)).rows,
          round: (await env.db.execute(sql`SELECT round, counts::text AS counts, current::text AS current, main_rule_id, main_day FROM acq_round WHERE acq_link_id = ${link.id}`)).rows,
          adds: (await env.db.execute(sql`SELECT count(*)::int AS n FROM acq_add WHERE acq_link_id = ${link.id}`)).rows,
        }),
      );
    const before = await counters();

    await ok(admin.post('/scrm/admin/lifecycle/policy/save', { enabled: true, mode: 'link', linkGetType: 'link', linkId: link.id, includeGroups: true }));
    // The smooth weighted round robin of 2:1 over the customers, then the groups (sorted): a b a, a b a, …
    const expected = new Map([...customers, ...groups].map((target, index) => [target, index % 3 === 1 ? b.userid : a.userid]));
    const share = (userid: string, targets: string[]) => targets.filter((target) => expected.get(target) === userid);
    const preview = await ok(admin.post('/scrm/admin/lifecycle/policy/preview', { userid: leaving.userid }));

    env.sim.actions.deleteEmployee({ userid: leaving.userid });
    await env.settle();
    const done = await settledDeparture(leaving.userid);
    assert.deepEqual([done.status, done.mode], ['transferred', 'link'], JSON.stringify(done));
    const planned = [a, b]
      .map((takeover) => [takeover.userid, share(takeover.userid, customers).length, share(takeover.userid, groups).length])
      .filter(([, customerCount, groupCount]) => (customerCount as number) + (groupCount as number) > 0);
    assert.deepEqual(done.takeovers.map((takeover: any) => [takeover.userid, takeover.customers, takeover.groups]), planned);
    assert.deepEqual(preview.takeovers.map((takeover: any) => [takeover.userid, takeover.customers.length, takeover.groups.length]), planned, 'as the dry run said');
    assert.ok(share(b.userid, customers).length > 0 && share(a.userid, customers).length > share(b.userid, customers).length, 'both take part, a twice as much');

    // What WeCom was asked, and what it did with the groups.
    assert.deepEqual(
      askedOf(leaving.userid).map((transfer) => [transfer.external_userid, transfer.takeover_userid]).sort(),
      customers.map((id) => [id, expected.get(id)]),
    );
    assert.deepEqual(groups.map((chatId) => state().groupChats.get(chatId)!.owner), groups.map((chatId) => expected.get(chatId)));
    assert.deepEqual(await counters(), before, 'the policy run took no place of the link');

    // WeCom takes them over (each takeover employee gets add_external_contact): still not the link's customers.
    await settleTransfers(leaving.userid, [a.userid, b.userid]);
    for (const takeover of [a, b]) assert.deepEqual(customersOf(takeover.userid).filter((id) => customers.includes(id)), share(takeover.userid, customers));
    assert.deepEqual(await itemStatuses(leaving.userid), [['done', customers.length + groups.length]]);
    assert.deepEqual(await counters(), before, 'the takeovers are not counted as customers the link brought');
  });

  it("a departure no callback announced, found in WeCom's unassigned list: the sweep runs the policy, once", async () => {
    const leaving = eligible().find((employee) => customersOf(employee.userid).length >= 2 && !overlaps(employee.userid, named.userid))!;
    assert.ok(leaving, 'a leaver with customers');
    used.add(leaving.userid);
    const customers = customersOf(leaving.userid);
    const groups = groupsOf(leaving.userid);
    await ok(admin.post('/scrm/admin/lifecycle/policy/save', { enabled: true, mode: 'employee', takeoverUserid: named.userid, includeGroups: true }));

    await leaveSilently(leaving.userid);
    // The hourly refresh reads WeCom's unassigned list; the sweep finds the departure there (the org mirror does not know it yet).
    await env.runJob('lifecycle.unassigned-refresh');
    await sweep();
    const done = await settledDeparture(leaving.userid);
    assert.deepEqual([done.status, done.mode, done.confirmedBy], ['transferred', 'employee', 'unassigned'], JSON.stringify(done));
    assert.deepEqual(done.takeovers.map((takeover: any) => [takeover.userid, takeover.customers, takeover.groups]), [[named.userid, customers.length, groups.length]]);
    assert.deepEqual(askedOf(leaving.userid).map((transfer) => [transfer.external_userid, transfer.takeover_userid]).sort(), customers.map((id) => [id, named.userid]));

    // Seen again (the next refresh and sweeps, the org sync marking them left): nothing more.
    await env.runJob('lifecycle.unassigned-refresh');
    await sweep();
    await env.syncOrg();
    await sweep();
    assert.equal((await departures(leaving.userid)).length, 1, 'one departure');
    assert.equal(askedOf(leaving.userid).length, customers.length, 'WeCom asked once per customer');
    const batches = await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM lifecycle_transfer_batch WHERE handover_userid = ${leaving.userid}`);
    assert.equal(Number(batches.rows[0].n), 1);
  });

  it('a departed owner of groups and no customers (not in the unassigned list), no callback: found through the org and groups mirrors, handled once', async () => {
    const owner = env.sim.actions.createEmployee({ name: '只管群的员工', department: [1] });
    await env.settle();
    const mirrored = await env.db.execute(sql`SELECT userid FROM qw_emp WHERE userid = ${owner.userid}`);
    assert.equal(mirrored.rows.length, 1, 'the create_user callback mirrored the employee');
    const { chat_id: chatId } = env.sim.actions.createGroupChat({ owner: owner.userid, name: '离职成员的唯一群' });
    await env.settle();
    assert.deepEqual(customersOf(owner.userid), []);
    await ok(admin.post('/scrm/admin/lifecycle/policy/save', { enabled: true, mode: 'employee', takeoverUserid: named.userid, includeGroups: true }));

    await leaveSilently(owner.userid);
    await env.runJob('lifecycle.unassigned-refresh');
    await sweep();
    assert.deepEqual(await departures(owner.userid), [], "WeCom's unassigned list lists customers only");
    // The org sync sees them gone; the groups sync sees their group awaiting inheritance (groupchat/list status 1).
    await env.syncOrg();
    await env.runJob('groups.sync');
    const mirror = await env.db.execute<{ owner: string; status: number }>(sql`SELECT owner, status FROM group_chat WHERE chat_id = ${chatId}`);
    assert.deepEqual(mirror.rows.map((row) => [row.owner, Number(row.status)]), [[owner.userid, 1]]);
    await sweep();
    const done = await settledDeparture(owner.userid);
    assert.deepEqual([done.status, done.confirmedBy], ['transferred', 'groups'], JSON.stringify(done));
    assert.deepEqual(done.takeovers.map((takeover: any) => [takeover.userid, takeover.customers, takeover.groups]), [[named.userid, 0, 1]]);
    assert.equal(state().groupChats.get(chatId)!.owner, named.userid, 'WeCom moved the group');

    // Found again by nobody: the sweep and the syncs again change nothing.
    await sweep();
    await env.syncOrg();
    await env.runJob('groups.sync');
    await sweep();
    assert.equal((await departures(owner.userid)).length, 1);
    assert.equal(state().groupTransfers.filter((record) => record.old_owner === owner.userid).length, 1, 'WeCom asked once');
  });
});
