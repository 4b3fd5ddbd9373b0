// Third-party apps of the open API: an app key and a secret (shown once, when created or rotated).
import { randomBytes } from 'node:crypto';
import { and, desc, eq, ilike, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import { openApp } from '../../db/schema/index.ts';
import { NotFound } from '../../platform/http/errors.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { and_, contains, countAll, paginate } from '../../platform/db/paging.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { OpenAppPageBody, OpenAppRecord, OpenAppSaveBody } from './acquisition.schemas.ts';

type OpenAppRow = typeof openApp.$inferSelect;

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

const newSecret = () => randomBytes(32).toString('base64url');

export function createOpenAppService(deps: { db: Db; changed: () => void }) {
  const { db } = deps;

  async function find(id: number): Promise<OpenAppRow> {
    const [row] = await db.select().from(openApp).where(and(eq(openApp.id, id), eq(openApp.isDel, 0)));
    if (!row) throw new NotFound('openApp', id);
    return row;
  }

  return {
    get: async (id: number) => toRecord(await find(id)),
    async page(query: OpenAppPageBody): Promise<Page<OpenAppRecord>> {
      const where = and_([sql`${openApp.isDel} = 0`, query.name ? sql`${ilike(openApp.name, contains(query.name))}` : undefined]) as SQL;
      return paginate(
        query,
        async () => (await db.select({ count: countAll }).from(openApp).where(where))[0].count,
        async (limit, offset) => (await db.select().from(openApp).where(where).orderBy(desc(openApp.id)).limit(limit).offset(offset)).map(toRecord),
      );
    },
    /** New apps get a key and a secret (returned this once); updates never return the secret. */
    async save(ctx: RequestContext, body: OpenAppSaveBody): Promise<OpenAppRecord & { secret: string | null }> {
      const actor = actorOf(ctx);
      const values = { name: body.name, rateLimit: body.rateLimit ?? 600, status: body.status ?? 0, remark: body.remark ?? '', mtime: new Date(), muser: actor };
      if (body.id) {
        await find(body.id);
        const [row] = await db.update(openApp).set(values).where(eq(openApp.id, body.id)).returning();
        deps.changed();
        return { ...toRecord(row), secret: null };
      }
      const secret = newSecret();
      const [row] = await db.insert(openApp).values({ ...values, appKey: `ak_${randomBytes(10).toString('hex')}`, secret, cuser: actor }).returning();
      return { ...toRecord(row), secret };
    },
    /** A new secret; the old one stops working (within the guard's few seconds of cache). */
    async rotate(ctx: RequestContext, id: number): Promise<OpenAppRecord & { secret: string }> {
      await find(id);
      const secret = newSecret();
      const [row] = await db.update(openApp).set({ secret, mtime: new Date(), muser: actorOf(ctx) }).where(eq(openApp.id, id)).returning();
      deps.changed();
      return { ...toRecord(row), secret };
    },
    async delete(ctx: RequestContext, ids: number[]): Promise<number> {
      const rows = await db
        .update(openApp)
        .set({ isDel: 1, status: 1, mtime: new Date(), muser: actorOf(ctx) })
        .where(and(inArray(openApp.id, ids), eq(openApp.isDel, 0)))
        .returning({ id: openApp.id });
      deps.changed();
      return rows.length;
    },
  };
}

export type OpenAppService = ReturnType<typeof createOpenAppService>;
