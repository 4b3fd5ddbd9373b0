import { and, asc, desc, eq, ilike, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import { acqChannel } from '../../db/schema/index.ts';
import { NotFound } from '../../platform/http/errors.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { and_, contains, countAll, paginate } from '../../platform/db/paging.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { ChannelPageBody, ChannelRecord, ChannelSaveBody } from './acquisition.schemas.ts';

type ChannelRow = typeof acqChannel.$inferSelect;

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

/** 获客渠道: plain configuration rows. */
export function createChannelService(deps: { db: Db }) {
  const { db } = deps;
  const live = eq(acqChannel.isDel, 0);

  async function get(id: number): Promise<ChannelRecord> {
    const [row] = await db.select().from(acqChannel).where(and(eq(acqChannel.id, id), live));
    if (!row) throw new NotFound('acqChannel', id);
    return toRecord(row);
  }

  return {
    get,
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
    async save(ctx: RequestContext, body: ChannelSaveBody): Promise<ChannelRecord> {
      const actor = actorOf(ctx);
      const values = { name: body.name, channelType: body.channelType ?? '', remark: body.remark ?? '', orderNum: body.orderNum ?? 0, status: body.status ?? 0, mtime: new Date(), muser: actor };
      if (body.id) {
        await get(body.id);
        await db.update(acqChannel).set(values).where(eq(acqChannel.id, body.id));
        return get(body.id);
      }
      const [row] = await db.insert(acqChannel).values({ ...values, cuser: actor }).returning();
      return toRecord(row);
    },
  };
}

export type ChannelService = ReturnType<typeof createChannelService>;
