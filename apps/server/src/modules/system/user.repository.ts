import { and, asc, desc, eq, ilike, inArray, ne, sql, type Placeholder, type SQL } from 'drizzle-orm';
import { notDeleted, preparedByShape, preparedPage } from '../../platform/db/prepared.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import { contains, countAll, paginateInOne } from '../../platform/db/paging.ts';
import { employeeScope, scopeCondition, type DataScope, type Viewer } from '../../platform/auth/data-scope.ts';
import { qwDept, qwEmp, sysDept, sysRole, sysUser, sysUserRole } from '../../db/schema/index.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { UserRecord } from './user.schemas.ts';
import { z } from 'zod';
import type { userPageQuery } from './user.schemas.ts';

const columns = {
  id: sysUser.id,
  username: sysUser.username,
  nickname: sysUser.nickname,
  empNo: sysUser.empNo,
  phone: sysUser.phone,
  email: sysUser.email,
  avatar: sysUser.avatar,
  deptId: sysUser.deptId,
  deptName: sysDept.name,
  status: sysUser.status,
  qwUserid: sysUser.qwUserid,
  qwEmpName: qwEmp.name,
  mustChangePassword: sysUser.mustChangePassword,
  lastLoginAt: sysUser.lastLoginAt,
  ctime: sysUser.ctime,
  cuser: sysUser.cuser,
  mtime: sysUser.mtime,
  muser: sysUser.muser,
};

export const live = notDeleted(sysUser);

/** Users as rows of a data-scoped query: by department, and oneself. */
export const userScope = (scope: DataScope, selfId: number): SQL | undefined =>
  scopeCondition(scope, { deptIn: (deptIds) => inArray(sysUser.deptId, deptIds), self: eq(sysUser.id, selfId) });

export function createUserRepository(db: DbOrTx) {
  const select = <E extends Record<string, SQL>>(tx: DbOrTx = db, extra = {} as E) =>
    tx.select({ ...columns, ...extra }).from(sysUser).leftJoin(sysDept, eq(sysDept.id, sysUser.deptId)).leftJoin(qwEmp, eq(qwEmp.userid, sysUser.qwUserid));

  /** Members still in the corp whom no live user is bound to. */
  const unboundEmployee = and(
    notDeleted(qwEmp),
    sql`${qwEmp.leftAt} IS NULL`,
    sql`${qwEmp.status} <> 5`,
    sql`NOT EXISTS (SELECT 1 FROM sys_user u WHERE u.is_del = 0 AND u.qw_userid = ${qwEmp.userid})`,
  );

  /** The page's conditions for a shape (the names of the values present), with placeholders for the values. */
  function pageWhere(shape: string, p: (name: string) => Placeholder): SQL | undefined {
    const has = new Set(shape.split(','));
    const scope: DataScope = has.has('all') ? { all: true } : { all: false, deptIds: has.has('depts') ? [0] : [] };
    return and(
      live,
      scopeCondition(scope, { deptIn: () => sql`${sysUser.deptId} = ANY(${p('depts')})`, self: eq(sysUser.id, p('self')) }),
      has.has('username') ? ilike(sysUser.username, p('username')) : undefined,
      has.has('nickname') ? ilike(sysUser.nickname, p('nickname')) : undefined,
      has.has('phone') ? ilike(sysUser.phone, p('phone')) : undefined,
      has.has('empNo') ? eq(sysUser.empNo, p('empNo')) : undefined,
      has.has('status') ? eq(sysUser.status, p('status')) : undefined,
      has.has('deptId')
        ? sql`${sysUser.deptId} IN (SELECT id FROM sys_dept WHERE id = ${p('deptId')} OR (',' || ancestors || ',') LIKE ${p('deptPattern')})`
        : undefined,
    );
  }
  const pageCount = preparedByShape(db, (shape, p) => db.select({ count: countAll }).from(sysUser).where(pageWhere(shape, p)));
  const pageRows = preparedPage(db, (shape, p, page) =>
    select(db, { pageTotal: sql<number>`(${db.select({ count: countAll }).from(sysUser).where(pageWhere(shape, p))})` })
      .where(pageWhere(shape, p)).orderBy(desc(sysUser.ctime), desc(sysUser.id)).limit(page.limit as never).offset(page.offset as never),
  );

  return {
    async page(scope: DataScope, selfId: number, query: z.output<typeof userPageQuery>): Promise<Page<UserRecord>> {
      // The values present make the shape; each shape's two queries are built once (preparedByShape).
      const values: Record<string, unknown> = {
        ...(scope.all ? {} : { self: selfId, ...(scope.deptIds.length ? { depts: scope.deptIds } : {}) }),
        ...(query.username ? { username: contains(query.username) } : {}),
        ...(query.nickname ? { nickname: contains(query.nickname) } : {}),
        ...(query.phone ? { phone: contains(query.phone) } : {}),
        ...(query.empNo ? { empNo: query.empNo } : {}),
        ...(query.status !== undefined ? { status: query.status } : {}),
        ...(query.deptId ? { deptId: query.deptId, deptPattern: `%,${query.deptId},%` } : {}),
      };
      const shape = [scope.all ? 'all' : 'scoped', ...Object.keys(values)].join(',');
      return paginateInOne(
        query,
        (limit, offset) => pageRows(shape, { ...values, limit, offset }),
        async () => (await pageCount(shape, values))[0].count,
      );
    },

    async findById(id: number, tx: DbOrTx = db): Promise<UserRecord | undefined> {
      return (await select(tx).where(and(live, eq(sysUser.id, id))))[0];
    },

    async findCredentials(username: string) {
      const [row] = await db
        .select({ id: sysUser.id, passwordHash: sysUser.passwordHash, status: sysUser.status, tokenVersion: sysUser.tokenVersion })
        .from(sysUser)
        .where(and(live, eq(sysUser.username, username)));
      return row;
    },

    async passwordHashOf(id: number): Promise<string | undefined> {
      return (await db.select({ hash: sysUser.passwordHash }).from(sysUser).where(eq(sysUser.id, id)))[0]?.hash;
    },

    async usernameTaken(username: string, exceptId?: number, tx: DbOrTx = db): Promise<boolean> {
      if (reservedUsername(username)) return true;
      const rows = await tx
        .select({ id: sysUser.id })
        .from(sysUser)
        .where(and(live, eq(sysUser.username, username), exceptId ? ne(sysUser.id, exceptId) : undefined));
      return rows.length > 0;
    },

    async empNoTaken(empNo: string, exceptId?: number, tx: DbOrTx = db): Promise<boolean> {
      const rows = await tx
        .select({ id: sysUser.id })
        .from(sysUser)
        .where(and(live, eq(sysUser.empNo, empNo), exceptId ? ne(sysUser.id, exceptId) : undefined));
      return rows.length > 0;
    },

    async qwUseridBoundElsewhere(qwUserid: string, exceptId: number): Promise<boolean> {
      const rows = await db
        .select({ id: sysUser.id })
        .from(sysUser)
        .where(and(live, eq(sysUser.qwUserid, qwUserid), ne(sysUser.id, exceptId)));
      return rows.length > 0;
    },

    /**
     * Whether the viewer sees the WeCom employee `qwUserid` (the relation/employee scope rule of
     * platform/auth/data-scope.ts: an employee bound to a user in the viewer's departments, or the viewer's
     * own; one bound to nobody only with scope "all").
     */
    async employeeVisible(viewer: Viewer, qwUserid: string): Promise<boolean> {
      const condition = employeeScope(viewer, sql`${qwUserid}::text`);
      if (!condition) return true;
      const result = await db.execute<{ visible: boolean }>(sql`SELECT ${condition} AS visible`);
      return result.rows[0]?.visible === true;
    },

    /**
     * WeCom employees a user can be bound to, as the viewer may see them (employeeScope: one bound to nobody is
     * seen only with scope "all"), by name or userid; at most `limit`, by name.
     */
    async bindableEmployees(viewer: Viewer, search: string, limit = 200) {
      return db
        .select({
          userid: qwEmp.userid,
          name: qwEmp.name,
          position: qwEmp.position,
          mobile: qwEmp.mobile,
          status: qwEmp.status,
          customerContact: qwEmp.customerContact,
          mainDepartmentName: qwDept.name,
        })
        .from(qwEmp)
        .leftJoin(qwDept, eq(qwDept.deptId, qwEmp.mainDepartment))
        .where(
          and(
            unboundEmployee,
            employeeScope(viewer, sql`${qwEmp.userid}`),
            search ? sql`(${ilike(qwEmp.name, contains(search))} OR ${ilike(qwEmp.userid, contains(search))})` : undefined,
          ),
        )
        .orderBy(asc(qwEmp.name), asc(qwEmp.userid))
        .limit(limit);
    },

    /** The mirror rows of these WeCom userids (any state), in the transaction, for creating users from them. */
    async employeesByUserid(userids: string[], tx: DbOrTx = db) {
      if (userids.length === 0) return [];
      return tx
        .select({ userid: qwEmp.userid, name: qwEmp.name, mobile: qwEmp.mobile, email: qwEmp.email, status: qwEmp.status, leftAt: qwEmp.leftAt, isDel: qwEmp.isDel })
        .from(qwEmp)
        .where(inArray(qwEmp.userid, userids));
    },

    /** Of these WeCom userids, those a live user is bound to, with that user's username. */
    async boundUsers(userids: string[], tx: DbOrTx = db) {
      if (userids.length === 0) return [];
      return tx
        .select({ qwUserid: sysUser.qwUserid, username: sysUser.username })
        .from(sysUser)
        .where(and(live, inArray(sysUser.qwUserid, userids)));
    },

    /** Of these usernames, those a live user has. */
    async takenUsernames(usernames: string[], tx: DbOrTx = db): Promise<Set<string>> {
      if (usernames.length === 0) return new Set();
      const rows = await tx.select({ username: sysUser.username }).from(sysUser).where(and(live, inArray(sysUser.username, usernames)));
      return new Set([...rows.map((row) => row.username), ...usernames.filter(reservedUsername)]);
    },

    async rolesOf(userIds: number[], tx: DbOrTx = db) {
      if (userIds.length === 0) return [];
      return tx
        .select({ userId: sysUserRole.userId, id: sysRole.id, name: sysRole.name, roleKey: sysRole.roleKey, dataScope: sysRole.dataScope })
        .from(sysUserRole)
        .innerJoin(sysRole, and(eq(sysRole.id, sysUserRole.roleId), notDeleted(sysRole)))
        .where(inArray(sysUserRole.userId, userIds))
        .orderBy(asc(sysRole.orderNum), asc(sysRole.id));
    },

    async setRoles(tx: DbOrTx, userId: number, roleIds: number[]) {
      await tx.delete(sysUserRole).where(eq(sysUserRole.userId, userId));
      if (roleIds.length) await tx.insert(sysUserRole).values(roleIds.map((roleId) => ({ userId, roleId })));
    },

    async insert(tx: DbOrTx, values: typeof sysUser.$inferInsert): Promise<number> {
      const [row] = await tx.insert(sysUser).values(values).returning({ id: sysUser.id });
      return row.id;
    },

    async update(tx: DbOrTx, id: number, values: Partial<typeof sysUser.$inferInsert>): Promise<number> {
      const rows = await tx.update(sysUser).set(values).where(and(live, eq(sysUser.id, id))).returning({ id: sysUser.id });
      return rows.length;
    },

    /** Bumps the token version so every token issued before stops working. */
    async revokeTokens(tx: DbOrTx, ids: number[], values: Partial<typeof sysUser.$inferInsert> = {}) {
      if (ids.length === 0) return;
      await tx
        .update(sysUser)
        .set({ ...values, tokenVersion: sql`${sysUser.tokenVersion} + 1` })
        .where(inArray(sysUser.id, ids));
    },

    async liveIds(ids: number[], tx: DbOrTx = db): Promise<number[]> {
      const rows = await tx.select({ id: sysUser.id }).from(sysUser).where(and(live, inArray(sysUser.id, ids)));
      return rows.map((r) => r.id);
    },

    /** Active administrators other than the given users: the last one must never go. */
    async countActiveAdminsExcept(excludedIds: number[], tx: DbOrTx = db): Promise<number> {
      const result = await tx.execute<{ count: number }>(sql`
        SELECT count(DISTINCT u.id)::int AS count FROM sys_user u
        JOIN sys_user_role ur ON ur.user_id = u.id
        JOIN sys_role r ON r.id = ur.role_id AND r.is_del = 0 AND r.status = 0 AND r.role_key = 'admin'
        WHERE u.is_del = 0 AND u.status = 0
          ${excludedIds.length ? sql`AND u.id NOT IN (${sql.join(excludedIds.map((id) => sql`${id}`), sql`, `)})` : sql``}`);
      return Number(result.rows[0].count);
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;

/**
 * The names SCRM's own actions are recorded under (jobs and callbacks act as `system` or `wecom`: audit actors, cuser),
 * taken by SCRM itself: a user named so would have their actions read, in the audit log, as SCRM's.
 */
const RESERVED_USERNAMES = new Set(['system', 'wecom']);
const reservedUsername = (username: string) => RESERVED_USERNAMES.has(username.toLowerCase());
