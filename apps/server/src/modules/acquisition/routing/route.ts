import { localTime } from './local-time.ts';
import { parseWorkingHours, withinWorkingHours } from './working-hours.ts';

/**
 * The routing engine: which allocation rule (employee) gets the next visitor of a link or QR code.
 * Pure: counters, clock and randomness come in, a decision with its reasons comes out; the caller
 * counts the hit atomically and re-asks if a concurrent hit took the last place.
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
  /** A uniform number in [0, 1): injectable for deterministic tests. */
  random: () => number;
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
  const decide = (chosen: RoutingRule | null, outcome: RouteDecision['outcome'], startsNewRound = false): RouteDecision => {
    for (const rule of eligible) {
      const verdict = verdicts.get(rule.id)!;
      if (rule !== chosen && !verdict.reason && outcome === 'chosen') verdict.reason = 'not_selected';
    }
    return { method: input.method, chosen, startsNewRound, outcome, verdicts: input.rules.map((r) => verdicts.get(r.id)!), localDay: day };
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
  const weighted = eligible.filter((rule) => rule.weight > 0);
  const pool = weighted.length ? weighted : eligible;
  if (weighted.length) {
    for (const rule of eligible) if (rule.weight <= 0) verdicts.get(rule.id)!.reason = 'zero_weight';
  }
  const total = pool.reduce((sum, rule) => sum + (weighted.length ? rule.weight : 1), 0);
  let ticket = input.random() * total;
  for (const rule of pool) {
    ticket -= weighted.length ? rule.weight : 1;
    if (ticket < 0) return decide(rule, 'chosen');
  }
  return decide(pool[pool.length - 1], 'chosen');
}

/** A seeded uniform generator (mulberry32) for reproducible routing in tests and simulations. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
