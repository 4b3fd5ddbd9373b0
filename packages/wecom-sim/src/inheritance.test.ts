// 离职继承 / 在职继承 as WeCom rules them (API-FACTS §8, API-FACTS-OPERATIONS §20, §24): get_unassigned_list
// after delete_user, the per-customer and per-group rules, the one-year rule (40205), asynchronous results
// and the events a completed transfer brings.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WecomApiError, WecomClient, type UnassignedCustomer } from '@scrm/wecom';
import { createManualClock } from './clock.ts';
import { createWecomSimulator, type WecomSimulator } from './simulator.ts';
import { rawApi, tokenFor } from './test-support.ts';

const START_MS = Date.UTC(2026, 5, 15, 4);
const DAY = 86_400;

async function rejectsWith(promise: Promise<unknown>, errcode: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof WecomApiError && error.errcode === errcode);
}

describe('simulator inheritance rules', () => {
  const clock = createManualClock(START_MS);
  let sim: WecomSimulator;
  let client: WecomClient;
  let call: ReturnType<typeof rawApi>;
  const now = () => Math.floor(clock.now() / 1000);
  let leaver: string;
  let heir: string;
  let other: string;
  let leaverCustomers: string[];

  before(async () => {
    sim = createWecomSimulator({ seed: 'inheritance', clock, settleIntervalMs: 0, transfers: { delaySeconds: 600 } });
    const baseUrl = await sim.listen();
    const { corpId, secret } = sim.credentials();
    client = new WecomClient({ corpId, secret, baseUrl });
    call = rawApi(baseUrl);
    leaver = sim.actions.createEmployee({ userid: 'in_leaver' }).userid;
    heir = sim.actions.createEmployee({ userid: 'in_heir' }).userid;
    other = sim.actions.createEmployee({ userid: 'in_other' }).userid;
    leaverCustomers = Array.from({ length: 5 }, () => sim.actions.addCustomer({ userid: leaver }).external_userid);
  });
  after(() => sim.close());

  it('with takeoverAddEvent off, a completed transfer sends no add_external_contact for the takeover member', async () => {
    const quiet = createWecomSimulator({ seed: 'inheritance-quiet', clock, settleIntervalMs: 0, transfers: { delaySeconds: 0, takeoverAddEvent: false }, sizes: { employees: 4, customers: 10, groups: 1 } });
    try {
      const quietClient = new WecomClient({ corpId: quiet.credentials().corpId, secret: quiet.credentials().secret, baseUrl: await quiet.listen() });
      const [from, to] = [quiet.actions.createEmployee({ userid: 'q_from' }).userid, quiet.actions.createEmployee({ userid: 'q_to' }).userid];
      const customer = quiet.actions.addCustomer({ userid: from }).external_userid;
      await quietClient.transfers.transferCustomers({ handover_userid: from, takeover_userid: to, external_userid: [customer] });
      const before = quiet.deliveries.length;
      quiet.settle();
      assert.deepEqual(quiet.deliveries.slice(before).map((delivery) => delivery.changeType), ['del_external_contact']);
      assert.ok(quiet.state.relation(to, customer));
    } finally {
      await quiet.close();
    }
  });

  const unassigned = async (pageSize?: number) => {
    const rows: UnassignedCustomer[] = [];
    for await (const page of client.transfers.iterateUnassignedList(pageSize)) rows.push(...page.info);
    return rows;
  };
  const expectedRows = () =>
    [...sim.state.employees.values()]
      .filter((employee) => employee.resignedAt !== undefined)
      .reduce((total, employee) => total + sim.state.relationList(employee.userid).length, 0);

  it('an employee deleted from contacts: delete_user, and their customers in get_unassigned_list, newest departure first', async () => {
    clock.advance(1000);
    sim.actions.deleteEmployee({ userid: leaver });
    const deletion = sim.deliveries.at(-1)!;
    assert.equal(deletion.changeType, 'delete_user');
    assert.match(deletion.xml, /<UserID><!\[CDATA\[in_leaver\]\]><\/UserID>/);
    const rows = await unassigned(2);
    assert.equal(rows.length, expectedRows());
    assert.deepEqual(rows.slice(0, 5), leaverCustomers.map((id) => ({ handover_userid: leaver, external_userid: id, dimission_time: now() })));
    for (let index = 1; index < rows.length; index++) assert.ok(rows[index - 1].dimission_time >= rows[index].dimission_time);
    const first = await client.transfers.getUnassignedList({ page_size: 2 });
    assert.equal(first.is_last, false);
    assert.ok(first.next_cursor);
  });

  it('page_size is at most 1000; the older page_id paging still works, without next_cursor, below 50000 rows', async () => {
    const total = expectedRows();
    const all = await client.transfers.getUnassignedList({ page_size: 5000 });
    assert.equal(all.info.length, Math.min(total, 1000));
    const page = await client.transfers.getUnassignedList({ page_id: 1, page_size: 2 });
    assert.deepEqual(page.info, (await unassigned()).slice(2, 4));
    assert.equal(page.next_cursor, undefined);
    await rejectsWith(client.transfers.getUnassignedList({ page_id: 50, page_size: 1000 }), 40058);
    await rejectsWith(client.transfers.getUnassignedList({ cursor: 'forged' }), 40058);
  });

  it('resigned transfer: refusals by rule, then waiting (gone from unassigned), then done with add_external_contact for the heir', async () => {
    await rejectsWith(client.transfers.transferResignedCustomers({ handover_userid: other, takeover_userid: heir, external_userid: [leaverCustomers[0]] }), 40097);
    await rejectsWith(client.transfers.transferResignedCustomers({ handover_userid: leaver, takeover_userid: leaver, external_userid: [leaverCustomers[0]] }), 40130);
    const strangers = sim.actions.addCustomer({ userid: other }).external_userid;
    // The heir already knows customer 4: no add event for that one.
    sim.actions.addCustomer({ userid: heir, external_userid: leaverCustomers[4] });
    const started = await client.transfers.transferResignedCustomers({
      handover_userid: leaver,
      takeover_userid: heir,
      external_userid: [leaverCustomers[0], leaverCustomers[4], strangers, 'wmNOBODYNOBODYNOBODYNOBODYAAAA'],
    });
    assert.deepEqual(started.customer.map((row) => row.errcode), [0, 0, 40131, 40096]);
    const again = await client.transfers.transferResignedCustomers({ handover_userid: leaver, takeover_userid: other, external_userid: [leaverCustomers[0]] });
    assert.deepEqual(again.customer, [{ external_userid: leaverCustomers[0], errcode: 40129 }]);
    const waiting = await client.transfers.getResignedTransferResult({ handover_userid: leaver, takeover_userid: heir });
    assert.deepEqual(waiting.customer.map((row) => [row.status, row.takeover_time]), [[2, now() + 600], [2, now() + 600]]);
    const listed = (await unassigned()).filter((row) => row.handover_userid === leaver).map((row) => row.external_userid);
    assert.deepEqual(listed, leaverCustomers.slice(1, 4), 'customers being transferred are no longer unassigned');

    const before = sim.deliveries.length;
    clock.advance(601_000);
    sim.settle();
    const done = await client.transfers.getResignedTransferResult({ handover_userid: leaver, takeover_userid: heir });
    assert.deepEqual(done.customer.map((row) => [row.status, row.takeover_time]), [[1, now()], [1, now()]]);
    const events = sim.deliveries.slice(before).map((delivery) => [delivery.event, delivery.changeType]);
    assert.deepEqual(events, [['change_external_contact', 'add_external_contact']], 'one add (customer 4 was a friend already), no delete for a resigned member');
    assert.match(sim.deliveries.at(-1)!.xml, new RegExp(leaverCustomers[0]));
    assert.ok(sim.state.relation(heir, leaverCustomers[0]));
    assert.equal(sim.state.relation(leaver, leaverCustomers[0]), undefined);
  });

  it('the one-year rules answer 40205: left over a year ago, no login in the year before leaving, takeover not logged in', async () => {
    const request = () => client.transfers.transferResignedCustomers({ handover_userid: leaver, takeover_userid: heir, external_userid: [leaverCustomers[1]] });
    const left = sim.state.employees.get(leaver)!.resignedAt!;
    sim.actions.setEmployeeHistory({ userid: leaver, resigned_at: now() - 366 * DAY });
    await rejectsWith(request(), 40205);
    sim.actions.setEmployeeHistory({ userid: leaver, resigned_at: left, last_login_at: left - 400 * DAY });
    await rejectsWith(request(), 40205);
    sim.actions.setEmployeeHistory({ userid: leaver, last_login_at: null });
    sim.actions.setEmployeeHistory({ userid: heir, last_login_at: now() - 366 * DAY });
    await rejectsWith(request(), 40205);
    await rejectsWith(client.transfers.transferCustomers({ handover_userid: other, takeover_userid: heir, external_userid: [sim.state.relationList(other)[0].external_userid] }), 40205);
    sim.actions.setEmployeeHistory({ userid: heir, last_login_at: now() - 10 * DAY });
    assert.deepEqual((await request()).customer.map((row) => row.errcode), [0]);
  });

  it('on-job: a customer is transferred at most twice in 90 days (40128); the rule lifts after 90 days', async () => {
    const customer = sim.actions.addCustomer({ userid: other }).external_userid;
    const transfer = async (from: string, to: string) => (await client.transfers.transferCustomers({ handover_userid: from, takeover_userid: to, external_userid: [customer] })).customer[0].errcode;
    assert.equal(await transfer(other, heir), 0);
    assert.equal(await transfer(other, heir), 40129, 'still waiting');
    clock.advance(601_000);
    sim.settle();
    assert.equal(await transfer(heir, other), 0);
    clock.advance(601_000);
    sim.settle();
    assert.ok(sim.state.relation(other, customer));
    assert.equal(await transfer(other, heir), 40128);
    clock.advance(90 * DAY * 1000);
    assert.equal(await transfer(other, heir), 0);
    const before = sim.deliveries.length;
    clock.advance(601_000);
    sim.settle();
    // The customer once went from the heir to someone else: coming back brings no add event, only the handover's delete.
    const events = sim.deliveries.slice(before).map((delivery) => delivery.changeType);
    assert.deepEqual(events, ['del_external_contact']);
    assert.match(sim.deliveries.at(-1)!.xml, /DELETE_BY_TRANSFER/);
  });

  it('group transfers: 90502 for a resigned owner on-job, 90504 same owner, twice in 90 days, 300 a day per resigned owner', async () => {
    const chat = sim.actions.createGroupChat({ owner: other, name: '在职群' }).chat_id;
    const onJob = (to: string) => client.transfers.transferOnJobGroupChats({ chat_id_list: [chat], new_owner: to });
    assert.deepEqual((await onJob(other)).failed_chat_list.map((row) => row.errcode), [90504]);
    assert.deepEqual((await onJob(heir)).failed_chat_list, []);
    assert.deepEqual((await onJob(other)).failed_chat_list, []);
    assert.deepEqual((await onJob(heir)).failed_chat_list.map((row) => row.errcode), [40128]);

    const quitter = sim.actions.createEmployee({ userid: 'in_quitter' }).userid;
    const chats = Array.from({ length: 301 }, (_, index) => sim.actions.createGroupChat({ owner: quitter, name: `离职群${index}` }).chat_id);
    sim.actions.deleteEmployee({ userid: quitter });
    assert.deepEqual((await client.transfers.transferOnJobGroupChats({ chat_id_list: [chats[0]], new_owner: heir })).failed_chat_list.map((row) => row.errcode), [90502]);
    const failed: number[] = [];
    for (let index = 0; index < chats.length; index += 100) {
      const answer = await client.transfers.transferGroupChats({ chat_id_list: chats.slice(index, index + 100), new_owner: heir });
      failed.push(...answer.failed_chat_list.map((row) => row.errcode));
    }
    assert.deepEqual(failed, [45009], 'the 301st group of the same owner waits for tomorrow');
    clock.advance(DAY * 1000);
    assert.deepEqual((await client.transfers.transferGroupChats({ chat_id_list: [chats[300]], new_owner: heir })).failed_chat_list, []);
    assert.equal(sim.state.groupChats.get(chats[300])!.status, 3);
    await rejectsWith(client.transfers.transferGroupChats({ chat_id_list: [], new_owner: heir }), 40058);
    const token = await tokenFor(sim);
    assert.equal((await call('POST', 'externalcontact/groupchat/transfer', { chat_id_list: Array(101).fill(chat), new_owner: heir }, token)).body.errcode, 40058);
    assert.equal(sim.toJSON().groupTransfers!.length, sim.state.groupTransfers.length);
  });
});
