import { and, asc, desc, eq, ilike, inArray, sql, type SQL } from 'drizzle-orm';
import type { Department, User } from '@scrm/wecom';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { contains, countAll, paginate } from '../../platform/db/paging.ts';
import { qwDept, qwEmp } from '../../db/schema/wecom.ts';
import type { QwDeptPageBody, QwEmpPageBody } from './org.schemas.ts';
import { notDeleted } from '../../platform/db/prepared.ts';

export type QwDeptRow = typeof qwDept.$inferSelect;
export type QwEmpRow = typeof qwEmp.$inferSelect;

const UPSERT_CHUNK = 500;

function chunks<T>(items: T[], size = UPSERT_CHUNK): T[][] {
  const result: T[][] = [];
  for (let index = 0; index < items.length; index += size) result.push(items.slice(index, index + size));
  return result;
}

/** WeCom department → mirror columns. */
export function deptValues(department: Department, syncedAt: Date) {
  return {
    deptId: department.id,
    name: department.name,
    nameEn: department.name_en || null,
    parentId: department.parentid ?? 0,
    orderNum: department.order ?? 0,
    leaders: department.department_leader ?? [],
    isDel: 0,
    syncedAt,
    mtime: syncedAt,
    muser: 'wecom',
  };
}

/** WeCom member (user/get, user/list) → mirror columns. */
export function empValues(user: User, syncedAt: Date) {
  const empty = (value: string | undefined) => (value === undefined || value === '' ? null : value);
  return {
    userid: user.userid,
    name: user.name,
    mobile: empty(user.mobile),
    position: empty(user.position),
    department: user.department ?? [],
    deptOrder: user.order ?? [],
    isLeaderInDept: user.is_leader_in_dept ?? [],
    mainDepartment: user.main_department ?? user.department?.[0] ?? null,
    directLeader: user.direct_leader ?? [],
    gender: Number(user.gender ?? 0) || 0,
    email: empty(user.email),
    bizMail: empty(user.biz_mail),
    avatar: empty(user.avatar),
    thumbAvatar: empty(user.thumb_avatar),
    telephone: empty(user.telephone),
    alias: empty(user.alias),
    address: empty(user.address),
    openUserid: empty(user.open_userid),
    externalPosition: empty(user.external_position),
    qrCode: empty(user.qr_code),
    status: Number(user.status ?? 1),
    // Listed again (e.g. re-created with the same userid): no longer left.
    leftAt: Number(user.status) === 5 ? syncedAt : null,
    isDel: 0,
    syncedAt,
    mtime: syncedAt,
    muser: 'wecom',
  };
}

const excludedAll = <T extends Record<string, unknown>>(values: T, except: string[] = []) =>
  Object.fromEntries(
    Object.keys(values)
      .filter((key) => !except.includes(key))
      .map((key) => [key, sql.raw(`excluded.${key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}`)]),
  );

/**
 * Employees who can take customers: in the corp, active (status 1: not disabled, activated) and with 客户联系
 * (customer_contact; unknown before an employee sync has asked WeCom, then not held against them).
 */
export const eligibleEmployee: SQL = sql`(${qwEmp.isDel} = 0 AND ${qwEmp.leftAt} IS NULL AND ${qwEmp.status} = 1 AND ${qwEmp.customerContact} IS NOT FALSE)`;

/** Why an employee cannot take customers (null: they can). */
export type IneligibleReason = 'unknown' | 'left' | 'disabled' | 'notActivated' | 'noCustomerContact';

export function ineligibleReason(row: Pick<QwEmpRow, 'isDel' | 'leftAt' | 'status' | 'customerContact'> | undefined): IneligibleReason | null {
  if (!row || row.isDel) return 'unknown';
  if (row.leftAt || row.status === 5) return 'left';
  if (row.status === 2) return 'disabled';
  if (row.status !== 1) return 'notActivated';
  if (row.customerContact === false) return 'noCustomerContact';
  return null;
}

export function createOrgRepository(db: Db) {
  return {
    /** The mirror rows of these userids (any state), for saying who cannot take customers and why. */
    async employeeStates(userids: string[]): Promise<Map<string, Pick<QwEmpRow, 'userid' | 'name' | 'isDel' | 'leftAt' | 'status' | 'customerContact'>>> {
      if (!userids.length) return new Map();
      const rows = await db
        .select({ userid: qwEmp.userid, name: qwEmp.name, isDel: qwEmp.isDel, leftAt: qwEmp.leftAt, status: qwEmp.status, customerContact: qwEmp.customerContact })
        .from(qwEmp)
        .where(inArray(qwEmp.userid, userids));
      return new Map(rows.map((row) => [row.userid, row]));
    },

    /** 客户联系 as WeCom lists it now (get_follow_user_list): listed members have it, every other member not. */
    async setCustomerContact(tx: DbOrTx, followUsers: string[], now: Date): Promise<void> {
      await tx
        .update(qwEmp)
        .set({ customerContact: sql`${qwEmp.userid} IN (SELECT jsonb_array_elements_text(${JSON.stringify(followUsers)}::jsonb))`, mtime: now })
        .where(sql`${qwEmp.customerContact} IS DISTINCT FROM (${qwEmp.userid} IN (SELECT jsonb_array_elements_text(${JSON.stringify(followUsers)}::jsonb)))`);
    },

    /** Employees in the mirror who can take customers (not departed, not deleted), with names. */
    async activeEmployees(userids: string[]): Promise<Map<string, { userid: string; name: string; position: string }>> {
      if (!userids.length) return new Map();
      const rows = await db
        .select({ userid: qwEmp.userid, name: qwEmp.name, position: qwEmp.position })
        .from(qwEmp)
        .where(and(inArray(qwEmp.userid, userids), notDeleted(qwEmp), sql`${qwEmp.status} <> 5`));
      return new Map(rows.map((row) => [row.userid, { userid: row.userid, name: row.name, position: row.position ?? '' }]));
    },

    /** Which of these WeCom department ids are live in the mirror. */
    async existingDepartments(deptIds: number[]): Promise<Set<number>> {
      if (!deptIds.length) return new Set();
      const rows = await db.select({ deptId: qwDept.deptId }).from(qwDept).where(and(inArray(qwDept.deptId, deptIds), notDeleted(qwDept)));
      return new Set(rows.map((row) => row.deptId));
    },

    // ---- departments --------------------------------------------------------------------------

    async upsertDepts(tx: DbOrTx, departments: Department[], syncedAt: Date): Promise<void> {
      for (const part of chunks(departments)) {
        const values = part.map((department) => deptValues(department, syncedAt));
        await tx.insert(qwDept).values(values).onConflictDoUpdate({ target: qwDept.deptId, set: excludedAll(values[0], ['deptId']) });
      }
    },

    /** Departments WeCom no longer lists are flagged deleted, not erased. */
    async markDeptsDeletedExcept(tx: DbOrTx, seen: number[], now: Date): Promise<number> {
      const rows = await tx
        .update(qwDept)
        .set({ isDel: 1, mtime: now, muser: 'wecom' })
        .where(and(notDeleted(qwDept), seen.length ? sql`NOT (${qwDept.deptId} = ANY(${sql.raw(`'{${seen.map(Number).join(',')}}'`)}::bigint[]))` : undefined))
        .returning({ id: qwDept.id });
      return rows.length;
    },

    async markDeptDeleted(tx: DbOrTx, deptId: number, now: Date): Promise<void> {
      await tx.update(qwDept).set({ isDel: 1, mtime: now, muser: 'wecom' }).where(eq(qwDept.deptId, deptId));
    },

    deptPage(query: QwDeptPageBody) {
      const conditions: SQL[] = [];
      if (!query.includeDeleted) conditions.push(notDeleted(qwDept));
      if (query.name) conditions.push(ilike(qwDept.name, contains(query.name)));
      if (query.parentId !== undefined) conditions.push(eq(qwDept.parentId, query.parentId));
      const where = conditions.length ? and(...conditions) : undefined;
      return paginate(
        query,
        async () => (await db.select({ count: countAll }).from(qwDept).where(where))[0].count,
        (limit, offset) => db.select().from(qwDept).where(where).orderBy(asc(qwDept.parentId), desc(qwDept.orderNum), asc(qwDept.deptId)).limit(limit).offset(offset),
      );
    },

    async findDept(id: number, tx: DbOrTx = db): Promise<QwDeptRow | undefined> {
      const [row] = await tx.select().from(qwDept).where(eq(qwDept.id, id));
      return row;
    },

    async findDeptByDeptId(deptId: number, tx: DbOrTx = db): Promise<QwDeptRow | undefined> {
      const [row] = await tx.select().from(qwDept).where(eq(qwDept.deptId, deptId));
      return row;
    },

    async insertDept(tx: DbOrTx, values: typeof qwDept.$inferInsert): Promise<number> {
      const [row] = await tx.insert(qwDept).values(values).returning({ id: qwDept.id });
      return row.id;
    },

    async updateDept(tx: DbOrTx, id: number, values: Partial<typeof qwDept.$inferInsert>): Promise<void> {
      await tx.update(qwDept).set(values).where(eq(qwDept.id, id));
    },

    async allDepts(): Promise<QwDeptRow[]> {
      return db.select().from(qwDept).orderBy(asc(qwDept.deptId));
    },

    /** WeCom ids of a department and all its (live) descendants. */
    async deptSubtree(deptId: number): Promise<number[]> {
      const result = await db.execute<{ dept_id: number }>(sql`
        WITH RECURSIVE tree AS (
          SELECT dept_id FROM qw_dept WHERE dept_id = ${deptId}
          UNION SELECT d.dept_id FROM qw_dept d JOIN tree t ON d.parent_id = t.dept_id WHERE d.is_del = 0
        ) SELECT dept_id FROM tree`);
      const ids = result.rows.map((row) => Number(row.dept_id));
      return ids.length ? ids : [deptId];
    },

    async deptNames(deptIds: number[]): Promise<Map<number, string>> {
      if (deptIds.length === 0) return new Map();
      const rows = await db.select({ deptId: qwDept.deptId, name: qwDept.name }).from(qwDept).where(inArray(qwDept.deptId, deptIds));
      return new Map(rows.map((row) => [row.deptId, row.name]));
    },

    // ---- employees ----------------------------------------------------------------------------

    async upsertEmps(tx: DbOrTx, users: User[], syncedAt: Date): Promise<void> {
      for (const part of chunks(users)) {
        const values = part.map((user) => empValues(user, syncedAt));
        await tx.insert(qwEmp).values(values).onConflictDoUpdate({ target: qwEmp.userid, set: excludedAll(values[0], ['userid']) });
      }
    },

    /** Members WeCom no longer lists: status 5 (left) and when; the row stays. */
    async markEmpsLeftExcept(tx: DbOrTx, seen: string[], now: Date): Promise<number> {
      const rows = await tx
        .update(qwEmp)
        .set({ status: 5, leftAt: now, mtime: now, muser: 'wecom' })
        .where(and(sql`${qwEmp.leftAt} IS NULL`, seen.length ? sql`NOT (${qwEmp.userid} IN (SELECT jsonb_array_elements_text(${JSON.stringify(seen)}::jsonb)))` : undefined))
        .returning({ id: qwEmp.id });
      return rows.length;
    },

    async markEmpLeft(tx: DbOrTx, userid: string, now: Date): Promise<void> {
      await tx
        .update(qwEmp)
        .set({ status: 5, leftAt: sql`COALESCE(${qwEmp.leftAt}, ${now})`, mtime: now, muser: 'wecom' })
        .where(eq(qwEmp.userid, userid));
    },

    /** NewUserID: the member's userid changed. If the new id is already mirrored, the old row is marked left. */
    async renameEmp(tx: DbOrTx, from: string, to: string, now: Date): Promise<void> {
      const [existing] = await tx.select({ id: qwEmp.id }).from(qwEmp).where(eq(qwEmp.userid, to));
      if (existing) {
        await this.markEmpLeft(tx, from, now);
        return;
      }
      await tx.update(qwEmp).set({ userid: to, mtime: now, muser: 'wecom' }).where(eq(qwEmp.userid, from));
    },

    async empPage(query: QwEmpPageBody, deptIds: number[] | undefined) {
      const conditions: SQL[] = [notDeleted(qwEmp)];
      if (query.name) conditions.push(ilike(qwEmp.name, contains(query.name)));
      if (query.userid) conditions.push(ilike(qwEmp.userid, contains(query.userid)));
      if (query.mobile) conditions.push(ilike(qwEmp.mobile, contains(query.mobile)));
      if (query.status !== undefined) conditions.push(eq(qwEmp.status, query.status));
      if (query.eligible) conditions.push(eligibleEmployee);
      if (deptIds) conditions.push(sql`${qwEmp.department} && ${sql.raw(`'{${deptIds.map(Number).join(',')}}'`)}::bigint[]`);
      const where = and(...conditions);
      return paginate(
        query,
        async () => (await db.select({ count: countAll }).from(qwEmp).where(where))[0].count,
        (limit, offset) => db.select().from(qwEmp).where(where).orderBy(asc(qwEmp.status), asc(qwEmp.name), asc(qwEmp.id)).limit(limit).offset(offset),
      );
    },

    async empsByName(name: string, options: { eligible?: boolean } = {}, limit = 200): Promise<QwEmpRow[]> {
      return db
        .select()
        .from(qwEmp)
        .where(and(notDeleted(qwEmp), sql`${qwEmp.leftAt} IS NULL`, options.eligible ? eligibleEmployee : undefined, name ? ilike(qwEmp.name, contains(name)) : undefined))
        .orderBy(asc(qwEmp.name), asc(qwEmp.id))
        .limit(limit);
    },

    async findEmp(id: number, tx: DbOrTx = db): Promise<QwEmpRow | undefined> {
      const [row] = await tx.select().from(qwEmp).where(eq(qwEmp.id, id));
      return row;
    },

    async findEmpByUserid(userid: string, tx: DbOrTx = db): Promise<QwEmpRow | undefined> {
      const [row] = await tx.select().from(qwEmp).where(eq(qwEmp.userid, userid));
      return row;
    },

    async insertEmp(tx: DbOrTx, values: typeof qwEmp.$inferInsert): Promise<number> {
      const [row] = await tx.insert(qwEmp).values(values).returning({ id: qwEmp.id });
      return row.id;
    },

    async updateEmp(tx: DbOrTx, id: number, values: Partial<typeof qwEmp.$inferInsert>): Promise<void> {
      await tx.update(qwEmp).set(values).where(eq(qwEmp.id, id));
    },

    async allEmps(): Promise<QwEmpRow[]> {
      return db.select().from(qwEmp).orderBy(asc(qwEmp.userid));
    },
  };
}

export type OrgRepository = ReturnType<typeof createOrgRepository>;
