// The routing counters and the links they route (acq_link, acq_rule, acq_rule_day, acq_round): the routing
// service's SQL. Made over the asynchronous-commit pool for hits (platform/db/fast-writes.ts).
import { and, eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { acqLink, acqRound, acqRule, type GetType } from '../../db/schema/index.ts';
import type { AllocationMethod, RoutingRule } from './routing/route.ts';

export interface RoutableLink {
  id: number;
  getType: GetType;
  linkName: string;
  status: number;
  allocationMethod: AllocationMethod;
  url: string | null;
  suspendedUsers: string[];
  rules: Array<RoutingRule & { linkUrl: string | null; qrCode: string | null }>;
}

export async function loadRoutableLink(db: DbOrTx, getType: GetType, id: number): Promise<RoutableLink | null> {
  const [link] = await db
    .select({ id: acqLink.id, getType: acqLink.getType, linkName: acqLink.linkName, status: acqLink.status, allocationMethod: acqLink.allocationMethod, url: acqLink.url, suspendedUsers: acqLink.suspendedUsers })
    .from(acqLink)
    .where(and(eq(acqLink.id, id), eq(acqLink.getType, getType), eq(acqLink.isDel, 0)));
  if (!link) return null;
  const rules = await db
    .select()
    .from(acqRule)
    .where(and(eq(acqRule.acqLinkId, id), eq(acqRule.isDel, 0)))
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

/** Today's counts of the rules: greatest(hits, adds). */
export async function dailyCounts(db: DbOrTx, ruleIds: number[], day: string): Promise<Map<number, number>> {
  if (!ruleIds.length) return new Map();
  const result = await db.execute<{ rule_id: string | number; count: number }>(
    sql`SELECT rule_id, greatest(hits, adds)::int AS count FROM acq_rule_day WHERE day = ${day} AND rule_id IN (${sql.join(ruleIds.map((id) => sql`${id}`), sql`, `)})`,
  );
  return new Map(result.rows.map((row) => [Number(row.rule_id), Number(row.count)]));
}

/** A link's round-robin state. */
export interface RoundState {
  counts: Record<string, number>;
  round: number;
}

export interface RoutingRepository {
  routableLink(getType: GetType, id: number): Promise<RoutableLink | null>;
  dailyCounts(ruleIds: number[], day: string): Promise<Map<number, number>>;
  takePlace(rule: RoutingRule, day: string): Promise<number | null>;
  round(linkId: number): Promise<RoundState | undefined>;
  lockRound(linkId: number): Promise<RoundState | undefined>;
  saveRound(linkId: number, counts: Record<string, number>, round: number): Promise<void>;
  transaction<T>(work: (tx: RoutingRepository) => Promise<T>): Promise<T>;
}

export function createRoutingRepository(db: DbOrTx): RoutingRepository {
  return {
    routableLink: (getType: GetType, id: number) => loadRoutableLink(db, getType, id),
    dailyCounts: (ruleIds: number[], day: string) => dailyCounts(db, ruleIds, day),

    /** Takes one of today's places of a rule: its new count, or null when the limit was reached meanwhile. */
    async takePlace(rule: RoutingRule, day: string): Promise<number | null> {
      const result = await db.execute<{ count: number }>(sql`
        INSERT INTO acq_rule_day (rule_id, day, hits) VALUES (${rule.id}, ${day}, 1)
        ON CONFLICT (rule_id, day) DO UPDATE SET hits = acq_rule_day.hits + 1
        WHERE ${rule.dailyLimit} = 0 OR greatest(acq_rule_day.hits, acq_rule_day.adds) < ${rule.dailyLimit}
        RETURNING greatest(hits, adds)::int AS count`);
      return result.rows.length ? Number(result.rows[0].count) : null;
    },

    async round(linkId: number): Promise<RoundState | undefined> {
      const [round] = await db.select().from(acqRound).where(eq(acqRound.acqLinkId, linkId));
      return round;
    },

    /** The link's round-robin state, created when absent and locked until the transaction ends. */
    async lockRound(linkId: number): Promise<RoundState | undefined> {
      await db.insert(acqRound).values({ acqLinkId: linkId }).onConflictDoNothing();
      const [round] = await db.select().from(acqRound).where(eq(acqRound.acqLinkId, linkId)).for('update');
      return round;
    },

    async saveRound(linkId: number, counts: Record<string, number>, round: number): Promise<void> {
      await db.update(acqRound).set({ counts, round }).where(eq(acqRound.acqLinkId, linkId));
    },

    /** Runs `work` in a transaction, with this repository made over it. */
    transaction<T>(work: (tx: RoutingRepository) => Promise<T>): Promise<T> {
      return (db as Db).transaction((tx) => work(createRoutingRepository(tx)));
    },
  };
}
