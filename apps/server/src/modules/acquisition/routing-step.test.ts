// One step of a link's sequence when an add took a place between the step's read and its write: the step's
// writes (every rule's places and the sequence, one statement) are refused and rolled back, and the step is
// decided again on what is stored now. No rule goes over its daily limit; nothing of the refused step stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createTestDatabase } from '../../testing/test-app.ts';
import { createRoutingRepository, type RoundState, type RoutingRepository } from './routing.repository.ts';
import { createRoutingService } from './routing.service.ts';
import { localTime } from '../../platform/local-time.ts';

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
    lockStep: async (id, ruleIds, readDay) => {
      const step = await tx.lockStep(id, ruleIds, readDay);
      return reads++ === 0 ? { ...step, tallies: new Map() } : step;
    },
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
  const rule = (id: number, dailyLimit: number) => ({ id, dailyLimit }) as Parameters<RoutingRepository['holdPlace']>[0];
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

test("a step's lock and tallies: read in one statement as lockRound and dailyTallies read them; after another replica's step, what it committed", async (t) => {
  const { database, close } = await createTestDatabase();
  t.after(close);
  const db = database.db;
  const day = '2026-12-05';
  const repository = createRoutingRepository(db);
  const link = await db.execute<{ id: number }>(sql`
    INSERT INTO acq_link (get_type, link_name, allocation_method, user_list, state, status, link_id, url)
    VALUES ('link', 'lock', 'round', '["u1","u2"]'::jsonb, 'lk_lock', 1, 'LINK_lock', 'https://work.weixin.qq.com/ca/lock') RETURNING id`);
  const linkId = Number(link.rows[0].id);
  // The link's first step makes its sequence.
  const first = await repository.transaction((tx) => tx.lockStep(linkId, [11, 12, 13], day));
  assert.deepEqual([first.state.round, first.state.counts, first.state.current, first.state.mainRuleId, first.state.mainDay, [...first.tallies]], [1, {}, {}, null, null, []]);
  await db.execute(sql`INSERT INTO acq_rule_day (rule_id, day, hits, held, adds) VALUES (11, ${day}, 3, 1, 2), (12, ${day}, 0, 0, 5), (14, ${day}, 9, 0, 0), (11, '2026-12-04', 7, 0, 0)`);
  await db.execute(sql`UPDATE acq_round SET round = 4, counts = '{"11": 2}', current = '{"12": -1}', main_rule_id = 12, main_day = ${day} WHERE acq_link_id = ${linkId}`);
  const read = await repository.transaction(async (tx) => ({ step: await tx.lockStep(linkId, [11, 12, 13], day), round: await tx.lockRound(linkId).then(({ acqLinkId: _, ...round }: RoundState & { acqLinkId?: number }) => round), tallies: await tx.dailyTallies([11, 12, 13], day) }));
  assert.deepEqual(read.step.state, read.round);
  assert.deepEqual(read.step.tallies, read.tallies);
  assert.deepEqual(read.tallies, new Map([[11, { reserved: 4, adds: 2 }], [12, { reserved: 0, adds: 5 }]]));

  // Another replica's step holds the lock, takes places and commits: this step waits for it and reads after it.
  if (!process.env.DATABASE_URL) return; // one session on the embedded database: no other step can hold the lock
  const other = await database.pool.connect();
  try {
    await other.query('BEGIN');
    await other.query('SELECT 1 FROM acq_round WHERE acq_link_id = $1 FOR UPDATE', [linkId]);
    const waiting = repository.transaction((tx) => tx.lockStep(linkId, [11, 12, 13], day));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await other.query(`UPDATE acq_rule_day SET hits = hits + 2 WHERE rule_id = 11 AND day = $1`, [day]);
    await other.query(`UPDATE acq_round SET round = 5 WHERE acq_link_id = $1`, [linkId]);
    await other.query('COMMIT');
    const after = await waiting;
    assert.equal(after.state.round, 5, "the other step's sequence");
    assert.deepEqual(after.tallies.get(11), { reserved: 6, adds: 2 }, "and its places");
  } finally {
    other.release();
  }
});
