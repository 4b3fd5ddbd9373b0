// The routing counters and the links they route (acq_link, acq_rule, acq_rule_day, acq_round, acq_add's
// pending main adds): the routing service's SQL. Made over the asynchronous-commit pool for hits
// (platform/db/fast-writes.ts) and over the main pool for the main link's sequence (range upkeep).
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { acqAdd, acqLink, acqRound, acqRule, type GetType } from '../../db/schema/index.ts';
import type { AllocationMethod, RoutingRule } from './routing/route.ts';
import { notDeleted } from '../../platform/db/prepared.ts';

export interface RoutableLink {
  id: number;
  getType: GetType;
  linkName: string;
  status: number;
  allocationMethod: AllocationMethod;
  url: string | null;
  suspendedUsers: string[];
  mainUserid: string | null;
  rules: Array<RoutingRule & { linkUrl: string | null; qrCode: string | null }>;
}

export async function loadRoutableLink(db: DbOrTx, getType: GetType, id: number): Promise<RoutableLink | null> {
  const [link] = await db
    .select({ id: acqLink.id, getType: acqLink.getType, linkName: acqLink.linkName, status: acqLink.status, allocationMethod: acqLink.allocationMethod, url: acqLink.url, suspendedUsers: acqLink.suspendedUsers, mainUserid: acqLink.mainUserid })
    .from(acqLink)
    .where(and(eq(acqLink.id, id), eq(acqLink.getType, getType), notDeleted(acqLink)));
  if (!link) return null;
  const rules = await db
    .select()
    .from(acqRule)
    .where(and(eq(acqRule.acqLinkId, id), notDeleted(acqRule)))
    .orderBy(acqRule.orderNum, acqRule.id);
  return {
    ...link,
    allocationMethod: (['weight', 'round', 'default'].includes(link.allocationMethod) ? link.allocationMethod : 'default') as AllocationMethod,
    rules: rules.map((rule) => ({
      id: rule.id,
      userId: rule.userId,
      weight: rule.weight,
      dailyLimit: rule.dailyLimit,
      roundLimit: rule.roundLimit,
      workingHours: rule.workingHours || null,
      linkUrl: rule.linkUrl,
      qrCode: rule.qrCode,
    })),
  };
}

/** Today's counts of the rules: greatest(hits + held, adds) (acq_rule_day). */
export async function dailyCounts(db: DbOrTx, ruleIds: number[], day: string): Promise<Map<number, number>> {
  if (!ruleIds.length) return new Map();
  const result = await db.execute<{ rule_id: string | number; count: number }>(
    sql`SELECT rule_id, greatest(hits + held, adds)::int AS count FROM acq_rule_day WHERE day = ${day} AND rule_id IN (${sql.join(ruleIds.map((id) => sql`${id}`), sql`, `)})`,
  );
  return new Map(result.rows.map((row) => [Number(row.rule_id), Number(row.count)]));
}

/** Today's places of the rules, apart: reserved (hits + held) and filled by adds; the count is the greater. */
export async function dailyTallies(db: DbOrTx, ruleIds: number[], day: string): Promise<Map<number, DayTally>> {
  if (!ruleIds.length) return new Map();
  const result = await db.execute<{ rule_id: string | number; reserved: number; adds: number }>(
    sql`SELECT rule_id, (hits + held)::int AS reserved, adds FROM acq_rule_day WHERE day = ${day} AND rule_id IN (${sql.join(ruleIds.map((id) => sql`${id}`), sql`, `)})`,
  );
  return new Map(result.rows.map((row) => [Number(row.rule_id), { reserved: Number(row.reserved), adds: Number(row.adds) }]));
}

/**
 * Whether `places` more fit in a rule's day row (`row`, acq_rule_day) under its daily limit (0: none): each must find
 * the count, the greater of the places reserved and the adds, below the limit, which holds for all when it holds
 * for the last (the count only grows).
 */
const placesFit = (row: SQL, places: SQL, dailyLimit: SQL): SQL =>
  sql`(${dailyLimit} = 0 OR greatest(${row}.hits + ${row}.held + ${places} - 1, ${row}.adds) < ${dailyLimit})`;

export interface DayTally {
  reserved: number;
  adds: number;
}

/** A link's routing sequence (acq_round). */
export interface RoundState {
  counts: Record<string, number>;
  round: number;
  current: Record<string, number>;
  mainRuleId: number | null;
  mainDay: string | null;
}

export interface RoutingRepository {
  routableLink(getType: GetType, id: number): Promise<RoutableLink | null>;
  dailyCounts(ruleIds: number[], day: string): Promise<Map<number, number>>;
  dailyTallies(ruleIds: number[], day: string): Promise<Map<number, DayTally>>;
  /** Holds one of today's places of a rule for the main link's pick: the new count, or null when none is free. */
  holdPlace(rule: RoutingRule, day: string): Promise<number | null>;
  /** Gives back a held place nobody used. */
  releaseHeld(ruleId: number, day: string): Promise<void>;
  round(linkId: number): Promise<RoundState | undefined>;
  lockRound(linkId: number): Promise<RoundState>;
  /** lockRound, with today's tallies of the link's rules read after the lock (in the same statement when it may). */
  lockStep(linkId: number, ruleIds: number[], day: string): Promise<{ state: RoundState; tallies: Map<number, DayTally> }>;
  saveRound(linkId: number, state: Partial<RoundState>): Promise<void>;
  /**
   * A step's writes in one statement: takes each rule's `places` hits at once (as holdPlace takes one) and saves the sequence.
   * False when some rule's places were no longer all free: the caller rolls the step back.
   */
  takePlacesAndSave(linkId: number, day: string, taken: Array<{ rule: RoutingRule; places: number }>, state: Pick<RoundState, 'current' | 'counts' | 'round'>): Promise<boolean>;
  /** Claims the link's adds through its main link / QR not yet taken into its sequence (oldest first). */
  claimMainAdds(linkId: number): Promise<Array<{ userid: string }>>;
  transaction<T>(work: (tx: RoutingRepository) => Promise<T>): Promise<T>;
}

export function createRoutingRepository(db: DbOrTx): RoutingRepository {
  /** The link's sequence, created when absent and locked until the transaction ends. */
  async function lockRound(linkId: number): Promise<RoundState> {
    // Locked as it is, made only for a link's first step: one round trip less per step (every hit's).
    const locked = async () => (await db.select().from(acqRound).where(eq(acqRound.acqLinkId, linkId)).for('update'))[0];
    const round = await locked();
    if (round) return round;
    await db.insert(acqRound).values({ acqLinkId: linkId }).onConflictDoNothing();
    return (await locked())!;
  }

  return {
    routableLink: (getType: GetType, id: number) => loadRoutableLink(db, getType, id),
    dailyCounts: (ruleIds: number[], day: string) => dailyCounts(db, ruleIds, day),
    dailyTallies: (ruleIds: number[], day: string) => dailyTallies(db, ruleIds, day),

    // A new row needs no check (placesFit): the caller decided on counts read in its transaction, and any
    // concurrent writer makes a row, so a conflict.
    async holdPlace(rule: RoutingRule, day: string): Promise<number | null> {
      const result = await db.execute<{ count: number }>(sql`
        INSERT INTO acq_rule_day (rule_id, day, held) VALUES (${rule.id}, ${day}, 1)
        ON CONFLICT (rule_id, day) DO UPDATE SET held = acq_rule_day.held + 1
        WHERE ${placesFit(sql`acq_rule_day`, sql`1`, sql`${rule.dailyLimit}`)}
        RETURNING greatest(hits + held, adds)::int AS count`);
      return result.rows.length ? Number(result.rows[0].count) : null;
    },

    async releaseHeld(ruleId: number, day: string): Promise<void> {
      await db.execute(sql`UPDATE acq_rule_day SET held = held - 1 WHERE rule_id = ${ruleId} AND day = ${day} AND held > 0`);
    },

    async round(linkId: number): Promise<RoundState | undefined> {
      const [round] = await db.select().from(acqRound).where(eq(acqRound.acqLinkId, linkId));
      return round;
    },

    lockRound,

    // One round trip for two while this process alone steps the link (its steps are serial here). A statement sees
    // what was committed when it began: if another replica's step holds the lock (SKIP LOCKED: no row), or
    // committed a step between this statement's start and its lock (the locked version is not the one its snapshot
    // reads), the tallies it read may lack that step's places, so they are read again after the lock.
    async lockStep(linkId: number, ruleIds: number[], day: string) {
      const result = await db.execute<{ round: number; counts: Record<string, number>; current: Record<string, number>; main_rule_id: string | number | null; main_day: string | null; fresh: boolean; tallies: Array<[number, number, number]> | null }>(sql`
        SELECT r.round, r.counts, r.current, r.main_rule_id, r.main_day,
          r.xmin = (SELECT s.xmin FROM acq_round s WHERE s.acq_link_id = ${linkId}) AS fresh,
          (SELECT json_agg(json_build_array(d.rule_id, d.hits + d.held, d.adds)) FROM acq_rule_day d
            WHERE d.day = ${day} AND d.rule_id = ANY(${`{${ruleIds.join(',')}}`}::bigint[])) AS tallies
        FROM acq_round r WHERE r.acq_link_id = ${linkId} FOR UPDATE OF r SKIP LOCKED`);
      const [row] = result.rows;
      if (!row?.fresh) return { state: await lockRound(linkId), tallies: await dailyTallies(db, ruleIds, day) };
      const state: RoundState = { round: Number(row.round), counts: row.counts, current: row.current, mainRuleId: row.main_rule_id === null ? null : Number(row.main_rule_id), mainDay: row.main_day };
      return { state, tallies: new Map((row.tallies ?? []).map(([ruleId, reserved, adds]) => [Number(ruleId), { reserved: Number(reserved), adds: Number(adds) }])) };
    },

    async saveRound(linkId: number, state: Partial<RoundState>): Promise<void> {
      await db.update(acqRound).set(state).where(eq(acqRound.acqLinkId, linkId));
    },

    // One round trip for what was one per rule and one for the sequence: every statement of a step holds the
    // link's lock, and on the embedded database its one session (bench/route-hit).
    async takePlacesAndSave(linkId: number, day: string, taken: Array<{ rule: RoutingRule; places: number }>, state: Pick<RoundState, 'current' | 'counts' | 'round'>): Promise<boolean> {
      const wanted = JSON.stringify(taken.map(({ rule, places }) => ({ rule_id: rule.id, places, daily_limit: rule.dailyLimit })));
      const result = await db.execute<{ taken: number }>(sql`
        WITH wanted AS (SELECT * FROM jsonb_to_recordset(${wanted}::jsonb) AS w(rule_id bigint, places int, daily_limit int)),
        taken AS (
          INSERT INTO acq_rule_day AS d (rule_id, day, hits) SELECT rule_id, ${day}, places FROM wanted
          ON CONFLICT (rule_id, day) DO UPDATE SET hits = d.hits + excluded.hits
          WHERE (SELECT ${placesFit(sql`d`, sql`w.places`, sql`w.daily_limit`)} FROM wanted w WHERE w.rule_id = d.rule_id)
          RETURNING d.rule_id
        ),
        saved AS (
          UPDATE acq_round SET current = ${JSON.stringify(state.current)}::jsonb, counts = ${JSON.stringify(state.counts)}::jsonb, round = ${state.round}
          WHERE acq_link_id = ${linkId}
        )
        SELECT count(*)::int AS taken FROM taken`);
      return Number(result.rows[0].taken) === taken.length;
    },

    async claimMainAdds(linkId: number): Promise<Array<{ userid: string }>> {
      const claimed = await db
        .update(acqAdd)
        .set({ mainPending: false })
        .where(and(eq(acqAdd.acqLinkId, linkId), eq(acqAdd.mainPending, true)))
        .returning({ id: acqAdd.id, userid: acqAdd.userid });
      return claimed.sort((a, b) => a.id - b.id).map(({ userid }) => ({ userid }));
    },

    /** Runs `work` in a transaction, with this repository made over it. */
    transaction<T>(work: (tx: RoutingRepository) => Promise<T>): Promise<T> {
      return (db as Db).transaction((tx) => work(createRoutingRepository(tx)));
    },
  };
}
