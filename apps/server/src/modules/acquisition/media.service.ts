// The media library (临时素材): files under DATA_DIR checked against WeCom's limits (API-FACTS §9); the
// WeCom media_id (valid 3 days) is obtained when a message first needs it and renewed once it is old. Customer
// moments take media of another upload kind, media/upload_attachment (API-FACTS-OPERATIONS §18.1): kept per item
// beside the other, valid 3 days as well, reused while valid.
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { MultipartFile } from '@fastify/multipart';
import type { WecomClient, MediaType, MomentAttachment, WelcomeAttachment } from '@scrm/wecom';
import { AppError, BadRequest, Conflict, InvalidField, NotFound } from '../../platform/http/errors.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { detectImage, mimeOfExtension, type FileStore } from '../../platform/files.ts';
import { formatBytes, readUpload } from '../../platform/uploads.ts';
import type { Page } from '../../platform/http/schemas.ts';
import { mediaTypes, type MediaKind, type MediaPageBody, type MediaRecord } from './acquisition.schemas.ts';
import { toMediaRecord, type MediaRepository, type MediaRow, type MediaValues } from './media.repository.ts';

const MB = 1024 * 1024;
/** WeCom's limits per kind of file (§9): images (and mini-program covers) JPG/PNG ≤10 MB, video MP4 ≤10 MB, files ≤20 MB, all > 5 bytes. */
export const MEDIA_LIMITS: Record<'image' | 'miniprogram' | 'video' | 'file', { maxBytes: number; formats: string }> = {
  image: { maxBytes: 10 * MB, formats: 'JPG, PNG' },
  miniprogram: { maxBytes: 10 * MB, formats: 'JPG, PNG' },
  video: { maxBytes: 10 * MB, formats: 'MP4' },
  file: { maxBytes: 20 * MB, formats: 'any' },
};
/** Renew a media_id (media/upload's or media/upload_attachment's: both valid 3 days) this long before WeCom's 3 days run out. */
const MEDIA_ID_TTL_MS = 3 * 86_400_000 - 3_600_000;

const isMp4 = (content: Buffer) => content.length >= 12 && content.subarray(4, 8).toString('latin1') === 'ftyp';

export interface MediaServiceDeps {
  media: MediaRepository;
  files: FileStore;
  wecom: () => WecomClient;
  now: () => number;
}

/**
 * An uploaded file within WeCom's limits for `kind` (a link's cover is checked as an image), by its content: how it
 * is stored. `type` is the media's, for the message.
 */
function checkedFile(content: Buffer, kind: keyof typeof MEDIA_LIMITS, type: MediaKind, fileName: string | null): { extension: string; mime: string } {
  const limit = MEDIA_LIMITS[kind];
  if (content.length <= 5) throw new BadRequest('acqMediaTooSmall');
  if (content.length > limit.maxBytes) throw new AppError(413, 'payloadTooLarge', { limit: formatBytes(limit.maxBytes) });
  if (kind === 'image' || kind === 'miniprogram') {
    const image = detectImage(content);
    if (!image || (image.extension !== 'png' && image.extension !== 'jpg')) throw new BadRequest('acqMediaWrongFormat', { type, formats: limit.formats });
    return image;
  }
  if (kind === 'video') {
    if (!isMp4(content)) throw new BadRequest('acqMediaWrongFormat', { type, formats: limit.formats });
    return { extension: 'mp4', mime: 'video/mp4' };
  }
  return { extension: /\.([a-z0-9]{1,8})$/i.exec(fileName ?? '')?.[1]?.toLowerCase() ?? 'bin', mime: 'application/octet-stream' };
}

export function createMediaService(deps: MediaServiceDeps) {
  const { media, files } = deps;

  const fresh = (mediaId: string | null, at: Date | null): mediaId is string => Boolean(mediaId && at && deps.now() - at.getTime() < MEDIA_ID_TTL_MS);

  /** A stored file as WeCom takes it: named with its extension (WeCom checks it: jpg/png, mp4), the stored file's when the uploaded name had none. */
  async function uploadableFile(row: MediaRow): Promise<{ filename: string; data: Buffer; contentType?: string }> {
    if (!row.fileKey) throw new Error(`media ${row.id} has no file`);
    const data = await readFile(files.pathOf(row.fileKey));
    const filename = row.fileName && /\.[a-z0-9]{1,8}$/i.test(row.fileName) ? row.fileName : `media-${row.id}.${row.fileKey.split('.').pop() ?? ''}`;
    return { filename, data, contentType: row.mime ?? undefined };
  }

  /** The WeCom media_id of a stored file, uploading it when absent or about to expire. */
  async function mediaIdOf(row: MediaRow): Promise<string> {
    if (fresh(row.wecomMediaId, row.wecomMediaAt)) return row.wecomMediaId;
    const type: MediaType = row.type === 'video' ? 'video' : row.type === 'file' ? 'file' : 'image';
    const uploaded = await deps.wecom().media.upload(type, await uploadableFile(row));
    await media.markUploaded(row.id, uploaded.media_id, new Date(deps.now()));
    return uploaded.media_id;
  }

  /**
   * The media/upload_attachment media_id (attachment_type 1, customer moments; §18.1) of a stored file — an image, a
   * video, or a link's cover image — uploaded when absent or about to expire (WeCom keeps it 3 days), else reused.
   */
  async function attachmentIdOf(row: MediaRow): Promise<string> {
    if (fresh(row.wecomAttachmentId, row.wecomAttachmentAt)) return row.wecomAttachmentId;
    const uploaded = await deps.wecom().media.uploadAttachment(await uploadableFile(row), { media_type: row.type === 'video' ? 'video' : 'image', attachment_type: 1 });
    const at = new Date(deps.now());
    await media.markAttachmentUploaded(row.id, uploaded.media_id, at);
    // The same item again in this choice: the id just kept.
    Object.assign(row, { wecomAttachmentId: uploaded.media_id, wecomAttachmentAt: at });
    return uploaded.media_id;
  }

  return {
    mediaIdOf,

    /**
     * Live media by id (type, title, whether a file is stored: a link's cover), for checking a choice of attachments;
     * deleted or unknown ids are absent.
     */
    async brief(ids: number[]): Promise<Map<number, { id: number; type: MediaKind; title: string; hasFile: boolean }>> {
      const rows = ids.length ? await media.liveByIds(ids) : [];
      return new Map(rows.map((row) => [row.id, { id: row.id, type: row.type as MediaKind, title: row.title, hasFile: row.fileKey !== null }]));
    },

    /**
     * Moment attachments as add_moment_task takes them (§18.2): images and a video by their media/upload_attachment
     * media_id, a link as its title, url and cover (its stored image, uploaded the same way). Each media_id is kept
     * with the item and reused while WeCom keeps it (3 days); `renew` uploads again (WeCom refused the kept ones).
     * Items of other kinds, or without a file, are skipped (the broadcast's check refuses them first).
     */
    async momentAttachments(ids: number[], options: { renew?: boolean } = {}): Promise<MomentAttachment[]> {
      const rows = ids.length ? await media.liveByIds(ids) : [];
      if (options.renew) {
        await media.forgetAttachments(rows.map((row) => row.id));
        for (const row of rows) Object.assign(row, { wecomAttachmentId: null, wecomAttachmentAt: null });
      }
      const byId = new Map(rows.map((row) => [row.id, row]));
      const result: MomentAttachment[] = [];
      for (const id of ids) {
        const row = byId.get(id);
        if (!row?.fileKey) continue;
        if (row.type === 'image') result.push({ msgtype: 'image', image: { media_id: await attachmentIdOf(row) } });
        else if (row.type === 'video') result.push({ msgtype: 'video', video: { media_id: await attachmentIdOf(row) } });
        else if (row.type === 'link') result.push({ msgtype: 'link', link: { title: row.title, url: row.linkUrl ?? '', media_id: await attachmentIdOf(row) } });
      }
      return result;
    },

    /** Welcome-message attachments for media ids, in the given order (deleted ones are skipped). */
    async attachments(ids: number[]): Promise<WelcomeAttachment[]> {
      if (!ids.length) return [];
      const rows = await media.liveByIds(ids);
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
        const limit = type === 'link' ? MEDIA_LIMITS.image.maxBytes : type && type in MEDIA_LIMITS ? MEDIA_LIMITS[type as keyof typeof MEDIA_LIMITS].maxBytes : 20 * MB;
        content = await readUpload(part as MultipartFile, limit);
        fileName = (part as MultipartFile).filename || null;
      }
      const type = fields.type as MediaKind;
      if (!(mediaTypes as readonly string[]).includes(type)) throw new InvalidField('type', 'acqMediaTypeInvalid', { type: fields.type ?? '' });
      const scope = fields.scope ? Number(fields.scope) : 1;
      if (![1, 2, 3].includes(scope)) throw new BadRequest('validation', { fields: 'scope' });
      const title = (fields.title ?? '').trim().slice(0, 128);
      const values: Partial<MediaValues> = { type, scope, title };
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
        // WeCom shows it as the link card's thumbnail: an address it can fetch.
        if (values.picUrl && !/^https?:\/\//.test(values.picUrl)) throw new InvalidField('picUrl', 'acqMediaFieldRequired', { type, field: 'picUrl (http/https)' });
        // An optional cover image (a customer moment's link needs one, §18.2): checked as an image.
        if (content) {
          stored = checkedFile(content, 'image', type, fileName);
          values.fileName = (fileName ?? `cover.${stored.extension}`).slice(0, 255);
          values.fileSize = content.length;
          values.mime = stored.mime;
        }
      } else {
        if (!content) throw new BadRequest('acqMediaFileRequired', { type });
        stored = checkedFile(content, type, type, fileName);
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
      return media.insert({ ...(values as MediaValues), cuser: actor, muser: actor });
    },

    /** The stored file of a media (image, video, file, mini-program cover) for previews; 404 when deleted or without a file. */
    async file(_ctx: RequestContext, id: number): Promise<{ stream: Readable; mime: string; fileName: string }> {
      const row = await media.find(id);
      const stream = row?.fileKey ? files.open(row.fileKey) : null;
      if (!row || !stream) throw new NotFound('acqMedia', id);
      const extension = row.fileKey!.split('.').pop() ?? '';
      return { stream, mime: row.mime ?? mimeOfExtension[extension] ?? 'application/octet-stream', fileName: row.fileName ?? `media-${row.id}.${extension}` };
    },

    listByType: (_ctx: RequestContext, type: MediaKind, scope: number | undefined): Promise<MediaRecord[]> => media.listByType(type, scope),

    page: (_ctx: RequestContext, query: MediaPageBody): Promise<Page<MediaRecord>> => media.page(query),

    /** Deletes media not used by a published link or QR code; refuses naming the users otherwise. */
    async delete(ctx: RequestContext, ids: number[]): Promise<number> {
      const users = await media.publishedLinksUsing(ids);
      if (users.length) {
        const usedBy = users.map((user) => `${user.getType === 'link' ? '获客链接' : '活码'}「${user.linkName}」(id ${user.id})`).join('、');
        throw new Conflict('acqMediaInUse', { usedBy });
      }
      return media.softDelete(ids, actorOf(ctx));
    },
  };
}

export type MediaService = ReturnType<typeof createMediaService>;
