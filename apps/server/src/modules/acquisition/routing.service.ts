// Routing a visitor of a published link / QR code to an allocation rule: the engine (routing/route.ts)
// decides from counters kept in the database, which are updated atomically so replicas agree.
//
// One sequence per link (acq_round, its row locked for each step, so replicas take turns): /open/route/hit
// takes the next pick for its visitor; the main link / QR code — the one printed on posters, which WeCom
// can only point at whom its range lists — holds the next pick for the next customer who scans it (range
// upkeep narrows its range to that employee). An add through the main link uses the held pick, or, when
// several scans came before WeCom took the update, is charged to the sequence as if picked, so shares
// converge again.
//
// Daily counts: a rule's count for a local day is greatest(hits + held, adds) — a hit or a held pick reserves
// a place, the add it leads to fills that place without counting twice, adds beyond the places count too.
// A place is taken with a conditional upsert (only while the count is below the limit); when a concurrent
// step took the last place, the engine is asked again.
import type { GetType } from '../../db/schema/index.ts';
import type { RequestContext } from '../../platform/auth/context.ts';
import { AppError, NotFound } from '../../platform/http/errors.ts';
import { groupCommit } from '../../platform/group-commit.ts';
import { chargeWeighted, refundWeighted, route, ruleAvailability, weightPool, type RouteDecision, type RoutingRule, type RuleCounters } from './routing/route.ts';
import { localTime } from '../../platform/local-time.ts';
import type { RouteAnswer } from './acquisition.schemas.ts';
import type { RoundState, RoutableLink, RoutingRepository } from './routing.repository.ts';

export type { RoutableLink } from './routing.repository.ts';

export interface RoutingServiceDeps {
  /** Counters on the asynchronous-commit pool (platform/db/fast-writes.ts), for hits. */
  routing: RoutingRepository;
  /** The same over the main pool, for the main link's held pick (range upkeep; durable). */
  main?: RoutingRepository;
  now: () => number;
  timeZone: string;
  /** How long a link's configuration is cached per process (ms); counters are never cached. */
  cacheMs?: number;
  /** Told when a hit finds the main range out of date (a rule became unavailable or available again). */
  rangeMayHaveChanged?: (getType: GetType, id: number) => void;
}

/**
 * Attempts of a hit whose chosen rule was filled meanwhile by another hit. Places only fill during a day, so
 * each failed attempt finds one more rule full and the next decision leaves it out: a hit ends within one
 * attempt per rule, plus one for counts read from the cache and one for a day that turns meanwhile. The cap
 * only guards against a bug; a fixed one would answer 503 instead of "no eligible rule" on links with
 * many rules under load.
 */
const maxAttempts = (link: RoutableLink) => link.rules.length + 2;

/** How often a hit on a link that follows its sequence but holds no pick for the main link asks for a check. */
const HELD_CHECK_MS = 10_000;

/** A step's places were taken by a concurrent add between its read and its write: the step is redone. */
class PlacesTakenMeanwhile extends Error {}

/** Users of the main range who should be out of it now: every rule of theirs is unavailable. */
export function unavailableUsers(rules: RoutingRule[], counts: ReadonlyMap<number, number>, minuteOfDay: number): string[] {
  const byUser = new Map<string, boolean>();
  for (const rule of rules) {
    const available = ruleAvailability(rule, { today: counts.get(rule.id) ?? 0, inRound: 0 }, minuteOfDay) === null;
    byUser.set(rule.userId, (byUser.get(rule.userId) ?? false) || available);
  }
  return [...byUser].filter(([, available]) => !available).map(([userId]) => userId).sort();
}

export function createRoutingService(deps: RoutingServiceDeps) {
  const { routing, now, timeZone } = deps;
  const mainRepo = deps.main ?? routing;
  const cacheMs = deps.cacheMs ?? 1_000;
  const cache = new Map<string, { link: RoutableLink | null; until: number }>();

  async function linkOf(getType: GetType, id: number): Promise<RoutableLink> {
    const key = `${getType}:${id}`;
    const cached = cache.get(key);
    let link: RoutableLink | null;
    if (cached && cached.until > Date.now()) link = cached.link;
    else {
      link = await routing.routableLink(getType, id);
      cache.set(key, { link, until: Date.now() + cacheMs });
    }
    if (!link) throw new NotFound(getType === 'link' ? 'acqLink' : 'acqQr', id);
    if (link.status !== 1) throw new AppError(409, 'acqNotPublished', { name: link.linkName || `${getType} ${id}` });
    return link;
  }

  function answer(link: RoutableLink, decision: RouteDecision): RouteAnswer {
    const chosen = decision.chosen ? link.rules.find((rule) => rule.id === decision.chosen!.id)! : null;
    const linkUrl = chosen ? chosen.linkUrl : link.getType === 'link' ? link.url : null;
    const qrCode = chosen ? chosen.qrCode : link.getType === 'qr' ? link.url : null;
    return {
      getType: link.getType,
      id: link.id,
      outcome: decision.outcome,
      fallback: chosen === null,
      ruleId: chosen?.id ?? null,
      userId: chosen?.userId ?? null,
      linkUrl,
      qrCode,
      url: link.getType === 'link' ? linkUrl : qrCode,
      reasons: decision.verdicts,
      localDay: decision.localDay,
    };
  }

  function countersFrom(daily: Map<number, number>, inRound: Record<string, number>): Map<number, RuleCounters> {
    const counters = new Map<number, RuleCounters>();
    for (const [ruleId, today] of daily) counters.set(ruleId, { today, inRound: 0 });
    for (const [ruleId, count] of Object.entries(inRound)) counters.set(Number(ruleId), { today: counters.get(Number(ruleId))?.today ?? 0, inRound: count });
    return counters;
  }

  /** The sequence after `decision` chose a rule: the round's counts, or the current weights. */
  function advanced(state: RoundState, decision: RouteDecision): Partial<RoundState> {
    if (decision.method === 'weight') return { current: decision.current ?? state.current };
    const counts = decision.startsNewRound ? {} : { ...state.counts };
    counts[decision.chosen!.id] = (counts[decision.chosen!.id] ?? 0) + 1;
    return { counts, round: state.round + (decision.startsNewRound ? 1 : 0) };
  }

  /** Whether the stored main range differs from what availability says now (range upkeep's business). */
  function noticeRange(link: RoutableLink, decision: RouteDecision, chosenFilled: boolean) {
    if (!deps.rangeMayHaveChanged || link.rules.length === 0) return;
    // A main link narrowed to its held pick changes with adds and at window boundaries, not with hits.
    if (link.mainUserid && link.allocationMethod !== 'default') return;
    // A user is out of the range while every rule of theirs is unavailable.
    const outByUser = new Map<string, boolean>();
    for (const verdict of decision.verdicts) {
      const out = verdict.reason === 'outside_working_hours' || verdict.reason === 'daily_limit_reached' || (chosenFilled && verdict.ruleId === decision.chosen?.id);
      outByUser.set(verdict.userId, (outByUser.get(verdict.userId) ?? true) && out);
    }
    const unavailable = new Set([...outByUser].filter(([, out]) => out).map(([userId]) => userId));
    const stored = new Set(link.suspendedUsers);
    const differs = unavailable.size !== stored.size || [...unavailable].some((userId) => !stored.has(userId));
    if (differs) deps.rangeMayHaveChanged(link.getType, link.id);
    else if (link.allocationMethod !== 'default') {
      // Following the sequence but holding no pick (nobody was eligible, or WeCom refused the update): worth
      // another try now and then, not on every hit (each is a locked step of its own on the main pool).
      const last = lastHeldCheck.get(link.id) ?? 0;
      if (Date.now() - last < HELD_CHECK_MS) return;
      lastHeldCheck.set(link.id, Date.now());
      deps.rangeMayHaveChanged(link.getType, link.id);
    }
  }
  const lastHeldCheck = new Map<number, number>();

  /**
   * Sequence steps of one link, one at a time in this process (a chain of promises per link); replicas
   * exclude each other with the row lock. Fewer lock waits on PostgreSQL; on the embedded database, whose one
   * session a step's transaction holds until it ends, a link's next step waits here, not in that session's queue.
   */
  const queues = new Map<number, Promise<unknown>>();
  function serial<T>(linkId: number, work: () => Promise<T>): Promise<T> {
    const previous = queues.get(linkId) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(work);
    queues.set(linkId, next);
    void next.finally(() => {
      if (queues.get(linkId) === next) queues.delete(linkId);
    }).catch(() => {});
    return next;
  }

  /**
   * One step of the sequence for every visitor waiting on the link (group commit): the sequence is locked
   * once, each visitor is decided in turn on counts kept in memory, and the places are taken per rule in one
   * conditional statement. A concurrent add that took places meanwhile rolls the step back and it is decided
   * again. Without contention a step serves one visitor, as before; under load one transaction serves many.
   */
  async function hitMany(link: RoutableLink, visitors: number): Promise<RouteAnswer[]> {
    for (let attempt = 1; ; attempt++) {
      const result = await routing.transaction(async (tx) => {
        const at = new Date(now());
        const { day } = localTime(at, timeZone);
        const step = await tx.lockStep(link.id, link.rules.map((rule) => rule.id), day);
        let state = step.state;
        const tallies = step.tallies;
        const today = (ruleId: number) => {
          const tally = tallies.get(ruleId);
          return tally ? Math.max(tally.reserved, tally.adds) : 0;
        };
        const daily = new Map(link.rules.map((rule) => [rule.id, today(rule.id)]));
        const taken = new Map<number, number>();
        const decisions: Array<{ decision: RouteDecision; filled: boolean }> = [];
        for (let visitor = 0; visitor < visitors; visitor++) {
          const decision = route({ method: link.allocationMethod, rules: link.rules, counters: countersFrom(daily, state.counts), now: at, timeZone, current: state.current });
          const chosen = decision.chosen;
          if (chosen) {
            const tally = tallies.get(chosen.id) ?? { reserved: 0, adds: 0 };
            tallies.set(chosen.id, { ...tally, reserved: tally.reserved + 1 });
            daily.set(chosen.id, today(chosen.id));
            taken.set(chosen.id, (taken.get(chosen.id) ?? 0) + 1);
            state = { ...state, ...advanced(state, decision) };
          }
          decisions.push({ decision, filled: !!chosen && chosen.dailyLimit > 0 && today(chosen.id) >= chosen.dailyLimit });
        }
        const places = [...taken].map(([ruleId, count]) => ({ rule: link.rules.find((candidate) => candidate.id === ruleId)!, places: count }));
        if (places.length && !(await tx.takePlacesAndSave(link.id, day, places, state))) throw new PlacesTakenMeanwhile();
        return decisions;
      }).catch((error: unknown) => {
        if (error instanceof PlacesTakenMeanwhile) return null;
        throw error;
      });
      if (result) {
        // The last decision has seen every place this step took: the range's view after the step.
        const last = result[result.length - 1];
        if (last) noticeRange(link, last.decision, last.filled);
        return result.map(({ decision }) => answer(link, decision));
      }
      if (attempt >= maxAttempts(link)) throw new AppError(503, 'tooManyRequests');
    }
  }

  // Visitors waiting on a link go together into its next step (after the one under way, sync-main steps
  // included). On the embedded database too: its step is a transaction holding PGlite's one session for a few
  // statements, and one step for many visitors is what keeps hits from queueing there (one visitor per step
  // had held the embedded route/hit to 250-300 req/s).
  const hitSteps = groupCommit<number, RoutableLink, RouteAnswer>(
    (linkId, links) => serial(linkId, () => hitMany(links[links.length - 1], links.length)),
    { maxBatch: 200 },
  );

  /**
   * The main link's held pick, brought up to date in one step of the sequence: adds through the main link
   * since the last step use the held pick (the employee it named) or are charged as if picked; a held pick
   * that can no longer be used (outside its hours now, or a new day without a place left) is given back;
   * then, with none held, the next pick is held — with a place of today, like a hit's.
   */
  async function syncMainNow(link: RoutableLink): Promise<RoutableLink['rules'][number] | null> {
    const follows = link.allocationMethod !== 'default' && link.rules.length > 0;
    for (let attempt = 1; ; attempt++) {
      const result = await mainRepo.transaction(async (tx) => {
        const state = await tx.lockRound(link.id);
        const at = new Date(now());
        const { day, minuteOfDay } = localTime(at, timeZone);
        const pool = weightPool(link.rules);
        let { current, counts, mainRuleId, mainDay } = state;
        const release = (rule: RoutingRule | undefined) => {
          // The pick goes back to the sequence: its turn comes again next.
          if (rule && link.allocationMethod === 'weight') current = refundWeighted(pool, current, rule.id);
          if (rule && link.allocationMethod === 'round' && (counts[rule.id] ?? 0) > 0) counts = { ...counts, [rule.id]: counts[rule.id] - 1 };
          mainRuleId = null;
          mainDay = null;
        };
        for (const add of await tx.claimMainAdds(link.id)) {
          const rule = link.rules.find((candidate) => candidate.userId === add.userid);
          if (!rule) continue;
          if (rule.id === mainRuleId) {
            mainRuleId = null; // the held pick was used: its place is filled by this add
            mainDay = null;
          } else if (link.allocationMethod === 'weight') current = chargeWeighted(pool, current, rule.id);
          else if (link.allocationMethod === 'round') counts = { ...counts, [rule.id]: (counts[rule.id] ?? 0) + 1 };
        }
        let held = link.rules.find((rule) => rule.id === mainRuleId);
        if (mainRuleId !== null && (!held || !follows)) {
          if (held && mainDay === day) await tx.releaseHeld(held.id, day);
          release(held);
          held = undefined;
        }
        if (held) {
          const inHours = ruleAvailability(held, { today: 0, inRound: 0 }, minuteOfDay) === null;
          const placeToday = inHours && (mainDay === day || (await tx.holdPlace(held, day)) !== null);
          if (!placeToday) {
            if (mainDay === day) await tx.releaseHeld(held.id, day);
            release(held);
            held = undefined;
          } else mainDay = day;
        }
        let retry = false;
        let round = state.round;
        if (!held && follows) {
          const daily = await tx.dailyCounts(link.rules.map((rule) => rule.id), day);
          const decision = route({ method: link.allocationMethod, rules: link.rules, counters: countersFrom(daily, counts), now: at, timeZone, current });
          if (decision.chosen && (await tx.holdPlace(decision.chosen, day)) === null) retry = true;
          else if (decision.chosen) {
            const next = advanced({ ...state, current, counts }, decision);
            current = next.current ?? current;
            counts = next.counts ?? counts;
            round = next.round ?? round;
            held = link.rules.find((rule) => rule.id === decision.chosen!.id);
            mainRuleId = held!.id;
            mainDay = day;
          }
        }
        // Saved even when retrying: the adds claimed above are in it.
        await tx.saveRound(link.id, { current, counts, round, mainRuleId, mainDay });
        return { held: held ?? null, retry };
      });
      if (!result.retry) return result.held;
      if (attempt >= maxAttempts(link)) throw new AppError(503, 'tooManyRequests');
    }
  }

  return {
    /** /open/route/hit: who gets this visitor; the choice takes one of the rule's places for today. */
    async hit(getType: GetType, id: number): Promise<RouteAnswer> {
      const link = await linkOf(getType, id);
      return hitSteps(link.id, link);
    },

    /**
     * The rule the main link / QR code should lead to now (null: it does not follow the sequence — method
     * `default`, no rules — or nobody is eligible). Read fresh, never from the cache.
     */
    async syncMain(getType: GetType, id: number, loaded?: RoutableLink | null): Promise<RoutableLink['rules'][number] | null> {
      const link = loaded ?? (await mainRepo.routableLink(getType, id));
      if (!link) return null;
      return serial(link.id, () => syncMainNow(link));
    },

    /** Who would get the next customer now, counting nothing (an out-of-date main range is still noticed). */
    async preview(_ctx: RequestContext, getType: GetType, id: number): Promise<RouteAnswer> {
      const link = (await routing.routableLink(getType, id)) ?? undefined;
      if (!link) throw new NotFound(getType === 'link' ? 'acqLink' : 'acqQr', id);
      const at = new Date(now());
      const { day } = localTime(at, timeZone);
      const daily = await routing.dailyCounts(link.rules.map((rule) => rule.id), day);
      const state = await routing.round(id);
      const decision = route({ method: link.allocationMethod, rules: link.rules, counters: countersFrom(daily, state?.counts ?? {}), now: at, timeZone, current: state?.current ?? {} });
      if (link.status === 1) noticeRange(link, decision, false);
      return answer(link, decision);
    },

    invalidate(getType: GetType, id: number) {
      cache.delete(`${getType}:${id}`);
    },
  };
}

export type RoutingService = ReturnType<typeof createRoutingService>;
