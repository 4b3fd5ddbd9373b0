import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chargeWeighted, refundWeighted, route, smoothWeighted, weightPool, type RoutingRule, type RuleCounters, type RouteDecision, type WeightedEntry } from './route.ts';
import { localTime, nextLocalMidnight } from '../../../platform/local-time.ts';
import { boundaries, parseWorkingHours, withinWorkingHours, WorkingHoursError } from './working-hours.ts';

const TZ = 'Asia/Shanghai';
/** An instant at a Shanghai wall-clock time (UTC+8, no DST). */
const shanghai = (day: string, hhmm: string) => new Date(`${day}T${hhmm}:00+08:00`);
const rule = (id: number, overrides: Partial<RoutingRule> = {}): RoutingRule => ({
  id, userId: `u${id}`, weight: 1, dailyLimit: 0, roundLimit: 0, workingHours: null, ...overrides,
});

/** Plays `n` visitors through the engine, counting hits the way the service does. */
function simulate(rules: RoutingRule[], method: 'weight' | 'round', n: number, options: { now?: Date } = {}) {
  const counters = new Map<number, RuleCounters>(rules.map((r) => [r.id, { today: 0, inRound: 0 }]));
  let current: Record<string, number> = {};
  const picks: (number | null)[] = [];
  const decisions: RouteDecision[] = [];
  for (let i = 0; i < n; i++) {
    const decision = route({ method, rules, counters, now: options.now ?? shanghai('2026-11-24', '10:00'), timeZone: TZ, current });
    if (decision.current) current = decision.current;
    decisions.push(decision);
    picks.push(decision.chosen?.id ?? null);
    if (!decision.chosen) continue;
    if (decision.startsNewRound) for (const c of counters.values()) c.inRound = 0;
    const c = counters.get(decision.chosen.id)!;
    c.today++;
    c.inRound++;
  }
  return { picks, counters, decisions };
}

test('weight: a deterministic smooth sequence — 5:1:1 gives a a b a c a a, every cycle', () => {
  const rules = [rule(1, { weight: 5 }), rule(2, { weight: 1 }), rule(3, { weight: 1 })];
  const { picks } = simulate(rules, 'weight', 21);
  assert.deepEqual(picks, [1, 1, 2, 1, 3, 1, 1, 1, 1, 2, 1, 3, 1, 1, 1, 1, 2, 1, 3, 1, 1]);
});

/** Every weight vector of up to `n` rules with weights 1..max, played for three full cycles. */
function* weightVectors(n: number, max: number, prefix: number[] = []): Generator<number[]> {
  if (prefix.length > 0) yield prefix;
  if (prefix.length === n) return;
  for (let w = 1; w <= max; w++) yield* weightVectors(n, max, [...prefix, w]);
}

test('smooth weighted round robin, exhaustively (≤5 rules, weights 1–7): every prefix within ±1 of its share, every cycle exact, current weights sum to 0', () => {
  let vectors = 0;
  for (const weights of weightVectors(5, 7)) {
    vectors++;
    const pool: WeightedEntry[] = weights.map((weight, i) => ({ id: i + 1, weight }));
    const total = weights.reduce((sum, w) => sum + w, 0);
    let current: Record<string, number> = {};
    const picks = weights.map(() => 0);
    for (let k = 1; k <= 3 * total; k++) {
      const step = smoothWeighted(pool, current);
      current = step.current;
      picks[step.chosen - 1]++;
      if (Object.values(current).reduce((sum, c) => sum + c, 0) !== 0) assert.fail(`sum of current weights is not 0: ${weights}`);
      for (let i = 0; i < weights.length; i++) {
        if (Math.abs(picks[i] - (k * weights[i]) / total) > 1) assert.fail(`${weights}: rule ${i + 1} has ${picks[i]} after ${k}`);
      }
      if (k % total === 0) assert.deepEqual(picks, weights.map((w) => (w * k) / total), `${weights}: a full cycle is exact`);
    }
  }
  assert.equal(vectors, 7 + 7 ** 2 + 7 ** 3 + 7 ** 4 + 7 ** 5);
});

test('smooth weighted: a charge (an add without a pick) delays that rule, a refund gives a held pick back exactly', () => {
  const pool: WeightedEntry[] = [{ id: 1, weight: 3 }, { id: 2, weight: 2 }, { id: 3, weight: 2 }];
  // A refund undoes a step: the state is as if the pick never happened.
  let current: Record<string, number> = {};
  for (let i = 0; i < 5; i++) current = smoothWeighted(pool, current).current;
  const step = smoothWeighted(pool, current);
  assert.deepEqual(refundWeighted(pool, step.current, step.chosen), Object.fromEntries(Object.entries(step.current).map(([id]) => [id, current[id] ?? 0])));
  // A charge is the step with its choice forced: when the chosen rule is the one a pick would choose, identical.
  assert.deepEqual(chargeWeighted(pool, current, step.chosen), step.current);
  // Rule 1 takes 4 customers in a row (a burst): the next picks go to 2 and 3 until the shares even out.
  let burst: Record<string, number> = {};
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    burst = chargeWeighted(pool, burst, 1);
    counts[1]++;
  }
  for (let i = 0; i < 3; i++) {
    const next = smoothWeighted(pool, burst);
    burst = next.current;
    counts[next.chosen]++;
  }
  assert.deepEqual(counts.slice(1), [4, 2, 1], 'after the burst only 2 and 3 are picked');
  for (let i = 0; i < 7 * 100; i++) {
    const next = smoothWeighted(pool, burst);
    burst = next.current;
    counts[next.chosen]++;
  }
  assert.deepEqual(counts.slice(1), [303, 202, 202], 'and after whole cycles the shares are exactly 3:2:2 again');
});

test('weight pool: zero-weight rules are left out unless every eligible rule has zero weight, then all alike', () => {
  assert.deepEqual(weightPool([rule(1, { weight: 0 }), rule(2, { weight: 5 })]), [{ id: 2, weight: 5 }]);
  assert.deepEqual(weightPool([rule(1, { weight: 0 }), rule(2, { weight: 0 })]), [{ id: 1, weight: 1 }, { id: 2, weight: 1 }]);
});

test('weight: zero-weight rules never win, unless every eligible rule has zero weight', () => {
  const { picks, decisions } = simulate([rule(1, { weight: 0 }), rule(2, { weight: 5 })], 'weight', 500);
  assert.ok(picks.every((p) => p === 2));
  assert.equal(decisions[0].verdicts[0].reason, 'zero_weight');
  const uniform = simulate([rule(1, { weight: 0 }), rule(2, { weight: 0 })], 'weight', 4000).picks;
  assert.equal(uniform.filter((p) => p === 1).length, 2000);
});

test('weight: a rule at its daily limit leaves the pool and the others share its place by their weights', () => {
  const rules = [rule(1, { weight: 3, dailyLimit: 30 }), rule(2, { weight: 2 }), rule(3, { weight: 2 })];
  const { counters } = simulate(rules, 'weight', 700);
  assert.equal(counters.get(1)!.today, 30);
  assert.equal(counters.get(2)!.today + counters.get(3)!.today, 670);
  assert.ok(Math.abs(counters.get(2)!.today - counters.get(3)!.today) <= 1);
});

test('round: each rule is served its roundLimit in order, then a new round starts', () => {
  const rules = [rule(1, { roundLimit: 2 }), rule(2, { roundLimit: 1 }), rule(3, { roundLimit: 3 })];
  const { picks, decisions } = simulate(rules, 'round', 13);
  assert.deepEqual(picks, [1, 1, 2, 3, 3, 3, 1, 1, 2, 3, 3, 3, 1]);
  assert.deepEqual(decisions.map((d) => d.startsNewRound), [false, false, false, false, false, false, true, false, false, false, false, false, true]);
  // A rule whose round share is used up says so.
  assert.equal(decisions[2].verdicts.find((v) => v.ruleId === 1)?.reason, 'round_limit_reached');
});

test('round: a roundLimit of 0 means one each (plain round robin), and over a day every rule gets a fair share', () => {
  const rules = [rule(1), rule(2), rule(3), rule(4)];
  const { counters } = simulate(rules, 'round', 1000);
  assert.deepEqual([...counters.values()].map((c) => c.today), [250, 250, 250, 250]);
});

test('round: a rule outside its hours is skipped and the round closes without it', () => {
  const rules = [rule(1), rule(2, { workingHours: '13:00-18:00' }), rule(3)];
  const { picks } = simulate(rules, 'round', 5, { now: shanghai('2026-11-24', '10:00') });
  assert.deepEqual(picks, [1, 3, 1, 3, 1]);
});

test('daily limit: a rule at its limit is never chosen; 0 means no limit', () => {
  const rules = [rule(1, { dailyLimit: 3, weight: 100 }), rule(2, { dailyLimit: 0, weight: 1 })];
  const { picks, decisions } = simulate(rules, 'weight', 200);
  assert.equal(picks.filter((p) => p === 1).length, 3);
  assert.equal(picks.filter((p) => p === 2).length, 197);
  assert.equal(decisions.at(-1)!.verdicts[0].reason, 'daily_limit_reached');
  assert.equal(decisions.at(-1)!.verdicts[0].eligible, false);
});

test('no eligible rule: the decision says so, with every rule\'s reason', () => {
  const rules = [rule(1, { workingHours: '09:00-18:00' }), rule(2, { dailyLimit: 1 })];
  const counters = new Map([[2, { today: 1, inRound: 0 }]]);
  for (const method of ['weight', 'round', 'default'] as const) {
    const decision = route({ method, rules, counters, now: shanghai('2026-11-24', '20:00'), timeZone: TZ });
    assert.equal(decision.chosen, null);
    assert.equal(decision.outcome, 'none_eligible');
    assert.deepEqual(decision.verdicts.map((v) => v.reason), ['outside_working_hours', 'daily_limit_reached']);
  }
  const empty = route({ method: 'weight', rules: [], counters: new Map(), now: new Date(), timeZone: TZ });
  assert.equal(empty.outcome, 'no_rules');
});

test('link daily limit stops every rule', () => {
  const decision = route({
    method: 'weight', rules: [rule(1), rule(2)], counters: new Map(), now: shanghai('2026-11-24', '10:00'), timeZone: TZ,
    linkDailyLimit: 10, linkToday: 10,
  });
  assert.equal(decision.outcome, 'none_eligible');
  assert.ok(decision.verdicts.every((v) => v.reason === 'link_daily_limit_reached'));
  const below = route({
    method: 'weight', rules: [rule(1), rule(2)], counters: new Map(), now: shanghai('2026-11-24', '10:00'), timeZone: TZ,
    linkDailyLimit: 10, linkToday: 9,
  });
  assert.equal(below.outcome, 'chosen');
});

test('default: WeCom allocates through the main link, eligibility is still reported', () => {
  const decision = route({
    method: 'default', rules: [rule(1), rule(2, { workingHours: '00:00-01:00' })], counters: new Map(),
    now: shanghai('2026-11-24', '10:00'), timeZone: TZ,
  });
  assert.equal(decision.chosen, null);
  assert.equal(decision.outcome, 'default_allocation');
  assert.deepEqual(decision.verdicts.map((v) => v.eligible), [true, false]);
});

test('windows crossing midnight, checked at every minute of the day', () => {
  const overnight = parseWorkingHours('22:00-06:00');
  const split = parseWorkingHours('09:00-12:00,13:30-18:00');
  const allDay = parseWorkingHours('00:00-24:00');
  for (let minute = 0; minute < 1440; minute++) {
    assert.equal(withinWorkingHours(overnight, minute), minute >= 22 * 60 || minute < 6 * 60, `overnight at ${minute}`);
    assert.equal(withinWorkingHours(split, minute), (minute >= 540 && minute < 720) || (minute >= 810 && minute < 1080), `split at ${minute}`);
    assert.equal(withinWorkingHours(allDay, minute), true);
    assert.equal(withinWorkingHours([], minute), true);
  }
  assert.deepEqual(boundaries(overnight), [360, 1320]);
  assert.deepEqual(boundaries(allDay), [0]);
});

test('working hours use the corp time zone, not the server\'s', () => {
  const rules = [rule(1, { workingHours: '22:00-06:00' })];
  const at = (iso: string) =>
    route({ method: 'weight', rules, counters: new Map(), now: new Date(iso), timeZone: TZ }).outcome;
  assert.equal(at('2026-11-24T14:00:00Z'), 'chosen'); // 22:00 Shanghai
  assert.equal(at('2026-11-24T21:59:00Z'), 'chosen'); // 05:59 Shanghai
  assert.equal(at('2026-11-24T22:00:00Z'), 'none_eligible'); // 06:00 Shanghai
  assert.equal(at('2026-11-24T13:59:00Z'), 'none_eligible'); // 21:59 Shanghai
  const inNewYork = route({ method: 'weight', rules, counters: new Map(), now: new Date('2026-11-24T14:00:00Z'), timeZone: 'America/New_York' });
  assert.equal(inNewYork.outcome, 'none_eligible'); // 09:00 in New York
});

test('day rollover happens at local midnight', () => {
  assert.deepEqual(localTime(new Date('2026-11-24T15:59:59Z'), TZ), { day: '2026-11-24', minuteOfDay: 1439 });
  assert.deepEqual(localTime(new Date('2026-11-24T16:00:00Z'), TZ), { day: '2026-11-25', minuteOfDay: 0 });
  assert.equal(route({ method: 'weight', rules: [rule(1)], counters: new Map(), now: new Date('2026-11-24T16:00:00Z'), timeZone: TZ }).localDay, '2026-11-25');
  assert.equal(nextLocalMidnight(new Date('2026-11-24T10:17:23.456Z'), TZ).toISOString(), '2026-11-24T16:00:00.000Z');
  assert.equal(nextLocalMidnight(new Date('2026-11-24T16:00:00.000Z'), TZ).toISOString(), '2026-11-25T16:00:00.000Z');
  // A zone with DST: midnight is still found exactly.
  assert.equal(nextLocalMidnight(new Date('2026-03-07T12:00:00Z'), 'America/New_York').toISOString(), '2026-03-08T05:00:00.000Z');
  assert.equal(nextLocalMidnight(new Date('2026-03-08T12:00:00Z'), 'America/New_York').toISOString(), '2026-03-09T04:00:00.000Z');
});

test('malformed working hours are refused with the offending part', () => {
  for (const bad of ['9', '09:00', '25:00-26:00', '09:60-10:00', '10:00-10:00', 'abc', '09:00-18:00,', '09:00-24:30']) {
    assert.throws(() => parseWorkingHours(bad), WorkingHoursError, bad);
  }
  assert.deepEqual(parseWorkingHours('9:00-18:00'), [{ start: 540, end: 1080 }]);
  assert.deepEqual(parseWorkingHours(' 09:00 - 18:00 '.replace(/ /g, '')), [{ start: 540, end: 1080 }]);
  assert.deepEqual(parseWorkingHours('09:00～12:00，13:00—18:00'), [{ start: 540, end: 720 }, { start: 780, end: 1080 }]);
  assert.deepEqual(parseWorkingHours(''), []);
  assert.deepEqual(parseWorkingHours(null), []);
});
