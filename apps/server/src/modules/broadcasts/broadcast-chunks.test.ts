// A sender whose customers exceed one add_msg_template call (WeCom: 10,000 customers a call, §17.1): with chunks made
// small for the test, the simulator gets several tasks for that sender and each customer is in exactly one of them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { ok } from '../leads/leads.testing.ts';
import { createBroadcastTestEnv, employeesWithCustomers, getBroadcast, post, preview, recipients, saveBroadcast, simMessages, waitDispatched } from './broadcasts.testing.ts';

const CHUNK = 3;

describe('broadcast chunks: more customers than one WeCom call takes', () => {
  let env: WecomTestEnv;
  let admin: TestClient & { token: string };

  before(async () => {
    ({ env, admin } = await createBroadcastTestEnv({ deps: { broadcastChunkSize: { customer: CHUNK } } }));
  });
  after(() => env.close());

  it('a sender with more customers than a chunk: several WeCom tasks, each customer in exactly one, none twice, none left out', async () => {
    // The employee with the most customers: all of them, sent by that one sender.
    const [sender] = employeesWithCustomers(env, 2 * CHUNK + 1).sort((a, b) => env.sim.state.relationList(b.userid).length - env.sim.state.relationList(a.userid).length);
    assert.ok(sender, `an employee with more than ${2 * CHUNK} customers`);
    const customers = new Set(env.sim.state.relationList(sender.userid).map((relation) => relation.external_userid));
    const text = '分批群发测试';
    const saved = await saveBroadcast(admin, 'customer', { name: '分批群发', content: { text }, senders: { userids: [sender.userid] }, audience: {} });
    const shown = await preview(admin, 'customer', saved.id);
    assert.equal(shown.total, customers.size);
    assert.equal(shown.tasks, Math.ceil(customers.size / CHUNK));
    assert.ok(shown.tasks >= 3);

    await ok(post(admin, 'customer', 'send', { id: saved.id }));
    const sent = await waitDispatched(admin, 'customer', saved.id);
    assert.equal(sent.status, 'sent');
    assert.deepEqual(sent.chunkCounts, { pending: 0, inFlight: 0, created: shown.tasks, failed: 0, unknown: 0 });

    // The simulator's truth: that many tasks, all the sender's, at most a chunk each; every customer exactly once.
    const messages = simMessages(env, text);
    assert.equal(messages.length, shown.tasks);
    const sentTo: string[] = [];
    for (const message of messages) {
      assert.deepEqual(message.tasks.map((task) => task.userid), [sender.userid]);
      const targets = message.tasks[0].recipients.map((recipient) => recipient.external_userid!);
      assert.ok(targets.length >= 1 && targets.length <= CHUNK, `${targets.length} in one task`);
      sentTo.push(...targets);
    }
    assert.equal(sentTo.length, new Set(sentTo).size, 'no customer in two tasks');
    assert.deepEqual(new Set(sentTo), customers);
    // SCRM's recipients say the same: each awaiting the sender, in one of the chunks.
    const rows = (await recipients(admin, 'customer', saved.id, { status: 'pending' })).records;
    assert.equal(rows.length, customers.size);
    assert.deepEqual(new Set(rows.map((row: { key: string }) => row.key)), customers);
    assert.ok(rows.every((row: { userid: string }) => row.userid === sender.userid));
    const detail = await getBroadcast(admin, 'customer', saved.id);
    assert.equal(detail.chunks.map((chunk: { size: number }) => chunk.size).reduce((a: number, b: number) => a + b, 0), customers.size);
  });
});
