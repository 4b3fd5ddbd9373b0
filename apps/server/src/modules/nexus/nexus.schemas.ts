import { z } from 'zod';
import { dateTime, optionalText, pageQuery, requiredText } from '../../platform/http/schemas.ts';
import { userRecord as systemUserRecord } from '../system/user.schemas.ts';

/** Nexus ids arrive as strings or numbers; they are kept as strings. */
const nexusId = z
  .union([z.string().trim().min(1).max(64), z.number().int().nonnegative()])
  .transform(String)
  .describe("Nexus's own id (string or integer)");

/** Absent, null, "0", 0 or "" mean a top-level department. */
const nexusParentId = z
  .union([z.string().trim().max(64), z.number().int().nonnegative(), z.null()])
  .optional()
  .transform((value) => (value === undefined || value === null || value === '' || String(value) === '0' ? null : String(value)))
  .describe('the Nexus id of the parent department; absent, null or "0" for a top-level department');

const empNo = z.string().trim().min(1).max(64).describe('工号');
const empNos = z.array(empNo).min(1).max(1000);
const status = z.union([z.literal(0), z.literal(1)]).describe('0 normal, 1 disabled');
const nullableText = (max: number) =>
  z.preprocess((value) => (typeof value === 'string' ? value.trim() || null : value), z.string().max(max).nullable().optional());

export const deptSaveBody = z.strictObject({
  deptId: nexusId,
  parentId: nexusParentId,
  name: requiredText(64),
  orderNum: z.number().int().min(0).max(1_000_000).optional(),
  leader: nullableText(64),
  phone: nullableText(32),
  status: status.optional(),
});
export type DeptSaveBody = z.output<typeof deptSaveBody>;

export const deptRecord = z.object({
  id: z.number().describe('SCRM department id'),
  nexusDeptId: z.string(),
  parentId: z.number().describe('SCRM id of the parent (0 for top level)'),
  ancestors: z.string(),
  name: z.string(),
  orderNum: z.number(),
  leader: z.string().nullable(),
  phone: z.string().nullable(),
  status: z.number(),
});
export type DeptRecord = z.output<typeof deptRecord>;

export const deptDeleteBody = z.strictObject({
  deptId: nexusId,
  cascade: z.boolean().default(false).describe('also delete sub-departments (and disable their users)'),
});

export const deptDeleteResult = z.object({
  deletedDeptIds: z.array(z.number()).describe('SCRM ids of the deleted departments'),
  disabledUsers: z.number().describe('active users of those departments, now disabled'),
});

const roleKeys = z.array(z.string().trim().min(1).max(64)).max(50).describe('role keys to grant (replaces the current roles)');
const username = z.string().trim().regex(/^[A-Za-z0-9_.@-]{2,32}$/, '2–32 letters, digits or _ . @ -');

export const userAddBody = z.strictObject({
  empNo,
  nickname: requiredText(64).describe('display name'),
  username: username.optional().describe('sign-in name; the employee number when absent'),
  nexusUserId: optionalText(64),
  deptId: nexusId.nullable().optional().describe('Nexus department id'),
  phone: optionalText(32),
  email: z.email().max(128).optional(),
  status: status.optional(),
  roleKeys: roleKeys.optional(),
});
export type UserAddBody = z.output<typeof userAddBody>;

export const userUpdateBody = z.strictObject({
  empNo: empNo.describe('工号 of the user to update'),
  newEmpNo: empNo.optional().describe('a new 工号, when it changes'),
  nickname: requiredText(64).optional(),
  username: username.optional(),
  nexusUserId: optionalText(64),
  deptId: nexusId.nullable().optional().describe('Nexus department id; null removes the department'),
  phone: nullableText(32),
  email: z.email().max(128).nullable().optional(),
  status: status.optional().describe('1 disables the user and revokes their tokens'),
  roleKeys: roleKeys.optional(),
});
export type UserUpdateBody = z.output<typeof userUpdateBody>;

export const userRecord = systemUserRecord.pick({
  id: true, username: true, nickname: true, empNo: true, phone: true, email: true, deptId: true, status: true,
});
export type NexusUserRecord = z.output<typeof userRecord>;

export const batchUpdateDeptBody = z.strictObject({ empNos, deptId: nexusId.describe('Nexus department id') });
export const batchUpdateDeptResult = z.object({ updated: z.number() });

export const deleteByEmpNoBody = z.strictObject({ empNos });
export const deleteByEmpNoResult = z.object({
  disabled: z.number().describe('users disabled by this call (those already disabled are left as they are)'),
  missing: z.array(z.string()).describe('employee numbers with no user (nothing to do)'),
});

export const ssoBody = z.strictObject({
  nexusToken: z.string().min(1).max(4096),
  empNo,
});
export const ssoResult = z.object({
  token: z.string().describe('SCRM token; send it as the `token` header'),
  expiresAt: dateTime,
  user: userRecord,
});

export const ssoLogoutBody = z.strictObject({ nexusToken: z.string().min(1).max(4096) });
export const ssoLogoutResult = z.object({ revoked: z.number().describe('SSO pairings ended') });

export const logoutResult = z.object({ revoked: z.boolean().describe('the calling token was signed out (with its SSO pairing, if any)') });

export const auditPageQuery = pageQuery.extend({
  actor: optionalText(64),
  action: optionalText(64).describe('exact action, or a prefix ending in "." (e.g. "nexus.user.")'),
  targetType: optionalText(32),
  targetId: optionalText(64),
  beginTime: dateTime.optional(),
  endTime: dateTime.optional(),
});
export type AuditPageQuery = z.output<typeof auditPageQuery>;

export const auditRecord = z.object({
  id: z.number(),
  actor: z.string(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
  requestId: z.string().nullable(),
  ctime: dateTime,
});
