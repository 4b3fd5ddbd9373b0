import { localTime } from '../../../platform/local-time.ts';
import { parseWorkingHours, withinWorkingHours } from './working-hours.ts';

/**
 * The routing engine: which allocation rule (employee) gets the next visitor of a link or QR code.
 * Pure: counters, the sequence state and the clock come in, a decision with its reasons (and the sequence
 * state after it) comes out; the caller stores both atomically and re-asks if a concurrent hit took the
 * last place. Deterministic: `weight` is nginx's smooth weighted round robin, `round` the next in turn, so
 * the main QR (which shows one pick at a time) and /open/route/hit can share one sequence.
 */
export type AllocationMethod = 'weight' | 'round' | 'default';

export interface RoutingRule {
  id: number;
  userId: string;
  /** Relative share for `weight`; rules with 0 never win unless every eligible rule has 0. */
  weight: number;
  /** New customers per local day; 0 means no limit. */
  dailyLimit: number;
  /** New customers per round for `round`; 0 means 1. */
  roundLimit: number;
  workingHours: string | null;
}

export interface RuleCounters {
  /** New customers on the current local day. */
  today: number;
  /** New customers in the current round (`round`). */
  inRound: number;
}

export interface RouteInput {
  method: AllocationMethod;
  /** In the order the rules were configured: `round` serves them in this order. */
  rules: RoutingRule[];
  counters: ReadonlyMap<number, RuleCounters>;
  now: Date;
  timeZone: string;
  /** `weight`: the smooth weighted round robin's current weights by rule id (absent: 0). */
  current?: Readonly<Record<string, number>>;
  /** The link's own cap on new customers per day over all rules; 0 means none. */
  linkDailyLimit?: number;
  linkToday?: number;
}

export type SkipReason =
  | 'outside_working_hours'
  | 'daily_limit_reached'
  | 'link_daily_limit_reached'
  | 'round_limit_reached'
  | 'zero_weight'
  | 'not_selected';

export interface RuleVerdict {
  ruleId: number;
  userId: string;
  eligible: boolean;
  reason?: SkipReason;
}

export interface RouteDecision {
  method: AllocationMethod;
  /** The rule whose sub-link / QR the visitor gets; null when nobody is eligible or WeCom allocates. */
  chosen: RoutingRule | null;
  /** For `round`: every eligible rule had its round's share, so the caller starts a new round. */
  startsNewRound: boolean;
  /** Why there is no chosen rule. */
  outcome: 'chosen' | 'no_rules' | 'none_eligible' | 'default_allocation';
  /** A verdict for every rule, so an operator can see why each other rule was skipped. */
  verdicts: RuleVerdict[];
  localDay: string;
  /** `weight` with a chosen rule: the current weights after this pick (what the caller stores). */
  current?: Record<string, number>;
}

const ZERO: RuleCounters = { today: 0, inRound: 0 };

/** Whether a rule may take a customer now, ignoring rounds and weights (also used for range upkeep). */
export function ruleAvailability(rule: RoutingRule, counters: RuleCounters, minuteOfDay: number): SkipReason | null {
  if (!withinWorkingHours(parseWorkingHours(rule.workingHours), minuteOfDay)) return 'outside_working_hours';
  if (rule.dailyLimit > 0 && counters.today >= rule.dailyLimit) return 'daily_limit_reached';
  return null;
}

export function route(input: RouteInput): RouteDecision {
  const { day, minuteOfDay } = localTime(input.now, input.timeZone);
  const countersOf = (rule: RoutingRule) => input.counters.get(rule.id) ?? ZERO;
  const verdicts = new Map<number, RuleVerdict>();
  const linkFull = (input.linkDailyLimit ?? 0) > 0 && (input.linkToday ?? 0) >= input.linkDailyLimit!;

  const eligible: RoutingRule[] = [];
  for (const rule of input.rules) {
    const reason = linkFull ? 'link_daily_limit_reached' : ruleAvailability(rule, countersOf(rule), minuteOfDay);
    verdicts.set(rule.id, { ruleId: rule.id, userId: rule.userId, eligible: reason === null, ...(reason ? { reason } : {}) });
    if (!reason) eligible.push(rule);
  }
  const decide = (chosen: RoutingRule | null, outcome: RouteDecision['outcome'], startsNewRound = false, current?: Record<string, number>): RouteDecision => {
    for (const rule of eligible) {
      const verdict = verdicts.get(rule.id)!;
      if (rule !== chosen && !verdict.reason && outcome === 'chosen') verdict.reason = 'not_selected';
    }
    return { method: input.method, chosen, startsNewRound, outcome, verdicts: input.rules.map((r) => verdicts.get(r.id)!), localDay: day, ...(current ? { current } : {}) };
  };

  if (input.rules.length === 0) return decide(null, 'no_rules');
  if (input.method === 'default') return decide(null, eligible.length ? 'default_allocation' : 'none_eligible');
  if (eligible.length === 0) return decide(null, 'none_eligible');

  if (input.method === 'round') {
    const capOf = (rule: RoutingRule) => Math.max(1, rule.roundLimit);
    const next = eligible.find((rule) => countersOf(rule).inRound < capOf(rule));
    if (next) {
      for (const rule of eligible) {
        if (rule !== next && countersOf(rule).inRound >= capOf(rule)) verdicts.get(rule.id)!.reason = 'round_limit_reached';
      }
      return decide(next, 'chosen');
    }
    // Everyone eligible had their share: a new round starts with the first eligible rule.
    return decide(eligible[0], 'chosen', true);
  }

  // weight
  const pool = weightPool(eligible);
  if (pool.some((entry) => entry.weight > 0) && eligible.some((rule) => rule.weight <= 0)) {
    for (const rule of eligible) if (rule.weight <= 0) verdicts.get(rule.id)!.reason = 'zero_weight';
  }
  const step = smoothWeighted(pool, input.current ?? {});
  return decide(eligible.find((rule) => rule.id === step.chosen)!, 'chosen', false, step.current);
}

export interface WeightedEntry {
  id: number;
  weight: number;
}

/** Who a `weight` pick is among: the eligible rules with a positive weight, or all of them alike if none has one. */
export function weightPool(eligible: Array<Pick<RoutingRule, 'id' | 'weight'>>): WeightedEntry[] {
  const weighted = eligible.filter((rule) => rule.weight > 0);
  return weighted.length ? weighted.map(({ id, weight }) => ({ id, weight })) : eligible.map(({ id }) => ({ id, weight: 1 }));
}

/**
 * One pick of nginx's smooth weighted round robin: every entry's current weight grows by its weight, the
 * largest (the first on a tie) is chosen and gives back the total. Over any `total` consecutive picks of a
 * fixed pool each entry is chosen exactly `weight` times, spread evenly (5:1:1 gives a a b a c a a, not
 * a a a a a b c). Entries outside the pool (ineligible now) keep their current weight.
 */
export function smoothWeighted(pool: WeightedEntry[], current: Readonly<Record<string, number>>): { chosen: number; current: Record<string, number> } {
  if (!pool.length) throw new Error('smoothWeighted: empty pool');
  const next: Record<string, number> = { ...current };
  let total = 0;
  let best: WeightedEntry | undefined;
  for (const entry of pool) {
    next[entry.id] = (next[entry.id] ?? 0) + entry.weight;
    total += entry.weight;
    if (!best || next[entry.id] > next[best.id]) best = entry;
  }
  next[best!.id] -= total;
  return { chosen: best!.id, current: next };
}

/**
 * The same step when the customer went to `chosen` without a pick (several scans of the main QR before
 * WeCom took its update): `chosen` is charged as if picked, so it waits longer for its next turn and the
 * shares converge again.
 */
export function chargeWeighted(pool: WeightedEntry[], current: Readonly<Record<string, number>>, chosen: number): Record<string, number> {
  const next: Record<string, number> = { ...current };
  let total = 0;
  for (const entry of pool) {
    next[entry.id] = (next[entry.id] ?? 0) + entry.weight;
    total += entry.weight;
  }
  next[chosen] = (next[chosen] ?? 0) - total;
  return next;
}

/** Undoes a step that chose `chosen` (a pick the main QR held but nobody used: its turn is given back). */
export function refundWeighted(pool: WeightedEntry[], current: Readonly<Record<string, number>>, chosen: number): Record<string, number> {
  const next: Record<string, number> = { ...current };
  let total = 0;
  for (const entry of pool) {
    next[entry.id] = (next[entry.id] ?? 0) - entry.weight;
    total += entry.weight;
  }
  next[chosen] = (next[chosen] ?? 0) + total;
  return next;
}
