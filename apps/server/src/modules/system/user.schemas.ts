import { z } from 'zod';
import { dateTime, optionalText, pageQuery, requiredText } from '../../platform/http/schemas.ts';
import { absentWhenNull, optionalField, optionalPattern } from './form-fields.ts';
import { DEVICE_TOKEN_MAX_LENGTH } from './device-token.ts';

export const userRecord = z.object({
  id: z.number(),
  username: z.string(),
  nickname: z.string(),
  empNo: z.string().nullable(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  avatar: z.string().nullable().describe('URL of the avatar image'),
  deptId: z.number().nullable(),
  deptName: z.string().nullable(),
  status: z.number().describe('0 normal, 1 disabled'),
  qwUserid: z.string().nullable().describe('the WeCom employee the user is bound to (bindQwUserid)'),
  qwEmpName: z.string().nullable().describe("that employee's name, as the org mirror has it"),
  mustChangePassword: z.boolean(),
  lastLoginAt: dateTime.nullable(),
  ctime: dateTime,
  cuser: z.string().nullable(),
  mtime: dateTime,
  muser: z.string().nullable(),
});
export type UserRecord = z.output<typeof userRecord>;

export const roleBrief = z.object({ id: z.number(), name: z.string(), roleKey: z.string(), dataScope: z.number() });
export const userWithRoles = userRecord.extend({ roles: z.array(roleBrief), roleIds: z.array(z.number()) });

export const userPageQuery = pageQuery.extend({
  username: optionalText(64).describe('fuzzy'),
  nickname: optionalText(64).describe('fuzzy'),
  phone: optionalText(32),
  empNo: optionalText(64),
  status: z.number().int().min(0).max(1).optional(),
  deptId: z.number().int().positive().optional().describe('this department and below'),
});

const password = z.string().min(1).max(64);
export const userSaveBody = z.object({
  id: z.number().int().positive().optional(),
  username: z.string().trim().regex(/^[A-Za-z0-9_.@-]{2,32}$/, '2–32 letters, digits or _ . @ -'),
  nickname: requiredText(64),
  password: password.optional().describe('required when creating'),
  empNo: optionalField(64),
  phone: optionalPattern(32, /^1[3-9]\d{9}$/, 'a mainland China mobile number'),
  email: absentWhenNull(optionalText(128).pipe(z.email().optional())),
  deptId: z.number().int().positive().nullable().optional().describe('required from callers whose data scope is not "all"'),
})
  // Profile fields only: roles (grantRoles), status (updateStatus) and the WeCom binding (bindQwUserid) have
  // their own endpoints and permissions, so sending them here is refused rather than silently ignored.
  .strict();
export type UserSaveBody = z.output<typeof userSaveBody>;

export const loginBody = z.object({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(128),
  deviceToken: z
    .string()
    .max(DEVICE_TOKEN_MAX_LENGTH)
    .optional()
    .describe(
      'the deviceToken an earlier sign-in of this username answered (kept by the browser per username): with it, ' +
        "the account's wait after other people's failures does not apply, only this device's own; an invalid, expired " +
        "or other user's token is ignored",
    ),
});
export const loginResult = z.object({
  token: z.string(),
  expiresAt: dateTime,
  mustChangePassword: z.boolean(),
  user: userRecord,
  deviceToken: z
    .string()
    .describe('a device token for this username (valid 180 days, until a failed-attempt limit or a password change): send it as deviceToken at later sign-ins'),
});

export const currentUser = userWithRoles.extend({
  permissions: z.array(z.string()).describe('granted permission codes; ["*"] for administrators'),
  isAdmin: z.boolean(),
  dataScope: z.number().describe('the widest data scope among the roles'),
  timeZone: z.string().describe("the corp's time zone (TZ_DEFAULT): the console picks and shows schedules and calendar days in it"),
});

export const usernameBody = z.object({ username: z.string().trim().min(1).max(64) });
export const idsBody = z.object({ ids: z.array(z.number().int().positive()).min(1).max(500) });
export const grantRolesBody = z.object({ userId: z.number().int().positive(), roleIds: z.array(z.number().int().positive()).max(50) });
export const bindQwUseridBody = z.object({ userId: z.number().int().positive(), qwUserid: z.string().trim().max(64).nullable() });
export const updateStatusQuery = z.object({ id: z.coerce.number().int().positive(), status: z.coerce.number().int().min(0).max(1) });
export const updatePasswordBody = z.object({ oldPassword: password, newPassword: password });
export const updateAvatarBody = z.object({ avatar: z.string().trim().max(512) });

export const bindableEmployeesQuery = z.object({ name: z.string().trim().max(64).default('').describe('part of the name or userid') });
export const bindableEmployee = z.object({
  userid: z.string(),
  name: z.string(),
  position: z.string().nullable(),
  mobile: z.string().nullable(),
  status: z.number().describe('1 active, 2 disabled, 4 not activated'),
  customerContact: z.boolean().nullable().describe('has 客户联系; null: not known yet'),
  mainDepartmentName: z.string().nullable().describe('name of the main WeCom department'),
});

/** Creating console users from WeCom employees, one per employee, bound to it. */
export const createFromWecomBody = z.object({
  employees: z
    .array(
      z.object({
        qwUserid: z.string().trim().min(1).max(64),
        username: z
          .string()
          .trim()
          .regex(/^[A-Za-z0-9_.@-]{2,32}$/, '2–32 letters, digits or _ . @ -')
          .optional()
          .describe('default: the userid, when it is a valid username'),
      }),
    )
    .min(1)
    .max(100),
  roleIds: z.array(z.number().int().positive()).max(50).describe('granted to every new user (the grant rules apply)'),
  deptId: z.number().int().positive().nullable().optional().describe('the system department of every new user; required from callers whose data scope is not "all"'),
});
export type CreateFromWecomBody = z.output<typeof createFromWecomBody>;
export const createdFromWecom = z.object({
  users: z.array(
    z.object({
      id: z.number(),
      username: z.string(),
      nickname: z.string(),
      qwUserid: z.string(),
      password: z.string().describe('one-time password, shown once; the user must change it at first sign-in'),
    }),
  ),
});
