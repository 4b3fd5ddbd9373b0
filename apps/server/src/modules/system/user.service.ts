import { and, eq, inArray } from 'drizzle-orm';
import type { MultipartFile } from '@fastify/multipart';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { viewerOf } from '../../platform/auth/data-scope.ts';
import { ADMIN_ROLE_KEY, loadAuthUser } from '../../platform/auth/authenticate.ts';
import { generateOneTimePassword, hashPassword, isStrongPassword, verifyPassword } from '../../platform/auth/password.ts';
import type { TokenService } from '../../platform/auth/tokens.ts';
import { readUpload } from '../../platform/uploads.ts';
import { AppError, BadRequest, Conflict, Forbidden, InvalidField, NotFound, TooManyRequests, Unauthorized } from '../../platform/http/errors.ts';
import { detectImage, type FileStore } from '../../platform/files.ts';
import { sysDept, sysRole } from '../../db/schema/index.ts';
import type { UserRepository } from './user.repository.ts';
import type { CreateFromWecomBody, UserRecord, UserSaveBody } from './user.schemas.ts';
import type { AuditLogRepository } from '../nexus/audit-log.repository.ts';
import type { LoginThrottle } from './login-throttle.ts';
import type { DeviceClaims, DeviceTokens } from './device-token.ts';
import type { GrantGuard } from './grant-guard.ts';
import { conflictOnUnique } from './unique-violation.ts';
import './system.messages.ts';
import { z } from 'zod';
import type { userPageQuery } from './user.schemas.ts';
import { notDeleted } from '../../platform/db/prepared.ts';

export const AVATAR_MAX_BYTES = 2 * 1024 * 1024;
export const fileUrl = (key: string) => `/scrm/files/${key}`;

export function createUserService(deps: {
  db: Db;
  users: UserRepository;
  tokens: TokenService;
  throttle: LoginThrottle;
  devices: DeviceTokens;
  files: FileStore;
  grants: GrantGuard;
  audit: Pick<AuditLogRepository, 'record'>;
  now: () => number;
  timeZone: string;
}) {
  const { db, users } = deps;

  async function issueToken(userId: number) {
    const user = await loadAuthUser(db, userId);
    if (!user) throw new Unauthorized();
    const widest = Math.min(5, ...user.roles.map((r) => r.dataScope), user.isAdmin ? 1 : 5);
    return deps.tokens.sign({
      uid: String(user.id),
      emp_no: user.empNo ?? '',
      user_name: user.username,
      phone_num: user.phone ?? '',
      account_status: String(user.status),
      dept_id: user.deptId === null ? '' : String(user.deptId),
      data_scope: String(widest),
      tv: user.tokenVersion,
    });
  }

  async function withRoles(user: UserRecord) {
    const roles = (await users.rolesOf([user.id])).map(({ userId: _userId, ...role }) => role);
    return { ...user, roles, roleIds: roles.map((r) => r.id) };
  }

  // Inside a transaction every query must use `tx`: on embedded PGlite a second connection waits for the
  // transaction to end, so a query on `db` there would never return. `ctx.scope()` is resolved before.
  async function requireVisible(ctx: RequestContext, id: number, tx: DbOrTx = db): Promise<UserRecord> {
    const user = await users.findById(id, tx);
    if (!user) throw new NotFound('user', id);
    const scope = await ctx.scope();
    const visible = scope.all || user.id === ctx.user.id || (user.deptId !== null && scope.deptIds.includes(user.deptId));
    if (!visible) throw new NotFound('user', id);
    return user;
  }

  /**
   * Visible, and not an administrator unless the caller is one: whoever may reset passwords or edit users
   * must not be able to take over an administrator's account.
   */
  async function requireManageable(ctx: RequestContext, id: number, tx: DbOrTx = db): Promise<UserRecord> {
    const user = await requireVisible(ctx, id, tx);
    if (!ctx.user.isAdmin && (await users.rolesOf([id], tx)).some((role) => role.roleKey === ADMIN_ROLE_KEY)) {
      throw new Forbidden('administratorOnly');
    }
    return user;
  }

  /**
   * The department exists (and stays, until the transaction ends) and is within the caller's data scope.
   * `currentDeptId` is undefined for a new user: a scoped caller then must name a department they see.
   */
  async function assertDeptAssignable(ctx: RequestContext, deptId: number | null | undefined, currentDeptId: number | null | undefined, tx: DbOrTx) {
    if (deptId) {
      const rows = await tx.select({ id: sysDept.id }).from(sysDept).where(and(eq(sysDept.id, deptId), notDeleted(sysDept))).for('share');
      if (!rows.length) throw new InvalidField('deptId', 'deptInvalid', { id: deptId });
    }
    // A scoped caller cannot place users where the caller could no longer see them; keeping a user's current department is fine.
    const scope = await ctx.scope();
    if (scope.all) return;
    if (currentDeptId !== undefined && (deptId ?? null) === (currentDeptId ?? null)) return;
    if (!deptId) throw new InvalidField('deptId', 'deptRequiredInScope');
    if (!scope.deptIds.includes(deptId)) throw new InvalidField('deptId', 'deptOutOfScope', { id: deptId });
  }

  /** The roles exist (locked against a concurrent delete); only administrators grant the administrator role. */
  async function assertRolesGrantable(ctx: RequestContext, roleIds: number[], tx: DbOrTx) {
    if (!roleIds.length) return;
    const unique = [...new Set(roleIds)];
    const rows = await tx
      .select({ id: sysRole.id, roleKey: sysRole.roleKey })
      .from(sysRole)
      .where(and(inArray(sysRole.id, unique), notDeleted(sysRole)))
      .for('share');
    if (rows.length !== unique.length) {
      const missing = unique.filter((id) => !rows.some((r) => r.id === id));
      throw new InvalidField('roleIds', 'notFound', { entity: 'role', id: missing.join(',') });
    }
    if (!ctx.user.isAdmin && rows.some((row) => row.roleKey === ADMIN_ROLE_KEY)) throw new Forbidden('administratorOnly');
  }

  /** Refuses a change after which no active administrator would remain. */
  async function assertAdminsRemain(excludedIds: number[], tx: Parameters<Parameters<Db['transaction']>[0]>[0]) {
    if ((await users.countActiveAdminsExcept(excludedIds, tx)) === 0) throw new Conflict('lastAdministrator');
  }

  return {
    /**
     * Signs in. Repeated failures make the next attempt wait (answered before the password is checked, the
     * same way for unknown usernames); the account is never locked. A valid device token for the username
     * (issued by an earlier sign-in of this user, same password since) skips the account's wait, which anyone
     * can cause, and has its own (device-token.ts). Every successful sign-in hands out a new device token.
     */
    async login(username: string, password: string, deviceToken?: string) {
      let device: DeviceClaims | null = await deps.devices.verify(deviceToken, username);
      let credentials: Awaited<ReturnType<UserRepository['findCredentials']>>;
      let wait = 0;
      if (device) {
        credentials = await users.findCredentials(username);
        if (!credentials || credentials.id !== device.uid || credentials.tokenVersion !== device.tv) device = null;
      }
      if (device) {
        const state = await deps.throttle.deviceState(device.id);
        if (state.revoked) device = null;
        wait = state.wait;
      }
      if (!device) wait = await deps.throttle.waitFor(username);
      if (wait > 0) throw new TooManyRequests('loginThrottled', { seconds: wait });
      credentials ??= await users.findCredentials(username);
      // Verify even for unknown users so timing does not reveal which usernames exist.
      const valid = await verifyPassword(credentials?.passwordHash ?? DUMMY_HASH, password);
      if (!credentials || !valid) {
        if (device) await deps.throttle.recordDeviceFailure(device.id, new Date(device.exp * 1000));
        else await deps.throttle.recordFailure(username);
        throw new Unauthorized('badCredentials');
      }
      if (credentials.status !== 0) throw new Unauthorized('accountDisabled');
      // A device's success clears the device's wait only: the account's stays for whoever else is trying.
      if (device) await deps.throttle.clearDevice(device.id);
      else await deps.throttle.clear(username);
      await users.update(db, credentials.id, { lastLoginAt: new Date(deps.now()) });
      const { token, expiresAt } = await issueToken(credentials.id);
      const user = (await users.findById(credentials.id))!;
      const issued = await deps.devices.issue({ id: credentials.id, username: user.username, tokenVersion: credentials.tokenVersion });
      return { token, expiresAt, mustChangePassword: user.mustChangePassword, user, deviceToken: issued.token };
    },

    page: async (ctx: RequestContext, query: z.output<typeof userPageQuery>) => users.page(await ctx.scope(), ctx.user.id, query),

    async get(ctx: RequestContext, id: number) {
      return withRoles(await requireVisible(ctx, id));
    },

    async current(ctx: RequestContext) {
      const user = await users.findById(ctx.user.id);
      if (!user) throw new Unauthorized('tokenRevoked');
      const widest = ctx.user.isAdmin ? 1 : Math.min(5, ...ctx.user.roles.map((r) => r.dataScope));
      return {
        ...(await withRoles(user)),
        isAdmin: ctx.user.isAdmin,
        permissions: ctx.user.isAdmin ? ['*'] : [...ctx.user.permissions].sort(),
        dataScope: widest,
        timeZone: deps.timeZone,
      };
    },

    async save(ctx: RequestContext, body: UserSaveBody) {
      const actor = actorOf(ctx);
      await ctx.scope();
      const id = await db.transaction(async (tx) => {
        if (await users.usernameTaken(body.username, body.id, tx)) throw new Conflict('usernameTaken', { username: body.username });
        if (body.empNo && (await users.empNoTaken(body.empNo, body.id, tx))) throw new Conflict('empNoTaken', { empNo: body.empNo });
        const existing = body.id === undefined ? undefined : await requireManageable(ctx, body.id, tx);
        await assertDeptAssignable(ctx, body.deptId, existing ? existing.deptId : undefined, tx);
        if (existing && (body.deptId ?? null) !== existing.deptId) {
          // What the user's roles cover follows their department: a move must not take it outside the caller's scope.
          const roleIds = (await users.rolesOf([existing.id], tx)).map((role) => role.id);
          await deps.grants.assertMovable(ctx, tx, roleIds, body.deptId ?? null);
        }
        // Profile fields only: roles, status and the WeCom binding have their own endpoints and permissions.
        const fields = {
          username: body.username,
          nickname: body.nickname,
          empNo: body.empNo ?? null,
          phone: body.phone ?? null,
          email: body.email ?? null,
          deptId: body.deptId ?? null,
          muser: actor,
          mtime: new Date(deps.now()),
        };
        if (body.id === undefined) {
          if (!body.password) throw new InvalidField('password', 'weakPassword');
          if (!isStrongPassword(body.password)) throw new InvalidField('password', 'weakPassword');
          return users.insert(tx, { ...fields, status: 0, passwordHash: await hashPassword(body.password), cuser: actor });
        }
        if (body.password !== undefined) throw new BadRequest('badRequest', {}, { fields: [{ field: 'password', message: 'use resetPassword or updatePassword' }] });
        await users.update(tx, body.id, fields);
        return body.id;
      });
      return withRoles((await users.findById(id))!);
    },

    async checkUsername(username: string) {
      return { username, available: !(await users.usernameTaken(username)) };
    },

    async batchDelete(ctx: RequestContext, ids: number[]) {
      const unique = [...new Set(ids)];
      if (unique.includes(ctx.user.id)) throw new Conflict('cannotDeleteSelf');
      await ctx.scope();
      return db.transaction(async (tx) => {
        const existing = await users.liveIds(unique, tx);
        const missing = unique.filter((id) => !existing.includes(id));
        if (missing.length) throw new NotFound('user', missing.join(','));
        for (const id of existing) await requireManageable(ctx, id, tx);
        await assertAdminsRemain(existing, tx);
        await users.revokeTokens(tx, existing, { isDel: 1, muser: actorOf(ctx), mtime: new Date(deps.now()) });
        return { deleted: existing.length };
      });
    },

    /**
     * Replaces a user's roles. Nobody but the super administrator changes their own roles; every role added
     * must be covered by the caller (its menus held by the caller, its departments inside the caller's scope).
     */
    async grantRoles(ctx: RequestContext, userId: number, roleIds: number[]) {
      if (userId === ctx.user.id && !ctx.user.isAdmin) throw new Forbidden('cannotGrantSelf');
      const target = await requireManageable(ctx, userId);
      await db.transaction(async (tx) => {
        await assertRolesGrantable(ctx, roleIds, tx);
        const held = new Set((await users.rolesOf([userId], tx)).map((role) => role.id));
        await deps.grants.assertGrantable(ctx, tx, [...new Set(roleIds)].filter((id) => !held.has(id)), target.deptId);
        await users.setRoles(tx, userId, [...new Set(roleIds)]);
        await users.update(tx, userId, { muser: actorOf(ctx), mtime: new Date(deps.now()) });
        await assertAdminsRemain([], tx);
      });
      return withRoles((await users.findById(userId))!);
    },

    /**
     * A one-time password for the user: whoever holds it signs in as them, so the caller must hold everything
     * the user holds (the covering rule over every role of theirs), or be the super administrator.
     */
    async resetPassword(ctx: RequestContext, id: number) {
      const target = await requireManageable(ctx, id);
      const password = generateOneTimePassword();
      const passwordHash = await hashPassword(password);
      await db.transaction(async (tx) => {
        const roleIds = (await users.rolesOf([id], tx)).map((role) => role.id);
        try {
          await deps.grants.assertGrantable(ctx, tx, roleIds, target.deptId);
        } catch (error) {
          if (error instanceof Forbidden) throw new Forbidden('resetWiderUser');
          throw error;
        }
        await users.revokeTokens(tx, [id], { passwordHash, mustChangePassword: true, muser: actorOf(ctx), mtime: new Date(deps.now()) });
      });
      return { id, password };
    },

    async updateStatus(ctx: RequestContext, id: number, status: number) {
      await requireManageable(ctx, id);
      if (status !== 0 && id === ctx.user.id) throw new Conflict('cannotDisableSelf');
      await db.transaction(async (tx) => {
        const values = { status, muser: actorOf(ctx), mtime: new Date(deps.now()) };
        if (status === 0) await users.update(tx, id, values);
        else {
          await users.revokeTokens(tx, [id], values);
          await assertAdminsRemain([], tx);
        }
      });
      return (await users.findById(id))!;
    },

    async updatePassword(ctx: RequestContext, oldPassword: string, newPassword: string) {
      const hash = await users.passwordHashOf(ctx.user.id);
      if (!hash || !(await verifyPassword(hash, oldPassword))) throw new InvalidField('oldPassword', 'wrongOldPassword');
      if (!isStrongPassword(newPassword)) throw new InvalidField('newPassword', 'weakPassword');
      if (oldPassword === newPassword) throw new InvalidField('newPassword', 'samePassword');
      const passwordHash = await hashPassword(newPassword);
      await db.transaction((tx) =>
        users.revokeTokens(tx, [ctx.user.id], { passwordHash, mustChangePassword: false, muser: actorOf(ctx), mtime: new Date(deps.now()) }),
      );
      // Older tokens (including the caller's) are now invalid: hand back a fresh one.
      const { token, expiresAt } = await issueToken(ctx.user.id);
      return { token, expiresAt };
    },

    async updateAvatar(ctx: RequestContext, avatar: string) {
      if (!/^(\/scrm\/files\/avatar\/[0-9a-f]{32}\.(png|jpg|gif|webp)|https:\/\/\S+)$/.test(avatar)) {
        throw new InvalidField('avatar', 'imageRequired');
      }
      await users.update(db, ctx.user.id, { avatar, muser: actorOf(ctx), mtime: new Date(deps.now()) });
      return (await users.findById(ctx.user.id))!;
    },

    async uploadAvatar(ctx: RequestContext, file: MultipartFile | undefined) {
      if (!file) throw new InvalidField('file', 'fileRequired');
      const content = await readUpload(file, AVATAR_MAX_BYTES);
      const image = detectImage(content);
      if (!image) throw new InvalidField('file', 'imageRequired');
      const key = await deps.files.save('avatar', content, image.extension);
      const url = fileUrl(key);
      await users.update(db, ctx.user.id, { avatar: url, muser: actorOf(ctx), mtime: new Date(deps.now()) });
      return { url };
    },

    /**
     * Binds (or with null unbinds) the WeCom employee whose customers the user works with. One live user per
     * employee (a unique index backs the check against concurrent binds); nobody but the super administrator
     * rebinds themselves. Binding brings the employee's customers into the view of the user and of everyone
     * whose scope covers the user: a caller whose scope is not "all" binds only an employee they already see
     * (data-scope.ts: one bound to nobody is seen only with "all"), 404 otherwise, as for anything out of scope.
     */
    async bindQwUserid(ctx: RequestContext, userId: number, qwUserid: string | null) {
      if (userId === ctx.user.id && !ctx.user.isAdmin) throw new Forbidden('cannotBindSelf');
      const before = await requireManageable(ctx, userId);
      const value = qwUserid || null;
      if (value && !(await users.employeeVisible(await viewerOf(ctx), value))) throw new NotFound('qwEmp', value);
      if (value && (await users.qwUseridBoundElsewhere(value, userId))) throw new Conflict('qwUseridTaken', { qwUserid: value });
      const now = new Date(deps.now());
      await conflictOnUnique(
        () =>
          db.transaction(async (tx) => {
            await users.update(tx, userId, { qwUserid: value, muser: actorOf(ctx), mtime: now });
            await deps.audit.record(tx, { actor: actorOf(ctx), requestId: ctx.requestId, now }, [
              { action: 'sys.user.bindQwUserid', targetType: 'sys_user', targetId: userId, before: { qwUserid: before.qwUserid }, after: { qwUserid: value } },
            ]);
          }),
        () => new Conflict('qwUseridTaken', { qwUserid: value }),
      );
      return (await users.findById(userId))!;
    },

    /** WeCom employees the caller may bind a user to: in the corp, bound to nobody, within the caller's scope. */
    async bindableEmployees(ctx: RequestContext, search: string) {
      return users.bindableEmployees(await viewerOf(ctx), search);
    },

    /**
     * Console users from WeCom employees, as sales teams are set up: one per employee, bound to it, in one system
     * department with the same roles, each with a one-time password (answered once) to change at first sign-in.
     * The caller needs what the single operations need — save, grant and bind permissions; the roles covered by
     * the caller (grant-guard), the department within their scope, every employee visible to them and bound to
     * nobody — and all rows pass or nothing is created: refusals name each row (employee, why).
     */
    async createFromWecom(ctx: RequestContext, body: CreateFromWecomBody) {
      const missing = (['sys:user:grant', 'sys:user:bind'] as const).filter((code) => !ctx.user.isAdmin && !ctx.user.permissions.has(code));
      if (missing.length) throw new Forbidden('bulkUsersNeedPermissions', { permissions: missing.join(', ') });
      const viewer = await viewerOf(ctx);
      const deptId = body.deptId ?? null;
      const roleIds = [...new Set(body.roleIds)];
      const userids = body.employees.map((row) => row.qwUserid);
      // Visibility is read before the transaction (see requireVisible): one query per employee, at most 100.
      const visible = new Set<string>();
      for (const userid of new Set(userids)) if (await users.employeeVisible(viewer, userid)) visible.add(userid);
      const prepared = body.employees.map((row) => ({ ...row, password: generateOneTimePassword() }));
      const hashes = await Promise.all(prepared.map((row) => hashPassword(row.password)));
      const actor = actorOf(ctx);
      const now = new Date(deps.now());

      const created = await conflictOnUnique(
        () =>
          db.transaction(async (tx) => {
            await assertDeptAssignable(ctx, deptId, undefined, tx);
            await assertRolesGrantable(ctx, roleIds, tx);
            await deps.grants.assertGrantable(ctx, tx, roleIds, deptId);

            const employees = new Map((await users.employeesByUserid(userids, tx)).map((row) => [row.userid, row]));
            const bound = new Map((await users.boundUsers(userids, tx)).map((row) => [row.qwUserid, row.username]));
            const usernames = prepared.map((row) => row.username ?? row.qwUserid);
            const taken = await users.takenUsernames(usernames, tx);
            const refusals: RowRefusal[] = [];
            const seenUserids = new Set<string>();
            const seenUsernames = new Set<string>();
            prepared.forEach((row, index) => {
              const employee = employees.get(row.qwUserid);
              const username = usernames[index];
              const name = employee?.name || row.qwUserid;
              const refuse = (field: string, messageKey: string, params: Record<string, unknown> = {}) =>
                refusals.push({ field: `employees[${index}].${field}`, messageKey, params: { row: index + 1, name, userid: row.qwUserid, username, ...params } });
              // Not in the mirror and out of scope read alike, so nothing is learnt about employees one may not see.
              if (!employee || employee.isDel || !visible.has(row.qwUserid)) return refuse('qwUserid', 'bulkEmployeeNotFound');
              if (employee.leftAt || employee.status === 5) return refuse('qwUserid', 'bulkEmployeeLeft');
              if (seenUserids.has(row.qwUserid)) return refuse('qwUserid', 'bulkEmployeeRepeated');
              seenUserids.add(row.qwUserid);
              const boundTo = bound.get(row.qwUserid);
              if (boundTo) return refuse('qwUserid', 'bulkEmployeeBound', { boundTo });
              if (!USERNAME.test(username)) return refuse('username', 'bulkUsernameInvalid');
              if (taken.has(username) || seenUsernames.has(username)) return refuse('username', 'bulkUsernameTaken');
              seenUsernames.add(username);
            });
            if (refusals.length) throw new RowsRefused(refusals);

            const result = [];
            for (const [index, row] of prepared.entries()) {
              const employee = employees.get(row.qwUserid)!;
              const id = await users.insert(tx, {
                username: usernames[index],
                nickname: employee.name.slice(0, 64),
                phone: employee.mobile && /^1[3-9]\d{9}$/.test(employee.mobile) ? employee.mobile : null,
                email: employee.email && /^[^\s@]+@[^\s@]+$/.test(employee.email) ? employee.email.slice(0, 128) : null,
                deptId,
                qwUserid: row.qwUserid,
                status: 0,
                passwordHash: hashes[index],
                mustChangePassword: true,
                cuser: actor,
                muser: actor,
                ctime: now,
                mtime: now,
              });
              if (roleIds.length) await users.setRoles(tx, id, roleIds);
              result.push({ id, username: usernames[index], nickname: employee.name.slice(0, 64), qwUserid: row.qwUserid, password: row.password });
            }
            await deps.audit.record(
              tx,
              { actor, requestId: ctx.requestId, now },
              result.map((user) => ({
                action: 'sys.user.createFromWecom',
                targetType: 'sys_user',
                targetId: user.id,
                after: { username: user.username, qwUserid: user.qwUserid, deptId, roleIds },
              })),
            );
            return result;
          }),
        // A concurrent request bound one of these employees or took a username first.
        () => new Conflict('bulkUsersRaced'),
      );
      return { users: created };
    },
  };
}

const USERNAME = /^[A-Za-z0-9_.@-]{2,32}$/;

/** One refused row of a bulk request: the field (employees[i].…) and why, in the caller's language. */
interface RowRefusal {
  field: string;
  messageKey: string;
  params: Record<string, unknown>;
}

/** A bulk request refused as a whole (nothing written): 400 with each refused row in `date.fields`. */
class RowsRefused extends AppError {
  constructor(refusals: RowRefusal[]) {
    super(400, 'bulkUsersRefused', { count: refusals.length }, { fields: refusals });
  }
}

// A valid argon2id hash of a random string, for constant-time refusals of unknown usernames.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2gIcpNvbFC9TTG3pOzTIbzMtOxLtEpn4ZRXDLfRUNb8';

export type UserService = ReturnType<typeof createUserService>;
