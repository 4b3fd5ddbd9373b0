import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { RequestContext } from '../../platform/auth/context.ts';
import { Forbidden } from '../../platform/http/errors.ts';
import { sysDept, sysRole, sysRoleDept, sysRoleMenu, sysUser, sysUserRole } from '../../db/schema/index.ts';
import { callerCoversRole, deptsCoveredByRole, type DeptNode, type RoleScopeDefinition } from './role-coverage.ts';
import type { DataScope } from '../../platform/auth/data-scope.ts';
import { notDeleted } from '../../platform/db/prepared.ts';

/**
 * Applies the covering rule (role-coverage.ts) with what the database says: the caller's menus, the roles'
 * menus and departments, the department tree. Used by grants, role edits and department moves of users.
 * `ctx.scope()` must be resolved before a transaction starts (see user.service.ts).
 */
export function createGrantGuard() {
  async function callerMenuIds(tx: DbOrTx, userId: number): Promise<Set<number>> {
    const result = await tx.execute<{ menu_id: number }>(sql`
      SELECT DISTINCT rm.menu_id FROM sys_user_role ur
      JOIN sys_role r ON r.id = ur.role_id AND r.is_del = 0 AND r.status = 0
      JOIN sys_role_menu rm ON rm.role_id = r.id
      WHERE ur.user_id = ${userId}`);
    return new Set(result.rows.map((row) => Number(row.menu_id)));
  }

  const liveDepts = (tx: DbOrTx): Promise<DeptNode[]> =>
    tx.select({ id: sysDept.id, ancestors: sysDept.ancestors }).from(sysDept).where(notDeleted(sysDept));

  function refuse(verdict: { missingMenuIds: number[]; uncoveredDeptIds: number[] | 'all' }): never {
    if (verdict.missingMenuIds.length) throw new Forbidden('grantMenusNotHeld', { menus: verdict.missingMenuIds.join(',') });
    throw new Forbidden('grantScopeWider', { depts: verdict.uncoveredDeptIds === 'all' ? '*' : verdict.uncoveredDeptIds.join(',') });
  }

  async function check(
    ctx: RequestContext,
    tx: DbOrTx,
    roles: { menuIds: number[]; scope: RoleScopeDefinition }[],
    holderDeptIds: (number | null)[],
    options: { menus: boolean },
  ) {
    if (ctx.user.isAdmin || roles.length === 0) return;
    const scope: DataScope = await ctx.scope();
    const depts = await liveDepts(tx);
    const menuIds = options.menus ? await callerMenuIds(tx, ctx.user.id) : new Set<number>();
    for (const role of roles) {
      const verdict = callerCoversRole(
        { superAdmin: false, menuIds, scope },
        {
          menuIds: options.menus ? role.menuIds : [],
          covers: holderDeptIds.map((deptId) => deptsCoveredByRole(role.scope, deptId, depts)),
        },
      );
      if (!verdict.covered) refuse(verdict);
    }
  }

  async function rolesByIds(tx: DbOrTx, roleIds: number[]) {
    if (roleIds.length === 0) return [];
    // One after the other: inside a transaction every query goes through the same connection.
    const roles = await tx.select({ id: sysRole.id, dataScope: sysRole.dataScope }).from(sysRole).where(and(inArray(sysRole.id, roleIds), notDeleted(sysRole)));
    const menus = await tx.select({ roleId: sysRoleMenu.roleId, menuId: sysRoleMenu.menuId }).from(sysRoleMenu).where(inArray(sysRoleMenu.roleId, roleIds));
    const depts = await tx.select({ roleId: sysRoleDept.roleId, deptId: sysRoleDept.deptId }).from(sysRoleDept).where(inArray(sysRoleDept.roleId, roleIds));
    return roles.map((role) => ({
      menuIds: menus.filter((m) => m.roleId === role.id).map((m) => m.menuId),
      scope: { dataScope: role.dataScope, deptIds: depts.filter((d) => d.roleId === role.id).map((d) => d.deptId) },
    }));
  }

  return {
    /** Granting `roleIds` to a user in `holderDeptId`: each role's menus held by the caller, its departments inside the caller's scope. */
    async assertGrantable(ctx: RequestContext, tx: DbOrTx, roleIds: number[], holderDeptId: number | null) {
      if (ctx.user.isAdmin || roleIds.length === 0) return;
      await check(ctx, tx, await rolesByIds(tx, roleIds), [holderDeptId], { menus: true });
    },

    /** Moving a user holding `roleIds` to `deptId`: what those roles then cover stays inside the caller's scope. */
    async assertMovable(ctx: RequestContext, tx: DbOrTx, roleIds: number[], deptId: number | null) {
      if (ctx.user.isAdmin || roleIds.length === 0) return;
      await check(ctx, tx, await rolesByIds(tx, roleIds), [deptId], { menus: false });
    },

    /**
     * A role as it would be after an edit (role save or menu grant): covered by the caller for every live
     * holder's department (and for none, which is what a custom or "all" scope is checked against).
     */
    async assertDefinable(ctx: RequestContext, tx: DbOrTx, roleId: number | undefined, role: { menuIds: number[]; scope: RoleScopeDefinition }) {
      if (ctx.user.isAdmin) return;
      const holders = roleId === undefined
        ? []
        : await tx
          .selectDistinct({ deptId: sysUser.deptId })
          .from(sysUserRole)
          .innerJoin(sysUser, and(eq(sysUser.id, sysUserRole.userId), notDeleted(sysUser)))
          .where(eq(sysUserRole.roleId, roleId));
      await check(ctx, tx, [role], [null, ...holders.map((h) => h.deptId)], { menus: true });
    },
  };
}

export type GrantGuard = ReturnType<typeof createGrantGuard>;
