// 小程序推广链接 rows (acq_mini_link): the mini-link service's SQL.
import { and, desc, eq, ilike, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';
import { acqMiniLink } from '../../db/schema/index.ts';
import { and_, contains, countAll, paginate } from '../../platform/db/paging.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { MiniLinkPageBody, MiniLinkRecord } from './acquisition.schemas.ts';
import { notDeleted } from '../../platform/db/prepared.ts';

type MiniLinkRow = typeof acqMiniLink.$inferSelect;
/** What a save writes. */
export type MiniLinkValues = Pick<typeof acqMiniLink.$inferInsert, 'name' | 'channelType' | 'channelId' | 'appid' | 'page' | 'query' | 'remark' | 'mtime' | 'muser'>;

/** The mini-program page with our state in its query. */
export function miniProgramPath(row: Pick<MiniLinkRow, 'page' | 'query' | 'state'>): string {
  const params = new URLSearchParams(row.query.replace(/^\?/, ''));
  params.set('state', row.state);
  return `${row.page}?${params.toString()}`;
}

const toRecord = (row: MiniLinkRow): MiniLinkRecord => ({
  id: row.id,
  name: row.name,
  channelType: row.channelType,
  channelId: row.channelId,
  appid: row.appid,
  page: row.page,
  query: row.query,
  state: row.state,
  path: miniProgramPath(row),
  remark: row.remark,
  ctime: row.ctime,
  cuser: row.cuser,
  mtime: row.mtime,
  muser: row.muser,
});

export function createMiniLinkRepository(db: DbOrTx) {
  return {
    async find(id: number): Promise<MiniLinkRecord | undefined> {
      const [row] = await db.select().from(acqMiniLink).where(and(eq(acqMiniLink.id, id), notDeleted(acqMiniLink)));
      return row && toRecord(row);
    },
    async page(query: MiniLinkPageBody): Promise<Page<MiniLinkRecord>> {
      const where = and_([
        sql`${acqMiniLink.isDel} = 0`,
        query.channelType ? sql`${acqMiniLink.channelType} = ${query.channelType}` : undefined,
        query.channelId ? sql`${acqMiniLink.channelId} = ${query.channelId}` : undefined,
        query.name ? sql`${ilike(acqMiniLink.name, contains(query.name))}` : undefined,
      ]) as SQL;
      return paginate(
        query,
        async () => (await db.select({ count: countAll }).from(acqMiniLink).where(where))[0].count,
        async (limit, offset) => (await db.select().from(acqMiniLink).where(where).orderBy(desc(acqMiniLink.id)).limit(limit).offset(offset)).map(toRecord),
      );
    },
    async update(id: number, values: MiniLinkValues): Promise<void> {
      await db.update(acqMiniLink).set(values).where(eq(acqMiniLink.id, id));
    },
    async insert(values: MiniLinkValues & { state: string; cuser: string }): Promise<MiniLinkRecord> {
      const [row] = await db.insert(acqMiniLink).values(values).returning();
      return toRecord(row);
    },
    /** Marks live rows deleted; how many were. */
    async softDelete(ids: number[], actor: string): Promise<number> {
      const rows = await db
        .update(acqMiniLink)
        .set({ isDel: 1, mtime: new Date(), muser: actor })
        .where(and(inArray(acqMiniLink.id, ids), notDeleted(acqMiniLink)))
        .returning({ id: acqMiniLink.id });
      return rows.length;
    },
  };
}

export type MiniLinkRepository = ReturnType<typeof createMiniLinkRepository>;
