import { randomBytes } from 'node:crypto';
import type { Db, Tx } from '../../platform/db/database.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { ADMIN_ROLE_KEY } from '../../platform/auth/authenticate.ts';
import { DATA_SCOPE } from '../../platform/auth/data-scope.ts';
import { Conflict, Forbidden, InvalidField, NotFound } from '../../platform/http/errors.ts';
import type { GrantGuard } from './grant-guard.ts';
import './system.messages.ts';
import type { RoleRepository } from './role.repository.ts';
import type { RolePageQuery, RoleRecord, RoleSaveBody } from './role.schemas.ts';
import { conflictOnUnique } from './unique-violation.ts';

const unique = (ids: number[]) => [...new Set(ids)].sort((a, b) => a - b);

/**
 * Roles. Whoever is not the super administrator shapes only roles they hold all of (grant-guard.ts): the
 * role's menus among their own, the departments it covers (for each of its holders) inside their scope; so
 * nobody widens a role they hold, and nobody builds a role wider than themselves to hand out. The built-in
 * administrator role is the super administrator's alone.
 */
export function createRoleService(deps: { db: Db; roles: RoleRepository; grants: GrantGuard; now: () => number }) {
  const { db, roles } = deps;

  async function requireRole(id: number, tx: Db | Tx = db): Promise<RoleRecord> {
    const role = await roles.findById(id, tx);
    if (!role) throw new NotFound('role', id);
    return role;
  }

  async function detail(id: number, tx: Db | Tx = db) {
    const role = await requireRole(id, tx);
    const [menuIds, deptIds] = await Promise.all([roles.menuIdsOf(id, tx), roles.deptIdsOf(id, tx)]);
    return { ...role, menuIds, deptIds };
  }

  async function assertExist(field: string, table: 'sys_menu' | 'sys_dept', entity: string, ids: number[], tx: Tx) {
    const missing = await roles.missing(table, ids, tx);
    if (missing.length) throw new InvalidField(field, 'notFound', { entity, id: missing.join(',') });
  }

  return {
    page: (query: RolePageQuery) => roles.page(query),
    list: () => roles.list(),
    get: (id: number) => detail(id),

    async menuIds(roleId: number) {
      await requireRole(roleId);
      return roles.menuIdsOf(roleId);
    },

    async save(ctx: RequestContext, body: RoleSaveBody) {
      const actor = actorOf(ctx);
      const now = new Date(deps.now());
      const deptIds = body.dataScope === DATA_SCOPE.custom ? unique(body.deptIds ?? []) : [];
      await ctx.scope();
      let roleKey = body.roleKey ?? '';
      const id = await conflictOnUnique(() => db.transaction(async (tx) => {
        if (body.id !== undefined) {
          const [existing] = await roles.lockLive(tx, [body.id]);
          if (!existing) throw new NotFound('role', body.id);
          roleKey ||= existing.roleKey;
          if (existing.roleKey === ADMIN_ROLE_KEY && !ctx.user.isAdmin) throw new Forbidden('administratorOnly');
          // The administrator role is what keeps the system manageable: its key, status and scope are fixed.
          if (existing.roleKey === ADMIN_ROLE_KEY && (roleKey !== ADMIN_ROLE_KEY || body.status !== 0 || body.dataScope !== DATA_SCOPE.all)) {
            throw new Conflict('builtinRole');
          }
        }
        // A new role without 权限字符 gets one: nobody should have to invent a code to create a sales role.
        while (!roleKey) {
          const candidate = `role_${randomBytes(3).toString('hex')}`;
          if (!(await roles.roleKeyTaken(candidate, undefined, tx))) roleKey = candidate;
        }
        if (await roles.roleKeyTaken(roleKey, body.id, tx)) throw new Conflict('roleKeyTaken', { roleKey });
        if (body.dataScope === DATA_SCOPE.custom && deptIds.length === 0) throw new InvalidField('deptIds', 'deptIdsRequired');
        await assertExist('deptIds', 'sys_dept', 'dept', deptIds, tx);
        if (roleKey === ADMIN_ROLE_KEY && !ctx.user.isAdmin) throw new Forbidden('administratorOnly');
        const menuIds = body.id === undefined ? [] : await roles.menuIdsOf(body.id, tx);
        await deps.grants.assertDefinable(ctx, tx, body.id, { menuIds, scope: { dataScope: body.dataScope, deptIds } });
        const fields = {
          name: body.name,
          roleKey,
          dataScope: body.dataScope,
          orderNum: body.orderNum,
          status: body.status,
          remark: body.remark ?? null,
          muser: actor,
          mtime: now,
        };
        const roleId = body.id ?? (await roles.insert(tx, { ...fields, cuser: actor, ctime: now }));
        if (body.id !== undefined) await roles.update(tx, roleId, fields);
        await roles.setDepts(tx, roleId, deptIds);
        return roleId;
      }), () => new Conflict('roleKeyTaken', { roleKey }));
      return detail(id);
    },

    /** Grants exactly the menus sent (a button implies nothing else). Takes effect on the users' next request. */
    async updateMenus(ctx: RequestContext, roleId: number, menuIds: number[]) {
      const ids = unique(menuIds);
      await ctx.scope();
      await db.transaction(async (tx) => {
        const [role] = await roles.lockLive(tx, [roleId]);
        if (!role) throw new NotFound('role', roleId);
        if (role.roleKey === ADMIN_ROLE_KEY && !ctx.user.isAdmin) throw new Forbidden('administratorOnly');
        await assertExist('menuIds', 'sys_menu', 'menu', ids, tx);
        const current = (await roles.findById(roleId, tx))!;
        await deps.grants.assertDefinable(ctx, tx, roleId, { menuIds: ids, scope: { dataScope: current.dataScope, deptIds: await roles.deptIdsOf(roleId, tx) } });
        await roles.setMenus(tx, roleId, ids);
        await roles.update(tx, roleId, { muser: actorOf(ctx), mtime: new Date(deps.now()) });
      });
      return { roleId, menuIds: await roles.menuIdsOf(roleId) };
    },

    async delete(ctx: RequestContext, ids: number[]) {
      const wanted = unique(ids);
      return db.transaction(async (tx) => {
        const found = await roles.lockLive(tx, wanted);
        const missing = wanted.filter((id) => !found.some((role) => role.id === id));
        if (missing.length) throw new NotFound('role', missing.join(','));
        const builtin = found.find((role) => role.roleKey === ADMIN_ROLE_KEY);
        if (builtin) throw new Conflict('builtinRole');
        const inUse = await roles.firstInUse(wanted, tx);
        if (inUse !== undefined) throw new Conflict('roleInUse', { name: found.find((role) => role.id === inUse)!.name });
        await roles.softDelete(tx, wanted, { muser: actorOf(ctx), mtime: new Date(deps.now()) });
        return { deleted: wanted.length };
      });
    },
  };
}

export type RoleService = ReturnType<typeof createRoleService>;
