import { z } from 'zod';
import { dateTime, optionalText, pageQuery } from '../../platform/http/schemas.ts';
import { stateNamesShape } from '../acquisition/state-names.ts';
import { BATCH_MARK_MAX, tagBrief, tagChangeShape, tagFilter } from '../tags/tags.schemas.ts';

export const RELATION_STATUSES = ['active', 'lost', 'transferred'] as const;
export type RelationStatus = (typeof RELATION_STATUSES)[number];

/** `YYYY-MM-DD` (a whole day in the corp's time zone) or an ISO-8601 time with offset. */
const dayOrTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);
const wecomUserid = z.string().trim().min(1).max(64);

/** The filters every customer page, export and statistic shares. */
export const relationFilters = z.object({
  name: optionalText(64).describe("fuzzy: the customer's name or the employee's remark for them"),
  externalUserid: optionalText(64),
  userIds: z.array(wecomUserid).max(1000).optional().describe('employees (WeCom userids)'),
  deptIds: z.array(z.number().int().nonnegative()).max(200).optional().describe('WeCom departments, sub-departments included'),
  addTimeStart: dayOrTime.optional().describe('added at or after (a date means the start of that day, Asia/Shanghai)'),
  addTimeEnd: dayOrTime.optional().describe('added at or before (a date means the whole of that day)'),
  addWay: z.number().int().min(0).max(9999).optional().describe('WeCom add_way (来源)'),
  state: optionalText(64).describe('channel state (exact)'),
  status: z.enum(RELATION_STATUSES).optional().describe('active, lost, transferred'),
  customerType: z.union([z.literal(1), z.literal(2)]).optional().describe('1 WeChat, 2 WeCom'),
  relationIds: z.array(z.number().int().positive()).max(1000).optional().describe('only these relations (rows selected on 客户列表, e.g. to export the selection)'),
  stageIds: z.array(z.number().int().positive()).max(100).optional().describe('客户阶段: relations in any of these stages'),
  ...tagFilter.shape,
});
export type RelationFilters = z.output<typeof relationFilters>;

export const relationPageQuery = pageQuery.extend(relationFilters.shape);
export type RelationPageQuery = z.output<typeof relationPageQuery>;
export const customerPageQuery = relationPageQuery;
export type CustomerPageQuery = RelationPageQuery;

const tag = z.object({ groupName: z.string(), tagName: z.string(), tagId: z.string().optional(), type: z.number() });

export const customerRecord = z.object({
  id: z.number(),
  externalUserid: z.string(),
  name: z.string(),
  avatar: z.string().nullable(),
  type: z.number().describe('1 WeChat user, 2 WeCom user'),
  gender: z.number().describe('0 unknown, 1 male, 2 female'),
  unionid: z.string().nullable(),
  corpName: z.string().nullable(),
  corpFullName: z.string().nullable(),
  position: z.string().nullable(),
  externalProfile: z.unknown().nullable(),
  syncedAt: dateTime.nullable(),
  ctime: dateTime,
  cuser: z.string().nullable(),
  mtime: dateTime,
  muser: z.string().nullable(),
  tagList: z.array(tagBrief).optional().describe('page rows: corp and SCRM tags on the active relations or the customer as a whole, with the local ids tag filters take'),
});
export type CustomerRecord = z.output<typeof customerRecord>;

export const relationRecord = z.object({
  id: z.number(),
  externalUserid: z.string(),
  userid: z.string().describe("the employee's WeCom userid"),
  employeeName: z.string().nullable(),
  customerName: z.string(),
  customerAvatar: z.string().nullable(),
  customerType: z.number(),
  customerGender: z.number(),
  customerCorpName: z.string().nullable(),
  remark: z.string(),
  description: z.string(),
  remarkCorpName: z.string(),
  remarkMobiles: z.array(z.string()),
  addWay: z.number(),
  state: z.string().describe("the raw channel state (contact way state or link customer_channel); its names in sourceName and channelName"),
  ...stateNamesShape,
  operUserid: z.string(),
  createtime: dateTime.describe('when the employee added the customer'),
  tagIds: z.array(z.string()),
  tags: z.array(tag).nullable(),
  status: z.enum(RELATION_STATUSES),
  lostAt: dateTime.nullable(),
  lostBy: z.enum(['customer', 'employee']).nullable().describe('customer: the customer deleted the employee; employee: the employee deleted the customer; null: found gone by a sync'),
  transferFailReason: z.string().nullable(),
  transferTo: z.string().nullable().describe("a pending on-the-job transfer SCRM requested: the takeover employee's userid (null when none)"),
  transferToName: z.string().nullable().describe("the takeover employee's name"),
  transferRequestedAt: dateTime.nullable(),
  channelId: z.number().nullable(),
  stageId: z.number().nullable().describe('客户阶段 the relation is in'),
  stageName: z.string().nullable(),
  ctime: dateTime,
  mtime: dateTime,
  tagList: z.array(tagBrief).optional().describe('page rows: corp and SCRM tags on the relation (and on the customer as a whole), with the local ids tag filters take'),
});
export type RelationRecord = z.output<typeof relationRecord>;

export const customerDetail = customerRecord.extend({ relations: z.array(relationRecord) });

export const customerSaveBody = z.object({
  id: z.number().int().positive().optional(),
  externalUserid: z.string().trim().min(1).max(64).optional().describe('required when creating'),
  name: z.string().trim().min(1).max(128).optional().describe('required when creating'),
  avatar: z.string().trim().max(1024).nullable().optional(),
  type: z.union([z.literal(1), z.literal(2)]).optional(),
  gender: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  unionid: z.string().trim().max(128).nullable().optional(),
  corpName: z.string().trim().max(128).nullable().optional(),
  corpFullName: z.string().trim().max(256).nullable().optional(),
  position: z.string().trim().max(128).nullable().optional(),
});
export type CustomerSaveBody = z.output<typeof customerSaveBody>;

/** WeCom's limits (API-FACTS §3.5): remark ≤ 20, description ≤ 150, remark_company ≤ 20, mobiles ≤ 5. */
export const relationSaveBody = z.object({
  id: z.number().int().positive(),
  remark: z.string().trim().max(20).optional(),
  description: z.string().trim().max(150).optional(),
  remarkCorpName: z.string().trim().max(20).optional(),
  remarkMobiles: z.array(z.string().trim().regex(/^[\d+\-() ]{3,32}$/)).max(5).optional(),
});
export type RelationSaveBody = z.output<typeof relationSaveBody>;

export const externalUseridQuery = z.object({ externalUserid: z.string().trim().min(1).max(64) });
export const listByUserQuery = z.object({ userId: wecomUserid.describe("the employee's WeCom userid") });

const day = z.iso.date();
export const dailyStatBody = z
  .object({
    startDate: day,
    endDate: day,
    userIds: z.array(wecomUserid).max(1000).optional(),
  })
  .refine((body) => body.startDate <= body.endDate, { message: 'startDate must not be after endDate', path: ['endDate'] })
  .refine((body) => (Date.parse(body.endDate) - Date.parse(body.startDate)) / 86_400_000 < 366, {
    message: 'at most 366 days',
    path: ['endDate'],
  });
export type DailyStatBody = z.output<typeof dailyStatBody>;

export const dailyStat = z.object({
  date: z.string().describe('YYYY-MM-DD (Asia/Shanghai)'),
  newCount: z.number().describe('relations added that day'),
  lostByCustomer: z.number().describe('relations ended by the customer (del_follow_user)'),
  lostByEmployee: z.number().describe('relations ended by the employee (del_external_contact)'),
  lostCount: z.number().describe('every relation lost that day, including losses found by a sync'),
  netCount: z.number().describe('newCount − lostCount'),
  transferredCount: z.number().describe('relations moved to another employee by a transfer (not losses)'),
  aliveCount: z.number().describe('relations alive at the end of the day'),
});
export type DailyStat = z.output<typeof dailyStat>;

export const totalsStatBody = relationFilters;
const counts = { total: z.number(), active: z.number(), lost: z.number() };
export const totalsStat = z.object({
  total: z.object(counts).extend({ customers: z.number().describe('distinct customers') }),
  byEmployee: z.array(z.object({ userid: z.string(), employeeName: z.string().nullable(), ...counts })),
  byChannel: z.array(z.object({ state: z.string(), ...stateNamesShape, ...counts })),
  byTag: z.array(
    z.object({ tagId: z.number().describe('local tag id'), tagName: z.string(), groupName: z.string(), tagType: z.enum(['corp', 'self']), wecomTagId: z.string().nullable(), ...counts }),
  ),
});
export type TotalsStat = z.output<typeof totalsStat>;

export const channelGroup = z.object({
  state: z.string().describe("channel state; '' for relations without one"),
  ...stateNamesShape,
  channelId: z.number().nullable(),
  total: z.number(),
  active: z.number(),
  lost: z.number(),
  firstAddedAt: dateTime,
  lastAddedAt: dateTime,
});
export type ChannelGroup = z.output<typeof channelGroup>;

/** 客户列表 bulk tagging: the selected rows, or every row matching the page's filters (active relations only). */
export const relationBulkTagBody = z
  .object({
    relationIds: z.array(z.number().int().positive()).min(1).max(BATCH_MARK_MAX).optional().describe('the selected rows (relation ids)'),
    filters: relationFilters.optional().describe(`every active relation matching these filters (选择全部匹配结果); at most ${BATCH_MARK_MAX}`),
    ...tagChangeShape,
  })
  .refine((body) => (body.relationIds === undefined) !== (body.filters === undefined), { message: 'give relationIds or filters, not both', path: ['relationIds'] });
export type RelationBulkTagBody = z.output<typeof relationBulkTagBody>;

export const relationBulkTagResult = z.object({
  matched: z.number().describe('active relations the selection or filters named (in the caller\'s data scope)'),
  succeeded: z.number(),
  failed: z.array(
    z.object({
      relationId: z.number(),
      customerName: z.string(),
      employeeName: z.string().nullable(),
      message: z.string().describe('what happened and what to do, in the reader\'s language'),
      detail: z.string().nullable().describe('WeCom failures: the raw errcode and errmsg'),
      errcode: z.number().nullable(),
    }),
  ),
});
export type RelationBulkTagResult = z.output<typeof relationBulkTagResult>;
