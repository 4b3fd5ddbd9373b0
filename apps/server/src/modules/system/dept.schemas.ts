import { z } from 'zod';
import { dateTime, requiredText } from '../../platform/http/schemas.ts';
import { optionalField, optionalPattern } from './form-fields.ts';

const deptFields = {
  id: z.number(),
  parentId: z.number().describe('0 only for the root department'),
  ancestors: z.string().describe('ids from the root down to the parent, comma-separated ("0,1,4")'),
  name: z.string(),
  orderNum: z.number(),
  leader: z.string().nullable(),
  phone: z.string().nullable(),
  status: z.number().describe('0 normal, 1 disabled'),
};

export const deptRow = z.object(deptFields);
export type DeptRow = z.output<typeof deptRow>;

export const deptRecord = deptRow.extend({ ctime: dateTime, cuser: z.string().nullable(), mtime: dateTime, muser: z.string().nullable() });
export type DeptRecord = z.output<typeof deptRecord>;

export interface DeptNode extends DeptRow {
  children: DeptNode[];
}
export const deptNode: z.ZodType<DeptNode> = z
  .object({
    ...deptFields,
    get children(): z.ZodArray<z.ZodType<DeptNode>> {
      return z.array(deptNode);
    },
  })
  .meta({ id: 'DeptNode' });

export const deptSaveBody = z.object({
  id: z.number().int().positive().optional(),
  parentId: z.number().int().min(0).describe('an existing department; 0 only when updating the root'),
  name: requiredText(64),
  orderNum: z.number().int().min(0).max(1_000_000).default(0),
  leader: optionalField(64),
  phone: optionalPattern(32, /^\+?[\d -]{3,32}$/, 'digits, spaces, + or -'),
  status: z.number().int().min(0).max(1).default(0),
});
export type DeptSaveBody = z.output<typeof deptSaveBody>;
