// WeCom's transfer rules SCRM knows before calling (API-FACTS-OPERATIONS §20.2), and the on-the-job pages by data
// scope, against the WeCom simulator through HTTP: a customer or group transferred on the job twice within 90 days is
// refused with the day it can be transferred again (the older transfer's 90th day) — and can be then; a departed
// owner's groups are assigned at most 300 a day; a limited scope sees only its employees' customers and groups, and
// transferring others' is "not found". Whatever SCRM refuses is never sent to WeCom.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { createScopedUser, departmentUnderRoot, okDate as ok } from '../../testing/scope-users.ts';
import { createSyncedCorp } from './lifecycle.testing.ts';

const ONJOB_PERMS = ['lifecycle:onjob:list', 'lifecycle:onjob:transfer'];
const DAY = 86_400_000;

describe('lifecycle transfer rules and on-the-job scope with WeCom', () => {
  let env: WecomTestEnv;
  let admin: TestClient;
  /** Customers who refuse their transfer when WeCom settles it. */
  const refusing = new Set<string>();
  /** Chat ids and external userids the tests here used: each test takes fresh ones. */
  const used = new Set<string>();

  before(async () => {
    ({ env, admin } = await createSyncedCorp({
      sizes: { employees: 10, customers: 60, groups: 6 },
      // WeCom settles a transfer a minute after it was asked for; the customers in `refusing` refuse it.
      simulator: { transfers: { delaySeconds: 60, decide: (transfer) => (refusing.has(transfer.external_userid) ? 'customer_refused' : 'accepted') } },
    }));
  });
  after(() => env.close());

  const state = () => env.sim.state;
  const inCorp = () => [...state().employees.values()].filter((employee) => employee.resignedAt === undefined && employee.customerContact && employee.status === 1);
  const groupsOf = (userid: string) => [...state().groupChats.values()].filter((chat) => chat.owner === userid && !chat.dismissed).map((chat) => chat.chat_id);
  const customersOf = (userid: string) => state().relationList(userid).map((relation) => relation.external_userid);
  const simTransfersOf = (externalUserid: string) => state().transfers.filter((transfer) => transfer.external_userid === externalUserid);
  const calls = (api: string) => env.wecomCalls.get(api) ?? 0;
  const itemsOf = (result: { items: Array<{ target: string; status: string }> }) => Object.fromEntries(result.items.map((item) => [item.target, item.status]));
  const day = (at: number) => new Date(at).toLocaleDateString('sv-SE', { timeZone: env.config.TZ_DEFAULT });
  /** A group of the employee's own, made in WeCom and mirrored by its callback. */
  const newGroup = async (owner: string, name: string) => {
    const { chat_id: chatId } = env.sim.actions.createGroupChat({ owner, name });
    await env.settle();
    used.add(chatId);
    return chatId;
  };
  /** Jumps the clock (the app's and WeCom's) and signs in again. */
  const jumpTo = async (at: number) => {
    env.clock.now = at;
    admin = await env.login();
  };

  it('on-the-job candidates, groups and transfer by data scope: only in-scope employees, the others not found, nothing sent to WeCom', async () => {
    const withCustomers = inCorp().filter((employee) => customersOf(employee.userid).length >= 2);
    const [inside, outside] = withCustomers;
    assert.ok(inside && outside, 'two employees with customers');
    const takeover = inCorp().find((employee) => ![inside.userid, outside.userid].includes(employee.userid))!;
    const insideGroup = await newGroup(inside.userid, '部门内的群');
    const outsideGroup = await newGroup(outside.userid, '部门外的群');
    const outsideOnly = customersOf(outside.userid).find((id) => !customersOf(inside.userid).includes(id))!;
    assert.ok(outsideOnly, 'a customer only the outside employee has');
    customersOf(inside.userid).forEach((id) => used.add(id));
    customersOf(outside.userid).forEach((id) => used.add(id));

    // A manager of a department (scope 3) whose member is bound to `inside`; a self-scope user (5) bound to `outside`.
    const department = await departmentUnderRoot(admin, '在职继承部');
    const manager = await createScopedUser(env, admin, { username: 'oj_manager', perms: ONJOB_PERMS, dataScope: 3, deptId: department });
    await createScopedUser(env, admin, { username: 'oj_member', perms: ['lifecycle:onjob:list'], dataScope: 5, deptId: department, qwUserid: inside.userid });
    const self = await createScopedUser(env, admin, { username: 'oj_self', perms: ONJOB_PERMS, dataScope: 5, qwUserid: outside.userid });

    const before = { customers: calls('externalcontact/transfer_customer'), groups: calls('externalcontact/groupchat/onjob_transfer') };
    const batches = async (handover: string) => Number((await env.db.execute(sql`SELECT count(*)::int AS n FROM lifecycle_transfer_batch WHERE handover_userid = ${handover}`)).rows[0].n);

    for (const [client, mine, theirs, theirCustomer, theirGroup] of [
      [manager, inside, outside, outsideOnly, outsideGroup],
      [self, outside, inside, customersOf(inside.userid).find((id) => !customersOf(outside.userid).includes(id))!, insideGroup],
    ] as const) {
      // Their own employee: every customer and group of theirs, as WeCom has them.
      const candidates = await ok(client.post('/scrm/admin/lifecycle/onjob/candidates', { handoverUserid: mine.userid, pageSize: 100 }));
      assert.deepEqual(candidates.records.map((record: any) => record.externalUserid).sort(), customersOf(mine.userid).sort());
      const groups = await ok(client.get('/scrm/admin/lifecycle/onjob/groups', { handoverUserid: mine.userid }));
      assert.deepEqual(groups.map((group: any) => group.chatId).sort(), groupsOf(mine.userid).sort());

      // Another employee's: not found, whichever way it is asked.
      const notFound = [
        await client.post('/scrm/admin/lifecycle/onjob/candidates', { handoverUserid: theirs.userid, pageSize: 100 }),
        await client.get('/scrm/admin/lifecycle/onjob/groups', { handoverUserid: theirs.userid }),
        await client.post('/scrm/admin/lifecycle/onjob/transfer', { handoverUserid: theirs.userid, takeoverUserid: takeover.userid, externalUserids: [theirCustomer] }),
        await client.post('/scrm/admin/lifecycle/onjob/transfer', { handoverUserid: theirs.userid, takeoverUserid: takeover.userid, chatIds: [theirGroup] }),
        await client.post('/scrm/admin/lifecycle/onjob/transfer', { handoverUserid: theirs.userid, takeoverUserid: takeover.userid, filters: {}, allGroups: true }),
      ];
      for (const response of notFound) {
        assert.equal(response.status, 404, JSON.stringify(response.body));
        assert.equal(response.body.msg, `企微成员不存在：${theirs.userid}`);
      }

      // Their own employee as the handover, another's customer and group as the targets: refused, one by one.
      const sneaky = await ok(client.post('/scrm/admin/lifecycle/onjob/transfer', { handoverUserid: mine.userid, takeoverUserid: takeover.userid, externalUserids: [theirCustomer], chatIds: [theirGroup] }));
      assert.deepEqual(itemsOf(sneaky), { [theirCustomer]: 'failed', [theirGroup]: 'failed' });
      assert.deepEqual(sneaky.counts, { sent: 0, refused: 2, failed: 0, unknown: 0 });
      const reasons = new Map(sneaky.refused.map((refusal: any) => [refusal.externalUserid ?? refusal.chatId, refusal.reason]));
      assert.match(reasons.get(theirCustomer) as string, new RegExp(`不是${mine.name}的客户`));
      assert.match(reasons.get(theirGroup) as string, new RegExp(`的群主不是${mine.name}`));
    }

    assert.equal(await batches(outside.userid), 1, "only the self-scope user's own (refused) request is recorded for the outside employee");
    assert.equal(await batches(inside.userid), 1, "only the manager's own (refused) request is recorded for the inside employee");
    assert.deepEqual({ customers: calls('externalcontact/transfer_customer'), groups: calls('externalcontact/groupchat/onjob_transfer') }, before, 'nothing sent to WeCom');
    assert.equal(simTransfersOf(outsideOnly).length, 0);
    assert.equal(state().groupChats.get(outsideGroup)!.owner, outside.userid);
    assert.equal(state().groupChats.get(insideGroup)!.owner, inside.userid);
  });

  it("a departed owner's groups: at most 300 assigned a day, the rest refused before calling WeCom and assignable the next day", async () => {
    const leaver = inCorp().find((employee) => !customersOf(employee.userid).some((id) => used.has(id)))!;
    const takeover = inCorp().find((employee) => employee.userid !== leaver.userid)!;
    const first = await newGroup(leaver.userid, '离职群一');
    const second = await newGroup(leaver.userid, '离职群二');
    env.sim.actions.deleteEmployee({ userid: leaver.userid });
    await env.settle();

    // 299 of the leaver's groups were assigned earlier today, 5 yesterday (which do not count today).
    const now = env.clock.now;
    const batch = await env.db.execute<{ id: number }>(sql`INSERT INTO lifecycle_transfer_batch (kind, origin, handover_userid, takeover_userid, ctime, cuser)
      VALUES ('resigned', 'manual', ${leaver.userid}, ${takeover.userid}, ${new Date(now - DAY - 60_000).toISOString()}::timestamptz, 'admin') RETURNING id`);
    const batchId = Number(batch.rows[0].id);
    await env.db.execute(sql`INSERT INTO lifecycle_transfer_item (batch_id, kind, subject, target, handover_userid, takeover_userid, status, errcode, ctime)
      SELECT ${batchId}, 'resigned', 'group', 'wrAssignedEarlier' || n, ${leaver.userid}, ${takeover.userid}, 'done', 0,
        CASE WHEN n <= 299 THEN ${new Date(now).toISOString()}::timestamptz ELSE ${new Date(now - DAY - 60_000).toISOString()}::timestamptz END
      FROM generate_series(1, 304) AS n`);

    const sent = calls('externalcontact/groupchat/transfer');
    const result = await ok(admin.post('/scrm/admin/lifecycle/resigned/transfer', { handoverUserid: leaver.userid, takeoverUserid: takeover.userid, chatIds: [first, second] }));
    assert.deepEqual(itemsOf(result), { [first]: 'done', [second]: 'failed' }, 'the 300th is assigned, the 301st is not');
    assert.deepEqual(result.refused, [{ chatId: second, name: '离职群二', reason: `${leaver.name}的群今天已分配 300 个（企业微信每天最多 300 个）：群「离职群二」请明天再分配` }]);
    assert.equal(calls('externalcontact/groupchat/transfer') - sent, 1, 'one call');
    assert.equal(state().groupChats.get(first)!.owner, takeover.userid);
    assert.equal(state().groupChats.get(second)!.owner, leaver.userid, 'the refused group was not sent');
    const english = await ok(admin.post('/scrm/admin/lifecycle/resigned/record/page', { batchId: result.batchId, status: 'failed' }, { 'accept-language': 'en' }));
    assert.deepEqual(english.records.map((record: any) => record.reason), [`300 of ${leaver.name}'s groups were assigned today (WeCom's daily maximum): assign the group "离职群二" tomorrow`]);

    // The next day it can be.
    await jumpTo(env.clock.now + DAY);
    const nextDay = await ok(admin.post('/scrm/admin/lifecycle/resigned/transfer', { handoverUserid: leaver.userid, takeoverUserid: takeover.userid, chatIds: [second] }));
    assert.deepEqual(itemsOf(nextDay), { [second]: 'done' });
    assert.equal(state().groupChats.get(second)!.owner, takeover.userid);
  });

  it('a customer and a group transferred on the job twice within 90 days: the third refused naming the day the older one leaves the window, nothing sent; on that day it goes', async () => {
    const handover = inCorp().find((employee) => employee.resignedAt === undefined && customersOf(employee.userid).some((id) => !used.has(id) && simTransfersOf(id).length === 0))!;
    const customer = customersOf(handover.userid).find((id) => !used.has(id) && simTransfersOf(id).length === 0)!;
    const takeover = inCorp().find((employee) => employee.userid !== handover.userid && !customersOf(employee.userid).includes(customer))!;
    used.add(customer);
    const group = await newGroup(handover.userid, '转接两次的群');
    const customerName = state().customers.get(customer)!.name;
    refusing.add(customer);
    /** WeCom settles (the customer refuses) and SCRM reads the result. */
    const refused = async () => {
      env.clock.now += 120_000;
      env.sim.settle();
      await env.settle();
      await env.runJob('lifecycle.transfer-result', { kind: 'onjob', handoverUserid: handover.userid, takeoverUserid: takeover.userid });
    };
    const transfer = (from: string, to: string, targets: { externalUserids?: string[]; chatIds?: string[] }, headers?: Record<string, string>) =>
      admin.post('/scrm/admin/lifecycle/onjob/transfer', { handoverUserid: from, takeoverUserid: to, ...targets }, headers);

    // The first on-the-job transfer of both (the customer refuses it: WeCom counts it all the same, SCRM too).
    const one = await ok(transfer(handover.userid, takeover.userid, { externalUserids: [customer], chatIds: [group] }));
    assert.deepEqual(itemsOf(one), { [customer]: 'waiting', [group]: 'done' });
    await refused();
    const firstAt = (await env.db.execute<{ ctime: Date }>(sql`SELECT ctime FROM lifecycle_transfer_item WHERE target = ${customer} ORDER BY id LIMIT 1`)).rows[0].ctime;
    const t0 = new Date(firstAt).getTime();
    assert.deepEqual(
      (await env.db.execute<{ status: string }>(sql`SELECT status FROM lifecycle_transfer_item WHERE target = ${customer}`)).rows.map((row) => row.status),
      ['failed'],
    );

    // A month later, the second: the customer again (refused again), the group back to its owner.
    await jumpTo(t0 + 30 * DAY);
    assert.deepEqual(itemsOf(await ok(transfer(handover.userid, takeover.userid, { externalUserids: [customer] }))), { [customer]: 'waiting' });
    assert.deepEqual(itemsOf(await ok(transfer(takeover.userid, handover.userid, { chatIds: [group] }))), { [group]: 'done' });
    await refused();
    assert.equal(simTransfersOf(customer).length, 2);

    // Ten days on, the third: refused — again possible once the first is 90 days old.
    await jumpTo(t0 + 40 * DAY);
    const sent = { customers: calls('externalcontact/transfer_customer'), groups: calls('externalcontact/groupchat/onjob_transfer') };
    const freeFrom = day(t0 + 90 * DAY);
    assert.notEqual(freeFrom, day(env.clock.now + DAY));
    const third = await ok(transfer(handover.userid, takeover.userid, { externalUserids: [customer], chatIds: [group] }));
    assert.deepEqual(itemsOf(third), { [customer]: 'failed', [group]: 'failed' });
    assert.deepEqual(third.counts, { sent: 0, refused: 2, failed: 0, unknown: 0 });
    const reasons = new Map(third.refused.map((refusal: any) => [refusal.externalUserid ?? refusal.chatId, refusal.reason]));
    assert.equal(reasons.get(customer), `${customerName}在 90 天内已被在职转接 2 次，企业微信不允许再次转接：请在 ${freeFrom} 之后再试`);
    assert.equal(reasons.get(group), `群「转接两次的群」在 90 天内已被在职转接 2 次，企业微信不允许再次转接：请在 ${freeFrom} 之后再试`);
    const english = await ok(admin.post('/scrm/admin/lifecycle/onjob/record/page', { batchId: third.batchId, subject: 'customer' }, { 'accept-language': 'en' }));
    assert.deepEqual(english.records.map((record: any) => record.reason), [
      `${customerName} was transferred on the job twice within 90 days, which WeCom does not allow again: try after ${freeFrom}`,
    ]);
    // The candidates page says the same before anyone tries.
    const candidates = await ok(admin.post('/scrm/admin/lifecycle/onjob/candidates', { handoverUserid: handover.userid, externalUserid: customer }));
    assert.equal(candidates.records[0].blockedReason, reasons.get(customer));
    assert.deepEqual({ customers: calls('externalcontact/transfer_customer'), groups: calls('externalcontact/groupchat/onjob_transfer') }, sent, 'nothing sent to WeCom');
    assert.equal(simTransfersOf(customer).length, 2);
    assert.equal(state().groupChats.get(group)!.owner, handover.userid);

    // The day after the named day, the older transfer has left the window: both go to WeCom.
    refusing.delete(customer);
    await jumpTo(t0 + 91 * DAY);
    const fourth = await ok(transfer(handover.userid, takeover.userid, { externalUserids: [customer], chatIds: [group] }));
    assert.deepEqual(itemsOf(fourth), { [customer]: 'waiting', [group]: 'done' });
    assert.equal(simTransfersOf(customer).length, 3);
    assert.equal(state().groupChats.get(group)!.owner, takeover.userid);
  });
});
