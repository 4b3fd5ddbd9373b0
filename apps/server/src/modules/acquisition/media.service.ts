// The media library (临时素材): files under DATA_DIR checked against WeCom's limits (API-FACTS §9); the
// WeCom media_id (valid 3 days) is obtained when a message first needs it and renewed once it is old.
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { and, desc, eq, ilike, inArray, sql, type SQL } from 'drizzle-orm';
import type { MultipartFile } from '@fastify/multipart';
import type { WecomClient, MediaType, WelcomeAttachment } from '@scrm/wecom';
import type { Db } from '../../platform/db/database.ts';
import { acqLink, acqMedia } from '../../db/schema/index.ts';
import { AppError, BadRequest, Conflict, InvalidField, NotFound } from '../../platform/http/errors.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { and_, contains, countAll, paginate } from '../../platform/db/paging.ts';
import { detectImage, mimeOfExtension, type FileStore } from '../../platform/files.ts';
import { formatBytes, readUpload } from '../../platform/uploads.ts';
import type { Page } from '../../platform/http/schemas.ts';
import { mediaTypes, type MediaKind, type MediaPageBody, type MediaRecord } from './acquisition.schemas.ts';

type MediaRow = typeof acqMedia.$inferSelect;

const MB = 1024 * 1024;
/** WeCom's limits per kind of file (§9): images (and mini-program covers) JPG/PNG ≤10 MB, video MP4 ≤10 MB, files ≤20 MB, all > 5 bytes. */
export const MEDIA_LIMITS: Record<'image' | 'miniprogram' | 'video' | 'file', { maxBytes: number; formats: string }> = {
  image: { maxBytes: 10 * MB, formats: 'JPG, PNG' },
  miniprogram: { maxBytes: 10 * MB, formats: 'JPG, PNG' },
  video: { maxBytes: 10 * MB, formats: 'MP4' },
  file: { maxBytes: 20 * MB, formats: 'any' },
};
/** Renew a media_id this long before WeCom's 3 days run out. */
const MEDIA_ID_TTL_MS = 3 * 86_400_000 - 3_600_000;

const isMp4 = (content: Buffer) => content.length >= 12 && content.subarray(4, 8).toString('latin1') === 'ftyp';

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
    ctime: row.ctime,
    cuser: row.cuser,
    mtime: row.mtime,
    muser: row.muser,
  };
}

export interface MediaServiceDeps {
  db: Db;
  files: FileStore;
  wecom: () => WecomClient;
  now: () => number;
}

export function createMediaService(deps: MediaServiceDeps) {
  const { db, files } = deps;

  /** The WeCom media_id of a stored file, uploading it when absent or about to expire. */
  async function mediaIdOf(row: MediaRow): Promise<string> {
    if (row.wecomMediaId && row.wecomMediaAt && deps.now() - row.wecomMediaAt.getTime() < MEDIA_ID_TTL_MS) return row.wecomMediaId;
    if (!row.fileKey) throw new Error(`media ${row.id} has no file`);
    const data = await readFile(files.pathOf(row.fileKey));
    const type: MediaType = row.type === 'video' ? 'video' : row.type === 'file' ? 'file' : 'image';
    const uploaded = await deps.wecom().media.upload(type, { filename: row.fileName ?? `media-${row.id}`, data, contentType: row.mime ?? undefined });
    const at = new Date(deps.now());
    await db.update(acqMedia).set({ wecomMediaId: uploaded.media_id, wecomMediaAt: at }).where(eq(acqMedia.id, row.id));
    return uploaded.media_id;
  }

  return {
    mediaIdOf,

    /** Welcome-message attachments for media ids, in the given order (deleted ones are skipped). */
    async attachments(ids: number[]): Promise<WelcomeAttachment[]> {
      if (!ids.length) return [];
      const rows = await db.select().from(acqMedia).where(and(inArray(acqMedia.id, ids), eq(acqMedia.isDel, 0)));
      const byId = new Map(rows.map((row) => [row.id, row]));
      const result: WelcomeAttachment[] = [];
      for (const id of ids) {
        const row = byId.get(id);
        if (!row) continue;
        switch (row.type) {
          case 'image':
            result.push({ msgtype: 'image', image: { media_id: await mediaIdOf(row) } });
            break;
          case 'video':
            result.push({ msgtype: 'video', video: { media_id: await mediaIdOf(row) } });
            break;
          case 'file':
            result.push({ msgtype: 'file', file: { media_id: await mediaIdOf(row) } });
            break;
          case 'link':
            result.push({ msgtype: 'link', link: { title: row.title, url: row.linkUrl ?? '', ...(row.picUrl ? { picurl: row.picUrl } : {}), ...(row.linkDesc ? { desc: row.linkDesc } : {}) } });
            break;
          case 'miniprogram':
            result.push({ msgtype: 'miniprogram', miniprogram: { title: row.title, pic_media_id: await mediaIdOf(row), appid: row.appid ?? '', page: row.page ?? '' } });
            break;
        }
      }
      return result;
    },

    /**
     * 上传素材 (multipart). Fields (before the file): type, scope, title; text: content; link: url, desc,
     * picUrl; miniprogram: appid, page (+ the cover as the file). The file is checked by content.
     */
    async upload(ctx: RequestContext, parts: AsyncIterableIterator<import('@fastify/multipart').Multipart>): Promise<MediaRecord> {
      const fields: Record<string, string> = {};
      let content: Buffer | null = null;
      let fileName: string | null = null;
      for await (const part of parts) {
        if (part.type === 'field') {
          fields[part.fieldname] = String(part.value ?? '');
          continue;
        }
        const type = fields.type as MediaKind | undefined;
        const limit = type && type in MEDIA_LIMITS ? MEDIA_LIMITS[type as keyof typeof MEDIA_LIMITS].maxBytes : 20 * MB;
        content = await readUpload(part as MultipartFile, limit);
        fileName = (part as MultipartFile).filename || null;
      }
      const type = fields.type as MediaKind;
      if (!(mediaTypes as readonly string[]).includes(type)) throw new InvalidField('type', 'acqMediaTypeInvalid', { type: fields.type ?? '' });
      const scope = fields.scope ? Number(fields.scope) : 1;
      if (![1, 2, 3].includes(scope)) throw new BadRequest('validation', { fields: 'scope' });
      const title = (fields.title ?? '').trim().slice(0, 128);
      const values: Partial<typeof acqMedia.$inferInsert> = { type, scope, title };
      const required = (field: string) => {
        const value = (fields[field] ?? '').trim();
        if (!value) throw new InvalidField(field, 'acqMediaFieldRequired', { type, field });
        return value;
      };

      let stored: { extension: string; mime: string } | null = null;
      if (type === 'text') {
        values.content = required('content').slice(0, 4000);
      } else if (type === 'link') {
        values.title = required('title');
        values.linkUrl = required('url');
        if (!/^https?:\/\//.test(values.linkUrl)) throw new InvalidField('url', 'acqMediaFieldRequired', { type, field: 'url (http/https)' });
        values.linkDesc = fields.desc?.trim() || null;
        values.picUrl = fields.picUrl?.trim() || null;
      } else {
        if (!content) throw new BadRequest('acqMediaFileRequired', { type });
        const limit = MEDIA_LIMITS[type];
        if (content.length <= 5) throw new BadRequest('acqMediaTooSmall');
        if (content.length > limit.maxBytes) throw new AppError(413, 'payloadTooLarge', { limit: formatBytes(limit.maxBytes) });
        if (type === 'image' || type === 'miniprogram') {
          const image = detectImage(content);
          if (!image || (image.extension !== 'png' && image.extension !== 'jpg')) throw new BadRequest('acqMediaWrongFormat', { type, formats: limit.formats });
          stored = image;
        } else if (type === 'video') {
          if (!isMp4(content)) throw new BadRequest('acqMediaWrongFormat', { type, formats: limit.formats });
          stored = { extension: 'mp4', mime: 'video/mp4' };
        } else {
          const extension = /\.([a-z0-9]{1,8})$/i.exec(fileName ?? '')?.[1]?.toLowerCase() ?? 'bin';
          stored = { extension, mime: 'application/octet-stream' };
        }
        if (type === 'miniprogram') {
          values.title = required('title');
          values.appid = required('appid');
          values.page = required('page');
        }
        values.fileName = (fileName ?? `media.${stored.extension}`).slice(0, 255);
        values.fileSize = content.length;
        values.mime = stored.mime;
        if (!values.title) values.title = values.fileName;
      }
      if (content && stored) values.fileKey = await files.save('media', content, stored.extension);
      const actor = actorOf(ctx);
      const [row] = await db.insert(acqMedia).values({ ...(values as typeof acqMedia.$inferInsert), cuser: actor, muser: actor }).returning();
      return toMediaRecord(row);
    },

    /** The stored file of a media (image, video, file, mini-program cover) for previews; 404 when deleted or without a file. */
    async file(id: number): Promise<{ stream: Readable; mime: string; fileName: string }> {
      const [row] = await db.select().from(acqMedia).where(and(eq(acqMedia.id, id), eq(acqMedia.isDel, 0))).limit(1);
      const stream = row?.fileKey ? files.open(row.fileKey) : null;
      if (!row || !stream) throw new NotFound('acqMedia', id);
      const extension = row.fileKey!.split('.').pop() ?? '';
      return { stream, mime: row.mime ?? mimeOfExtension[extension] ?? 'application/octet-stream', fileName: row.fileName ?? `media-${row.id}.${extension}` };
    },

    async listByType(type: MediaKind, scope: number | undefined): Promise<MediaRecord[]> {
      const rows = await db
        .select()
        .from(acqMedia)
        .where(and(eq(acqMedia.type, type), eq(acqMedia.isDel, 0), ...(scope ? [eq(acqMedia.scope, scope)] : [])))
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

    /** Deletes media not used by a published link or QR code; refuses naming the users otherwise. */
    async delete(ctx: RequestContext, ids: number[]): Promise<number> {
      const users = await db
        .select({ id: acqLink.id, getType: acqLink.getType, linkName: acqLink.linkName, mediaIds: acqLink.mediaIds })
        .from(acqLink)
        .where(and(eq(acqLink.status, 1), eq(acqLink.isDel, 0), sql`(${sql.join(ids.map((id) => sql`${acqLink.mediaIds} @> ${JSON.stringify([id])}::jsonb`), sql` OR `)})`));
      if (users.length) {
        const usedBy = users.map((user) => `${user.getType === 'link' ? '获客链接' : '活码'}「${user.linkName}」(id ${user.id})`).join('、');
        throw new Conflict('acqMediaInUse', { usedBy });
      }
      const rows = await db.update(acqMedia).set({ isDel: 1, mtime: new Date(), muser: actorOf(ctx) }).where(and(inArray(acqMedia.id, ids), eq(acqMedia.isDel, 0))).returning({ fileKey: acqMedia.fileKey });
      return rows.length;
    },
  };
}

export type MediaService = ReturnType<typeof createMediaService>;
