// The automatic inheritance policy's decisions, as pure functions: who takes over a departed employee's customers
// and groups (the policy's choice, then the documented fallbacks, each checked for eligibility), and how they are
// spread among several takeover employees (the routing engine's smooth weighted round robin, so a link's weights
// mean here what they mean for new customers). The caller reads the directory and stores the plan.
import { smoothWeighted, weightPool } from '../acquisition/routing/route.ts';
import type { IneligibleReason } from '../org/org.repository.ts';
import type { DeparturePlanEntry, InheritanceMode } from '../../db/schema/loss.ts';

export interface PolicyChoice {
  mode: InheritanceMode;
  takeoverUserid: string | null;
  fallbackUserid: string | null;
}

/** What the directory says about the departed employee's leaders. */
export interface LeaderFacts {
  /** WeCom's direct_leader of the departed employee. */
  directLeaders: string[];
  /** The leaders of their main department (qw_dept.leaders, else members flagged is_leader_in_dept there). */
  departmentLeaders: string[];
}

/** A link's allocation rules: who, with which weight. */
export interface LinkRuleFacts {
  linkName: string;
  rules: Array<{ userid: string; weight: number }>;
}

export type TakeoverSource = 'directLeader' | 'departmentLeader' | 'employee' | 'link' | 'fallback';

/** A candidate refused, and why (shown in the preview and the departure's reason). */
export interface SkippedCandidate {
  userid: string;
  source: TakeoverSource;
  reason: IneligibleReason | 'self';
}

export interface TakeoverChoice {
  /** Who takes over, with their share (weights; equal shares for several leaders). */
  takeovers: Array<{ userid: string; weight: number; source: TakeoverSource }>;
  skipped: SkippedCandidate[];
  /** Set when nobody can take over: a message key (inheritance-policy.messages.ts). */
  manualReason: string | null;
}

/**
 * The takeover employees under the policy, in the documented order: leader mode — the direct leaders, else the
 * main department's leaders, else the fallback; employee mode — the named employee, else the fallback; link mode —
 * the link's rules' employees, else the fallback. Only eligible employees (active, activated, 客户联系; never the
 * departed employee) are chosen; none eligible → manual, with the reason.
 */
export function chooseTakeovers(input: {
  departed: string;
  policy: PolicyChoice;
  leaders: LeaderFacts;
  link: LinkRuleFacts | null;
  ineligible: (userid: string) => IneligibleReason | null;
}): TakeoverChoice {
  const skipped: SkippedCandidate[] = [];
  const seen = new Set<string>();
  const eligibleOf = (candidates: Array<{ userid: string; weight: number }>, source: TakeoverSource) => {
    const chosen: Array<{ userid: string; weight: number; source: TakeoverSource }> = [];
    for (const candidate of candidates) {
      if (!candidate.userid || seen.has(`${source}:${candidate.userid}`)) continue;
      seen.add(`${source}:${candidate.userid}`);
      const reason = candidate.userid === input.departed ? 'self' : input.ineligible(candidate.userid);
      if (reason) skipped.push({ userid: candidate.userid, source, reason });
      else if (!chosen.some((entry) => entry.userid === candidate.userid)) chosen.push({ userid: candidate.userid, weight: candidate.weight, source });
    }
    return chosen;
  };
  const steps: Array<() => Array<{ userid: string; weight: number; source: TakeoverSource }>> = [];
  const { policy } = input;
  if (policy.mode === 'leader') {
    steps.push(() => eligibleOf(input.leaders.directLeaders.map((userid) => ({ userid, weight: 1 })), 'directLeader'));
    steps.push(() => eligibleOf(input.leaders.departmentLeaders.map((userid) => ({ userid, weight: 1 })), 'departmentLeader'));
  } else if (policy.mode === 'employee') {
    if (policy.takeoverUserid) steps.push(() => eligibleOf([{ userid: policy.takeoverUserid!, weight: 1 }], 'employee'));
  } else if (input.link) {
    const link = input.link;
    steps.push(() => eligibleOf(link.rules.map((rule) => ({ userid: rule.userid, weight: rule.weight })), 'link'));
  }
  if (policy.fallbackUserid) steps.push(() => eligibleOf([{ userid: policy.fallbackUserid!, weight: 1 }], 'fallback'));
  for (const step of steps) {
    const takeovers = step();
    if (takeovers.length) return { takeovers, skipped, manualReason: null };
  }
  const manualReason =
    policy.mode === 'link' && !input.link ? 'inheritanceLinkMissing' : skipped.length ? 'inheritanceNoEligibleTakeover' : 'inheritanceNoCandidate';
  return { takeovers: [], skipped, manualReason };
}

/**
 * Spreads customers and groups over the takeover employees by weight: the routing engine's smooth weighted round
 * robin, one pick per customer (then per group), so 2:1 gives two customers in three to the first and spreads them
 * evenly. Zero weights take part alike only when every weight is zero (weightPool). Deterministic: the same input
 * gives the same plan, so the preview is what the run does.
 */
export function spreadSubjects(
  takeovers: Array<{ userid: string; weight: number }>,
  subjects: { externalUserids: string[]; chatIds: string[] },
): DeparturePlanEntry[] {
  if (!takeovers.length) return [];
  const entries = takeovers.map((takeover) => ({ takeoverUserid: takeover.userid, externalUserids: [] as string[], chatIds: [] as string[] }));
  const pool = weightPool(takeovers.map((takeover, index) => ({ id: index + 1, weight: takeover.weight })));
  let current: Record<string, number> = {};
  const pick = (): DeparturePlanEntry => {
    const step = smoothWeighted(pool, current);
    current = step.current;
    return entries[step.chosen - 1];
  };
  for (const externalUserid of [...subjects.externalUserids].sort()) pick().externalUserids.push(externalUserid);
  for (const chatId of [...subjects.chatIds].sort()) pick().chatIds.push(chatId);
  return entries.filter((entry) => entry.externalUserids.length || entry.chatIds.length);
}

/** The key that makes one takeover's request of one departure happen once (H4's transfer service dedupes on it). */
export const departureDedupeKey = (userid: string, departureId: number, takeoverUserid: string) => `departure:${userid}:${departureId}:${takeoverUserid}`;
