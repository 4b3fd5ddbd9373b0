import { z } from 'zod';
import { dateTime, id, optionalText, pageQuery, requiredText } from '../../platform/http/schemas.ts';

export const BROADCAST_KINDS = ['customer', 'group', 'moment'] as const;
export type Kind = (typeof BROADCAST_KINDS)[number];
export const BROADCAST_STATUSES = ['draft', 'scheduled', 'sending', 'sent', 'cancelled', 'failed'] as const;
export const CHUNK_STATUSES = ['pending', 'in_flight', 'created', 'failed', 'unknown'] as const;
export const SENDER_STATUSES = ['waiting', 'sent', 'expired', 'cancelled', 'failed'] as const;
export const RECIPIENT_STATUSES = ['planned', 'pending', 'delivered', 'not_friend', 'over_limit', 'failed', 'expired', 'cancelled', 'excluded', 'unknown'] as const;
export const EXCLUSIONS = ['not_friend', 'receive_limit', 'dnd'] as const;

/** WeCom's limits (API-FACTS-OPERATIONS §17.1, §18.2). */
export const TEXT_MAX_BYTES = 4000;
export const ATTACHMENTS_MAX = 9;
/** A moment's text: at most 2000 characters as well as 4000 bytes; its link's title at most 64 bytes (§18.2). */
export const MOMENT_TEXT_MAX_CHARS = 2000;
export const MOMENT_LINK_TITLE_MAX_BYTES = 64;

const userid = z.string().trim().min(1).max(64);
const positiveIds = (max: number) => z.array(z.number().int().positive()).max(max);
const dayOrTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

export const broadcastContent = z.object({
  text: z.string().max(4000).default('').describe(`the message text; at most ${TEXT_MAX_BYTES} bytes (UTF-8) as WeCom counts it`),
  mediaIds: z.array(z.number().int().positive()).max(ATTACHMENTS_MAX).default([]).describe('media library items (image, link, miniprogram, video, file), at most 9, in order; moments: up to 9 images, or 1 video, or 1 link (one kind only; a link with a cover image uploaded with it, a title of at most 64 bytes)'),
});

export const broadcastSenders = z.object({
  userids: z.array(userid).max(1000).default([]).describe('WeCom employees (userids) who send'),
  deptIds: z.array(z.number().int().nonnegative()).max(200).default([]).describe('WeCom departments whose employees send (sub-departments included)'),
});

export const broadcastAudience = z.object({
  corpTagIds: positiveIds(100).optional().describe('customers: relations with these corp tags (tag ids); moments: visible only to customers with these corp tags'),
  corpTagMatch: z.enum(['any', 'all']).optional().describe('any (default) or all of corpTagIds'),
  selfTagIds: positiveIds(100).optional().describe('customers with any of these SCRM tags'),
  excludeTagIds: positiveIds(100).optional().describe('customers with any of these tags (corp or SCRM) are left out'),
  channelIds: positiveIds(100).optional().describe('customers who came through these acquisition channels (获客渠道)'),
  linkIds: positiveIds(100).optional().describe('customers who came through these acquisition links or channel QR codes'),
  stageIds: positiveIds(100).optional().describe('customers: relations in any of these 客户阶段 (stage ids)'),
  addTimeStart: dayOrTime.optional().describe('added at or after (a date: the start of that day in the corp time zone)'),
  addTimeEnd: dayOrTime.optional().describe('added at or before (a date: the whole day)'),
  gender: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional().describe('0 unknown, 1 male, 2 female'),
  chatIds: z.array(z.string().trim().min(1).max(128)).max(2000).optional().describe('groups: these customer groups'),
  ownerUserids: z.array(userid).max(1000).optional().describe('groups: every group of these owners'),
});
export type AudienceInput = z.output<typeof broadcastAudience>;

export const broadcastSaveBody = z.object({
  id: id.optional().describe('absent: a new draft; present: changes a draft or scheduled broadcast'),
  name: requiredText(64),
  content: broadcastContent,
  senders: broadcastSenders.default({ userids: [], deptIds: [] }),
  audience: broadcastAudience.default({}),
  scheduleAt: dateTime.nullable().optional().describe('send at this time (sent with `send`; a time in the future); null or absent: at once'),
});
export type BroadcastSaveBody = z.output<typeof broadcastSaveBody>;

export const broadcastPageQuery = pageQuery.extend({
  name: optionalText(64).describe('name contains'),
  status: z.enum(BROADCAST_STATUSES).optional(),
});
export type BroadcastPageQuery = z.output<typeof broadcastPageQuery>;

const named = z.object({ id: z.number(), name: z.string() });
const failure = z.object({ message: z.string(), detail: z.string().nullable() }).nullable().describe('why, in words (and the raw WeCom code on the details line)');

export const broadcastRecord = z.object({
  id: z.number(),
  kind: z.enum(BROADCAST_KINDS),
  name: z.string(),
  status: z.enum(BROADCAST_STATUSES).describe('draft, scheduled, sending, sent, cancelled, failed'),
  content: z.object({ text: z.string(), mediaIds: z.array(z.number()) }),
  media: z.array(z.object({ id: z.number(), type: z.string(), title: z.string() })).describe('the attachments by title, in order'),
  senders: z.object({ userids: z.array(z.string()), deptIds: z.array(z.number()) }),
  senderNames: z.array(z.object({ userid: z.string(), name: z.string().nullable().describe('null: an employee SCRM has not synced') })),
  deptNames: z.array(z.object({ deptId: z.number(), name: z.string() })),
  audience: broadcastAudience,
  audienceNames: z.object({
    corpTags: z.array(named),
    selfTags: z.array(named),
    excludeTags: z.array(named),
    channels: z.array(named),
    links: z.array(named),
    stages: z.array(named),
    groups: z.array(z.object({ chatId: z.string(), name: z.string() })),
    owners: z.array(z.object({ userid: z.string(), name: z.string().nullable().describe('null: an employee SCRM has not synced') })),
  }),
  scheduleAt: dateTime.nullable(),
  dispatchedAt: dateTime.nullable(),
  sentAt: dateTime.nullable(),
  expireAt: dateTime.nullable(),
  remindAt: dateTime.nullable(),
  trackedAt: dateTime.nullable().describe('tracking ended (every task final, expired or cancelled)'),
  lastTrackAt: dateTime.nullable(),
  cancelledAt: dateTime.nullable(),
  failure,
  plannedCount: z.number(),
  excludedCount: z.number(),
  remindsLeft: z.number().describe('reminders still allowed within the last 24 hours (WeCom: 3)'),
  chunkCounts: z.object({ pending: z.number(), inFlight: z.number(), created: z.number(), failed: z.number(), unknown: z.number() }),
  ctime: dateTime,
  cuser: z.string().nullable(),
  mtime: dateTime,
  muser: z.string().nullable(),
});
export type BroadcastRecord = z.output<typeof broadcastRecord>;

export const chunkRecord = z.object({
  seq: z.number(),
  userid: z.string(),
  senderName: z.string().nullable().describe('null: an employee SCRM has not synced'),
  status: z.enum(CHUNK_STATUSES).describe('pending, in_flight, created, failed, unknown (the call may or may not have made a task: check in WeCom 群发助手 before sending it again)'),
  size: z.number(),
  failCount: z.number().describe('recipients WeCom refused at creation (fail_list)'),
  attempts: z.number(),
  failure,
  calledAt: dateTime.nullable(),
  createdAt: dateTime.nullable(),
});

export const broadcastDetail = broadcastRecord.extend({ chunks: z.array(chunkRecord) });
export type BroadcastDetail = z.output<typeof broadcastDetail>;

export const previewResult = z.object({
  total: z.number().describe('recipients (customers or groups) that will be sent to; moments: customers who will see it'),
  tasks: z.number().describe('WeCom tasks the send creates'),
  senders: z.array(z.object({ userid: z.string(), name: z.string().nullable().describe('null: an employee SCRM has not synced'), count: z.number() })).describe('per sender, the recipients assigned to them (each recipient to exactly one sender)'),
  excluded: z.object({ notFriend: z.number(), receiveLimit: z.number(), dnd: z.number() }),
  excludedSample: z.array(z.object({ name: z.string(), reason: z.enum(EXCLUSIONS), reasonText: z.string() })).describe('up to 50 of those left out, by name, with why'),
  receiveLimit: z.object({ period: z.enum(['month', 'week', 'day']), count: z.number() }),
  visibleTags: z.array(named).describe('moments: visible only to customers with these corp tags (empty: all the senders\' customers)'),
});
export type PreviewResult = z.output<typeof previewResult>;

export const sendBody = z.object({
  id,
  resendUnknown: z.boolean().default(false).describe('send again the chunks whose outcome is unknown (after checking in WeCom that they made no task)'),
});

export const idBody = z.object({ id });
export const idsBody = z.object({ ids: z.array(z.number().int().positive()).min(1).max(500) });

export const recipientPageQuery = pageQuery.extend({
  id,
  status: z.enum(RECIPIENT_STATUSES).optional(),
  userid: optionalText(64).describe('sender'),
  name: optionalText(64).describe('recipient name contains'),
});
export type RecipientPageQuery = z.output<typeof recipientPageQuery>;

export const recipientRecord = z.object({
  key: z.string().describe("the recipient's row key (a WeCom id; for selection, not for display)"),
  name: z.string(),
  userid: z.string(),
  senderName: z.string().nullable().describe('null: an employee SCRM has not synced'),
  status: z.enum(RECIPIENT_STATUSES),
  statusText: z.string().describe('the status in words'),
  reason: z.enum(EXCLUSIONS).nullable(),
  sendTime: dateTime.nullable(),
});

export const exportQuery = z.object({ id, status: z.enum(RECIPIENT_STATUSES).optional() });

export const progressBody = z.object({ ids: z.array(id).min(1).max(100).describe("a list page's broadcasts") });
export const progressResult = z.array(
  z.object({
    id: z.number(),
    planned: z.number(),
    delivered: z.number(),
    coverage: z.number().describe('delivered of planned, %, one decimal (as stat)'),
    senders: z.object({ total: z.number(), sent: z.number() }),
  }),
).describe("each broadcast of `ids` the caller sees, with the figures `stat` gives for it (the senders in the caller's scope); the others are left out");

export const statResult = z.object({
  planned: z.number(),
  excluded: z.number(),
  delivered: z.number(),
  pending: z.number(),
  notFriend: z.number(),
  overLimit: z.number(),
  failed: z.number(),
  expired: z.number(),
  cancelled: z.number(),
  unknown: z.number(),
  coverage: z.number().describe('delivered / planned, in percent (one decimal)'),
  senders: z.object({ total: z.number(), sent: z.number(), waiting: z.number(), expired: z.number(), cancelled: z.number(), failed: z.number() }),
  perSender: z.array(
    z.object({
      userid: z.string(),
      name: z.string().nullable().describe('null: an employee SCRM has not synced'),
      status: z.enum(SENDER_STATUSES),
      sentAt: dateTime.nullable(),
      planned: z.number(),
      delivered: z.number(),
      notFriend: z.number(),
      overLimit: z.number(),
      failed: z.number(),
      completion: z.number().describe('delivered / planned of this sender, percent'),
    }),
  ),
  byDay: z.array(z.object({ day: z.string().describe('YYYY-MM-DD, corp time zone'), delivered: z.number() })),
  trackedAt: dateTime.nullable(),
  lastTrackAt: dateTime.nullable(),
});
export type ProgressResult = z.infer<typeof progressResult>;
export type StatResult = z.output<typeof statResult>;

export const remindResult = z.object({ reminded: z.number().describe('senders reminded'), remindsLeft: z.number() });

export const dndPageQuery = pageQuery.extend({ name: optionalText(64) });
export const dndRecord = z.object({ id: z.number(), externalUserid: z.string(), name: z.string(), reason: z.string(), cuser: z.string().nullable(), ctime: dateTime });
export const dndSaveBody = z.object({
  externalUserids: z.array(z.string().trim().min(1).max(64)).min(1).max(1000).describe('customers (in your data scope) who asked not to be messaged'),
  reason: optionalText(200),
});

export const settingsRecord = z.object({
  receiveLimitPeriod: z.enum(['month', 'week', 'day']).describe("WeCom's receive limit per customer (§17.2): month (the days of the month, WeCom's default), week (7) or day (1), as set in WeCom 群发助手"),
  receiveLimitCount: z.number().int().min(1).max(31).nullable().describe('null: WeCom\'s count for the period'),
  expireDays: z.number().int().min(1).max(30).describe('unconfirmed tasks count as expired this many days after sending (default 3)'),
  remindTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).nullable().describe('HH:mm, corp time zone: senders who have not confirmed are reminded then; null: no reminder'),
});
export type SettingsRecord = z.output<typeof settingsRecord>;
export const settingsSaveBody = settingsRecord;
