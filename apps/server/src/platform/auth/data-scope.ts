import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/database.ts';
import type { AuthUser } from './context.ts';

/** Role data scopes (API.md): 1 all, 2 custom departments, 3 own department, 4 own department and below, 5 self. */
export const DATA_SCOPE = { all: 1, custom: 2, ownDept: 3, ownDeptAndBelow: 4, self: 5 } as const;

/** What a caller may see: everything, or some system departments plus their own records. */
export type DataScope = { all: true } | { all: false; deptIds: number[] };

/** A user's roles combine: the widest wins, department sets add up; one always sees one's own records. */
export async function resolveDataScope(db: DbOrTx, user: AuthUser): Promise<DataScope> {
  if (user.isAdmin || user.roles.some((role) => role.dataScope === DATA_SCOPE.all)) return { all: true };
  const deptIds = new Set<number>();
  let subtreeOf: number | null = null;
  for (const role of user.roles) {
    if (role.dataScope === DATA_SCOPE.custom) role.deptIds.forEach((id) => deptIds.add(id));
    if (role.dataScope === DATA_SCOPE.ownDept && user.deptId) deptIds.add(user.deptId);
    if (role.dataScope === DATA_SCOPE.ownDeptAndBelow && user.deptId) subtreeOf = user.deptId;
  }
  if (subtreeOf !== null) {
    const result = await db.execute<{ id: number }>(
      sql`SELECT id FROM sys_dept WHERE is_del = 0 AND (id = ${subtreeOf} OR (',' || ancestors || ',') LIKE ${`%,${subtreeOf},%`})`,
    );
    result.rows.forEach((row) => deptIds.add(Number(row.id)));
  }
  return { all: false, deptIds: [...deptIds].sort((a, b) => a - b) };
}

/**
 * The one place data scope becomes SQL: every repository query over scoped data adds this condition.
 * `deptIn` says how a row belongs to departments; `self` says how a row belongs to the caller.
 * Returns undefined when nothing is filtered.
 */
export function scopeCondition(scope: DataScope, rowOf: { deptIn?: (deptIds: number[]) => SQL; self: SQL }): SQL | undefined {
  if (scope.all) return undefined;
  const parts: SQL[] = [rowOf.self];
  if (rowOf.deptIn && scope.deptIds.length > 0) parts.push(rowOf.deptIn(scope.deptIds));
  return parts.length === 1 ? sql`(${parts[0]})` : sql`(${sql.join(parts, sql` OR `)})`;
}
