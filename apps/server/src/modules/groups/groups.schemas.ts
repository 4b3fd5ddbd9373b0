import { z } from 'zod';
import { dateTime, optionalText, pageQuery } from '../../platform/http/schemas.ts';
import { stateNamesShape } from '../acquisition/state-names.ts';

/** `YYYY-MM-DD` (a whole day in the corp's time zone) or an ISO-8601 time with offset. */
const dayOrTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);
const day = z.iso.date().describe('YYYY-MM-DD (Asia/Shanghai)');
const wecomUserid = z.string().trim().min(1).max(64);
const chatId = z.string().trim().min(1).max(128);

export const GROUP_STATUS_DESCRIPTION = '0 normal, 1 owner resigned, 2 inheritance in progress, 3 inherited';

// ---- groups ----------------------------------------------------------------------------------------

export const groupFilters = z.object({
  name: optionalText(64).describe("fuzzy: the group's name"),
  chatId: optionalText(128),
  owners: z.array(wecomUserid).max(1000).optional().describe("owners' WeCom userids"),
  status: z.number().int().min(0).max(3).optional().describe(GROUP_STATUS_DESCRIPTION),
  dismissed: z.boolean().optional().describe('true: dismissed groups only; false: live groups only; absent: both'),
  createTimeStart: dayOrTime.optional().describe('created at or after (a date means the start of that day, Asia/Shanghai)'),
  createTimeEnd: dayOrTime.optional().describe('created at or before (a date means the whole of that day)'),
});
export type GroupFilters = z.output<typeof groupFilters>;

export const groupPageQuery = pageQuery.extend(groupFilters.shape);
export type GroupPageQuery = z.output<typeof groupPageQuery>;

export const groupRecord = z.object({
  id: z.number(),
  chatId: z.string(),
  name: z.string(),
  owner: z.string().describe("the owner's WeCom userid"),
  ownerName: z.string().nullable().describe("the owner's name (the employee mirror's, else WeCom's in the member list); null when unknown"),
  ownerDeparted: z.boolean().describe('the owner has left the corp (离职)'),
  notice: z.string(),
  adminList: z.array(z.string()).describe("admins' WeCom userids"),
  status: z.number().describe(GROUP_STATUS_DESCRIPTION),
  dismissed: z.boolean(),
  dismissedAt: dateTime.nullable(),
  createTime: dateTime,
  memberVersion: z.string(),
  memberCount: z.number().describe('members at the last fetch from WeCom'),
  customerCount: z.number().describe('external members (customers) at the last fetch from WeCom'),
  remark: z.string(),
  syncedAt: dateTime.nullable().describe('when the stored copy last changed from WeCom'),
  ctime: dateTime,
  mtime: dateTime,
});
export type GroupRecord = z.output<typeof groupRecord>;

export const chatIdQuery = z.object({ chatId });

/** 企微聊天群 save: without id registers a group by chat id (fetched from WeCom); with id edits the local remark. */
export const chatSaveBody = z.object({
  id: z.number().int().positive().nullish(),
  chatId: chatId.nullish().describe('to register a group (without id): its WeCom chat id'),
  remark: z.string().max(255).nullish(),
});
export type ChatSaveBody = z.output<typeof chatSaveBody>;

// ---- members ---------------------------------------------------------------------------------------

export const MEMBER_STATUSES = ['in', 'quit'] as const;

export const memberFilters = z.object({
  chatId: optionalText(128).describe("the group's chat id"),
  state: optionalText(64).describe("the join way's state members came through (exact)"),
  name: optionalText(64).describe("fuzzy: the member's name or group nickname"),
  userid: optionalText(64).describe("the member's userid or external_userid"),
  type: z.union([z.literal(1), z.literal(2)]).optional().describe('1 employee, 2 customer'),
  joinScene: z.number().int().min(0).max(3).optional().describe('1 invited directly, 2 invited by link, 3 scanned the group QR'),
  status: z.enum(MEMBER_STATUSES).optional().describe('in: still in the group; quit: left'),
  joinTimeStart: dayOrTime.optional(),
  joinTimeEnd: dayOrTime.optional(),
  quitTimeStart: dayOrTime.optional(),
  quitTimeEnd: dayOrTime.optional(),
});
export type MemberFilters = z.output<typeof memberFilters>;

export const memberPageQuery = pageQuery.extend(memberFilters.shape);
export type MemberPageQuery = z.output<typeof memberPageQuery>;

export const memberRecord = z.object({
  id: z.number(),
  chatId: z.string(),
  groupName: z.string(),
  owner: z.string().describe("the group owner's WeCom userid"),
  ownerName: z.string().nullable(),
  ownerDeparted: z.boolean(),
  userid: z.string().describe("the employee's userid or the customer's external_userid"),
  type: z.number().describe('1 employee, 2 customer'),
  unionid: z.string().nullable(),
  name: z.string(),
  groupNickname: z.string(),
  joinTime: dateTime,
  joinScene: z.number().describe('1 invited directly, 2 invited by link, 3 scanned the group QR'),
  invitor: z.string().nullable(),
  invitorName: z.string().nullable(),
  state: z.string().describe('the raw state the member joined through (join way); names in sourceName and channelName'),
  ...stateNamesShape,
  quitTime: dateTime.nullable(),
  quitScene: z.number().nullable().describe('0 left, 1 removed by the owner or an admin; null when unknown'),
  ctime: dateTime,
  mtime: dateTime,
});
export type MemberRecord = z.output<typeof memberRecord>;

/** 群人数, 今日新增, 今日退群人数. */
export const memberStat = z.object({
  chatId: z.string(),
  memberCount: z.number().describe('members now (0 for a dismissed group)'),
  customerCount: z.number().describe('customers among them'),
  joinedToday: z.number().describe('joined today (Asia/Shanghai), whether still in the group or not'),
  quitToday: z.number().describe('left today (Asia/Shanghai)'),
  date: z.string().describe('today, YYYY-MM-DD (Asia/Shanghai)'),
});
export type MemberStat = z.output<typeof memberStat>;

const dateRange = z
  .object({ startDate: day, endDate: day })
  .refine((body) => body.startDate <= body.endDate, { message: 'startDate must not be after endDate', path: ['endDate'] })
  .refine((body) => (Date.parse(body.endDate) - Date.parse(body.startDate)) / 86_400_000 < 366, { message: 'at most 366 days', path: ['endDate'] });

export const groupStatsBody = z.intersection(dateRange, z.object({ owners: z.array(wecomUserid).max(1000).optional().describe("owners' WeCom userids") }));
export type GroupStatsBody = z.output<typeof groupStatsBody>;

const ownerFigures = {
  groups: z.number().describe('live groups at the end of the range'),
  newGroups: z.number().describe('groups created in the range'),
  members: z.number().describe('members of those groups at the end of the range'),
  newMembers: z.number().describe('joins in the range'),
  quits: z.number().describe('quits in the range'),
};
export const groupStats = z.object({
  startDate: z.string(),
  endDate: z.string(),
  total: z.object(ownerFigures),
  owners: z.array(z.object({ owner: z.string(), ownerName: z.string().nullable(), ownerDeparted: z.boolean().describe('left the corp (离职)'), ...ownerFigures })),
});
export type GroupStats = z.output<typeof groupStats>;
export type OwnerFigures = Omit<GroupStats['owners'][number], 'owner' | 'ownerName' | 'ownerDeparted'>;

export const channelStatsBody = z
  .object({
    state: z.string().trim().min(1).max(64).describe("the join way's state"),
    startDate: day.optional().describe('with endDate: only joins in the range, and figures per day'),
    endDate: day.optional(),
  })
  .refine((body) => !body.startDate === !body.endDate, { message: 'startDate and endDate go together', path: ['endDate'] })
  .refine((body) => !body.startDate || !body.endDate || body.startDate <= body.endDate, { message: 'startDate must not be after endDate', path: ['endDate'] })
  .refine((body) => !body.startDate || !body.endDate || (Date.parse(body.endDate) - Date.parse(body.startDate)) / 86_400_000 < 366, {
    message: 'at most 366 days',
    path: ['endDate'],
  });
export type ChannelStatsBody = z.output<typeof channelStatsBody>;

const channelFigures = {
  joined: z.number().describe('joins through the state (in the range when given)'),
  quit: z.number().describe('of those joins, how many have left'),
  current: z.number().describe('of those joins, how many are still in the group'),
};
export const channelStats = z.object({
  state: z.string(),
  ...stateNamesShape,
  ...channelFigures,
  groups: z.array(z.object({ chatId: z.string(), name: z.string(), dismissed: z.boolean(), ...channelFigures })),
  days: z.array(z.object({ date: z.string(), joined: z.number(), quit: z.number() })).describe('per day (Asia/Shanghai) when startDate and endDate are given'),
});
export type ChannelStats = z.output<typeof channelStats>;
