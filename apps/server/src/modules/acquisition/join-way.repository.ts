// 加群二维码 rows (acq_join_way): the join-way service's SQL.
import { and, desc, eq, ilike, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';
import { acqJoinWay } from '../../db/schema/index.ts';
import { and_, contains, countAll, paginate } from '../../platform/db/paging.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { JoinWayPageBody, JoinWayRecord } from './acquisition.schemas.ts';
import { notDeleted } from '../../platform/db/prepared.ts';

export type JoinWayRow = typeof acqJoinWay.$inferSelect;
/** What a save writes. */
export type JoinWayValues = Pick<
  typeof acqJoinWay.$inferInsert,
  'name' | 'remark' | 'scene' | 'autoCreateRoom' | 'roomBaseName' | 'roomBaseId' | 'chatIdList' | 'channelId' | 'mtime' | 'muser'
>;

export const toJoinWayRecord = (row: JoinWayRow): JoinWayRecord => ({
  id: row.id,
  name: row.name,
  remark: row.remark,
  scene: row.scene,
  autoCreateRoom: row.autoCreateRoom,
  roomBaseName: row.roomBaseName,
  roomBaseId: row.roomBaseId,
  chatIdList: row.chatIdList,
  channelId: row.channelId,
  state: row.state,
  configId: row.configId,
  qrCode: row.qrCode,
  status: row.status,
  statusReason: row.statusReason,
  ctime: row.ctime,
  cuser: row.cuser,
  mtime: row.mtime,
  muser: row.muser,
});

export function createJoinWayRepository(db: DbOrTx) {
  return {
    async find(id: number): Promise<JoinWayRow | undefined> {
      const [row] = await db.select().from(acqJoinWay).where(and(eq(acqJoinWay.id, id), notDeleted(acqJoinWay)));
      return row;
    },
    async liveByIds(ids: number[]): Promise<JoinWayRow[]> {
      return db.select().from(acqJoinWay).where(and(inArray(acqJoinWay.id, ids), notDeleted(acqJoinWay)));
    },
    async page(query: JoinWayPageBody): Promise<Page<JoinWayRecord>> {
      const where = and_([
        sql`${acqJoinWay.isDel} = 0`,
        query.name ? sql`${ilike(acqJoinWay.name, contains(query.name))}` : undefined,
        query.channelId ? sql`${acqJoinWay.channelId} = ${query.channelId}` : undefined,
      ]) as SQL;
      return paginate(
        query,
        async () => (await db.select({ count: countAll }).from(acqJoinWay).where(where))[0].count,
        async (limit, offset) => (await db.select().from(acqJoinWay).where(where).orderBy(desc(acqJoinWay.id)).limit(limit).offset(offset)).map(toJoinWayRecord),
      );
    },
    async insert(values: JoinWayValues & { state: string; cuser: string }): Promise<JoinWayRow> {
      const [row] = await db.insert(acqJoinWay).values(values).returning();
      return row;
    },
    async update(id: number, values: Partial<JoinWayRow>): Promise<JoinWayRow> {
      const [row] = await db.update(acqJoinWay).set(values).where(eq(acqJoinWay.id, id)).returning();
      return row;
    },
  };
}

export type JoinWayRepository = ReturnType<typeof createJoinWayRepository>;
