import { z } from 'zod';
import { dateTime, pageQuery } from '../../platform/http/schemas.ts';

/** Fields the server owns (audit, counters, WeCom ids): accepted in a body and ignored. */
const ignored = z.unknown().optional().describe('ignored: set by the server');
const nullableInt = (schema = z.number().int()) => schema.nullish();
const textList = (max: number) => z.array(z.string().max(64)).max(max).nullish();

// ---------------------------------------------------------------------------------------------
// Channels

export const channelSaveBody = z.object({
  id: z.number().int().min(0).nullish().describe('0 or absent: new'),
  name: z.string().trim().min(1).max(64),
  channelType: z.string().max(64).nullish(),
  remark: z.string().max(500).nullish(),
  orderNum: nullableInt(),
  status: z.number().int().min(0).max(1).nullish().describe('0 enabled, 1 disabled'),
  ctime: ignored, cuser: ignored, mtime: ignored, muser: ignored, isDel: ignored,
});
export type ChannelSaveBody = z.output<typeof channelSaveBody>;

export const channelRecord = z.object({
  id: z.number(),
  name: z.string(),
  channelType: z.string(),
  remark: z.string(),
  orderNum: z.number(),
  status: z.number(),
  ctime: dateTime,
  cuser: z.string().nullable(),
  mtime: dateTime,
  muser: z.string().nullable(),
});
export type ChannelRecord = z.output<typeof channelRecord>;

export const channelPageBody = pageQuery.extend({
  name: z.string().max(64).nullish(),
  channelType: z.string().max(64).nullish(),
  status: z.number().int().min(0).max(9).nullish(),
});
export type ChannelPageBody = z.output<typeof channelPageBody>;

// ---------------------------------------------------------------------------------------------
// Acquisition links and channel QR codes (QlCustGetLink / QlCustGetAllocationRule)

export const ruleSaveBody = z.object({
  id: z.number().int().min(0).nullish().describe('an existing rule of this link to keep (its WeCom sub-link stays); 0 or absent: new'),
  userId: z.string().max(64).nullish().describe('成员UserID: the employee this rule serves'),
  weight: z.number().int().min(0).max(1_000_000).nullish().describe('分配权重 (weight)'),
  dailyLimit: z.number().int().min(0).max(1_000_000).nullish().describe('单日添加客户上限, 0 = none'),
  roundLimit: z.number().int().min(0).max(1_000_000).nullish().describe('单轮上限 (round), 0 = 1'),
  workingHours: z.string().max(200).nullish().describe('工作时间 HH:mm-HH:mm[,HH:mm-HH:mm…], Asia/Shanghai; may cross midnight; empty = always'),
  configLinkId: ignored, ctime: ignored, cuser: ignored, getType: ignored, isDel: ignored, linkUrl: ignored,
  mtime: ignored, muser: ignored, qrCode: ignored, state: ignored,
});
export type RuleSaveBody = z.output<typeof ruleSaveBody>;

export const linkSaveBody = z.object({
  id: z.number().int().min(0).nullish().describe('0 or absent: new'),
  linkName: z.string().max(64).nullish().describe('名称 (≤30 characters to publish)'),
  allocationMethod: z.string().max(32).nullish().describe('weight | round | default'),
  allocationRules: z.array(ruleSaveBody).max(100).nullish(),
  channelId: z.number().int().min(0).nullish(),
  channelType: z.string().max(64).nullish(),
  cstTags: textList(100).describe('corp tag ids (WeCom tag_id) applied to every new customer'),
  departmentList: textList(100).describe('WeCom department ids'),
  isSendWelcome: z.number().int().min(0).max(1).nullish(),
  mediaIds: z.array(z.number().int()).max(9, { message: 'at most 9 media' }).nullish().describe('media library ids, at most 9'),
  priorityType: z.number().int().min(0).max(2).nullish().describe('1 corp-wide friends first, 2 priorityUseridList friends first'),
  priorityUseridList: textList(1000),
  skipVerify: z.union([z.string().max(16), z.boolean()]).nullish().describe('"true" (default) / "false"'),
  status: z.number().int().min(0).max(2).nullish().describe('0 save draft (shape only), 1 publish (2 = publish again)'),
  userList: textList(500).describe('WeCom userids of the main link / QR'),
  welcomeContent: z.string().max(8000).nullish(),
  qrType: z.number().int().min(1).max(2).nullish().describe('QR codes: 1 single person, 2 several (default: by the number of employees)'),
  // Server-owned fields of the seed's body.
  addFriendCount: ignored, openProfileCount: ignored, configLinkId: ignored, createTime: ignored, ctime: ignored, cuser: ignored,
  mtime: ignored, muser: ignored, isDel: ignored, linkId: ignored, linkUrl: ignored, qrCode: ignored, state: ignored, url: ignored,
  userId: ignored, userJson: ignored, getType: ignored, dailyLimit: ignored, roundLimit: ignored, weight: ignored, workingHours: ignored,
});
export type LinkSaveBody = z.output<typeof linkSaveBody>;

export const ruleRecord = z.object({
  id: z.number(),
  getType: z.string(),
  userId: z.string(),
  weight: z.number(),
  dailyLimit: z.number(),
  roundLimit: z.number(),
  workingHours: z.string(),
  state: z.string(),
  configLinkId: z.string().nullable(),
  linkUrl: z.string().nullable(),
  qrCode: z.string().nullable(),
  isDel: z.number(),
  ctime: dateTime,
  cuser: z.string().nullable(),
  mtime: dateTime,
  muser: z.string().nullable(),
});
export type RuleRecord = z.output<typeof ruleRecord>;

export const linkRecord = z.object({
  id: z.number(),
  getType: z.string(),
  linkName: z.string(),
  channelId: z.number().nullable(),
  channelType: z.string().nullable(),
  allocationMethod: z.string(),
  allocationRules: z.array(ruleRecord),
  userList: z.array(z.string()),
  departmentList: z.array(z.string()),
  userJson: z.array(z.object({ userid: z.string(), name: z.string(), position: z.string() })),
  priorityType: z.number().nullable(),
  priorityUseridList: z.array(z.string()),
  skipVerify: z.string(),
  cstTags: z.array(z.string()),
  isSendWelcome: z.number(),
  welcomeContent: z.string(),
  mediaIds: z.array(z.number()),
  qrType: z.number().nullable(),
  state: z.string(),
  status: z.number(),
  statusReason: z.string().nullable().describe('why publishing failed (status 2): what happened and what to do, in the caller\'s language'),
  statusDetail: z.string().nullable().describe('WeCom failures: the raw errcode and errmsg'),
  linkId: z.string().nullable(),
  url: z.string().nullable().describe('links: the URL to publish (with customer_channel); QR codes: the QR image URL'),
  qrCode: z.string().nullable(),
  suspendedUsers: z.array(z.string()).describe('employees currently taken out of the main range (at a limit or outside working hours)'),
  mainUserid: z.string().nullable().describe('weight / round: the employee the main link / QR code leads to now (the next pick of the allocation sequence, moved on after each add); null: WeCom allocates over the range'),
  addFriendCount: z.number(),
  openProfileCount: z.number(),
  createTime: dateTime.nullable(),
  isDel: z.number(),
  ctime: dateTime,
  cuser: z.string().nullable(),
  mtime: dateTime,
  muser: z.string().nullable(),
});
export type LinkRecord = z.output<typeof linkRecord>;

export const linkPageBody = pageQuery.extend({
  linkName: z.string().max(64).nullish(),
  status: z.number().int().min(0).max(9).nullish(),
  channelId: z.number().int().nullish(),
  channelType: z.string().max(64).nullish(),
  userId: z.string().max(64).nullish().describe('links serving this employee (range or rule)'),
});
export type LinkPageBody = z.output<typeof linkPageBody>;

export const linkStatsQuery = z.object({
  id: z.coerce.number().int().positive(),
  days: z.coerce.number().int().min(1).max(180).default(30).describe('the last N local days, today included'),
});

const statFigures = {
  adds: z.number().describe('new customers added through the link / QR code or one of its rules (add_external_contact events)'),
  hits: z.number().describe('visitors routed by /open/route/hit (opens of the landing page)'),
};

export const linkStats = z.object({
  id: z.number(),
  getType: z.string(),
  linkName: z.string(),
  allocationMethod: z.string(),
  from: z.string().describe('first local day (YYYY-MM-DD)'),
  to: z.string().describe('last local day, today'),
  totals: z.object({
    ...statFigures,
    opens: z.number().nullable().describe("links: customers who opened the link, WeCom's own count since publishing (customer_acquisition/statistic, hourly); QR codes: null (WeCom does not count scans)"),
    addFriendCount: z.number().describe('customers added since publishing'),
  }),
  employees: z
    .array(z.object({ userid: z.string(), name: z.string().nullable().describe('null: an employee SCRM never synced, and not in the link\'s own list'), departed: z.boolean(), ...statFigures, share: z.number().describe('share of the period\'s adds, 0–1') }))
    .describe('per employee over the period, by adds, most first; names from the employee mirror'),
  days: z.array(z.object({ day: z.string(), ...statFigures })).describe('every day of the period, oldest first (zeros included)'),
  byDay: z.array(z.object({ day: z.string(), userid: z.string(), name: z.string().nullable().describe('null: an employee SCRM never synced'), adds: z.number() })).describe('adds per day and employee (days with adds only)'),
});
export type LinkStats = z.output<typeof linkStats>;

export const pngQuery = z.object({
  id: z.coerce.number().int().positive(),
  ruleId: z.coerce.number().int().positive().optional().describe('a rule’s own QR / sub-link; absent: the main one'),
});

// ---------------------------------------------------------------------------------------------
// Routing answers

export const verdictRecord = z.object({
  ruleId: z.number(),
  userId: z.string(),
  eligible: z.boolean(),
  reason: z.string().optional().describe('outside_working_hours | daily_limit_reached | link_daily_limit_reached | round_limit_reached | zero_weight | not_selected'),
});

export const routeAnswer = z.object({
  getType: z.string(),
  id: z.number(),
  outcome: z.string().describe('chosen | no_rules | none_eligible | default_allocation'),
  fallback: z.boolean().describe('true: nobody was chosen, the answer is the main link / QR'),
  ruleId: z.number().nullable(),
  userId: z.string().nullable(),
  linkUrl: z.string().nullable(),
  qrCode: z.string().nullable(),
  url: z.string().nullable().describe('what to show the visitor: linkUrl for links, qrCode for QR codes'),
  reasons: z.array(verdictRecord).describe('a verdict for every rule: why each other rule was skipped'),
  localDay: z.string(),
});
export type RouteAnswer = z.output<typeof routeAnswer>;

export const routeHitQuery = z.object({
  getType: z.enum(['qr', 'link']),
  id: z.coerce.number().int().positive(),
});

// ---------------------------------------------------------------------------------------------
// Media

export const mediaTypes = ['text', 'image', 'link', 'miniprogram', 'video', 'file'] as const;
export type MediaKind = (typeof mediaTypes)[number];

export const mediaRecord = z.object({
  id: z.number(),
  type: z.string(),
  scope: z.number(),
  title: z.string(),
  content: z.string(),
  fileName: z.string().nullable(),
  fileSize: z.number().nullable(),
  mime: z.string().nullable(),
  linkUrl: z.string().nullable(),
  linkDesc: z.string().nullable(),
  picUrl: z.string().nullable(),
  appid: z.string().nullable(),
  page: z.string().nullable(),
  wecomMediaId: z.string().nullable(),
  wecomMediaAt: dateTime.nullable(),
  wecomAttachmentId: z.string().nullable().describe('the media_id of media/upload_attachment (customer moments; a link: its cover), reused while valid'),
  wecomAttachmentAt: dateTime.nullable().describe('when wecomAttachmentId was uploaded: WeCom keeps it 3 days'),
  ctime: dateTime,
  cuser: z.string().nullable(),
  mtime: dateTime,
  muser: z.string().nullable(),
});
export type MediaRecord = z.output<typeof mediaRecord>;

export const mediaListQuery = z.object({
  type: z.enum(mediaTypes),
  scope: z.coerce.number().int().min(1).max(3).optional().describe('1 customer, 2 group chat, 3 app message'),
});

export const mediaPageBody = pageQuery.extend({
  type: z.enum(mediaTypes).nullish(),
  scope: z.number().int().min(1).max(3).nullish(),
  title: z.string().max(128).nullish(),
});
export type MediaPageBody = z.output<typeof mediaPageBody>;

// ---------------------------------------------------------------------------------------------
// Group join QR codes

export const joinWaySaveBody = z.object({
  id: z.number().int().min(0).nullish(),
  name: z.string().max(64).nullish(),
  remark: z.string().max(30).nullish().describe('≤30 characters'),
  autoCreateRoom: z.number().int().min(0).max(1).nullish().describe('1 (default): create a new group when the last one is full'),
  roomBaseName: z.string().max(40).nullish(),
  roomBaseId: z.number().int().min(0).nullish(),
  chatIdList: z.array(z.string().min(1).max(128)).nullish().describe('1 to 5 group chat ids'),
  channelId: z.number().int().min(0).nullish(),
  ctime: ignored, cuser: ignored, mtime: ignored, muser: ignored, isDel: ignored, configId: ignored, qrCode: ignored, state: ignored, status: ignored,
});
export type JoinWaySaveBody = z.output<typeof joinWaySaveBody>;

export const joinWayRecord = z.object({
  id: z.number(),
  name: z.string(),
  remark: z.string(),
  scene: z.number(),
  autoCreateRoom: z.number(),
  roomBaseName: z.string().nullable(),
  roomBaseId: z.number().nullable(),
  chatIdList: z.array(z.string()),
  channelId: z.number().nullable(),
  state: z.string(),
  configId: z.string().nullable(),
  qrCode: z.string().nullable(),
  status: z.number(),
  statusReason: z.string().nullable().describe('why publishing failed (status 2), in the caller\'s language'),
  statusDetail: z.string().nullable().optional().describe('WeCom failures: the raw errcode and errmsg'),
  ctime: dateTime,
  cuser: z.string().nullable(),
  mtime: dateTime,
  muser: z.string().nullable(),
});
export type JoinWayRecord = z.output<typeof joinWayRecord>;

export const joinWayPageBody = pageQuery.extend({ name: z.string().max(64).nullish(), channelId: z.number().int().nullish() });
export type JoinWayPageBody = z.output<typeof joinWayPageBody>;

// ---------------------------------------------------------------------------------------------
// Mini-program links

export const miniLinkSaveBody = z.object({
  id: z.number().int().min(0).nullish(),
  name: z.string().trim().min(1).max(64),
  channelType: z.string().max(64).nullish(),
  channelId: z.number().int().min(0).nullish(),
  appid: z.string().trim().regex(/^wx[0-9a-zA-Z]{16}$/, 'a mini-program appid: wx + 16 characters'),
  page: z.string().trim().min(1).max(256).regex(/^[^?#\s]+$/, 'a page path without query'),
  query: z.string().max(512).nullish().describe('extra query, e.g. a=1&b=2'),
  remark: z.string().max(500).nullish(),
  ctime: ignored, cuser: ignored, mtime: ignored, muser: ignored, isDel: ignored, state: ignored, path: ignored,
});
export type MiniLinkSaveBody = z.output<typeof miniLinkSaveBody>;

export const miniLinkRecord = z.object({
  id: z.number(),
  name: z.string(),
  channelType: z.string(),
  channelId: z.number().nullable(),
  appid: z.string(),
  page: z.string(),
  query: z.string(),
  state: z.string(),
  path: z.string().describe('page?query&state=…: the path to open (wx.navigateToMiniProgram / URL Link)'),
  remark: z.string(),
  ctime: dateTime,
  cuser: z.string().nullable(),
  mtime: dateTime,
  muser: z.string().nullable(),
});
export type MiniLinkRecord = z.output<typeof miniLinkRecord>;

export const miniLinkPageBody = pageQuery.extend({
  channelType: z.string().max(64).nullish(),
  channelId: z.number().int().nullish(),
  name: z.string().max(64).nullish(),
});
export type MiniLinkPageBody = z.output<typeof miniLinkPageBody>;

// ---------------------------------------------------------------------------------------------
// Open API apps

export const openAppSaveBody = z.object({
  id: z.number().int().min(0).nullish(),
  name: z.string().trim().min(1).max(64),
  rateLimit: z.number().int().min(1).max(100_000).nullish().describe('requests per minute (default 600)'),
  status: z.number().int().min(0).max(1).nullish().describe('0 enabled, 1 disabled'),
  remark: z.string().max(500).nullish(),
  ctime: ignored, cuser: ignored, mtime: ignored, muser: ignored, isDel: ignored, appKey: ignored, secret: ignored,
});
export type OpenAppSaveBody = z.output<typeof openAppSaveBody>;

export const openAppRecord = z.object({
  id: z.number(),
  name: z.string(),
  appKey: z.string(),
  rateLimit: z.number(),
  status: z.number(),
  remark: z.string(),
  lastUsedAt: dateTime.nullable(),
  ctime: dateTime,
  cuser: z.string().nullable(),
  mtime: dateTime,
  muser: z.string().nullable(),
});
export type OpenAppRecord = z.output<typeof openAppRecord>;

export const openAppWithSecret = openAppRecord.extend({
  secret: z.string().nullable().describe('shown once: when the app is created or its secret rotated; null otherwise'),
});

export const openAppPageBody = pageQuery.extend({ name: z.string().max(64).nullish() });
export type OpenAppPageBody = z.output<typeof openAppPageBody>;
