import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';
import { sysDept, sysRoleDept, sysUser } from '../../db/schema/index.ts';
import type { DeptRecord, DeptRow } from './dept.schemas.ts';
import { notDeleted } from '../../platform/db/prepared.ts';

const rowColumns = {
  id: sysDept.id,
  parentId: sysDept.parentId,
  ancestors: sysDept.ancestors,
  name: sysDept.name,
  orderNum: sysDept.orderNum,
  leader: sysDept.leader,
  phone: sysDept.phone,
  status: sysDept.status,
};
const recordColumns = { ...rowColumns, ctime: sysDept.ctime, cuser: sysDept.cuser, mtime: sysDept.mtime, muser: sysDept.muser };
const live = notDeleted(sysDept);

/** `ancestors` of a department's children: the department's own ancestors, then itself. */
export const ancestorsBelow = (parent: Pick<DeptRow, 'id' | 'ancestors'>): string => `${parent.ancestors},${parent.id}`;

export function createDeptRepository(db: DbOrTx) {
  return {
    /** Live departments in display order (siblings by orderNum, then id). */
    all: (tx: DbOrTx = db): Promise<DeptRow[]> => tx.select(rowColumns).from(sysDept).where(live).orderBy(asc(sysDept.orderNum), asc(sysDept.id)),

    async findById(id: number, tx: DbOrTx = db): Promise<DeptRecord | undefined> {
      return (await tx.select(recordColumns).from(sysDept).where(and(live, eq(sysDept.id, id))))[0];
    },

    findByIds: (ids: number[], tx: DbOrTx = db): Promise<DeptRow[]> => tx.select(rowColumns).from(sysDept).where(and(live, inArray(sysDept.id, ids))),

    async siblingNamed(parentId: number, name: string, exceptId: number | undefined, tx: DbOrTx = db): Promise<boolean> {
      const rows = await tx
        .select({ id: sysDept.id })
        .from(sysDept)
        .where(and(live, eq(sysDept.parentId, parentId), eq(sysDept.name, name), exceptId ? ne(sysDept.id, exceptId) : undefined));
      return rows.length > 0;
    },

    async insert(tx: DbOrTx, values: typeof sysDept.$inferInsert): Promise<number> {
      return (await tx.insert(sysDept).values(values).returning({ id: sysDept.id }))[0].id;
    },

    async update(tx: DbOrTx, id: number, values: Partial<typeof sysDept.$inferInsert>): Promise<void> {
      await tx.update(sysDept).set(values).where(and(live, eq(sysDept.id, id)));
    },

    /** After a move: every department below `id` swaps the old ancestor prefix for the new one. */
    async rebaseSubtree(tx: DbOrTx, id: number, oldAncestors: string, newAncestors: string): Promise<void> {
      await tx.execute(sql`
        UPDATE sys_dept SET ancestors = ${newAncestors} || substr(ancestors, ${oldAncestors.length + 1})
        WHERE (',' || ancestors || ',') LIKE ${`%,${id},%`}`);
    },

    /** Live children of `ids` that are not themselves in `ids`, and departments of `ids` that have live users. */
    async blockers(ids: number[], tx: DbOrTx = db) {
      const children = await tx
        .select({ parentId: sysDept.parentId })
        .from(sysDept)
        .where(and(live, inArray(sysDept.parentId, ids), sql`${sysDept.id} NOT IN (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})`))
        .limit(1);
      const users = await tx
        .select({ deptId: sysUser.deptId })
        .from(sysUser)
        .where(and(notDeleted(sysUser), inArray(sysUser.deptId, ids)))
        .limit(1);
      return { withChildren: children[0]?.parentId, withUsers: users[0]?.deptId ?? undefined };
    },

    async softDelete(tx: DbOrTx, ids: number[], values: Partial<typeof sysDept.$inferInsert>): Promise<void> {
      await tx.update(sysDept).set({ ...values, isDel: 1 }).where(inArray(sysDept.id, ids));
      // Roles with custom departments (data scope 2) no longer list them.
      await tx.delete(sysRoleDept).where(inArray(sysRoleDept.deptId, ids));
    },
  };
}

export type DeptRepository = ReturnType<typeof createDeptRepository>;
