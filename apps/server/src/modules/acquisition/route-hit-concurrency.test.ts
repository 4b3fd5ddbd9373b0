// /open/route/hit under concurrency: many visitors racing for a link's last places. Each hit is a step of the
// link's sequence under its row lock and takes a place with one conditional upsert, so no rule may be given
// more than its limits however the requests interleave, and what is stored must match what was answered.
// The main link / QR holds one pick of the same sequence (with a place) from its publishing on.
// On PostgreSQL a second replica (its own app and pool on the same database) takes half of the hits, so the
// requests truly run side by side; PGlite is one session and serialises them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../app.ts';
import { openDatabase } from '../../platform/db/database.ts';
import { createTokenService } from '../../platform/auth/tokens.ts';
import { createJobService } from '../../platform/jobs/job-service.ts';
import { createEventRegistry } from '../portal/event-registry.ts';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import { localTime } from '../../platform/local-time.ts';
import { route, type RoutingRule } from './routing/route.ts';
import { ok, signedGet } from './acquisition.testing.ts';

const HITS_PER_ROUND = 40;
const ROUNDS = 3;
const DAY_MS = 86_400_000;

// On PostgreSQL the race runs twice: nonces and rate windows in the database, then in Redis (REDIS_URL), as
// replicas behind a load balancer use them; the counters are in the database either way.
const NONCE_STORES: Array<{ label: string; redisUrl?: string }> = process.env.DATABASE_URL
  ? [{ label: 'nonces in PostgreSQL' }, { label: 'nonces in Redis', redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }]
  : [{ label: 'the embedded database' }];

for (const store of NONCE_STORES) describe(`route hits racing for the last places (${store.label})`, () => {
  let env: WecomTestEnv;
  let admin: Awaited<ReturnType<WecomTestEnv['login']>>;
  let employees: string[];
  let credentials: { appKey: string; secret: string };
  /** The apps that answer hits: the test app, and on PostgreSQL a second replica. */
  const replicas: FastifyInstance[] = [];
  const closers: Array<() => Promise<void>> = [];

  before(async () => {
    env = await createWecomTestEnv({ sizes: { employees: 14, customers: 5 }, ...(store.redisUrl ? { env: { REDIS_URL: store.redisUrl } } : {}) });
    admin = await env.login();
    await env.syncOrg();
    employees = [...env.sim.state.employees.values()].filter((employee) => employee.customerContact && employee.status === 1).map((employee) => employee.userid).slice(0, 6);
    assert.equal(employees.length, 6);
    const created = await ok(admin.post('/scrm/admin/open/app/save', { name: 'race', rateLimit: 100_000 }));
    credentials = { appKey: created.appKey, secret: created.secret };
    replicas.push(env.app);
    if (process.env.DATABASE_URL) {
      // A second replica: its own pool, jobs and routing state (caches, round queues), the same database.
      const database = openDatabase(env.database.connection);
      const jobs = await createJobService({ db: database.db, pool: database.pool, schedule: false });
      const replica = await buildApp({
        config: env.config, database, jobs, now: () => env.clock.now, logger: false, wecom: env.wecom, events: createEventRegistry(), eventWorker: false,
        tokens: createTokenService(env.config.JWT_SECRET!, env.config.JWT_TTL_HOURS * 3600, () => env.clock.now),
      });
      await replica.ready();
      replicas.push(replica);
      closers.push(async () => {
        await replica.close();
        await jobs.stop();
        await database.close();
      });
    }
  });
  after(async () => {
    for (const close of closers) await close();
    await env?.close();
  });

  /** `HITS_PER_ROUND` signed hits at once, spread over the replicas. */
  async function fire(getType: 'link' | 'qr', id: number) {
    const target = `/scrm/open/route/hit?getType=${getType}&id=${id}`;
    const timestamp = Math.floor(env.clock.now / 1000);
    const responses = await Promise.all(
      Array.from({ length: HITS_PER_ROUND }, (_, i) => signedGet(replicas[i % replicas.length], credentials, target, {}, { timestamp })),
    );
    for (const response of responses) assert.equal(response.status, 200, `every hit is answered: ${response.status} ${JSON.stringify(response.body)}`);
    return responses.map((response) => response.body.date);
  }

  async function storedHits(ruleIds: number[], day: string): Promise<Map<number, number>> {
    const result = await env.db.execute<{ rule_id: number; hits: number }>(
      sql`SELECT rule_id, hits FROM acq_rule_day WHERE day = ${day} AND rule_id IN (${sql.join(ruleIds.map((ruleId) => sql`${ruleId}`), sql`, `)})`,
    );
    return new Map(result.rows.map((row) => [Number(row.rule_id), Number(row.hits)]));
  }

  /** What every hit over the limits must be: no eligible rule, the main link / QR, each rule at its daily limit. */
  function assertNoneEligible(answer: any, saved: any) {
    assert.equal(answer.outcome, 'none_eligible');
    assert.equal(answer.fallback, true);
    assert.equal(answer.ruleId, null);
    assert.equal(answer.userId, null);
    assert.equal(answer.url, saved.url, 'the main link / QR');
    assert.deepEqual(answer.reasons.map((verdict: any) => [verdict.ruleId, verdict.eligible, verdict.reason]), saved.allocationRules.map((rule: any) => [rule.id, false, 'daily_limit_reached']));
  }

  /** The main link's held pick, once range upkeep took it after publishing (and narrowed the range to it). */
  async function heldPick(id: number): Promise<{ ruleId: number; day: string }> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [row] = (await env.db.execute<{ main_rule_id: number | null; main_day: string | null; main_userid: string | null }>(
        sql`SELECT r.main_rule_id, r.main_day, l.main_userid FROM acq_link l LEFT JOIN acq_round r ON r.acq_link_id = l.id WHERE l.id = ${id}`,
      )).rows;
      if (row?.main_userid && row.main_rule_id) return { ruleId: Number(row.main_rule_id), day: row.main_day! };
      if (Date.now() > deadline) assert.fail('the main link never held a pick');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  function tally(answers: any[]): Map<number, number> {
    const given = new Map<number, number>();
    for (const answer of answers) if (answer.ruleId !== null) given.set(answer.ruleId, (given.get(answer.ruleId) ?? 0) + 1);
    return given;
  }

  test('weight: no rule over its daily limit, every place taken once, the rest told nobody is eligible', async () => {
    const limits = [1, 1, 2, 2, 3, 3];
    const saved = await ok(
      admin.post('/scrm/admin/cust/get/link/save', {
        linkName: 'Weighted race',
        allocationMethod: 'weight',
        userList: employees,
        allocationRules: employees.map((userId, i) => ({ userId, weight: 1 + i, dailyLimit: limits[i] })),
        status: 1,
      }),
    );
    assert.equal(saved.status, 1, saved.statusReason ?? '');
    const ruleIds: number[] = saved.allocationRules.map((rule: any) => rule.id);
    const limitOf = new Map<number, number>(saved.allocationRules.map((rule: any) => [rule.id, rule.dailyLimit]));
    const places = limits.reduce((sum, limit) => sum + limit, 0);
    assert.ok(HITS_PER_ROUND > places);
    // The first day, the main link holds one place (its pick); later days it holds on to yesterday's pick.
    const held = await heldPick(saved.id);

    // Each round is a new local day, so every rule has its full daily limit again.
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) env.clock.now += DAY_MS;
      const { day } = localTime(new Date(env.clock.now), env.config.TZ_DEFAULT);
      const heldToday = (ruleId: number) => (day === held.day && ruleId === held.ruleId ? 1 : 0);
      const answers = await fire('link', saved.id);
      for (const answer of answers) assert.equal(answer.localDay, day);
      const given = tally(answers);
      for (const [ruleId, count] of given) assert.ok(count + heldToday(ruleId) <= limitOf.get(ruleId)!, `day ${day}: rule ${ruleId} given ${count} > its limit ${limitOf.get(ruleId)}`);
      const hitPlaces = places - (day === held.day ? 1 : 0);
      assert.equal([...given.values()].reduce((sum, count) => sum + count, 0), hitPlaces, `day ${day}: every place taken`);
      const chosen = answers.filter((answer) => answer.ruleId !== null);
      for (const answer of chosen) {
        assert.equal(answer.outcome, 'chosen');
        assert.equal(answer.url, saved.allocationRules.find((rule: any) => rule.id === answer.ruleId).linkUrl);
      }
      const over = answers.filter((answer) => answer.ruleId === null);
      assert.equal(over.length, HITS_PER_ROUND - hitPlaces);
      for (const answer of over) assertNoneEligible(answer, saved);
      // The stored counters are exactly what was answered.
      const stored = await storedHits(ruleIds, day);
      assert.deepEqual(Object.fromEntries([...stored].sort(([a], [b]) => a - b)), Object.fromEntries(ruleIds.map((ruleId) => [ruleId, given.get(ruleId) ?? 0])));
    }
  });

  test('round: daily and per-round limits hold, and the round state is what hits one at a time would leave', async () => {
    const rules = [
      { roundLimit: 2, dailyLimit: 5 },
      { roundLimit: 1, dailyLimit: 3 },
      { roundLimit: 3, dailyLimit: 4 },
      { roundLimit: 0, dailyLimit: 2 },
    ];
    const saved = await ok(
      admin.post('/scrm/admin/cust/get/qr/save', {
        linkName: 'Round race',
        allocationMethod: 'round',
        userList: employees.slice(0, rules.length),
        allocationRules: rules.map((rule, i) => ({ userId: employees[i], ...rule })),
        status: 1,
      }),
    );
    assert.equal(saved.status, 1, saved.statusReason ?? '');
    const engineRules: RoutingRule[] = saved.allocationRules.map((rule: any) => ({
      id: rule.id, userId: rule.userId, weight: rule.weight, dailyLimit: rule.dailyLimit, roundLimit: rule.roundLimit, workingHours: null,
    }));
    const ruleIds = engineRules.map((rule) => rule.id);
    const places = rules.reduce((sum, rule) => sum + rule.dailyLimit, 0);
    assert.ok(HITS_PER_ROUND > places);

    const held = await heldPick(saved.id);

    // The same hits decided one at a time by the pure engine, as the round row lock orders them — after the
    // main QR's pick (the first step of the sequence, holding a place on its day).
    const expected = { round: 1, inRound: {} as Record<string, number> };
    const replayDay = (at: Date, day: string) => {
      const today = new Map<number, number>();
      for (let i = day === held.day ? -1 : 0; i < HITS_PER_ROUND; i++) {
        const counters = new Map(engineRules.map((rule) => [rule.id, { today: today.get(rule.id) ?? 0, inRound: expected.inRound[rule.id] ?? 0 }]));
        const decision = route({ method: 'round', rules: engineRules, counters, now: at, timeZone: env.config.TZ_DEFAULT });
        if (!decision.chosen) continue;
        today.set(decision.chosen.id, (today.get(decision.chosen.id) ?? 0) + 1);
        if (decision.startsNewRound) {
          expected.inRound = {};
          expected.round++;
        }
        expected.inRound[decision.chosen.id] = (expected.inRound[decision.chosen.id] ?? 0) + 1;
        if (i === -1) assert.equal(decision.chosen.id, held.ruleId, 'the main QR held the first pick');
      }
      if (day === held.day) today.set(held.ruleId, today.get(held.ruleId)! - 1); // held, not a hit
      return today;
    };

    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) env.clock.now += DAY_MS;
      const at = new Date(env.clock.now);
      const { day } = localTime(at, env.config.TZ_DEFAULT);
      const answers = await fire('qr', saved.id);
      const given = tally(answers);
      const replayed = replayDay(at, day);
      const heldToday = (ruleId: number) => (day === held.day && ruleId === held.ruleId ? 1 : 0);
      for (const rule of engineRules) {
        assert.ok((given.get(rule.id) ?? 0) + heldToday(rule.id) <= rule.dailyLimit, `day ${day}: rule ${rule.id} given ${given.get(rule.id)} > its limit ${rule.dailyLimit}`);
      }
      assert.deepEqual(Object.fromEntries(ruleIds.map((ruleId) => [ruleId, given.get(ruleId) ?? 0])), Object.fromEntries(ruleIds.map((ruleId) => [ruleId, replayed.get(ruleId) ?? 0])));
      const hitPlaces = places - (day === held.day ? 1 : 0);
      assert.equal([...given.values()].reduce((sum, count) => sum + count, 0), hitPlaces, `day ${day}: every place taken`);
      for (const answer of answers.filter((answer) => answer.ruleId !== null)) {
        assert.equal(answer.outcome, 'chosen');
        assert.equal(answer.url, saved.allocationRules.find((rule: any) => rule.id === answer.ruleId).qrCode);
      }
      const over = answers.filter((answer) => answer.ruleId === null);
      assert.equal(over.length, HITS_PER_ROUND - hitPlaces);
      for (const answer of over) assertNoneEligible(answer, saved);

      const stored = await storedHits(ruleIds, day);
      assert.deepEqual(Object.fromEntries([...stored].sort(([a], [b]) => a - b)), Object.fromEntries(ruleIds.map((ruleId) => [ruleId, given.get(ruleId) ?? 0])));
      // A lost update of the round row would leave another round or other per-round counts.
      const [state] = (await env.db.execute<{ round: number; counts: Record<string, number> }>(sql`SELECT round, counts FROM acq_round WHERE acq_link_id = ${saved.id}`)).rows;
      assert.deepEqual({ round: Number(state.round), counts: state.counts }, { round: expected.round, counts: expected.inRound }, `day ${day}: round state`);
      for (const rule of engineRules) assert.ok((state.counts[rule.id] ?? 0) <= Math.max(1, rule.roundLimit), `rule ${rule.id} within its round limit`);
    }
  });
});
