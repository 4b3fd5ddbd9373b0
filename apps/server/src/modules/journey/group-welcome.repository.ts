// 入群欢迎语素材: SCRM's copy of the corp's template library in WeCom. The library is one per corp and names no
// employee, customer or group, so there is nothing to scope by data: a caller with the menu permission sees the
// whole library (as in WeCom's admin console). The count for WeCom's limit is over every row.
import { desc, eq, ilike, inArray, or, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { contains, countAll, paginate } from '../../platform/db/paging.ts';
import type { Page } from '../../platform/http/schemas.ts';
import { groupWelcomeTemplate } from '../../db/schema/wecom-config.ts';
import type { GroupWelcomePageQuery } from './group-welcome.schemas.ts';

export type GroupWelcomeRow = typeof groupWelcomeTemplate.$inferSelect;
export type GroupWelcomeValues = Omit<typeof groupWelcomeTemplate.$inferInsert, 'id' | 'ctime' | 'cuser'>;

export function createGroupWelcomeRepository(db: Db) {
  return {
    async page(query: GroupWelcomePageQuery): Promise<Page<GroupWelcomeRow>> {
      const where: SQL | undefined = query.name ? or(ilike(groupWelcomeTemplate.name, contains(query.name)), ilike(groupWelcomeTemplate.text, contains(query.name))) : undefined;
      return paginate(
        query,
        async () => (await db.select({ count: countAll }).from(groupWelcomeTemplate).where(where))[0].count,
        (limit, offset) => db.select().from(groupWelcomeTemplate).where(where).orderBy(desc(groupWelcomeTemplate.id)).limit(limit).offset(offset),
      );
    },

    async find(id: number, tx: DbOrTx = db): Promise<GroupWelcomeRow | undefined> {
      const [row] = await tx.select().from(groupWelcomeTemplate).where(eq(groupWelcomeTemplate.id, id));
      return row;
    },

    async findMany(ids: number[]): Promise<GroupWelcomeRow[]> {
      return ids.length ? db.select().from(groupWelcomeTemplate).where(inArray(groupWelcomeTemplate.id, ids)) : [];
    },

    async findByName(name: string): Promise<GroupWelcomeRow | undefined> {
      const [row] = await db.select().from(groupWelcomeTemplate).where(eq(groupWelcomeTemplate.name, name));
      return row;
    },

    async count(): Promise<number> {
      return (await db.select({ count: countAll }).from(groupWelcomeTemplate))[0].count;
    },

    async insert(tx: DbOrTx, values: GroupWelcomeValues & { cuser: string }): Promise<GroupWelcomeRow> {
      const [row] = await tx.insert(groupWelcomeTemplate).values(values).returning();
      return row;
    },

    async update(tx: DbOrTx, id: number, values: Partial<GroupWelcomeValues>): Promise<GroupWelcomeRow> {
      const [row] = await tx.update(groupWelcomeTemplate).set(values).where(eq(groupWelcomeTemplate.id, id)).returning();
      return row;
    },

    async remove(tx: DbOrTx, id: number): Promise<void> {
      await tx.delete(groupWelcomeTemplate).where(eq(groupWelcomeTemplate.id, id));
    },
  };
}

export type GroupWelcomeRepository = ReturnType<typeof createGroupWelcomeRepository>;
