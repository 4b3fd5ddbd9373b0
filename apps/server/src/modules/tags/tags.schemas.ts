import { z } from 'zod';
import { dateTime, optionalText, pageQuery } from '../../platform/http/schemas.ts';

export const TAG_TYPES = ['corp', 'self'] as const;
export type TagType = (typeof TAG_TYPES)[number];

/** WeCom's limit on tag and group names (API-FACTS §4), counted in characters. */
export const TAG_NAME_MAX = 30;
/** WeCom's order range: [0, 2^32); larger comes first. */
const order = z.number().int().min(0).max(2 ** 32 - 1);

/** A name as typed: trimmed, 1..30 characters (checked in the service, with a clear message). */
const tagName = z.string().trim();
const positiveId = z.number().int().positive();

export const tagRecord = z.object({
  id: z.number(),
  type: z.enum(TAG_TYPES),
  name: z.string(),
  order: z.number().describe('larger comes first'),
  groupId: z.number(),
  groupName: z.string(),
  wecomTagId: z.string().nullable().describe("corp tags: WeCom's tag id"),
  wecomGroupId: z.string().nullable(),
  createTime: dateTime.nullable().describe("corp tags: when WeCom created it"),
  ctime: dateTime,
  cuser: z.string().nullable(),
  mtime: dateTime,
  muser: z.string().nullable(),
});
export type TagRecord = z.output<typeof tagRecord>;

export const tagGroupRecord = z.object({
  id: z.number(),
  type: z.enum(TAG_TYPES),
  groupName: z.string(),
  order: z.number().describe('larger comes first'),
  wecomGroupId: z.string().nullable().describe("corp groups: WeCom's group_id"),
  createTime: dateTime.nullable(),
  syncedAt: dateTime.nullable().describe('corp groups: when the copy was last read from WeCom'),
  tagCount: z.number(),
  ctime: dateTime,
  cuser: z.string().nullable(),
  mtime: dateTime,
  muser: z.string().nullable(),
});
export type TagGroupRecord = z.output<typeof tagGroupRecord>;

export const groupedRecord = tagGroupRecord.extend({ tags: z.array(tagRecord) });
export type GroupedRecord = z.output<typeof groupedRecord>;

export const groupIdQuery = z.object({ groupId: z.coerce.number().int().positive() });

const newTag = z.object({ name: tagName, order: order.optional() });

export const saveGroupBody = z.object({
  id: positiveId.optional().describe('absent: a new group (needs at least one tag); present: rename/reorder the group and add the listed new tags'),
  groupName: tagName,
  order: order.optional(),
  tags: z
    .array(newTag.extend({ id: positiveId.optional().describe('an existing tag of the group: renamed/reordered when changed') }))
    .max(500)
    .default([]),
});
export type SaveGroupBody = z.output<typeof saveGroupBody>;

export const updateGroupBody = z.object({
  id: positiveId,
  groupName: tagName.optional(),
  order: order.optional(),
  tags: z
    .array(newTag.extend({ id: positiveId.optional() }))
    .min(1)
    .max(500)
    .optional()
    .describe("the group's whole tag list: tags without id are added, listed ones renamed/reordered, unlisted ones deleted"),
});
export type UpdateGroupBody = z.output<typeof updateGroupBody>;

export const updateTagBody = z.object({
  id: positiveId,
  name: tagName.optional(),
  order: order.optional(),
});
export type UpdateTagBody = z.output<typeof updateTagBody>;

// ---- customer tagging ------------------------------------------------------------------------------

const externalUserid = z.string().trim().min(1).max(64);
const wecomUserid = z.string().trim().max(64);
const tagIds = z.array(positiveId).max(500);

export const TAG_MATCHES = ['any', 'all'] as const;
export type TagMatch = (typeof TAG_MATCHES)[number];

/** Filters by tags, for customer and relation pages: local tag ids (corp or SCRM), any or all of them. */
export const tagFilter = z.object({
  tagIds: tagIds.optional().describe('local tag ids (corp or SCRM)'),
  tagMatch: z.enum(TAG_MATCHES).optional().describe('any (default): at least one of tagIds; all: every one of them'),
});
export type TagFilter = z.output<typeof tagFilter>;

const markTarget = z.object({
  externalUserid,
  userId: wecomUserid.default('').describe("the employee's WeCom userid; required for corp tags; '' for an SCRM tag on the customer as a whole"),
});

const markChange = z.object({
  tagType: z.enum(TAG_TYPES),
  addTagIds: tagIds.default([]),
  removeTagIds: tagIds.default([]),
});

/** The change of a bulk tagging (add and/or remove tags of one type). */
export const tagChangeShape = markChange.shape;

export const markBody = markTarget.extend(markChange.shape);
export type MarkBody = z.output<typeof markBody>;

/** Most relations or customers one bulk tagging changes (each is one mark_tag call in WeCom). */
export const BATCH_MARK_MAX = 500;

export const batchMarkBody = markChange.extend({ targets: z.array(markTarget).min(1).max(BATCH_MARK_MAX) });
export type BatchMarkBody = z.output<typeof batchMarkBody>;

export const batchMarkResult = z.object({
  succeeded: z.number(),
  failed: z.array(z.object({ externalUserid: z.string(), userId: z.string(), message: z.string(), detail: z.string().nullable().describe('WeCom failures: the raw errcode and errmsg'), errcode: z.number().nullable() })),
});

export const setTagsBody = markTarget.extend({
  tagType: z.enum(TAG_TYPES),
  tagIds: tagIds.describe('the tags of this type the customer (relation) ends up with'),
});
export type SetTagsBody = z.output<typeof setTagsBody>;

export const customerTagRecord = z.object({
  id: z.number(),
  externalUserid: z.string(),
  userId: z.string().describe("the employee's WeCom userid; '' for a tag on the customer as a whole"),
  tagType: z.enum(TAG_TYPES),
  tagId: z.number(),
  tagName: z.string(),
  groupId: z.number(),
  groupName: z.string(),
  wecomTagId: z.string().nullable(),
  customerName: z.string(),
  employeeName: z.string().nullable(),
  ctime: dateTime,
  cuser: z.string().nullable(),
});
export type CustomerTagRecord = z.output<typeof customerTagRecord>;

export const customerTagPageQuery = pageQuery.extend({
  externalUserid: optionalText(64),
  userId: optionalText(64),
  tagType: z.enum(TAG_TYPES).optional(),
  tagIds: tagIds.optional(),
  groupId: positiveId.optional(),
  customerName: optionalText(64).describe('part of the customer name'),
});
export type CustomerTagPageQuery = z.output<typeof customerTagPageQuery>;

export const tagBrief = z.object({
  id: z.number(),
  name: z.string(),
  type: z.enum(TAG_TYPES),
  groupId: z.number(),
  groupName: z.string(),
  wecomTagId: z.string().nullable(),
});
export type TagBrief = z.output<typeof tagBrief>;

/** 客户标签信息: one customer–employee relation with its tags. */
export const tagInfoRecord = z.object({
  id: z.number().describe('the relation id'),
  externalUserid: z.string(),
  userId: z.string(),
  customerName: z.string(),
  customerAvatar: z.string().nullable(),
  employeeName: z.string().nullable(),
  status: z.string().describe('relation status: active, lost, transferred'),
  corpTags: z.array(tagBrief),
  selfTags: z.array(tagBrief).describe("SCRM tags on this relation and on the customer as a whole (userId '')"),
});
export type TagInfoRecord = z.output<typeof tagInfoRecord>;

export const tagInfoPageQuery = pageQuery.extend({
  externalUserid: optionalText(64),
  userId: optionalText(64),
  customerName: optionalText(64),
  status: z.enum(['active', 'lost', 'transferred']).optional().describe('default: active'),
  ...tagFilter.shape,
});
export type TagInfoPageQuery = z.output<typeof tagInfoPageQuery>;
