import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db, Tx } from '../../platform/db/database.ts';
import { loadAuthUser } from '../../platform/auth/authenticate.ts';
import { hashPassword } from '../../platform/auth/password.ts';
import type { TokenClaims, TokenService } from '../../platform/auth/tokens.ts';
import { Conflict, Forbidden, InvalidField, NotFound } from '../../platform/http/errors.ts';
import type { UserRepository } from '../system/user.repository.ts';
import type { AuditEntry, AuditLogRepository } from './audit-log.repository.ts';
import { ancestorsBelow, type DeptRepository } from '../system/dept.repository.ts';
import type { NexusRepository } from './nexus.repository.ts';
import type { AuditPageQuery, DeptRecord, DeptSaveBody, NexusUserRecord, UserAddBody, UserUpdateBody } from './nexus.schemas.ts';
import type { RequestContext } from '../../platform/auth/context.ts';

/** How long an SSO pairing (and the SCRM token it issued) lives. */
export const SSO_SESSION_HOURS = 12;
const SSO_SESSION_MS = SSO_SESSION_HOURS * 3600_000;
/** Ended pairings are kept this long (for support questions), then purged. */
const SSO_SESSION_RETENTION_MS = 24 * 3600_000;

/** Who is calling: the Nexus app key (or an SCRM username for our own logout), and the request id. */
export interface NexusCall {
  actor: string;
  requestId: string;
}

const hashNexusToken = (nexusToken: string) => createHash('sha256').update(nexusToken, 'utf8').digest('hex');

export function createNexusService(deps: {
  db: Db;
  nexus: NexusRepository;
  audit: Pick<AuditLogRepository, 'record' | 'page'>;
  depts: Pick<DeptRepository, 'insert' | 'update' | 'rebaseSubtree' | 'softDelete'>;
  users: Pick<UserRepository, 'insert' | 'update' | 'setRoles' | 'revokeTokens' | 'usernameTaken' | 'empNoTaken' | 'countActiveAdminsExcept'>;
  tokens: TokenService;
  now: () => number;
  /**
   * The HR system says employees left: their WeCom accounts (through the users' bindings) get a pending departure,
   * in the same transaction; the inheritance policy runs when WeCom confirms it (lifecycle module).
   */
  departures?: { announceDepartures(tx: Tx, userids: string[], source: 'nexus' | 'nexus-dept'): Promise<unknown> };
}) {
  const { db, nexus, depts, users } = deps;

  async function announceDepartures(tx: Tx, disabled: AuditEntry[], source: 'nexus' | 'nexus-dept') {
    if (!deps.departures || !disabled.length) return;
    const userids = await nexus.boundEmployees(tx, disabled.map((entry) => Number(entry.targetId)));
    if (userids.length) await deps.departures.announceDepartures(tx, userids, source);
  }

  /**
   * Runs a change in one transaction and audits what it returns. Department and user pushes are
   * serialised (with each other and with the console's department edits); SSO needs no such lock.
   */
  function change<T>(
    call: NexusCall,
    work: (tx: Tx, now: Date) => Promise<{ result: T; audit: AuditEntry[] }>,
    options: { serialised: boolean } = { serialised: true },
  ): Promise<T> {
    return db.transaction(async (tx) => {
      const now = new Date(deps.now());
      if (options.serialised) await nexus.lockWrites(tx);
      const { result, audit } = await work(tx, now);
      await deps.audit.record(tx, { actor: call.actor, requestId: call.requestId, now }, audit);
      return result;
    });
  }

  async function requireDept(tx: Tx, nexusDeptId: string, field: string): Promise<DeptRecord> {
    const dept = await nexus.findDept(tx, nexusDeptId);
    if (!dept) throw new InvalidField(field, 'notFound', { entity: 'nexusDept', id: nexusDeptId });
    return dept;
  }

  async function roleIdsOf(tx: Tx, roleKeys: string[]): Promise<number[]> {
    const { ids, missing } = await nexus.roleIdsByKeys(tx, roleKeys);
    if (missing.length) throw new InvalidField('roleKeys', 'notFound', { entity: 'role', id: missing.join(',') });
    return ids;
  }

  /** Refuses to disable the last active administrator, even on Nexus's word. */
  async function assertAdminsRemain(tx: Tx, disabledIds: number[]) {
    if (disabledIds.length && (await users.countActiveAdminsExcept(disabledIds, tx)) === 0) throw new Conflict('lastAdministrator');
  }

  /** Disables the active ones among `candidates` (the others have nothing to change, nor to audit). */
  async function disableUsers(tx: Tx, call: NexusCall, now: Date, candidates: NexusUserRecord[]): Promise<AuditEntry[]> {
    const before = candidates.filter((user) => user.status === 0);
    const ids = before.map((user) => user.id);
    await assertAdminsRemain(tx, ids);
    // Bumping the token version makes every token they hold (SSO or password) stop working at once.
    await users.revokeTokens(tx, ids, { status: 1, muser: call.actor, mtime: now });
    return before.map((user) => ({ action: 'nexus.user.disable', targetType: 'user', targetId: user.id, before: user, after: { ...user, status: 1 } }));
  }

  async function userByEmpNo(tx: Tx, empNo: string): Promise<NexusUserRecord> {
    const [user] = await nexus.usersByEmpNos(tx, [empNo]);
    if (!user) throw new NotFound('employee', empNo);
    return user;
  }

  async function ssoClaims(tx: Tx, userId: number, sid: string): Promise<Omit<TokenClaims, 'exp' | 'iat' | 'jti'>> {
    const user = (await loadAuthUser(tx, userId))!;
    const widest = user.isAdmin ? 1 : Math.min(5, ...user.roles.map((role) => role.dataScope));
    return {
      uid: String(user.id),
      emp_no: user.empNo ?? '',
      user_name: user.username,
      phone_num: user.phone ?? '',
      account_status: String(user.status),
      dept_id: user.deptId === null ? '' : String(user.deptId),
      data_scope: String(widest),
      tv: user.tokenVersion,
      sid,
    };
  }

  return {
    /** 操作日志: newest first. */
    auditPage: (_ctx: RequestContext, query: AuditPageQuery) => deps.audit.page(query),

    /** Creates or updates a department by its Nexus id; a new parent moves it with its whole subtree. */
    saveDept(call: NexusCall, body: DeptSaveBody): Promise<DeptRecord> {
      return change(call, async (tx, now) => {
        // Nexus's top-level departments go under SCRM's root department.
        const parent = body.parentId === null ? await nexus.rootDept(tx) : await nexus.findDept(tx, body.parentId);
        if (!parent) throw new InvalidField('parentId', 'nexusParentNotFound', { parentId: body.parentId });
        const parentId = parent.id;
        const ancestors = ancestorsBelow(parent);
        const existing = await nexus.findDept(tx, body.deptId);

        if (!existing) {
          const id = await depts.insert(tx, {
            parentId,
            ancestors,
            name: body.name,
            orderNum: body.orderNum ?? 0,
            leader: body.leader ?? null,
            phone: body.phone ?? null,
            status: body.status ?? 0,
            cuser: call.actor,
            muser: call.actor,
            ctime: now,
            mtime: now,
          });
          await nexus.mapDept(tx, body.deptId, id, now);
          const created = (await nexus.findDept(tx, body.deptId))!;
          return { result: created, audit: [{ action: 'nexus.dept.create', targetType: 'dept', targetId: id, after: created }] };
        }

        const moved = existing.parentId !== parentId;
        if (moved && `,${ancestors},`.includes(`,${existing.id},`)) throw new InvalidField('parentId', 'nexusDeptCycle');
        await depts.update(tx, existing.id, {
          parentId,
          ancestors,
          name: body.name,
          ...(body.orderNum !== undefined ? { orderNum: body.orderNum } : {}),
          ...(body.leader !== undefined ? { leader: body.leader } : {}),
          ...(body.phone !== undefined ? { phone: body.phone } : {}),
          ...(body.status !== undefined ? { status: body.status } : {}),
          muser: call.actor,
          mtime: now,
        });
        if (moved) await depts.rebaseSubtree(tx, existing.id, existing.ancestors, ancestors);
        const updated = (await nexus.findDept(tx, body.deptId))!;
        const action = moved ? 'nexus.dept.move' : 'nexus.dept.update';
        return { result: updated, audit: [{ action, targetType: 'dept', targetId: existing.id, before: existing, after: updated }] };
      });
    },

    /** Deletes a department (and, with cascade, its subtree); their users are disabled, not erased. */
    deleteDept(call: NexusCall, nexusDeptId: string, cascade: boolean) {
      return change(call, async (tx, now) => {
        const dept = await nexus.findDept(tx, nexusDeptId);
        if (!dept) throw new NotFound('nexusDept', nexusDeptId);
        const subtree = await nexus.subtree(tx, dept);
        if (subtree.length > 1 && !cascade) throw new Conflict('nexusDeptHasChildren');
        const ids = subtree.map((row) => row.id);
        const members = await nexus.usersInDepts(tx, ids);
        const userAudit = await disableUsers(tx, call, now, members);
        await announceDepartures(tx, userAudit, 'nexus-dept');
        await depts.softDelete(tx, ids, { muser: call.actor, mtime: now });
        await nexus.unmapDepts(tx, ids);
        const deptAudit = subtree.map((row) => ({ action: 'nexus.dept.delete', targetType: 'dept', targetId: row.id, before: row }));
        return { result: { deletedDeptIds: ids, disabledUsers: userAudit.length }, audit: [...deptAudit, ...userAudit] };
      });
    },

    addUser(call: NexusCall, body: UserAddBody): Promise<NexusUserRecord> {
      return change(call, async (tx, now) => {
        if (await users.empNoTaken(body.empNo, undefined, tx)) throw new Conflict('empNoTaken', { empNo: body.empNo });
        const username = body.username ?? body.empNo;
        if (await users.usernameTaken(username, undefined, tx)) throw new Conflict('usernameTaken', { username });
        if (body.nexusUserId && (await nexus.nexusUserIdTaken(tx, body.nexusUserId))) {
          throw new Conflict('nexusUserIdTaken', { nexusUserId: body.nexusUserId });
        }
        const dept = body.deptId ? await requireDept(tx, body.deptId, 'deptId') : undefined;
        const roleIds = body.roleKeys ? await roleIdsOf(tx, body.roleKeys) : [];
        const id = await users.insert(tx, {
          username,
          nickname: body.nickname,
          empNo: body.empNo,
          phone: body.phone ?? null,
          email: body.email ?? null,
          deptId: dept?.id ?? null,
          status: body.status ?? 0,
          // Nobody knows this password: Nexus users sign in through SSO (an administrator may reset it).
          passwordHash: await hashPassword(randomBytes(32).toString('base64url')),
          cuser: call.actor,
          muser: call.actor,
          ctime: now,
          mtime: now,
        });
        if (roleIds.length) await users.setRoles(tx, id, roleIds);
        await nexus.mapUser(tx, id, now, body.nexusUserId);
        const created = await nexus.userById(tx, id);
        const after = body.roleKeys ? { ...created, roleKeys: body.roleKeys } : created;
        return { result: created, audit: [{ action: 'nexus.user.create', targetType: 'user', targetId: id, after }] };
      });
    },

    updateUser(call: NexusCall, body: UserUpdateBody): Promise<NexusUserRecord> {
      return change(call, async (tx, now) => {
        const before = await userByEmpNo(tx, body.empNo);
        if (body.newEmpNo && (await users.empNoTaken(body.newEmpNo, before.id, tx))) throw new Conflict('empNoTaken', { empNo: body.newEmpNo });
        if (body.username && (await users.usernameTaken(body.username, before.id, tx))) throw new Conflict('usernameTaken', { username: body.username });
        if (body.nexusUserId && (await nexus.nexusUserIdTaken(tx, body.nexusUserId, before.id))) {
          throw new Conflict('nexusUserIdTaken', { nexusUserId: body.nexusUserId });
        }
        const dept = body.deptId ? await requireDept(tx, body.deptId, 'deptId') : undefined;
        const roleIds = body.roleKeys ? await roleIdsOf(tx, body.roleKeys) : undefined;
        const disabling = body.status === 1 && before.status !== 1;
        const enabling = body.status === 0 && before.status !== 0;
        if (disabling) await assertAdminsRemain(tx, [before.id]);
        await users.update(tx, before.id, {
          ...(body.newEmpNo !== undefined ? { empNo: body.newEmpNo } : {}),
          ...(body.nickname !== undefined ? { nickname: body.nickname } : {}),
          ...(body.username !== undefined ? { username: body.username } : {}),
          ...(body.deptId !== undefined ? { deptId: dept?.id ?? null } : {}),
          ...(body.phone !== undefined ? { phone: body.phone } : {}),
          ...(body.email !== undefined ? { email: body.email } : {}),
          ...(body.status !== undefined ? { status: body.status } : {}),
          muser: call.actor,
          mtime: now,
        });
        if (disabling) await users.revokeTokens(tx, [before.id]);
        if (roleIds) await users.setRoles(tx, before.id, roleIds);
        await nexus.mapUser(tx, before.id, now, body.nexusUserId);
        const after = await nexus.userById(tx, before.id);
        return {
          result: after,
          audit: [{
            action: disabling ? 'nexus.user.disable' : enabling ? 'nexus.user.enable' : 'nexus.user.update',
            targetType: 'user',
            targetId: before.id,
            before,
            after: roleIds ? { ...after, roleKeys: body.roleKeys } : after,
          }],
        };
      });
    },

    /** Moves employees to one department; every employee number must exist, or nothing changes. */
    batchUpdateDept(call: NexusCall, empNos: string[], nexusDeptId: string) {
      return change(call, async (tx, now) => {
        const dept = await requireDept(tx, nexusDeptId, 'deptId');
        const wanted = [...new Set(empNos)];
        const found = await nexus.usersByEmpNos(tx, wanted);
        const missing = wanted.filter((empNo) => !found.some((user) => user.empNo === empNo));
        if (missing.length) throw new NotFound('employee', missing.join(','));
        const moving = found.filter((user) => user.deptId !== dept.id);
        await nexus.updateUsers(tx, moving.map((user) => user.id), { deptId: dept.id, muser: call.actor, mtime: now });
        const audit = moving.map((user) => ({ action: 'nexus.user.move', targetType: 'user', targetId: user.id, before: user, after: { ...user, deptId: dept.id } }));
        return { result: { updated: moving.length }, audit };
      });
    },

    /** Employees who left: disabled (never erased) and signed out everywhere. Unknown numbers are reported. */
    deleteByEmpNos(call: NexusCall, empNos: string[]) {
      return change(call, async (tx, now) => {
        const wanted = [...new Set(empNos)];
        const found = await nexus.usersByEmpNos(tx, wanted);
        const audit = await disableUsers(tx, call, now, found);
        await announceDepartures(tx, audit, 'nexus');
        const missing = wanted.filter((empNo) => !found.some((user) => user.empNo === empNo));
        return { result: { disabled: audit.length, missing }, audit };
      });
    },

    /** Exchanges a Nexus token for an SCRM token, pairing them for 12 hours. */
    ssoLogin(call: NexusCall, nexusToken: string, empNo: string) {
      return change(call, async (tx, now) => {
        const user = await userByEmpNo(tx, empNo);
        if (user.status !== 0) throw new Forbidden('accountDisabled');
        const nexusTokenHash = hashNexusToken(nexusToken);
        await nexus.lockNexusToken(tx, nexusTokenHash);
        if (await nexus.tokenPairedWithOther(tx, nexusTokenHash, user.id, now)) throw new Conflict('nexusTokenPaired');
        await nexus.purgeSessions(tx, new Date(now.getTime() - SSO_SESSION_RETENTION_MS));
        const sid = randomUUID();
        // The pairing and the token end at the same instant (whole seconds, as the token's exp).
        const { token, expiresAt } = await deps.tokens.sign(await ssoClaims(tx, user.id, sid), SSO_SESSION_MS / 1000);
        await nexus.insertSession(tx, { id: sid, userId: user.id, nexusTokenHash, ctime: now, expiresAt });
        return {
          result: { token, expiresAt, user },
          audit: [{ action: 'nexus.sso.login', targetType: 'sso_session', targetId: sid, after: { userId: user.id, empNo, expiresAt } }],
        };
      }, { serialised: false });
    },

    /** Ends the pairings of a Nexus token (logout on the Nexus side). */
    ssoLogoutByNexusToken(call: NexusCall, nexusToken: string) {
      return change(call, async (tx, now) => {
        const ended = await nexus.revokeSessions(tx, { nexusTokenHash: hashNexusToken(nexusToken) }, now, call.actor);
        return { result: { revoked: ended.length }, audit: ended.map(endedAudit) };
      }, { serialised: false });
    },

    /** Ends the pairing of an SCRM token (logout on the SCRM side); plain tokens have none. */
    async ssoLogoutBySession(call: NexusCall, sid: string | undefined) {
      if (!sid) return { revoked: false };
      return change(call, async (tx, now) => {
        const ended = await nexus.revokeSessions(tx, { id: sid }, now, call.actor);
        return { result: { revoked: ended.length > 0 }, audit: ended.map(endedAudit) };
      }, { serialised: false });
    },
  };
}

const endedAudit = (session: { id: string; userId: number; expiresAt: Date }): AuditEntry => ({
  action: 'nexus.sso.logout',
  targetType: 'sso_session',
  targetId: session.id,
  before: { userId: session.userId, expiresAt: session.expiresAt },
});

export type NexusService = ReturnType<typeof createNexusService>;

/**
 * AppDeps.isTokenRevoked for SSO: a token carrying `sid` is refused once its pairing expired or ended.
 * Tokens without `sid` (password sign-ins) cost nothing.
 */
export function createSsoRevocationCheck(nexus: Pick<NexusRepository, 'findSession'>, now: () => number) {
  return async (claims: TokenClaims): Promise<boolean> => {
    if (claims.sid === undefined) return false;
    if (typeof claims.sid !== 'string') return true;
    const session = await nexus.findSession(claims.sid);
    return !session || session.revokedAt !== null || session.expiresAt.getTime() <= now() || String(session.userId) !== claims.uid;
  };
}
