// One step of a link's sequence when an add took a place between the step's read and its write: the step's
// writes (every rule's places and the sequence, one statement) are refused and rolled back, and the step is
// decided again on what is stored now. No rule goes over its daily limit; nothing of the refused step stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createTestDatabase } from '../../testing/test-app.ts';
import { createRoutingRepository, type RoutingRepository } from './routing.repository.ts';
import { createRoutingService } from './routing.service.ts';
import { localTime } from './routing/local-time.ts';

test('a step whose places were taken meanwhile is redone: the full rule is skipped, the refused writes leave nothing', async (t) => {
  const { database, close } = await createTestDatabase();
  t.after(close);
  const db = database.db;
  const now = Date.UTC(2026, 11, 5, 3, 0);
  const timeZone = 'Asia/Shanghai';
  const { day } = localTime(new Date(now), timeZone);
  const link = await db.execute<{ id: number }>(sql`
    INSERT INTO acq_link (get_type, link_name, allocation_method, user_list, state, status, link_id, url)
    VALUES ('link', 'step', 'weight', '["u1","u2"]'::jsonb, 'lk_step', 1, 'LINK_step', 'https://work.weixin.qq.com/ca/step') RETURNING id`);
  const linkId = Number(link.rows[0].id);
  const rules = await db.execute<{ id: number }>(sql`
    INSERT INTO acq_rule (acq_link_id, order_num, get_type, user_id, weight, daily_limit, state, config_link_id, link_url)
    VALUES (${linkId}, 0, 'link', 'u1', 5, 1, 'lr_step_u1', 'SUB_u1', 'https://work.weixin.qq.com/ca/u1'),
           (${linkId}, 1, 'link', 'u2', 1, 0, 'lr_step_u2', 'SUB_u2', 'https://work.weixin.qq.com/ca/u2')
    RETURNING id`);
  const [u1, u2] = rules.rows.map((row) => Number(row.id));
  // An add through u1's link took its one place of the day (the acquisition event handler counts it).
  await db.execute(sql`INSERT INTO acq_rule_day (rule_id, day, adds) VALUES (${u1}, ${day}, 1)`);

  // The first read of today's tallies is from before that add: u1, five times u2's weight, looks free.
  const repository = createRoutingRepository(db);
  let reads = 0;
  const stale = (tx: RoutingRepository): RoutingRepository => ({
    ...tx,
    dailyTallies: async (ruleIds, readDay) => (reads++ === 0 ? new Map() : tx.dailyTallies(ruleIds, readDay)),
  });
  const routing = createRoutingService({ routing: { ...repository, transaction: (work) => repository.transaction((tx) => work(stale(tx))) }, now: () => now, timeZone });

  const answer = await routing.hit('link', linkId);
  assert.equal(reads, 2, 'the step was decided twice');
  assert.equal(answer.userId, 'u2', 'the second decision skips the full rule');
  const days = await db.execute<{ rule_id: number; hits: number; adds: number }>(sql`SELECT rule_id, hits, adds FROM acq_rule_day WHERE day = ${day} ORDER BY rule_id`);
  assert.deepEqual(days.rows.map((row) => [Number(row.rule_id), Number(row.hits), Number(row.adds)]), [[u1, 0, 1], [u2, 1, 0]], 'u1 keeps its add alone; u2 has the visitor');
  // The sequence is one step on, from where it was: had the refused step's save (u1 chosen) stayed, u2's smooth
  // weight would start from 1 and end at 1, not 0.
  const round = await db.execute<{ current: Record<string, number>; round: number }>(sql`SELECT current, round FROM acq_round WHERE acq_link_id = ${linkId}`);
  assert.deepEqual([round.rows[0].current, Number(round.rows[0].round)], [{ [u2]: 0 }, 1]);

  // Both free: one statement takes both rules' places and saves the sequence.
  await db.execute(sql`UPDATE acq_rule SET daily_limit = 3 WHERE id = ${u1}`);
  const rule = (id: number, dailyLimit: number) => ({ id, dailyLimit }) as Parameters<RoutingRepository['takePlace']>[0];
  const both = await repository.transaction((tx) => tx.takePlacesAndSave(linkId, day, [{ rule: rule(u1, 3), places: 2 }, { rule: rule(u2, 0), places: 4 }], { current: {}, counts: { [u2]: 5 }, round: 7 }));
  assert.equal(both, true);
  // One of them over its limit (u1's count is 2 of 3: the greater of its hits and its adds): refused, and the step rolled back as the service does.
  await assert.rejects(
    repository.transaction(async (tx) => {
      const taken = await tx.takePlacesAndSave(linkId, day, [{ rule: rule(u1, 3), places: 2 }, { rule: rule(u2, 0), places: 1 }], { current: {}, counts: {}, round: 8 });
      if (!taken) throw new Error('refused');
    }),
    /refused/,
  );
  const after = await db.execute<{ rule_id: number; hits: number }>(sql`SELECT rule_id, hits FROM acq_rule_day WHERE day = ${day} ORDER BY rule_id`);
  assert.deepEqual(after.rows.map((row) => [Number(row.rule_id), Number(row.hits)]), [[u1, 2], [u2, 5]]);
  const saved = await db.execute<{ round: number; counts: Record<string, number> }>(sql`SELECT round, counts FROM acq_round WHERE acq_link_id = ${linkId}`);
  assert.deepEqual([Number(saved.rows[0].round), saved.rows[0].counts], [7, { [u2]: 5 }]);
});
