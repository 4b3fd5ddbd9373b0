// 小程序推广链接: a mini-program page per channel, with our state in the query so the mini program can
// report where a visitor came from.
import { and, desc, eq, ilike, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import { acqMiniLink } from '../../db/schema/index.ts';
import { NotFound } from '../../platform/http/errors.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { and_, contains, countAll, paginate } from '../../platform/db/paging.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { MiniLinkPageBody, MiniLinkRecord, MiniLinkSaveBody } from './acquisition.schemas.ts';
import { newState } from './link.service.ts';

type MiniLinkRow = typeof acqMiniLink.$inferSelect;

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

export function createMiniLinkService(deps: { db: Db }) {
  const { db } = deps;

  async function get(id: number): Promise<MiniLinkRecord> {
    const [row] = await db.select().from(acqMiniLink).where(and(eq(acqMiniLink.id, id), eq(acqMiniLink.isDel, 0)));
    if (!row) throw new NotFound('acqMiniLink', id);
    return toRecord(row);
  }

  return {
    get,
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
    async save(ctx: RequestContext, body: MiniLinkSaveBody): Promise<MiniLinkRecord> {
      const actor = actorOf(ctx);
      const values = {
        name: body.name,
        channelType: body.channelType ?? '',
        channelId: body.channelId || null,
        appid: body.appid,
        page: body.page,
        query: body.query?.trim().replace(/^\?/, '') ?? '',
        remark: body.remark ?? '',
        mtime: new Date(),
        muser: actor,
      };
      if (body.id) {
        await get(body.id);
        await db.update(acqMiniLink).set(values).where(eq(acqMiniLink.id, body.id));
        return get(body.id);
      }
      const [row] = await db.insert(acqMiniLink).values({ ...values, state: newState('mp'), cuser: actor }).returning();
      return toRecord(row);
    },
    async delete(ctx: RequestContext, ids: number[]): Promise<number> {
      const rows = await db
        .update(acqMiniLink)
        .set({ isDel: 1, mtime: new Date(), muser: actorOf(ctx) })
        .where(and(inArray(acqMiniLink.id, ids), eq(acqMiniLink.isDel, 0)))
        .returning({ id: acqMiniLink.id });
      return rows.length;
    },
  };
}

export type MiniLinkService = ReturnType<typeof createMiniLinkService>;
