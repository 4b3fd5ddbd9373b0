import { and, eq, gt, inArray, isNotNull, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { nexusDeptMap, nexusSsoSession, nexusUserMap, sysDept, sysRole, sysUser } from '../../db/schema/index.ts';
import { ancestorsBelow } from '../system/dept.repository.ts';
import type { DeptRecord, NexusUserRecord } from './nexus.schemas.ts';
import { DEPT_TREE_LOCK } from '../system/dept.service.ts';
import { notDeleted } from '../../platform/db/prepared.ts';


const deptColumns = {
  id: sysDept.id,
  nexusDeptId: nexusDeptMap.nexusDeptId,
  parentId: sysDept.parentId,
  ancestors: sysDept.ancestors,
  name: sysDept.name,
  orderNum: sysDept.orderNum,
  leader: sysDept.leader,
  phone: sysDept.phone,
  status: sysDept.status,
};

const userColumns = {
  id: sysUser.id,
  username: sysUser.username,
  nickname: sysUser.nickname,
  empNo: sysUser.empNo,
  phone: sysUser.phone,
  email: sysUser.email,
  deptId: sysUser.deptId,
  status: sysUser.status,
};

const liveUser = notDeleted(sysUser);

/** Rows whose ancestors start with `prefix`: the strict descendants of the department that prefix ends with. */
const descendantsOf = (prefix: string) => or(eq(sysDept.ancestors, prefix), sql`${sysDept.ancestors} LIKE ${`${prefix},%`}`);

export function createNexusRepository(db: Db) {
  return {
    /** Nexus pushes are serialised with each other and with console department edits: moves rewrite whole subtrees. */
    async lockWrites(tx: DbOrTx) {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${DEPT_TREE_LOCK})`);
    },

    // Departments

    async findDept(tx: DbOrTx, nexusDeptId: string): Promise<DeptRecord | undefined> {
      const [row] = await tx
        .select(deptColumns)
        .from(nexusDeptMap)
        .innerJoin(sysDept, and(eq(sysDept.id, nexusDeptMap.deptId), notDeleted(sysDept)))
        .where(eq(nexusDeptMap.nexusDeptId, nexusDeptId));
      return row;
    },

    async mapDept(tx: DbOrTx, nexusDeptId: string, deptId: number, now: Date) {
      await tx
        .insert(nexusDeptMap)
        .values({ nexusDeptId, deptId, ctime: now, mtime: now })
        .onConflictDoUpdate({ target: nexusDeptMap.nexusDeptId, set: { deptId, mtime: now } });
    },

    /** The department and all its live descendants, top first. */
    async subtree(tx: DbOrTx, dept: { id: number; ancestors: string }) {
      return tx
        .select({ id: sysDept.id, parentId: sysDept.parentId, ancestors: sysDept.ancestors, name: sysDept.name })
        .from(sysDept)
        .where(and(notDeleted(sysDept), or(eq(sysDept.id, dept.id), descendantsOf(ancestorsBelow(dept)))))
        .orderBy(sysDept.ancestors, sysDept.id);
    },

    async unmapDepts(tx: DbOrTx, deptIds: number[]) {
      await tx.delete(nexusDeptMap).where(inArray(nexusDeptMap.deptId, deptIds));
    },

    /** The root department (parent 0): where Nexus's top-level departments go. */
    async rootDept(tx: DbOrTx): Promise<{ id: number; ancestors: string }> {
      const [root] = await tx
        .select({ id: sysDept.id, ancestors: sysDept.ancestors })
        .from(sysDept)
        .where(and(notDeleted(sysDept), eq(sysDept.parentId, 0)))
        .orderBy(sysDept.id)
        .limit(1);
      return root;
    },

    // Users

    async usersByEmpNos(tx: DbOrTx, empNos: string[]): Promise<NexusUserRecord[]> {
      if (empNos.length === 0) return [];
      return tx.select(userColumns).from(sysUser).where(and(liveUser, inArray(sysUser.empNo, empNos))).orderBy(sysUser.id);
    },

    /** The WeCom accounts (qw_userid) bound to these users. */
    async boundEmployees(tx: DbOrTx, userIds: number[]): Promise<string[]> {
      if (userIds.length === 0) return [];
      const rows = await tx.select({ qwUserid: sysUser.qwUserid }).from(sysUser).where(and(inArray(sysUser.id, userIds), isNotNull(sysUser.qwUserid)));
      return rows.map((row) => row.qwUserid!);
    },

    async usersInDepts(tx: DbOrTx, deptIds: number[]): Promise<NexusUserRecord[]> {
      return tx.select(userColumns).from(sysUser).where(and(liveUser, inArray(sysUser.deptId, deptIds))).orderBy(sysUser.id);
    },

    async userById(tx: DbOrTx, id: number): Promise<NexusUserRecord> {
      const [row] = await tx.select(userColumns).from(sysUser).where(eq(sysUser.id, id));
      return row;
    },

    async updateUsers(tx: DbOrTx, ids: number[], values: Partial<typeof sysUser.$inferInsert>) {
      if (ids.length) await tx.update(sysUser).set(values).where(inArray(sysUser.id, ids));
    },

    /** Live role ids by role key, in the order asked; missing keys are reported. */
    async roleIdsByKeys(tx: DbOrTx, keys: string[]): Promise<{ ids: number[]; missing: string[] }> {
      const unique = [...new Set(keys)];
      if (unique.length === 0) return { ids: [], missing: [] };
      const rows = await tx.select({ id: sysRole.id, roleKey: sysRole.roleKey }).from(sysRole).where(and(notDeleted(sysRole), inArray(sysRole.roleKey, unique)));
      const byKey = new Map(rows.map((row) => [row.roleKey, row.id]));
      return { ids: unique.flatMap((key) => byKey.get(key) ?? []), missing: unique.filter((key) => !byKey.has(key)) };
    },

    async nexusUserIdTaken(tx: DbOrTx, nexusUserId: string, exceptUserId?: number): Promise<boolean> {
      const rows = await tx
        .select({ userId: nexusUserMap.userId })
        .from(nexusUserMap)
        .innerJoin(sysUser, and(eq(sysUser.id, nexusUserMap.userId), liveUser))
        .where(and(eq(nexusUserMap.nexusUserId, nexusUserId), exceptUserId ? ne(nexusUserMap.userId, exceptUserId) : undefined));
      return rows.length > 0;
    },

    /** Marks a user as managed by Nexus; a Nexus user id, when given, moves to this user. */
    async mapUser(tx: DbOrTx, userId: number, now: Date, nexusUserId?: string) {
      if (nexusUserId) {
        await tx.update(nexusUserMap).set({ nexusUserId: null }).where(and(eq(nexusUserMap.nexusUserId, nexusUserId), ne(nexusUserMap.userId, userId)));
      }
      await tx
        .insert(nexusUserMap)
        .values({ userId, nexusUserId: nexusUserId ?? null, ctime: now, mtime: now })
        .onConflictDoUpdate({ target: nexusUserMap.userId, set: { mtime: now, ...(nexusUserId ? { nexusUserId } : {}) } });
    },

    // SSO pairings

    async insertSession(tx: DbOrTx, values: typeof nexusSsoSession.$inferInsert) {
      await tx.insert(nexusSsoSession).values(values);
    },

    /** Serialises pairings of one Nexus token, so two employees cannot both claim it at once. */
    async lockNexusToken(tx: DbOrTx, nexusTokenHash: string) {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${nexusTokenHash}, 0))`);
    },

    /** Whether a live pairing of this Nexus token belongs to another user. */
    async tokenPairedWithOther(tx: DbOrTx, nexusTokenHash: string, userId: number, now: Date): Promise<boolean> {
      const rows = await tx
        .select({ id: nexusSsoSession.id })
        .from(nexusSsoSession)
        .where(and(eq(nexusSsoSession.nexusTokenHash, nexusTokenHash), ne(nexusSsoSession.userId, userId), isNull(nexusSsoSession.revokedAt), gt(nexusSsoSession.expiresAt, now)))
        .limit(1);
      return rows.length > 0;
    },

    async findSession(id: string) {
      const [row] = await db
        .select({ userId: nexusSsoSession.userId, expiresAt: nexusSsoSession.expiresAt, revokedAt: nexusSsoSession.revokedAt })
        .from(nexusSsoSession)
        .where(eq(nexusSsoSession.id, id));
      return row;
    },

    /** Ends live pairings, by session id or by Nexus token; returns those ended. */
    async revokeSessions(tx: DbOrTx, where: { id: string } | { nexusTokenHash: string }, now: Date, revokedBy: string) {
      const match = 'id' in where ? eq(nexusSsoSession.id, where.id) : eq(nexusSsoSession.nexusTokenHash, where.nexusTokenHash);
      return tx
        .update(nexusSsoSession)
        .set({ revokedAt: now, revokedBy })
        .where(and(match, isNull(nexusSsoSession.revokedAt), gt(nexusSsoSession.expiresAt, now)))
        .returning({ id: nexusSsoSession.id, userId: nexusSsoSession.userId, expiresAt: nexusSsoSession.expiresAt });
    },

    /** Pairings that ended more than a day ago are of no further use. */
    async purgeSessions(tx: DbOrTx, endedBefore: Date) {
      await tx.delete(nexusSsoSession).where(lt(nexusSsoSession.expiresAt, endedBefore));
    },
  };
}

export type NexusRepository = ReturnType<typeof createNexusRepository>;
