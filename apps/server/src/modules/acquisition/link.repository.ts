import { and, asc, desc, eq, ilike, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';
import { and_, contains, countAll, paginate } from '../../platform/db/paging.ts';
import { acqChannel, acqLink, acqRule, acqMedia, type GetType } from '../../db/schema/index.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { LinkPageBody } from './acquisition.schemas.ts';
import { notDeleted } from '../../platform/db/prepared.ts';

export type LinkRow = typeof acqLink.$inferSelect;
export type RuleRow = typeof acqRule.$inferSelect;
export type LinkWithRules = LinkRow & { rules: RuleRow[] };

/** Links and QR codes with their rules; lookups of what publishing checks against. */
export function createLinkRepository(db: DbOrTx) {
  async function rulesOf(ids: number[], tx: DbOrTx = db): Promise<Map<number, RuleRow[]>> {
    const byLink = new Map<number, RuleRow[]>();
    if (!ids.length) return byLink;
    const rows = await tx
      .select()
      .from(acqRule)
      .where(and(inArray(acqRule.acqLinkId, ids), notDeleted(acqRule)))
      .orderBy(asc(acqRule.orderNum), asc(acqRule.id));
    for (const row of rows) byLink.set(row.acqLinkId, [...(byLink.get(row.acqLinkId) ?? []), row]);
    return byLink;
  }

  return {
    rulesOf,

    async find(getType: GetType, id: number, tx: DbOrTx = db): Promise<LinkWithRules | undefined> {
      const [row] = await tx.select().from(acqLink).where(and(eq(acqLink.id, id), eq(acqLink.getType, getType), notDeleted(acqLink)));
      if (!row) return undefined;
      return { ...row, rules: (await rulesOf([id], tx)).get(id) ?? [] };
    },

    async page(getType: GetType, query: LinkPageBody): Promise<Page<LinkWithRules>> {
      const where = and_([
        sql`${acqLink.getType} = ${getType}`,
        sql`${acqLink.isDel} = 0`,
        query.linkName ? sql`${ilike(acqLink.linkName, contains(query.linkName))}` : undefined,
        query.status !== null && query.status !== undefined ? sql`${acqLink.status} = ${query.status}` : undefined,
        query.channelId ? sql`${acqLink.channelId} = ${query.channelId}` : undefined,
        query.channelType ? sql`${acqLink.channelType} = ${query.channelType}` : undefined,
        query.userId
          ? sql`(${acqLink.userList} @> ${JSON.stringify([query.userId])}::jsonb OR EXISTS (SELECT 1 FROM acq_rule r WHERE r.acq_link_id = ${acqLink.id} AND r.is_del = 0 AND r.user_id = ${query.userId}))`
          : undefined,
      ]) as SQL;
      return paginate(
        query,
        async () => (await db.select({ count: countAll }).from(acqLink).where(where))[0].count,
        async (limit, offset) => {
          const rows = await db.select().from(acqLink).where(where).orderBy(desc(acqLink.id)).limit(limit).offset(offset);
          const rules = await rulesOf(rows.map((row) => row.id));
          return rows.map((row) => ({ ...row, rules: rules.get(row.id) ?? [] }));
        },
      );
    },

    /** Live rows of links (any type) matching a state: the main one or one of its rules. */
    async findByState(state: string): Promise<{ link: LinkRow; rule: RuleRow | null } | undefined> {
      const [rule] = await db.select().from(acqRule).where(eq(acqRule.state, state));
      if (rule) {
        const [link] = await db.select().from(acqLink).where(eq(acqLink.id, rule.acqLinkId));
        return link ? { link, rule } : undefined;
      }
      const [link] = await db.select().from(acqLink).where(eq(acqLink.state, state));
      return link ? { link, rule: null } : undefined;
    },

    async media(ids: number[]): Promise<Array<{ id: number; type: string }>> {
      if (!ids.length) return [];
      return db.select({ id: acqMedia.id, type: acqMedia.type }).from(acqMedia).where(and(inArray(acqMedia.id, ids), notDeleted(acqMedia)));
    },

    /** Adds per day and employee, and route/hit visitors per day and employee, of a link over [from, to]. */
    async stats(id: number, from: string, to: string): Promise<{ adds: Array<{ day: string; userid: string; n: number }>; hits: Array<{ day: string; userid: string; n: number }> }> {
      const adds = await db.execute<{ day: string; userid: string; n: number }>(sql`
        SELECT day, userid, count(*)::int AS n FROM acq_add WHERE acq_link_id = ${id} AND day BETWEEN ${from} AND ${to} GROUP BY day, userid`);
      const hits = await db.execute<{ day: string; userid: string; n: number }>(sql`
        SELECT d.day, r.user_id AS userid, sum(d.hits)::int AS n FROM acq_rule_day d JOIN acq_rule r ON r.id = d.rule_id
        WHERE r.acq_link_id = ${id} AND d.day BETWEEN ${from} AND ${to} AND d.hits > 0 GROUP BY d.day, r.user_id`);
      const rows = (result: { rows: Array<{ day: string; userid: string; n: number }> }) => result.rows.map((row) => ({ day: row.day, userid: row.userid, n: Number(row.n) }));
      return { adds: rows(adds), hits: rows(hits) };
    },

    /** Published links / QR codes, for range upkeep. */
    async published(): Promise<Array<{ id: number; getType: GetType }>> {
      return db.select({ id: acqLink.id, getType: acqLink.getType }).from(acqLink).where(and(eq(acqLink.status, 1), notDeleted(acqLink)));
    },

    // ---- writes (the service holds the transaction and passes it) ----------------------------------

    async channelExists(id: number): Promise<boolean> {
      const [channel] = await db.select({ id: acqChannel.id }).from(acqChannel).where(and(eq(acqChannel.id, id), notDeleted(acqChannel)));
      return channel !== undefined;
    },

    async insertLink(tx: DbOrTx, values: typeof acqLink.$inferInsert): Promise<number> {
      const [row] = await tx.insert(acqLink).values(values).returning({ id: acqLink.id });
      return row.id;
    },

    async updateLink(tx: DbOrTx, id: number, values: Partial<LinkRow>): Promise<void> {
      await tx.update(acqLink).set(values).where(eq(acqLink.id, id));
    },

    async insertRule(tx: DbOrTx, values: typeof acqRule.$inferInsert): Promise<void> {
      await tx.insert(acqRule).values(values);
    },

    async updateRules(tx: DbOrTx, ids: number[], values: Partial<RuleRow>): Promise<void> {
      if (ids.length) await tx.update(acqRule).set(values).where(inArray(acqRule.id, ids));
    },

    /** Every rule of a link, removed ones too (their WeCom sub-links may still exist). */
    async allRulesOf(linkId: number): Promise<RuleRow[]> {
      return db.select().from(acqRule).where(eq(acqRule.acqLinkId, linkId));
    },

    /** Marks a link and its rules deleted. */
    async deleteLink(tx: DbOrTx, id: number, actor: string): Promise<void> {
      await tx.update(acqRule).set({ isDel: 1, configLinkId: null }).where(eq(acqRule.acqLinkId, id));
      await tx.update(acqLink).set({ isDel: 1, mtime: new Date(), muser: actor }).where(eq(acqLink.id, id));
    },
  };
}

export type LinkRepository = ReturnType<typeof createLinkRepository>;
