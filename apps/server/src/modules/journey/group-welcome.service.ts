// 入群欢迎语素材 (API-FACTS-OPERATIONS §19): templates written to WeCom's corp library first, then mirrored at once in
// the same request, so the list shows what WeCom has. WeCom has no API that binds a template to a group: group
// owners pick it in the WeCom client (notify asks WeCom to tell them about a new one).
import type { GroupWelcomeContent, WecomClient, WelcomeAttachment } from '@scrm/wecom';
import type { Db } from '../../platform/db/database.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { BadRequest, Conflict, InvalidField, NotFound } from '../../platform/http/errors.ts';
import type { Page } from '../../platform/http/schemas.ts';
import { callWecom } from '../../platform/wecom-errors.ts';
import type { Locale } from '../../platform/http/i18n.ts';
import type { AuditLogRepository } from '../nexus/audit-log.repository.ts';
import type { MediaService } from '../acquisition/media.service.ts';
import type { GroupWelcomeRepository, GroupWelcomeRow } from './group-welcome.repository.ts';
import { GROUP_WELCOME_LIMITS, type GroupWelcomePageQuery, type GroupWelcomeRecord, type GroupWelcomeSaveBody } from './group-welcome.schemas.ts';
import './group-welcome.messages.ts';

export interface GroupWelcomeServiceDeps {
  db: Db;
  templates: GroupWelcomeRepository;
  /** The media library: the item's kind and title, and its WeCom form (uploading files to WeCom). */
  media: Pick<MediaService, 'brief' | 'attachments'>;
  audit: AuditLogRepository;
  wecom: () => WecomClient | undefined;
  now: () => number;
}

const KIND_TEXT: Record<string, Record<Locale, string>> = {
  image: { zh: '图片', en: 'image' },
  link: { zh: '链接', en: 'link' },
  miniprogram: { zh: '小程序', en: 'mini program' },
  file: { zh: '文件', en: 'file' },
  video: { zh: '视频', en: 'video' },
};

const bytes = (text: string | undefined) => Buffer.byteLength(text ?? '');

/** WeCom's content keys from a welcome attachment ({msgtype, image: {...}} → {image: {...}}). */
function contentOf(attachment: WelcomeAttachment): GroupWelcomeContent {
  switch (attachment.msgtype) {
    case 'image':
      return { image: attachment.image };
    case 'link':
      return { link: attachment.link };
    case 'miniprogram':
      return { miniprogram: attachment.miniprogram };
    case 'file':
      return { file: attachment.file };
    case 'video':
      return { video: attachment.video };
  }
}

export function createGroupWelcomeService(deps: GroupWelcomeServiceDeps) {
  const { templates } = deps;
  const who = (ctx: RequestContext) => ({ actor: actorOf(ctx), requestId: ctx.requestId, now: new Date(deps.now()) });

  const toRecord = (row: GroupWelcomeRow, locale: Locale): GroupWelcomeRecord => ({
    id: row.id,
    templateId: row.templateId,
    name: row.name,
    text: row.text,
    mediaId: row.mediaId,
    attachmentType: row.attachmentType ?? null,
    attachmentTypeText: row.attachmentType ? KIND_TEXT[row.attachmentType][locale] : null,
    attachmentTitle: row.attachmentTitle,
    notify: row.notify,
    cuser: row.cuser,
    ctime: row.ctime,
    muser: row.muser,
    mtime: row.mtime,
  });

  const client = (): WecomClient => deps.wecom() ?? (() => { throw new BadRequest('groupWelcomeWecomNotConfigured'); })();

  /** The content to write: text within WeCom's byte limit and the one attachment, checked before calling WeCom. */
  async function contentFor(body: GroupWelcomeSaveBody, editing: boolean) {
    const text = body.text.trim() ? body.text : '';
    const max = editing ? GROUP_WELCOME_LIMITS.editTextBytes : GROUP_WELCOME_LIMITS.addTextBytes;
    if (bytes(text) > max) throw new InvalidField('text', 'groupWelcomeTextTooLong', { bytes: bytes(text), max });
    const mediaId = body.mediaId ?? null;
    if (!text && mediaId === null) throw new InvalidField('text', 'groupWelcomeEmpty');
    let attachment: { type: GroupWelcomeRow['attachmentType']; title: string; content: GroupWelcomeContent } | null = null;
    if (mediaId !== null) {
      const item = (await deps.media.brief([mediaId])).get(mediaId);
      if (!item) throw new InvalidField('mediaId', 'groupWelcomeMediaUnknown', { id: mediaId });
      if (item.type === 'text') throw new InvalidField('mediaId', 'groupWelcomeMediaKind', { title: item.title });
      // Files are uploaded to WeCom here (media_id, 3 days), links and mini programs carry their fields.
      const [converted] = await callWecom(() => deps.media.attachments([mediaId]));
      if (!converted) throw new InvalidField('mediaId', 'groupWelcomeMediaUnknown', { id: mediaId });
      if (converted.msgtype === 'link') {
        if (bytes(converted.link.title) > GROUP_WELCOME_LIMITS.linkTitleBytes) throw new InvalidField('mediaId', 'groupWelcomeTitleTooLong', { title: item.title, bytes: bytes(converted.link.title), max: GROUP_WELCOME_LIMITS.linkTitleBytes });
        if (bytes(converted.link.desc) > GROUP_WELCOME_LIMITS.linkDescBytes) throw new InvalidField('mediaId', 'groupWelcomeLinkDescTooLong', { title: item.title });
      }
      if (converted.msgtype === 'miniprogram' && bytes(converted.miniprogram.title) > GROUP_WELCOME_LIMITS.miniprogramTitleBytes) {
        throw new InvalidField('mediaId', 'groupWelcomeTitleTooLong', { title: item.title, bytes: bytes(converted.miniprogram.title), max: GROUP_WELCOME_LIMITS.miniprogramTitleBytes });
      }
      attachment = { type: converted.msgtype, title: item.title, content: contentOf(converted) };
    }
    return { text, mediaId, attachment };
  }

  return {
    async page(ctx: RequestContext, query: GroupWelcomePageQuery): Promise<Page<GroupWelcomeRecord>> {
      const result = await templates.page(query);
      return { ...result, records: result.records.map((row) => toRecord(row, ctx.locale)) };
    },

    async get(ctx: RequestContext, id: number): Promise<GroupWelcomeRecord> {
      const row = (await templates.find(id)) ?? (() => { throw new NotFound('groupWelcome', id); })();
      return toRecord(row, ctx.locale);
    },

    /** Adds the template to WeCom (or edits it there), then keeps SCRM's copy and the audit row. */
    async save(ctx: RequestContext, body: GroupWelcomeSaveBody): Promise<GroupWelcomeRecord> {
      const existing = body.id === undefined ? undefined : ((await templates.find(body.id)) ?? (() => { throw new NotFound('groupWelcome', body.id); })());
      const sameName = await templates.findByName(body.name);
      if (sameName && sameName.id !== existing?.id) throw new Conflict('groupWelcomeNameTaken', { name: body.name });
      if (!existing && (await templates.count()) >= GROUP_WELCOME_LIMITS.templates) throw new BadRequest('groupWelcomeLimit', { max: GROUP_WELCOME_LIMITS.templates });
      const wecom = client();
      const { text, mediaId, attachment } = await contentFor(body, existing !== undefined);
      const content: GroupWelcomeContent = { ...(text ? { text: { content: text } } : {}), ...(attachment?.content ?? {}) };
      const values = { name: body.name, text: text || null, mediaId, attachmentType: attachment?.type ?? null, attachmentTitle: attachment?.title ?? null, muser: actorOf(ctx), mtime: new Date(deps.now()) };
      if (existing) {
        await callWecom(() => wecom.groupWelcomeTemplates.edit({ template_id: existing.templateId, ...content }));
        const row = await deps.db.transaction(async (tx) => {
          const updated = await templates.update(tx, existing.id, values);
          await deps.audit.record(tx, who(ctx), [{ action: 'groupWelcome.edit', targetType: 'groupWelcome', targetId: existing.id, before: existing, after: updated }]);
          return updated;
        });
        return toRecord(row, ctx.locale);
      }
      const added = await callWecom(() => wecom.groupWelcomeTemplates.add({ ...content, notify: body.notify ? 1 : 0 }));
      const row = await deps.db.transaction(async (tx) => {
        const inserted = await templates.insert(tx, { ...values, templateId: added.template_id, notify: body.notify, cuser: actorOf(ctx) });
        await deps.audit.record(tx, who(ctx), [{ action: 'groupWelcome.add', targetType: 'groupWelcome', targetId: inserted.id, after: inserted }]);
        return inserted;
      });
      return toRecord(row, ctx.locale);
    },

    /** Deletes each from WeCom, then SCRM's copy; stops at the first WeCom refusal (those before it stay deleted). */
    async remove(ctx: RequestContext, ids: number[]): Promise<{ deleted: number }> {
      const rows = await templates.findMany([...new Set(ids)]);
      const missing = ids.find((id) => !rows.some((row) => row.id === id));
      if (missing !== undefined) throw new NotFound('groupWelcome', missing);
      const wecom = client();
      let deleted = 0;
      for (const row of rows) {
        await callWecom(() => wecom.groupWelcomeTemplates.del({ template_id: row.templateId }));
        await deps.db.transaction(async (tx) => {
          await templates.remove(tx, row.id);
          await deps.audit.record(tx, who(ctx), [{ action: 'groupWelcome.delete', targetType: 'groupWelcome', targetId: row.id, before: row }]);
        });
        deleted++;
      }
      return { deleted };
    },
  };
}

export type GroupWelcomeService = ReturnType<typeof createGroupWelcomeService>;
