import { z } from 'zod';
import { dateTime, id, mobile, optionalText, pageQuery, requiredText } from '../../platform/http/schemas.ts';

export const LEAD_STATUSES = ['pool', 'assigned', 'converted', 'invalid', 'merged'] as const;
export const LEAD_SOURCES = ['manual', 'import', 'collect'] as const;
export const CONTACT_TYPES = ['phone', 'wechat', 'email', 'qq', 'other'] as const;
export const FOLLOW_METHODS = ['phone', 'wechat', 'visit', 'email', 'other'] as const;

const ids = (max = 1000) => z.array(z.number().int().positive()).min(1).max(max);
const externalUserid = z.string().trim().min(1).max(128);
const gender = z.union([z.literal(0), z.literal(1), z.literal(2)]).describe('0 unknown, 1 male, 2 female');

export const contactInput = z.object({
  type: z.enum(CONTACT_TYPES).describe('phone, wechat, email, qq, other'),
  value: requiredText(128),
  primary: z.boolean().default(false),
});
export type ContactInput = z.output<typeof contactInput>;

export const contactRecord = z.object({ id: z.number(), type: z.enum(CONTACT_TYPES), value: z.string(), primary: z.boolean() });

export const tagRef = z.object({ id: z.number(), name: z.string(), groupId: z.number(), groupName: z.string() });

export const leadRecord = z.object({
  id: z.number(),
  name: z.string(),
  gender: z.number(),
  company: z.string(),
  position: z.string(),
  address: z.string(),
  remark: z.string(),
  source: z.enum(LEAD_SOURCES).describe('manual, import, collect'),
  channel: z.string(),
  channelId: z.number().nullable(),
  status: z.enum(LEAD_STATUSES).describe('pool (公海, unassigned), assigned, converted (linked to a WeCom customer), invalid, merged'),
  ownerUserid: z.string().nullable().describe("the owning WeCom employee's userid; null while in the pool"),
  ownerName: z.string().nullable().describe("the owning employee's name"),
  ownerLeft: z.boolean().describe('the owner has left the company or was removed from WeCom'),
  assignedAt: dateTime.nullable(),
  returnedAt: dateTime.nullable().describe('when it last went back to the pool (退回公海)'),
  returnReason: z.string().nullable(),
  primaryPhone: z.string().nullable(),
  externalUserid: z.string().nullable(),
  linkedAt: dateTime.nullable(),
  linkState: z.string().nullable().describe("State of the lead's own link: a customer added through it is linked to this lead"),
  lastFollowAt: dateTime.nullable(),
  nextFollowAt: dateTime.nullable(),
  mergedIntoId: z.number().nullable(),
  mergedAt: dateTime.nullable(),
  ctime: dateTime,
  cuser: z.string().nullable(),
  mtime: dateTime,
  muser: z.string().nullable(),
  tags: z.array(tagRef),
});
export type LeadRecord = z.output<typeof leadRecord>;

export const leadPageQuery = pageQuery.extend({
  name: optionalText(64).describe('name contains'),
  phone: optionalText(32).describe('any phone contact contains'),
  status: z.enum(LEAD_STATUSES).optional(),
  source: z.enum(LEAD_SOURCES).optional(),
  channel: optionalText(64),
  ownerUserid: optionalText(64).describe("owned by this WeCom employee (userid)"),
  pool: z.boolean().optional().describe('true: only unassigned leads (the public pool)'),
  mine: z.boolean().optional().describe("true: only leads owned by the caller's bound WeCom employee"),
  followUp: z.enum(['due']).optional().describe('due (待跟进): owned leads whose next follow-up date is today or earlier (TZ_DEFAULT), earliest first'),
  tagIds: z.array(z.number().int().positive()).max(100).optional().describe('has any of these SCRM tags'),
  externalUserid: optionalText(128),
  startTime: dateTime.optional().describe('created at or after'),
  endTime: dateTime.optional().describe('created at or before'),
  includeMerged: z.boolean().default(false),
});
export type LeadPageQuery = z.output<typeof leadPageQuery>;
export const leadExportQuery = leadPageQuery.omit({ pageNum: true, pageSize: true });
/** A WeCom employee's userid as a request gives it. */
export const employeeUserid = z.string().trim().min(1).max(64);

const baseFields = {
  gender: gender.optional(),
  company: optionalText(128),
  position: optionalText(64),
  address: optionalText(255),
  remark: optionalText(500),
  channel: optionalText(64),
  channelId: id.nullable().optional(),
};

export const leadAddBody = z.object({
  name: requiredText(64),
  ...baseFields,
  phone: mobile.optional().describe('primary phone'),
  wechat: optionalText(64).describe('primary WeChat id'),
  email: optionalText(128).describe('primary email'),
  contacts: z.array(contactInput).max(50).optional().describe('more contacts (with phone/wechat/email: together exactly one primary per type)'),
  ownerUserid: optionalText(64).describe("assign at once to this WeCom employee (userid); otherwise the lead goes to the pool"),
  ownerId: id.optional().describe('older form of ownerUserid: a console user id, meaning the WeCom employee bound to that user'),
  tagIds: z.array(z.number().int().positive()).max(100).optional(),
});
export type LeadAddBody = z.output<typeof leadAddBody>;

export const followUpInput = z.object({
  content: requiredText(2000),
  method: z.enum(FOLLOW_METHODS).default('other'),
  nextFollowAt: dateTime.optional(),
});

export const leadUpdateBody = z.object({
  clueId: id,
  name: requiredText(64).optional(),
  ...baseFields,
  invalid: z.boolean().optional().describe('true marks the lead invalid; false restores it'),
  followUp: followUpInput.optional().describe('a manual follow-up record (手动跟进)'),
  nextFollowAt: dateTime.nullable().optional().describe('the next follow-up date (null clears it); the owner gets an app message when it comes'),
});
export type LeadUpdateBody = z.output<typeof leadUpdateBody>;

export const followUpRecord = z.object({
  id: z.number(),
  leadId: z.number(),
  method: z.string(),
  content: z.string(),
  nextFollowAt: dateTime.nullable(),
  mergedFromId: z.number().nullable(),
  userId: z.number().nullable(),
  ctime: dateTime,
  cuser: z.string().nullable(),
});

export const contactsBody = z.object({ clueId: id, contacts: z.array(contactInput).max(50) });
export const leadLinkBody = z.object({ clueId: id, acqLinkId: id.optional().describe('a published acquisition link (/admin/cust/get/link)') });
export const linkCustomerBody = z.object({ clueId: id, externalUserid });
export const unlinkCustomerBody = z.object({ clueId: id });
export const batchAssignBody = z
  .object({
    clueIds: ids(),
    userid: z.string().trim().min(1).max(64).optional().describe("the new owner: a WeCom employee's userid (active in WeCom)"),
    userId: id.optional().describe('older form: a console user id, meaning the WeCom employee bound to that user'),
  })
  .refine((body) => (body.userid === undefined) !== (body.userId === undefined), { message: 'give exactly one of userid and userId', path: ['userid'] });
export const claimBody = z.object({ clueIds: ids() });
export const returnBody = z.object({ clueIds: ids(), reason: requiredText(200).describe('why the leads go back to the pool (shown on their timeline)') });
export const deleteBody = z.object({ clueIds: ids() });
export const bulkResult = z.object({ changed: z.number(), unchanged: z.number() });
export const mergeBody = z.object({ targetId: id, sourceIds: ids(100) });
export const tagDeleteBody = z.object({ clueId: id, tagIds: ids(100) });
export const tagDeleteByCustomerBody = z.object({ externalUserid, tagIds: ids(100) });
export const tagListBody = z.object({ name: optionalText(64), groupId: id.optional() });
export const tagBatchAddBody = z.object({
  clueIds: z.array(z.number().int().positive()).max(1000).optional(),
  externalUserids: z.array(externalUserid).max(1000).optional(),
  tagIds: ids(100),
});
export const leadKeyQuery = z.object({
  clueId: id.optional(),
  externalUserid: optionalText(128),
});
export type LeadKey = { clueId?: number; externalUserid?: string };
export const dynamicsBody = pageQuery.extend({
  clueId: id.optional(),
  externalUserid: optionalText(128),
  types: z.array(z.string().max(64)).max(50).optional().describe('only these event types'),
});
export const transferBody = z.object({
  externalUserids: z.array(externalUserid).min(1).max(1000).describe('sent to WeCom 100 at a time'),
  handoverUserid: z.string().trim().min(1).max(64),
  takeoverUserid: z.string().trim().min(1).max(64),
  message: optionalText(200).describe('transfer_success_msg shown to the customer'),
});
export const updateCorpTagsBody = z.object({
  externalUserid,
  userid: optionalText(64).describe("the employee whose relation is tagged; default: the lead owner's WeCom account, else every active relation"),
  addTagIds: z.array(z.number().int().positive()).max(100).default([]),
  removeTagIds: z.array(z.number().int().positive()).max(100).default([]),
});
export const updateSysTagsBody = z.object({
  clueId: id.optional(),
  externalUserid: optionalText(128),
  tagIds: z.array(z.number().int().positive()).max(100).describe('the complete set of SCRM tags afterwards'),
});

export const eventRecord = z.object({
  id: z.number(),
  leadId: z.number(),
  type: z.string().describe(
    'created, imported, collected, updated, status_changed, assigned, claimed, returned, deleted, next_follow_changed, followed_up, contacts_changed, linked, unlinked, tags_changed, corp_tags_changed, merged, merged_into, transfer_requested, transfer_completed, transfer_failed, registration, page_visit, or a third party\'s own type',
  ),
  occurredAt: dateTime,
  actor: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  mergedFromId: z.number().nullable(),
});

export const transferRecord = z.object({
  id: z.number(),
  externalUserid: z.string(),
  handoverUserid: z.string(),
  takeoverUserid: z.string(),
  handoverName: z.string().nullable().optional().describe("the handover employee's name"),
  takeoverName: z.string().nullable().optional().describe("the takeover employee's name"),
  status: z.enum(['waiting', 'completed', 'refused', 'limit_exceeded', 'failed', 'no_record']),
  errcode: z.number(),
  errorMessage: z.string().nullable().optional().describe('a WeCom errcode of the transfer, as the operator reads it (what happened, what to do)'),
  failReason: z.string().nullable(),
  takeoverTime: dateTime.nullable(),
  jobId: z.number().nullable(),
  settledAt: dateTime.nullable(),
  ctime: dateTime,
});

export const customerSummary = z.object({
  externalUserid: z.string(),
  name: z.string(),
  avatar: z.string().nullable(),
  type: z.number(),
  gender: z.number(),
  corpName: z.string().nullable(),
  relations: z.array(
    z.object({ userid: z.string(), name: z.string().nullable().optional().describe("the employee's name"), remark: z.string(), remarkMobiles: z.array(z.string()), state: z.string(), status: z.string(), createtime: dateTime }),
  ),
});

export const leadDetail = leadRecord.extend({
  contacts: z.array(contactRecord),
  followUps: z.array(followUpRecord).describe('the latest 50'),
  customer: customerSummary.nullable(),
  transfers: z.array(transferRecord),
});

export const portraitTags = z.object({
  corpTags: z.array(tagRef.extend({ userids: z.array(z.string()).describe('employees whose relation carries it') })),
  selfTags: z.array(tagRef),
});

export const statBody = z.object({});
export const statResult = z.object({
  total: z.number(),
  byStatus: z.object({ pool: z.number(), assigned: z.number(), converted: z.number(), invalid: z.number() }),
  newToday: z.number().describe('created since midnight, Asia/Shanghai (TZ_DEFAULT)'),
  convertedShare: z.number().describe('converted / total, 0–1 (0 when there are none)'),
  perOwner: z.array(z.object({ ownerUserid: z.string(), ownerName: z.string(), total: z.number(), assigned: z.number(), converted: z.number(), invalid: z.number() })),
});

export const importRecord = z.object({
  id: z.number(),
  fileName: z.string(),
  jobId: z.number().nullable(),
  status: z.enum(['queued', 'running', 'completed', 'failed']),
  totalRows: z.number().nullable(),
  checkpointRow: z.number().describe('every row up to this one is settled (stored or reported)'),
  insertedRows: z.number(),
  invalidRows: z.number(),
  error: z.string().nullable(),
  ownerUserid: z.string().nullable().describe('the WeCom employee the imported leads are given to'),
  finishedAt: dateTime.nullable(),
  ctime: dateTime,
  cuser: z.string().nullable(),
  duplicateFile: z.boolean().describe('true: this file was uploaded before; this is the earlier import'),
  reportUrl: z.string().describe('GET with the token: the invalid rows as xlsx'),
});
