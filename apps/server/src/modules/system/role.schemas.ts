import { z } from 'zod';
import { dateTime, optionalText, pageQuery, requiredText } from '../../platform/http/schemas.ts';
import { optionalField } from './form-fields.ts';

const positiveIds = (max: number) => z.array(z.number().int().positive()).max(max);

export const roleRecord = z.object({
  id: z.number(),
  name: z.string(),
  roleKey: z.string(),
  dataScope: z.number().describe('1 all, 2 custom departments, 3 own department, 4 own department and below, 5 self only'),
  orderNum: z.number(),
  status: z.number().describe('0 normal, 1 disabled (grants nothing while disabled)'),
  remark: z.string().nullable(),
  ctime: dateTime,
  cuser: z.string().nullable(),
  mtime: dateTime,
  muser: z.string().nullable(),
});
export type RoleRecord = z.output<typeof roleRecord>;

export const roleDetail = roleRecord.extend({
  menuIds: z.array(z.number()).describe('granted menus (directories, pages and buttons), exactly as stored'),
  deptIds: z.array(z.number()).describe('custom departments (data scope 2); empty otherwise'),
});

export const rolePageQuery = pageQuery.extend({
  name: optionalText(64).describe('fuzzy'),
  roleKey: optionalText(64).describe('fuzzy'),
  status: z.number().int().min(0).max(1).optional(),
});
export type RolePageQuery = z.output<typeof rolePageQuery>;

export const roleSaveBody = z.object({
  id: z.number().int().positive().optional(),
  name: requiredText(64),
  roleKey: z
    .union([z.literal(''), z.string().trim().regex(/^[A-Za-z][A-Za-z0-9_:.-]{0,63}$/, 'a letter, then up to 63 letters, digits or _ : . -')])
    .optional()
    .describe('权限字符; empty or absent: generated for a new role (role_ and 6 hex digits), kept on an update'),
  dataScope: z.number().int().min(1).max(5),
  deptIds: positiveIds(1000).optional().describe('required (non-empty) for data scope 2; ignored otherwise'),
  orderNum: z.number().int().min(0).max(1_000_000).default(0),
  status: z.number().int().min(0).max(1).default(0),
  remark: optionalField(255),
});
export type RoleSaveBody = z.output<typeof roleSaveBody>;

export const roleIdQuery = z.object({ roleId: z.coerce.number().int().positive() });
export const roleMenusBody = z.object({
  roleId: z.number().int().positive(),
  menuIds: positiveIds(5000).describe('the complete set of granted menus; replaces the previous grants'),
});
export const roleMenus = z.object({ roleId: z.number(), menuIds: z.array(z.number()) });
