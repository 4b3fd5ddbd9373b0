// Open API apps (open_app): the open-app service's SQL.
import { and, desc, eq, ilike, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';
import { openApp } from '../../db/schema/index.ts';
import { and_, contains, countAll, paginate } from '../../platform/db/paging.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { OpenAppPageBody, OpenAppRecord } from './acquisition.schemas.ts';
import { notDeleted } from '../../platform/db/prepared.ts';

type OpenAppRow = typeof openApp.$inferSelect;
/** What a save writes. */
export type OpenAppValues = Pick<typeof openApp.$inferInsert, 'name' | 'rateLimit' | 'status' | 'remark' | 'mtime' | 'muser'>;

const toRecord = (row: OpenAppRow): OpenAppRecord => ({
  id: row.id,
  name: row.name,
  appKey: row.appKey,
  rateLimit: row.rateLimit,
  status: row.status,
  remark: row.remark,
  lastUsedAt: row.lastUsedAt,
  ctime: row.ctime,
  cuser: row.cuser,
  mtime: row.mtime,
  muser: row.muser,
});

export function createOpenAppRepository(db: DbOrTx) {
  return {
    async find(id: number): Promise<OpenAppRecord | undefined> {
      const [row] = await db.select().from(openApp).where(and(eq(openApp.id, id), notDeleted(openApp)));
      return row && toRecord(row);
    },
    async page(query: OpenAppPageBody): Promise<Page<OpenAppRecord>> {
      const where = and_([sql`${openApp.isDel} = 0`, query.name ? sql`${ilike(openApp.name, contains(query.name))}` : undefined]) as SQL;
      return paginate(
        query,
        async () => (await db.select({ count: countAll }).from(openApp).where(where))[0].count,
        async (limit, offset) => (await db.select().from(openApp).where(where).orderBy(desc(openApp.id)).limit(limit).offset(offset)).map(toRecord),
      );
    },
    async update(id: number, values: Partial<OpenAppValues> & { secret?: string }): Promise<OpenAppRecord> {
      const [row] = await db.update(openApp).set(values).where(eq(openApp.id, id)).returning();
      return toRecord(row);
    },
    async insert(values: OpenAppValues & { appKey: string; secret: string; cuser: string }): Promise<OpenAppRecord> {
      const [row] = await db.insert(openApp).values(values).returning();
      return toRecord(row);
    },
    /** Marks live apps deleted and disabled; how many were. */
    async softDelete(ids: number[], actor: string): Promise<number> {
      const rows = await db
        .update(openApp)
        .set({ isDel: 1, status: 1, mtime: new Date(), muser: actor })
        .where(and(inArray(openApp.id, ids), notDeleted(openApp)))
        .returning({ id: openApp.id });
      return rows.length;
    },
  };
}

export type OpenAppRepository = ReturnType<typeof createOpenAppRepository>;
