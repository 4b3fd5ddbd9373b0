// 获客渠道 rows (acq_channel): the channel service's SQL.
import { and, asc, desc, eq, ilike, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';
import { acqChannel } from '../../db/schema/index.ts';
import { and_, contains, countAll, paginate } from '../../platform/db/paging.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { ChannelPageBody, ChannelRecord } from './acquisition.schemas.ts';
import { notDeleted } from '../../platform/db/prepared.ts';

type ChannelRow = typeof acqChannel.$inferSelect;
/** What a save writes. */
export type ChannelValues = Pick<typeof acqChannel.$inferInsert, 'name' | 'channelType' | 'remark' | 'orderNum' | 'status' | 'mtime' | 'muser'>;

const toRecord = (row: ChannelRow): ChannelRecord => ({
  id: row.id,
  name: row.name,
  channelType: row.channelType,
  remark: row.remark,
  orderNum: row.orderNum,
  status: row.status,
  ctime: row.ctime,
  cuser: row.cuser,
  mtime: row.mtime,
  muser: row.muser,
});

export function createChannelRepository(db: DbOrTx) {
  const live = notDeleted(acqChannel);
  return {
    async find(id: number): Promise<ChannelRecord | undefined> {
      const [row] = await db.select().from(acqChannel).where(and(eq(acqChannel.id, id), live));
      return row && toRecord(row);
    },
    async list(): Promise<ChannelRecord[]> {
      return (await db.select().from(acqChannel).where(live).orderBy(asc(acqChannel.orderNum), asc(acqChannel.id))).map(toRecord);
    },
    async page(query: ChannelPageBody): Promise<Page<ChannelRecord>> {
      const where = and_([
        sql`${acqChannel.isDel} = 0`,
        query.name ? sql`${ilike(acqChannel.name, contains(query.name))}` : undefined,
        query.channelType ? sql`${acqChannel.channelType} = ${query.channelType}` : undefined,
        query.status !== null && query.status !== undefined ? sql`${acqChannel.status} = ${query.status}` : undefined,
      ]) as SQL;
      return paginate(
        query,
        async () => (await db.select({ count: countAll }).from(acqChannel).where(where))[0].count,
        async (limit, offset) => (await db.select().from(acqChannel).where(where).orderBy(desc(acqChannel.id)).limit(limit).offset(offset)).map(toRecord),
      );
    },
    async update(id: number, values: ChannelValues): Promise<void> {
      await db.update(acqChannel).set(values).where(eq(acqChannel.id, id));
    },
    async insert(values: ChannelValues & { cuser: string }): Promise<ChannelRecord> {
      const [row] = await db.insert(acqChannel).values(values).returning();
      return toRecord(row);
    },
  };
}

export type ChannelRepository = ReturnType<typeof createChannelRepository>;
