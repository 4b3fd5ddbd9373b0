// The media library's rows (acq_media): the media service's SQL.
import { and, desc, eq, ilike, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';
import { acqLink, acqMedia } from '../../db/schema/index.ts';
import { and_, contains, countAll, paginate } from '../../platform/db/paging.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { MediaKind, MediaPageBody, MediaRecord } from './acquisition.schemas.ts';
import { notDeleted } from '../../platform/db/prepared.ts';

export type MediaRow = typeof acqMedia.$inferSelect;
export type MediaValues = typeof acqMedia.$inferInsert;

export function toMediaRecord(row: MediaRow): MediaRecord {
  return {
    id: row.id,
    type: row.type,
    scope: row.scope,
    title: row.title,
    content: row.content,
    fileName: row.fileName,
    fileSize: row.fileSize,
    mime: row.mime,
    linkUrl: row.linkUrl,
    linkDesc: row.linkDesc,
    picUrl: row.picUrl,
    appid: row.appid,
    page: row.page,
    wecomMediaId: row.wecomMediaId,
    wecomMediaAt: row.wecomMediaAt,
    wecomAttachmentId: row.wecomAttachmentId,
    wecomAttachmentAt: row.wecomAttachmentAt,
    ctime: row.ctime,
    cuser: row.cuser,
    mtime: row.mtime,
    muser: row.muser,
  };
}

export function createMediaRepository(db: DbOrTx) {
  const live = notDeleted(acqMedia);
  return {
    async find(id: number): Promise<MediaRow | undefined> {
      const [row] = await db.select().from(acqMedia).where(and(eq(acqMedia.id, id), live)).limit(1);
      return row;
    },
    async liveByIds(ids: number[]): Promise<MediaRow[]> {
      return db.select().from(acqMedia).where(and(inArray(acqMedia.id, ids), live));
    },
    async markUploaded(id: number, mediaId: string, at: Date): Promise<void> {
      await db.update(acqMedia).set({ wecomMediaId: mediaId, wecomMediaAt: at }).where(eq(acqMedia.id, id));
    },
    /** Keeps the media_id media/upload_attachment gave (moments), with when. */
    async markAttachmentUploaded(id: number, mediaId: string, at: Date): Promise<void> {
      await db.update(acqMedia).set({ wecomAttachmentId: mediaId, wecomAttachmentAt: at }).where(eq(acqMedia.id, id));
    },
    /** Forgets media_ids WeCom no longer takes (40007), so the next use uploads again. */
    async forgetAttachments(ids: number[]): Promise<void> {
      if (ids.length) await db.update(acqMedia).set({ wecomAttachmentId: null, wecomAttachmentAt: null }).where(inArray(acqMedia.id, ids));
    },
    async insert(values: MediaValues): Promise<MediaRecord> {
      const [row] = await db.insert(acqMedia).values(values).returning();
      return toMediaRecord(row);
    },
    async listByType(type: MediaKind, scope: number | undefined): Promise<MediaRecord[]> {
      const rows = await db
        .select()
        .from(acqMedia)
        .where(and(eq(acqMedia.type, type), live, ...(scope ? [eq(acqMedia.scope, scope)] : [])))
        .orderBy(desc(acqMedia.id))
        .limit(1000);
      return rows.map(toMediaRecord);
    },
    async page(query: MediaPageBody): Promise<Page<MediaRecord>> {
      const where = and_([
        sql`${acqMedia.isDel} = 0`,
        query.type ? sql`${acqMedia.type} = ${query.type}` : undefined,
        query.scope ? sql`${acqMedia.scope} = ${query.scope}` : undefined,
        query.title ? sql`${ilike(acqMedia.title, contains(query.title))}` : undefined,
      ]) as SQL;
      return paginate(
        query,
        async () => (await db.select({ count: countAll }).from(acqMedia).where(where))[0].count,
        async (limit, offset) => (await db.select().from(acqMedia).where(where).orderBy(desc(acqMedia.id)).limit(limit).offset(offset)).map(toMediaRecord),
      );
    },
    /** Published links and QR codes using any of these media. */
    async publishedLinksUsing(ids: number[]) {
      return db
        .select({ id: acqLink.id, getType: acqLink.getType, linkName: acqLink.linkName, mediaIds: acqLink.mediaIds })
        .from(acqLink)
        .where(and(eq(acqLink.status, 1), notDeleted(acqLink), sql`(${sql.join(ids.map((id) => sql`${acqLink.mediaIds} @> ${JSON.stringify([id])}::jsonb`), sql` OR `)})`));
    },
    /** Marks live media deleted; how many were. */
    async softDelete(ids: number[], actor: string): Promise<number> {
      const rows = await db.update(acqMedia).set({ isDel: 1, mtime: new Date(), muser: actor }).where(and(inArray(acqMedia.id, ids), live)).returning({ fileKey: acqMedia.fileKey });
      return rows.length;
    },
  };
}

export type MediaRepository = ReturnType<typeof createMediaRepository>;
