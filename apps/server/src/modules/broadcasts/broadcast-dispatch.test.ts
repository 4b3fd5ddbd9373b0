// The dispatch against the WeCom simulator: a dispatch killed halfway resumes with no duplicate task, a WeCom
// refusal mid-dispatch keeps what was made, a scheduled broadcast is sent at its time.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { ok } from '../leads/leads.testing.ts';
import { auditActions, createBroadcastTestEnv, getBroadcast, post, preview, saveBroadcast, simMessages, waitDispatched } from './broadcasts.testing.ts';

const DAY = 86_400_000;

describe('broadcast dispatch: crashes, refusals, schedules', () => {
  let env: WecomTestEnv;
  let admin: TestClient & { token: string };
  let senders: string[];
  let tagId: number;

  before(async () => {
    ({ env, admin, senders, tagId } = await createBroadcastTestEnv());
  });
  after(() => env.close());

  it('a dispatch killed halfway resumes with no duplicate task; the task in doubt is unknown until the operator sends it again', async () => {
    const text = '中断恢复测试';
    const saved = await saveBroadcast(admin, 'customer', { name: '中断测试', content: { text }, senders: { userids: senders }, audience: { corpTagIds: [tagId] } });
    const planned = (await preview(admin, 'customer', saved.id)).senders.filter((s: { count: number }) => s.count > 0).length;
    assert.ok(planned >= 2);
    const api = env.wecom.client.broadcasts;
    const original = api.addMsgTemplate.bind(api);
    let calls = 0;
    // The process "dies" right after WeCom made the second task, before SCRM could keep its msgid.
    api.addMsgTemplate = async (request) => {
      const call = ++calls;
      const answer = await original(request);
      if (call === 2) throw new Error('process killed');
      return answer;
    };
    try {
      await ok(post(admin, 'customer', 'send', { id: saved.id }));
      await waitDispatched(admin, 'customer', saved.id);
    } finally {
      api.addMsgTemplate = original;
    }
    const detail = await getBroadcast(admin, 'customer', saved.id);
    assert.equal(detail.status, 'sent');
    assert.equal(detail.chunkCounts.unknown, 1, JSON.stringify(detail.chunks));
    assert.equal(detail.chunkCounts.created, planned - 1);
    const doubt = detail.chunks.find((c: { status: string }) => c.status === 'unknown');
    assert.match(doubt.failure.message, /不知道任务是否已创建/);
    // WeCom has exactly one task per chunk: nothing was sent twice.
    assert.equal(simMessages(env, text).length, planned);
    // The operator checked WeCom and chooses to send it again: now (and only now) a second task exists for that sender.
    await ok(post(admin, 'customer', 'send', { id: saved.id, resendUnknown: true }));
    const again = await waitDispatched(admin, 'customer', saved.id);
    assert.equal(again.chunkCounts.unknown, 0);
    assert.equal(simMessages(env, text).length, planned + 1);
    assert.ok((await auditActions(env, saved.id)).includes('broadcast.resend'));
  });

  it('a WeCom refusal mid-dispatch keeps the tasks made, shows the failed one in words, and a send retries it', async () => {
    const text = '失败重试测试';
    const saved = await saveBroadcast(admin, 'customer', { name: '失败测试', content: { text }, senders: { userids: senders }, audience: { corpTagIds: [tagId] } });
    const api = env.wecom.client.broadcasts;
    const original = api.addMsgTemplate.bind(api);
    let calls = 0;
    api.addMsgTemplate = async (request) => {
      calls += 1;
      if (calls === 2) {
        const { WecomApiError } = await import('@scrm/wecom');
        throw new WecomApiError(41048, 'no customer to send', 'externalcontact/add_msg_template');
      }
      return original(request);
    };
    try {
      await ok(post(admin, 'customer', 'send', { id: saved.id }));
      await waitDispatched(admin, 'customer', saved.id);
    } finally {
      api.addMsgTemplate = original;
    }
    const detail = await getBroadcast(admin, 'customer', saved.id);
    assert.equal(detail.chunkCounts.failed, 1);
    const failed = detail.chunks.find((c: { status: string }) => c.status === 'failed');
    assert.match(failed.failure.detail, /41048/);
    assert.doesNotMatch(failed.failure.message, /^errcode/);
    const made = simMessages(env, text).length;
    await ok(post(admin, 'customer', 'send', { id: saved.id }));
    const retried = await waitDispatched(admin, 'customer', saved.id);
    assert.equal(retried.chunkCounts.failed, 0);
    assert.equal(simMessages(env, text).length, made + 1);
  });

  it('scheduled: planned when sent, dispatched at its time by pg-boss; a cancelled schedule sends nothing', async () => {
    const text = '定时群发测试';
    const at = new Date(Date.now() + 3000).toISOString();
    const saved = await saveBroadcast(admin, 'customer', { name: '定时', content: { text }, senders: { userids: senders }, audience: { corpTagIds: [tagId] }, scheduleAt: at });
    const scheduled = await ok(post(admin, 'customer', 'send', { id: saved.id }));
    assert.equal(scheduled.status, 'scheduled');
    assert.ok(scheduled.plannedCount > 0);
    assert.equal(simMessages(env, text).length, 0, 'nothing in WeCom before its time');
    const sent = await waitDispatched(admin, 'customer', saved.id, 60_000);
    assert.equal(sent.status, 'sent');
    assert.equal(simMessages(env, text).length, sent.chunkCounts.created);
    assert.deepEqual(await auditActions(env, saved.id), ['broadcast.schedule']);

    const later = await saveBroadcast(admin, 'customer', { name: '定时取消', content: { text: '定时取消测试' }, senders: { userids: senders }, audience: { corpTagIds: [tagId] }, scheduleAt: new Date(Date.now() + DAY).toISOString() });
    await ok(post(admin, 'customer', 'send', { id: later.id }));
    assert.equal((await ok(post(admin, 'customer', 'cancel', { id: later.id }))).status, 'cancelled');
    env.clock.now = env.clock.now + DAY + 60_000;
    await env.runJob('broadcasts.dispatch', { broadcastId: later.id });
    env.clock.now = Date.now();
    assert.equal(simMessages(env, '定时取消测试').length, 0);
    assert.equal((await getBroadcast(admin, 'customer', later.id)).status, 'cancelled');
  });

  for (const [fault, errcode] of [['busy', -1], ['rate-limited', 45009]] as const) {
    it(`WeCom ${fault} (${errcode}) past the client's own retries: the dispatch is tried again by itself and completes, one task per chunk, none twice`, async () => {
      const text = `自动重试测试 ${errcode}`;
      const saved = await saveBroadcast(admin, 'customer', { name: `自动重试 ${fault}`, content: { text }, senders: { userids: senders }, audience: { corpTagIds: [tagId] } });
      const shown = await preview(admin, 'customer', saved.id);
      const failedBefore = env.sim.faults.counters.failed;
      // WeCom refuses every add_msg_template until the first dispatch has given up on each chunk for now.
      env.sim.faults.set({ failNext: 1_000_000, failNextErrcode: errcode, apis: ['externalcontact/add_msg_template'] });
      try {
        await ok(post(admin, 'customer', 'send', { id: saved.id }));
        const deadline = Date.now() + 30_000;
        for (;;) {
          const detail = await getBroadcast(admin, 'customer', saved.id);
          // Each chunk refused once (after the client's retries) and set to be tried again: the job's retry is due.
          if (detail.chunks.length === shown.tasks && detail.chunks.every((c: { status: string; attempts: number }) => c.status === 'pending' && c.attempts === 1)) break;
          assert.ok(Date.now() < deadline, `chunks not refused and pending: ${JSON.stringify(detail.chunks)}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.equal(simMessages(env, text).length, 0, 'WeCom made no task yet');
      } finally {
        env.sim.faults.reset();
      }
      assert.ok(env.sim.faults.counters.failed - failedBefore >= shown.tasks);
      const done = await waitDispatched(admin, 'customer', saved.id, 60_000);
      assert.equal(done.status, 'sent');
      assert.deepEqual(done.chunkCounts, { pending: 0, inFlight: 0, created: shown.tasks, failed: 0, unknown: 0 });
      assert.ok(done.chunks.every((c: { attempts: number; failure: unknown }) => c.attempts === 2 && c.failure === null), JSON.stringify(done.chunks));
      // WeCom has exactly one task per sender with a chunk, each with the customers the preview counted.
      const messages = simMessages(env, text);
      assert.equal(messages.length, shown.tasks);
      const bySender = new Map<string, number>();
      for (const message of messages) for (const task of message.tasks) bySender.set(task.userid, (bySender.get(task.userid) ?? 0) + task.recipients.length);
      assert.deepEqual(
        bySender,
        new Map(shown.senders.filter((s: { count: number }) => s.count > 0).map((s: { userid: string; count: number }) => [s.userid, s.count])),
      );
    });
  }
});
