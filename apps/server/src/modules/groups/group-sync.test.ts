import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { ok } from '../system/test-fixtures.ts';
import { dayOf } from './group-days.ts';
import { addToRanges, countInRanges, indexesNotIn, type GroupSyncCheckpoint } from './group-sync.ts';

describe('group sync checkpoint ranges', () => {
  test('indexes added out of order merge into sorted ranges; the rest is what is left to fetch', () => {
    let ranges = addToRanges([], [3, 1, 2]);
    assert.deepEqual(ranges, [[1, 4]]);
    ranges = addToRanges(ranges, [7, 8]);
    assert.deepEqual(ranges, [[1, 4], [7, 9]]);
    ranges = addToRanges(ranges, [0, 4, 5, 6]);
    assert.deepEqual(ranges, [[0, 9]]);
    assert.equal(countInRanges(ranges), 9);
    assert.deepEqual(indexesNotIn([[1, 4], [7, 9]], 11), [0, 4, 5, 6, 9, 10]);
    assert.deepEqual(indexesNotIn([], 3), [0, 1, 2]);
    assert.deepEqual(indexesNotIn([[0, 3]], 3), []);
  });
});

const GET = 'externalcontact/groupchat/get';
const LIST = 'externalcontact/groupchat/list';
// The same instant for both corps below (an hour boundary ahead of now), so the times WeCom records agree.
const CHANGED_AT = (Math.floor(Date.now() / 3_600_000) + 2) * 3_600_000;

/**
 * A corp synced once; then, with no callback reaching SCRM, WeCom changes so that the next sync has to repair
 * it: a member quits an early group, one joins a late group, a group is dismissed (the list no longer has it),
 * and SCRM holds a live group WeCom never had.
 */
async function changedCorp(): Promise<{ env: WecomTestEnv; admin: TestClient }> {
  // Batches of about two groups, three fetches at a time: several commits, on PostgreSQL two at once.
  const env = await createWecomTestEnv({ sizes: { groups: 12, maxGroupMembers: 8 }, deps: { groupSync: { batchMembers: 10, concurrency: 3 } } });
  const admin = await env.login();
  await env.syncOrg();
  await env.runJob('groups.sync');

  env.sim.setCallbackUrl(undefined);
  env.clock.now = CHANGED_AT;
  const { actions, state } = env.sim;
  const listed = [...state.groupChats.values()].filter((chat) => !chat.dismissed);
  assert.ok(listed.length >= 10, `enough groups (${listed.length})`);
  const leaving = listed[0].member_list.find((member) => member.type === 2);
  assert.ok(leaving, 'the first group has a customer');
  actions.quitGroupChat({ chat_id: listed[0].chat_id, members: [leaving.userid], quit_scene: 0 });
  const late = listed.at(-2)!;
  const joining = [...state.customers.values()].find((customer) => !late.member_list.some((member) => member.userid === customer.external_userid));
  assert.ok(joining);
  actions.joinGroupChat({ chat_id: late.chat_id, members: [joining.external_userid], join_scene: 3, state: 'qr-resume' });
  actions.dismissGroupChat({ chat_id: listed[1].chat_id });
  await env.db.execute(sql`INSERT INTO group_chat (chat_id, name, owner, create_time) VALUES ('wrNeverInWecom', '没有的群', ${listed[0].owner}, ${new Date(CHANGED_AT - 2 * 86_400_000).toISOString()}::timestamptz)`);
  return { env, admin };
}

/** What the sync leaves, without what differs between two runs by nature (ids, the instants of writing). */
async function storedState(env: WecomTestEnv, admin: TestClient) {
  const groups = await env.db.execute(sql`
    SELECT chat_id, name, owner, notice, admin_list, status, create_time, member_version, member_count, customer_count,
           dismissed, dismissed_at IS NOT NULL AS has_dismissed_at
    FROM group_chat ORDER BY chat_id`);
  const members = await env.db.execute(sql`
    SELECT chat_id, userid, type, unionid, join_time, join_scene, invitor, group_nickname, name, state, quit_time IS NOT NULL AS quit, quit_scene
    FROM group_member ORDER BY chat_id, userid, join_time`);
  // Join and quit figures as the console shows them.
  const figures: Record<string, unknown> = {};
  for (const { chat_id: chatId } of groups.rows as Array<{ chat_id: string }>) figures[chatId] = await ok(admin.get('/scrm/admin/group/member/stat', { chatId }));
  const today = dayOf(env.clock.now, 'Asia/Shanghai');
  const byOwner = await ok(admin.post('/scrm/admin/group/member/groupStats', { startDate: today, endDate: today }));
  const byState = await ok(admin.post('/scrm/admin/group/member/channelStats', { state: 'qr-resume' }));
  return { groups: groups.rows, members: members.rows, figures, byOwner, byState };
}

async function waitForState(env: WecomTestEnv, jobId: number, state: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const job = await env.jobs.get(jobId);
    if (job.state === state) return job;
    assert.ok(!['completed', 'failed'].includes(job.state), `job ended ${job.state} before reaching ${state}: ${job.error}`);
    assert.ok(Date.now() < deadline, `job still ${job.state}, waiting for ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('group sync: a WeCom failure midway, then the retry resumes from the checkpoint', () => {
  test('the retry fetches only the groups not committed, and ends exactly where a clean sync ends', async () => {
    // The reference: the same corp, changed the same way, synced in one go.
    let clean: { result: unknown; stored: Awaited<ReturnType<typeof storedState>> };
    {
      const { env, admin } = await changedCorp();
      try {
        const job = await env.runJob('groups.sync');
        clean = { result: job.result, stored: await storedState(env, admin) };
      } finally {
        await env.close();
      }
    }
    const cleanResult = clean.result as Record<string, unknown>;
    assert.equal(cleanResult.resumed, false);
    assert.equal(cleanResult.quits, 1, 'the member who left');
    assert.equal(cleanResult.dismissed, 2, 'the dismissed group and the group WeCom never had');

    const { env, admin } = await changedCorp();
    try {
      const listed = [...env.sim.state.groupChats.values()].filter((chat) => !chat.dismissed).length;
      const total = listed + 2; // and the two stored groups the list does not have, fetched last
      const committedBefore = Math.floor(listed / 2);
      // groupchat/get answers 45009 from the (committedBefore + 1)-th call on, so the attempt fails midway.
      env.sim.faults.set({ rateLimit: { calls: committedBefore, windowMs: 3_600_000 }, apis: [GET] });
      env.wecomCalls.clear();
      const started = await ok(admin.post('/scrm/admin/group/sync'));
      await waitForState(env, started.id, 'retry');
      assert.equal(env.wecomCalls.get(LIST), 1);

      // What the failed attempt fetched is committed with its checkpoint, and the job shows it.
      const failed = await ok(admin.get('/scrm/admin/job/get', { id: started.id }));
      // Shown to the operator in words (the WeCom error table), the raw code on the details line.
      assert.match(failed.error, /限流/);
      assert.match(failed.errorDetail, /45009/);
      assert.equal(failed.total, total);
      assert.equal(failed.progress, committedBefore);
      const saved = (await env.db.execute<{ checkpoint: GroupSyncCheckpoint }>(sql`SELECT payload->'checkpoint' AS checkpoint FROM sys_job WHERE id = ${started.id}`)).rows[0]
        .checkpoint;
      assert.equal(saved.chats.length, total);
      assert.equal(countInRanges(saved.done), committedBefore);
      assert.equal(saved.totals.groups, committedBefore);
      const doneChats = new Set(saved.chats.filter((_, index) => !indexesNotIn(saved.done, total).includes(index)).map(([chatId]) => chatId));

      // A committed group renamed in WeCom before the retry, still without a callback: the retry must not fetch it again.
      const [renamed] = doneChats;
      const storedName = (await env.db.execute<{ name: string }>(sql`SELECT name FROM group_chat WHERE chat_id = ${renamed}`)).rows[0].name;
      env.sim.actions.renameGroupChat({ chat_id: renamed, name: '改名后的群' });

      env.sim.faults.reset();
      env.wecomCalls.clear();
      const finished = await env.jobs.waitFor(started.id, 60_000);
      assert.equal(finished.state, 'completed', finished.error ?? '');
      assert.equal(env.wecomCalls.get(GET), total - committedBefore, 'only the groups not committed are fetched');
      assert.equal(env.wecomCalls.get(LIST), undefined, 'the list comes from the checkpoint');
      const renamedNow = (await env.db.execute<{ name: string }>(sql`SELECT name FROM group_chat WHERE chat_id = ${renamed}`)).rows[0].name;
      assert.equal(renamedNow, storedName, 'a group committed before the failure was not fetched again');

      assert.deepEqual(finished.result, { ...cleanResult, resumed: true });
      const job = await ok(admin.get('/scrm/admin/job/get', { id: started.id }));
      assert.equal(job.progress, total);
      assert.equal(job.total, total);
      assert.deepEqual(await storedState(env, admin), clean.stored);
    } finally {
      await env.close();
    }
  });
});
