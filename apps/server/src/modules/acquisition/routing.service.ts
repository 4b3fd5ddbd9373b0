// Routing a visitor of a published link / QR code to an allocation rule: the engine (routing/route.ts)
// decides from counters kept in the database, which are updated atomically so replicas agree.
//
// Daily counts: a rule's count for a local day is greatest(hits, adds) — a hit reserves a place, the add it
// leads to fills that place without counting twice, and adds that came through the main link count too.
// A hit takes a place with a conditional upsert (only while the count is below the limit); when a
// concurrent hit took the last place, the engine is asked again. Round-robin state is a row per link,
// locked for the length of one decision.
import type { GetType } from '../../db/schema/index.ts';
import type { RequestContext } from '../../platform/auth/context.ts';
import { AppError, NotFound } from '../../platform/http/errors.ts';
import { route, ruleAvailability, type RouteDecision, type RoutingRule, type RuleCounters } from './routing/route.ts';
import { localTime } from './routing/local-time.ts';
import type { RouteAnswer } from './acquisition.schemas.ts';
import type { RoutableLink, RoutingRepository } from './routing.repository.ts';

export type { RoutableLink } from './routing.repository.ts';

export interface RoutingServiceDeps {
  /** Counters on the asynchronous-commit pool (platform/db/fast-writes.ts). */
  routing: RoutingRepository;
  now: () => number;
  timeZone: string;
  random?: () => number;
  /** How long a link's configuration is cached per process (ms); counters are never cached. */
  cacheMs?: number;
  /**
   * One process owns the database (embedded PGlite, one session for every connection): round decisions,
   * already one at a time per link here, run without a transaction (concurrent transactions stall PGlite).
   */
  singleProcess?: boolean;
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
  const random = deps.random ?? Math.random;
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

  /**
   * Today's counts of a weight link, kept per process for up to `cacheMs` and updated by this process's own
   * hits. They only decide eligibility; the conditional upsert is what enforces a limit, so a stale count
   * costs at most one more round trip (read fresh, decide again).
   */
  const counts = new Map<number, { day: string; counts: Map<number, number>; until: number }>();
  async function countsOf(link: RoutableLink, day: string, fresh: boolean): Promise<Map<number, number>> {
    const cached = counts.get(link.id);
    if (!fresh && cached && cached.day === day && cached.until > Date.now()) return cached.counts;
    const read = await routing.dailyCounts(link.rules.map((rule) => rule.id), day);
    counts.set(link.id, { day, counts: read, until: Date.now() + cacheMs });
    return read;
  }

  /** Whether the stored main range differs from what availability says now (range upkeep's business). */
  function noticeRange(link: RoutableLink, decision: RouteDecision, chosenFilled: boolean) {
    if (!deps.rangeMayHaveChanged || link.rules.length === 0) return;
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
  }

  async function hitWeight(link: RoutableLink): Promise<RouteAnswer> {
    for (let attempt = 1; ; attempt++) {
      const at = new Date(now());
      const { day } = localTime(at, timeZone);
      const daily = await countsOf(link, day, attempt > 1);
      const decision = route({ method: link.allocationMethod, rules: link.rules, counters: countersFrom(daily, {}), now: at, timeZone, random });
      if (!decision.chosen) {
        noticeRange(link, decision, false);
        return answer(link, decision);
      }
      const count = await routing.takePlace(decision.chosen, day);
      if (count !== null) {
        daily.set(decision.chosen.id, count);
        noticeRange(link, decision, decision.chosen.dailyLimit > 0 && count >= decision.chosen.dailyLimit);
        return answer(link, decision);
      }
      if (attempt >= maxAttempts(link)) throw new AppError(503, 'tooManyRequests');
    }
  }

  /**
   * Round decisions of one link, one at a time in this process (a chain of promises per link); replicas
   * exclude each other with the row lock. Fewer lock waits on PostgreSQL, and no concurrent transactions on
   * the embedded database's single session.
   */
  const roundQueues = new Map<number, Promise<unknown>>();
  function hitRound(link: RoutableLink): Promise<RouteAnswer> {
    const previous = roundQueues.get(link.id) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => hitRoundNow(link));
    roundQueues.set(link.id, next);
    void next.finally(() => {
      if (roundQueues.get(link.id) === next) roundQueues.delete(link.id);
    }).catch(() => {});
    return next;
  }

  async function hitRoundNow(link: RoutableLink): Promise<RouteAnswer> {
    for (let attempt = 1; ; attempt++) {
      const inTransaction = <T>(work: (tx: RoutingRepository) => Promise<T>): Promise<T> => (deps.singleProcess ? work(routing) : routing.transaction(work));
      const result = await inTransaction(async (tx) => {
        const round = await tx.lockRound(link.id);
        const at = new Date(now());
        const { day } = localTime(at, timeZone);
        const daily = await tx.dailyCounts(link.rules.map((rule) => rule.id), day);
        const inRound = round?.counts ?? {};
        const decision = route({ method: 'round', rules: link.rules, counters: countersFrom(daily, inRound), now: at, timeZone, random });
        if (!decision.chosen) return { decision, filled: false, taken: true };
        const count = await tx.takePlace(decision.chosen, day);
        if (count === null) return { decision, filled: false, taken: false };
        const counts = decision.startsNewRound ? {} : { ...inRound };
        counts[decision.chosen.id] = (counts[decision.chosen.id] ?? 0) + 1;
        await tx.saveRound(link.id, counts, (round?.round ?? 1) + (decision.startsNewRound ? 1 : 0));
        const filled = decision.chosen.dailyLimit > 0 && count >= decision.chosen.dailyLimit;
        return { decision, filled, taken: true };
      });
      if (result.taken) {
        noticeRange(link, result.decision, result.filled);
        return answer(link, result.decision);
      }
      if (attempt >= maxAttempts(link)) throw new AppError(503, 'tooManyRequests');
    }
  }

  return {
    /** /open/route/hit: who gets this visitor; the choice takes one of the rule's places for today. */
    async hit(getType: GetType, id: number): Promise<RouteAnswer> {
      const link = await linkOf(getType, id);
      if (link.allocationMethod === 'round') return hitRound(link);
      return hitWeight(link);
    },

    /** Who would get the next customer now, counting nothing (an out-of-date main range is still noticed). */
    async preview(_ctx: RequestContext, getType: GetType, id: number): Promise<RouteAnswer> {
      const link = (await routing.routableLink(getType, id)) ?? undefined;
      if (!link) throw new NotFound(getType === 'link' ? 'acqLink' : 'acqQr', id);
      const at = new Date(now());
      const { day } = localTime(at, timeZone);
      const daily = await routing.dailyCounts(link.rules.map((rule) => rule.id), day);
      const round = link.allocationMethod === 'round' ? await routing.round(id) : undefined;
      const decision = route({ method: link.allocationMethod, rules: link.rules, counters: countersFrom(daily, round?.counts ?? {}), now: at, timeZone, random });
      if (link.status === 1) noticeRange(link, decision, false);
      return answer(link, decision);
    },

    invalidate(getType: GetType, id: number) {
      cache.delete(`${getType}:${id}`);
      counts.delete(id);
    },
  };
}

export type RoutingService = ReturnType<typeof createRoutingService>;
