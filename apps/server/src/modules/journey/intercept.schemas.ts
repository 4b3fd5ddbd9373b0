import { z } from 'zod';
import { dateTime, id, optionalText, pageQuery } from '../../platform/http/schemas.ts';

/** WeCom's limits (API-FACTS-OPERATIONS §21). */
export const INTERCEPT_LIMITS = { rules: 100, nameCharacters: 20, words: 300, wordCharacters: 32, rangeNodes: 1000 } as const;
export const SEMANTICS = [1, 2, 3] as const;
export const INTERCEPT_TYPES = [1, 2] as const;

const semantics = z.union([z.literal(1), z.literal(2), z.literal(3)]);
const interceptType = z.union([z.literal(1), z.literal(2)]);

// The schema bounds only what no rule could use; WeCom's own limits are checked by the service, in words.
export const interceptSaveBody = z.object({
  id: id.optional().describe('absent: a new rule (added to WeCom); present: changes it in WeCom'),
  name: z.string().trim().min(1).max(64).describe('1~20 characters, unique in the corp'),
  words: z.array(z.string().trim().max(200)).max(1000).default([]).describe('sensitive words: at most 300 of 1~32 characters'),
  semantics: z.array(semantics).max(3).default([]).describe('also catch: 1 mobile numbers, 2 email addresses, 3 red packets'),
  interceptType: interceptType.describe('1 warn and block the message, 2 warn only'),
  userids: z.array(z.string().trim().min(1).max(64)).max(5000).default([]).describe('WeCom employees the rule applies to (at most 1000)'),
  deptIds: z.array(z.number().int().nonnegative()).max(5000).default([]).describe('WeCom departments the rule applies to (at most 1000)'),
});
export type InterceptSaveBody = z.output<typeof interceptSaveBody>;

export const interceptPageQuery = pageQuery.extend({
  name: optionalText(64).describe('name or a word contains'),
});
export type InterceptPageQuery = z.output<typeof interceptPageQuery>;

export const interceptRecord = z.object({
  id: z.number(),
  ruleId: z.string().describe('WeCom rule_id'),
  name: z.string(),
  words: z.array(z.string()),
  semantics: z.array(z.number()),
  semanticsText: z.array(z.string()).describe('what else is caught, in words'),
  interceptType: z.number(),
  interceptTypeText: z.string(),
  users: z.array(z.object({ userid: z.string(), name: z.string().nullable().describe('null: an employee SCRM never synced') })).describe('the applicable employees by name'),
  depts: z.array(z.object({ deptId: z.number(), name: z.string() })).describe('the applicable departments by name'),
  origin: z.enum(['scrm', 'wecom']),
  originText: z.string(),
  editable: z.boolean().describe('false for rules made in WeCom\'s admin console (WeCom lets only their maker change them)'),
  wecomCreatedAt: dateTime.nullable(),
  syncedAt: dateTime.nullable(),
  cuser: z.string().nullable(),
  ctime: dateTime,
  muser: z.string().nullable(),
  mtime: dateTime,
});
export type InterceptRecord = z.output<typeof interceptRecord>;

export const interceptSyncResult = z.object({
  added: z.number(),
  updated: z.number(),
  removed: z.number(),
  total: z.number(),
});
export type InterceptSyncResult = z.output<typeof interceptSyncResult>;
