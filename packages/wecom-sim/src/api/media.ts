// Media uploads (3-day media_id; permanent uploadimg URLs) and send_welcome_msg (API-FACTS §9, §10).
import { createHash } from 'node:crypto';
import type { SimulatorCore } from '../core.ts';
import { fail } from '../errors.ts';
import type { MediaItem } from '../model.ts';
import { requireMedia } from './customers.ts';
import { optionalObject, optionalString, requireString, type Json } from './input.ts';
import type { ApiRoute, MultipartPart } from './router.ts';

const MB = 1024 * 1024;
const DAY = 86_400;
const MEDIA_RULES: Record<MediaItem['type'], { maxBytes: number; extensions: string[] | null; sizeErrcode: number }> = {
  image: { maxBytes: 10 * MB, extensions: ['jpg', 'jpeg', 'png'], sizeErrcode: 40009 },
  voice: { maxBytes: 2 * MB, extensions: ['amr'], sizeErrcode: 40006 },
  video: { maxBytes: 10 * MB, extensions: ['mp4'], sizeErrcode: 40011 },
  file: { maxBytes: 20 * MB, extensions: null, sizeErrcode: 45001 },
};

function mediaPart(parts: MultipartPart[] | undefined): MultipartPart {
  const part = parts?.find((candidate) => candidate.name === 'media');
  if (!part || part.data.length === 0) return fail(44001);
  return part;
}

function extensionOf(filename: string | undefined): string {
  return /\.([A-Za-z0-9]+)$/.exec(filename ?? '')?.[1]?.toLowerCase() ?? '';
}

/** Start of the CST (UTC+8) day containing `time`. */
export function cstDayStart(time: number): number {
  return Math.floor((time + 8 * 3600) / DAY) * DAY - 8 * 3600;
}

function byteLength(value: unknown): number {
  return Buffer.byteLength(String(value ?? ''));
}

/**
 * One 群发 / welcome attachment (API-FACTS-OPERATIONS §17.1, API-FACTS §10): its object must match msgtype,
 * its media ids exist (media/upload ones: 40007 for upload_attachment ids). `invalidTypeErrcode`: 40008 for
 * the welcome message, 41065 (无效的附件类型) for add_msg_template.
 */
export function checkAttachment(core: SimulatorCore, attachment: Json, invalidTypeErrcode = 40008): Json {
  if (!attachment || typeof attachment !== 'object' || Array.isArray(attachment)) fail(invalidTypeErrcode, 'attachment must be an object');
  const msgtype = optionalString(attachment, 'msgtype') ?? fail(invalidTypeErrcode, 'msgtype missing');
  if (!['image', 'link', 'miniprogram', 'video', 'file'].includes(msgtype)) fail(invalidTypeErrcode, `invalid msgtype: ${msgtype}`);
  const content = optionalObject(attachment, msgtype) ?? fail(40058, `${msgtype} missing`);
  switch (msgtype) {
    case 'image': {
      const mediaId = optionalString(content, 'media_id');
      const picUrl = optionalString(content, 'pic_url');
      if (!mediaId && !picUrl) fail(40058, 'image needs media_id or pic_url');
      if (mediaId) requireMedia(core, mediaId);
      // "pic_url must come from uploadimg".
      else if (!core.state.uploadedImages.has(picUrl as string)) fail(40058, 'pic_url must be a url returned by media/uploadimg');
      break;
    }
    case 'link':
      requireString(content, 'title');
      requireString(content, 'url');
      if (byteLength(content.title) > 128) fail(40058, 'link.title exceeds 128 bytes');
      if (byteLength(content.desc) > 512) fail(40058, 'link.desc exceeds 512 bytes');
      if (byteLength(content.url) > 2048) fail(40058, 'link.url exceeds 2048 bytes');
      if (byteLength(content.picurl) > 2048) fail(40058, 'link.picurl exceeds 2048 bytes');
      break;
    case 'miniprogram':
      requireString(content, 'title');
      requireString(content, 'appid');
      requireString(content, 'page');
      requireMedia(core, requireString(content, 'pic_media_id'));
      if (byteLength(content.title) > 64) fail(40058, 'miniprogram.title exceeds 64 bytes');
      break;
    case 'video':
    case 'file':
      requireMedia(core, requireString(content, 'media_id'));
      break;
  }
  return structuredClone(attachment);
}

export const mediaRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: 'media/upload',
    okMessage: '',
    handler: ({ core, query, parts }) => {
      const type = query.type as MediaItem['type'];
      const rules = MEDIA_RULES[type] ?? fail(40005, `invalid media type: ${String(query.type)}`);
      const part = mediaPart(parts);
      if (part.data.length <= 5) fail(40006, 'file must be larger than 5 bytes');
      if (part.data.length > rules.maxBytes) fail(rules.sizeErrcode);
      if (rules.extensions && !rules.extensions.includes(extensionOf(part.filename))) fail(40004);
      const created_at = core.nowSeconds();
      const item: MediaItem = { media_id: core.state.newMediaId(), type, filename: part.filename ?? 'media', size: part.data.length, created_at };
      core.state.media.set(item.media_id, item);
      core.state.sequences.media++;
      // Media expire after 3 days; drop long-dead ones so the state does not grow without bound.
      for (const [mediaId, old] of core.state.media) if (old.created_at + core.mediaTtlSeconds * 2 < created_at) core.state.media.delete(mediaId);
      // created_at is a string in WeCom's answer.
      return { type, media_id: item.media_id, created_at: String(created_at) };
    },
  },
  {
    // Moments and product albums take only these media (§18.1); created_at is an integer here.
    method: 'POST',
    path: 'media/upload_attachment',
    okMessage: '',
    handler: ({ core, query, parts }) => {
      const type = query.media_type as 'image' | 'video' | 'file';
      if (!['image', 'video', 'file'].includes(type)) fail(40005, `invalid media_type: ${String(query.media_type)}`);
      const attachmentType = Number(query.attachment_type);
      if (attachmentType !== 1 && attachmentType !== 2) fail(41072, `invalid attachment_type: ${String(query.attachment_type)}`);
      // "朋友圈附件类型，仅支持图片与视频".
      if (attachmentType === 1 && type === 'file') fail(41072, 'moments take image or video attachments only');
      const part = mediaPart(parts);
      const extension = extensionOf(part.filename);
      if (type === 'video' && extension !== 'mp4') fail(41090, 'video must be mp4');
      if (type === 'image' && !['jpg', 'jpeg', 'png'].includes(extension)) fail(40004);
      if (part.data.length <= 5) fail(40006, 'file must be larger than 5 bytes');
      // image ≤ 10 MB, video ≤ 10 MB (§18.2); files as media/upload (20 MB).
      if (part.data.length > MEDIA_RULES[type].maxBytes) fail(41080);
      const created_at = core.nowSeconds();
      const item: MediaItem = {
        media_id: core.state.newMediaId(),
        type,
        filename: part.filename ?? 'media',
        size: part.data.length,
        created_at,
        attachment_type: attachmentType,
      };
      core.state.media.set(item.media_id, item);
      core.state.sequences.media++;
      return { type, media_id: item.media_id, created_at };
    },
  },
  {
    method: 'POST',
    path: 'media/uploadimg',
    okMessage: '',
    handler: ({ core, parts }) => {
      const part = mediaPart(parts);
      if (part.data.length < 5 || part.data.length > 2 * MB) fail(40009, 'image must be 5B ~ 2MB');
      if (!['jpg', 'jpeg', 'png'].includes(extensionOf(part.filename))) fail(40004);
      const now = core.nowSeconds();
      const today = cstDayStart(now);
      let daily = 0;
      let monthly = 0;
      for (const image of core.state.uploadedImages.values()) {
        if (image.created_at >= today) daily++;
        if (image.created_at >= now - 30 * DAY) monthly++;
      }
      // "每企业每月最多可上传3000张永久图片，每天最多可上传1000张".
      if (daily >= 1000 || monthly >= 3000) fail(45009);
      const digest = createHash('sha1').update(part.data).update(String(core.state.uploadedImages.size)).digest('hex');
      const url = `https://p.qpic.cn/pic_wework/${Number.parseInt(core.state.corp.corpId.slice(2, 10), 16) || 3474110808}/${digest}/0`;
      core.state.uploadedImages.set(url, { url, created_at: now });
      return { url };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/send_welcome_msg',
    handler: ({ core, body }) => {
      const code = requireString(body, 'welcome_code');
      const welcome = core.state.welcomeCodes.get(code) ?? fail(40058, 'invalid welcome_code');
      const now = core.nowSeconds();
      if (welcome.status === 'distributing' && (welcome.busyUntil ?? 0) > now) fail(41096);
      const relation = core.state.relation(welcome.userid, welcome.external_userid);
      // Used once, expired after 20 s, or the customer already chatted: WeCom answers 41051 (do not retry).
      if (welcome.status !== 'pending' || now - welcome.issued_at > core.welcomeCodeTtlSeconds || !relation || relation.chatted) fail(41051);
      const text = optionalObject(body, 'text');
      const content = text ? optionalString(text, 'content') : undefined;
      const rawAttachments = body.attachments ?? [];
      if (!Array.isArray(rawAttachments)) fail(40058, 'attachments must be a list');
      if (!content && rawAttachments.length === 0) fail(40058, 'text and attachments cannot both be empty');
      if (rawAttachments.length > 9) fail(40058, 'at most 9 attachments');
      if (content && Buffer.byteLength(content) > 4000) fail(45002, 'text.content exceeds 4000 bytes');
      const attachments = (rawAttachments as Json[]).map((attachment) => checkAttachment(core, attachment));
      welcome.status = 'sent';
      core.state.welcomeMessages.push({
        welcome_code: code,
        userid: welcome.userid,
        external_userid: welcome.external_userid,
        sent_at: now,
        ...(content ? { text: { content } } : {}),
        attachments,
      });
      return {};
    },
  },
];
