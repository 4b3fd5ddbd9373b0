import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';
import { sysMenu, sysRoleMenu } from '../../db/schema/index.ts';
import type { MenuRecord, MenuRow } from './menu.schemas.ts';

const rowColumns = {
  id: sysMenu.id,
  parentId: sysMenu.parentId,
  name: sysMenu.name,
  nameEn: sysMenu.nameEn,
  menuType: sysMenu.menuType,
  path: sysMenu.path,
  icon: sysMenu.icon,
  perms: sysMenu.perms,
  extraPerms: sysMenu.extraPerms,
  orderNum: sysMenu.orderNum,
  visible: sysMenu.visible,
  status: sysMenu.status,
};
const recordColumns = { ...rowColumns, component: sysMenu.component, ctime: sysMenu.ctime, cuser: sysMenu.cuser, mtime: sysMenu.mtime, muser: sysMenu.muser };

// menu_type is text in the table; the service only ever writes M, C or F.
type Typed<T> = Omit<T, 'menuType'> & { menuType: MenuRow['menuType'] };

export function createMenuRepository(db: DbOrTx) {
  return {
    /** Every menu in display order (siblings by orderNum, then id). */
    all: async (tx: DbOrTx = db): Promise<MenuRow[]> =>
      (await tx.select(rowColumns).from(sysMenu).orderBy(asc(sysMenu.orderNum), asc(sysMenu.id))) as Typed<MenuRow>[],

    async findById(id: number, tx: DbOrTx = db): Promise<MenuRecord | undefined> {
      return (await tx.select(recordColumns).from(sysMenu).where(eq(sysMenu.id, id)))[0] as Typed<MenuRecord> | undefined;
    },

    async permsTaken(perms: string, exceptId: number | undefined, tx: DbOrTx = db): Promise<boolean> {
      const rows = await tx.select({ id: sysMenu.id }).from(sysMenu).where(and(eq(sysMenu.perms, perms), exceptId ? ne(sysMenu.id, exceptId) : undefined));
      return rows.length > 0;
    },

    async hasChildren(id: number, tx: DbOrTx = db): Promise<boolean> {
      return (await tx.select({ id: sysMenu.id }).from(sysMenu).where(eq(sysMenu.parentId, id)).limit(1)).length > 0;
    },

    /** Menus granted through the user's enabled, live roles. */
    async grantedTo(userId: number): Promise<number[]> {
      const result = await db.execute<{ menu_id: number }>(sql`
        SELECT DISTINCT rm.menu_id FROM sys_user_role ur
        JOIN sys_role r ON r.id = ur.role_id AND r.is_del = 0 AND r.status = 0
        JOIN sys_role_menu rm ON rm.role_id = r.id
        WHERE ur.user_id = ${userId}`);
      return result.rows.map((row) => Number(row.menu_id));
    },

    async insert(tx: DbOrTx, values: typeof sysMenu.$inferInsert): Promise<number> {
      return (await tx.insert(sysMenu).values(values).returning({ id: sysMenu.id }))[0].id;
    },

    async update(tx: DbOrTx, id: number, values: Partial<typeof sysMenu.$inferInsert>): Promise<void> {
      await tx.update(sysMenu).set(values).where(eq(sysMenu.id, id));
    },

    /** Menus are configuration: removed for good, with every role's grant of them. */
    async delete(tx: DbOrTx, id: number): Promise<void> {
      await tx.delete(sysRoleMenu).where(eq(sysRoleMenu.menuId, id));
      await tx.delete(sysMenu).where(eq(sysMenu.id, id));
    },
  };
}

export type MenuRepository = ReturnType<typeof createMenuRepository>;
