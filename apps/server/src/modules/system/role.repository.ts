import { and, asc, eq, ilike, inArray, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';
import { contains, countAll, paginate } from '../../platform/db/paging.ts';
import { sysRole, sysRoleDept, sysRoleMenu, sysUser, sysUserRole } from '../../db/schema/index.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { RolePageQuery, RoleRecord } from './role.schemas.ts';
import { notDeleted } from '../../platform/db/prepared.ts';

const columns = {
  id: sysRole.id,
  name: sysRole.name,
  roleKey: sysRole.roleKey,
  dataScope: sysRole.dataScope,
  orderNum: sysRole.orderNum,
  status: sysRole.status,
  remark: sysRole.remark,
  ctime: sysRole.ctime,
  cuser: sysRole.cuser,
  mtime: sysRole.mtime,
  muser: sysRole.muser,
};

const live = notDeleted(sysRole);
const ordered = [asc(sysRole.orderNum), asc(sysRole.id)];

export function createRoleRepository(db: DbOrTx) {
  return {
    async page(query: RolePageQuery): Promise<Page<RoleRecord>> {
      const where = and(
        live,
        query.name ? ilike(sysRole.name, contains(query.name)) : undefined,
        query.roleKey ? ilike(sysRole.roleKey, contains(query.roleKey)) : undefined,
        query.status !== undefined ? eq(sysRole.status, query.status) : undefined,
      );
      return paginate(
        query,
        async () => (await db.select({ count: countAll }).from(sysRole).where(where))[0].count,
        (limit, offset) => db.select(columns).from(sysRole).where(where).orderBy(...ordered).limit(limit).offset(offset),
      );
    },

    list: (): Promise<RoleRecord[]> => db.select(columns).from(sysRole).where(live).orderBy(...ordered),

    async findById(id: number, tx: DbOrTx = db): Promise<RoleRecord | undefined> {
      return (await tx.select(columns).from(sysRole).where(and(live, eq(sysRole.id, id))))[0];
    },

    /** Live roles among `ids`, locked until the transaction ends (a delete and a grant cannot cross). */
    lockLive: (tx: DbOrTx, ids: number[]) =>
      tx.select({ id: sysRole.id, name: sysRole.name, roleKey: sysRole.roleKey }).from(sysRole).where(and(live, inArray(sysRole.id, ids))).for('update'),

    async roleKeyTaken(roleKey: string, exceptId: number | undefined, tx: DbOrTx = db): Promise<boolean> {
      const rows = await tx
        .select({ id: sysRole.id })
        .from(sysRole)
        .where(and(live, eq(sysRole.roleKey, roleKey), exceptId ? ne(sysRole.id, exceptId) : undefined));
      return rows.length > 0;
    },

    async menuIdsOf(roleId: number, tx: DbOrTx = db): Promise<number[]> {
      const rows = await tx.select({ id: sysRoleMenu.menuId }).from(sysRoleMenu).where(eq(sysRoleMenu.roleId, roleId)).orderBy(asc(sysRoleMenu.menuId));
      return rows.map((r) => r.id);
    },

    async deptIdsOf(roleId: number, tx: DbOrTx = db): Promise<number[]> {
      const rows = await tx.select({ id: sysRoleDept.deptId }).from(sysRoleDept).where(eq(sysRoleDept.roleId, roleId)).orderBy(asc(sysRoleDept.deptId));
      return rows.map((r) => r.id);
    },

    async setMenus(tx: DbOrTx, roleId: number, menuIds: number[]) {
      await tx.delete(sysRoleMenu).where(eq(sysRoleMenu.roleId, roleId));
      if (menuIds.length) await tx.insert(sysRoleMenu).values(menuIds.map((menuId) => ({ roleId, menuId })));
    },

    async setDepts(tx: DbOrTx, roleId: number, deptIds: number[]) {
      await tx.delete(sysRoleDept).where(eq(sysRoleDept.roleId, roleId));
      if (deptIds.length) await tx.insert(sysRoleDept).values(deptIds.map((deptId) => ({ roleId, deptId })));
    },

    async insert(tx: DbOrTx, values: typeof sysRole.$inferInsert): Promise<number> {
      return (await tx.insert(sysRole).values(values).returning({ id: sysRole.id }))[0].id;
    },

    async update(tx: DbOrTx, id: number, values: Partial<typeof sysRole.$inferInsert>): Promise<void> {
      await tx.update(sysRole).set(values).where(and(live, eq(sysRole.id, id)));
    },

    /** The first of `roleIds` still held by a live user, if any. */
    async firstInUse(roleIds: number[], tx: DbOrTx = db): Promise<number | undefined> {
      const [row] = await tx
        .select({ roleId: sysUserRole.roleId })
        .from(sysUserRole)
        .innerJoin(sysUser, and(eq(sysUser.id, sysUserRole.userId), notDeleted(sysUser)))
        .where(inArray(sysUserRole.roleId, roleIds))
        .orderBy(asc(sysUserRole.roleId))
        .limit(1);
      return row?.roleId;
    },

    /** Soft-deletes the roles and drops their grants, custom departments and leftover (deleted users') assignments. */
    async softDelete(tx: DbOrTx, ids: number[], values: Partial<typeof sysRole.$inferInsert>) {
      await tx.update(sysRole).set({ ...values, isDel: 1 }).where(inArray(sysRole.id, ids));
      await tx.delete(sysRoleMenu).where(inArray(sysRoleMenu.roleId, ids));
      await tx.delete(sysRoleDept).where(inArray(sysRoleDept.roleId, ids));
      await tx.delete(sysUserRole).where(inArray(sysUserRole.roleId, ids));
    },

    /** Which of `ids` are missing from `table` (live rows only); the found rows stay locked against deletion. */
    async missing(table: 'sys_menu' | 'sys_dept', ids: number[], tx: DbOrTx = db): Promise<number[]> {
      if (ids.length === 0) return [];
      const list = sql.join(ids.map((id) => sql`${id}`), sql`, `);
      const result = await tx.execute<{ id: number }>(
        table === 'sys_menu'
          ? sql`SELECT id FROM sys_menu WHERE id IN (${list}) FOR SHARE`
          : sql`SELECT id FROM sys_dept WHERE is_del = 0 AND id IN (${list}) FOR SHARE`,
      );
      const found = new Set(result.rows.map((r) => Number(r.id)));
      return ids.filter((id) => !found.has(id));
    },
  };
}

export type RoleRepository = ReturnType<typeof createRoleRepository>;
