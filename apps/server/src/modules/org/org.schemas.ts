import { z } from 'zod';
import { dateTime, optionalText, pageQuery, requiredText } from '../../platform/http/schemas.ts';

export const qwDeptRecord = z.object({
  id: z.number(),
  deptId: z.number().describe('WeCom department id (root 1)'),
  name: z.string(),
  nameEn: z.string().nullable(),
  parentId: z.number().describe('WeCom id of the parent department; 0 for the root'),
  orderNum: z.number().describe('WeCom order: larger comes first'),
  leaders: z.array(z.string()).describe('department_leader userids'),
  isDel: z.number().describe('1: no longer in WeCom (or deleted here)'),
  syncedAt: dateTime.nullable(),
  ctime: dateTime,
  cuser: z.string().nullable(),
  mtime: dateTime,
  muser: z.string().nullable(),
});
export type QwDeptRecord = z.output<typeof qwDeptRecord>;

export const qwDeptPageBody = pageQuery.extend({
  name: optionalText(64),
  parentId: z.number().int().min(0).optional(),
  includeDeleted: z.boolean().default(false).describe('also departments no longer in WeCom'),
});
export type QwDeptPageBody = z.output<typeof qwDeptPageBody>;

export const qwDeptSaveBody = z.object({
  id: z.number().int().positive().optional(),
  deptId: z.number().int().positive().optional().describe('WeCom department id; required when creating'),
  name: requiredText(64),
  nameEn: optionalText(64),
  parentId: z.number().int().min(0).default(1),
  orderNum: z.number().int().min(0).max(2 ** 32 - 1).default(0),
  leaders: z.array(z.string().min(1).max(64)).max(100).optional(),
});
export type QwDeptSaveBody = z.output<typeof qwDeptSaveBody>;

export const qwEmpRecord = z.object({
  id: z.number(),
  userid: z.string(),
  name: z.string(),
  mobile: z.string().nullable(),
  position: z.string().nullable(),
  department: z.array(z.number()).describe('WeCom department ids'),
  departmentNames: z.array(z.string()).describe('names of `department`, same order ("" when unknown)'),
  deptOrder: z.array(z.number()),
  isLeaderInDept: z.array(z.number()),
  mainDepartment: z.number().nullable(),
  directLeader: z.array(z.string()),
  gender: z.number().describe('0 unknown, 1 male, 2 female'),
  email: z.string().nullable(),
  bizMail: z.string().nullable(),
  avatar: z.string().nullable(),
  thumbAvatar: z.string().nullable(),
  telephone: z.string().nullable(),
  alias: z.string().nullable(),
  address: z.string().nullable(),
  openUserid: z.string().nullable(),
  externalPosition: z.string().nullable(),
  qrCode: z.string().nullable(),
  status: z.number().describe('1 active, 2 disabled, 4 not activated, 5 left the corp'),
  customerContact: z.boolean().nullable().describe('has 客户联系 (listed by get_follow_user_list); null until an employee sync asked WeCom'),
  eligible: z.boolean().describe('can take customers: in the corp, active, activated, 客户联系 not known to be missing'),
  leftAt: dateTime.nullable().describe('when WeCom stopped listing the member'),
  isDel: z.number(),
  syncedAt: dateTime.nullable(),
  ctime: dateTime,
  cuser: z.string().nullable(),
  mtime: dateTime,
  muser: z.string().nullable(),
});
export type QwEmpRecord = z.output<typeof qwEmpRecord>;

export const qwEmpPageBody = pageQuery.extend({
  name: optionalText(64).describe('part of the name'),
  userid: optionalText(64).describe('part of the userid'),
  mobile: optionalText(32),
  deptId: z.number().int().positive().optional().describe('WeCom department id'),
  includeSubDepts: z.boolean().default(false).describe('with deptId: members of its sub-departments too'),
  status: z.number().int().min(0).max(9).optional().describe('1 active, 2 disabled, 4 not activated, 5 left'),
  eligible: z.boolean().default(false).describe('only employees who can take customers (active, activated, with 客户联系)'),
});
export type QwEmpPageBody = z.output<typeof qwEmpPageBody>;

export const qwEmpSaveBody = z.object({
  id: z.number().int().positive().optional(),
  userid: z.string().trim().min(1).max(64).optional().describe('required when creating'),
  name: requiredText(64),
  mobile: optionalText(32),
  position: optionalText(128),
  department: z.array(z.number().int().positive()).max(100).optional(),
  mainDepartment: z.number().int().positive().optional(),
  gender: z.number().int().min(0).max(2).optional(),
  email: optionalText(128),
  alias: optionalText(64),
  telephone: optionalText(32),
  status: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(5)]).optional(),
});
export type QwEmpSaveBody = z.output<typeof qwEmpSaveBody>;

export const nameQuery = z.object({
  name: z.string().trim().max(64).default(''),
  eligible: z
    .stringbool()
    .default(false)
    .describe('true: only employees who can take customers (active, activated, with 客户联系) — what every picker of an employee who will receive customers uses'),
});
export const useridQuery = z.object({ userid: z.string().trim().min(1).max(64) });
