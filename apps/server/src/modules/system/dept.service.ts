import type { Db, Tx } from '../../platform/db/database.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { Conflict, Forbidden, InvalidField, NotFound } from '../../platform/http/errors.ts';
import type { DataScope } from '../../platform/auth/data-scope.ts';
import './system.messages.ts';
import { ancestorsBelow, type DeptRepository } from './dept.repository.ts';
import type { DeptSaveBody } from './dept.schemas.ts';
import { buildTree, lockTree } from './tree.ts';

// Moves, creations and deletions of departments are serialized, so concurrent moves cannot form a cycle
// and `ancestors` always describes the tree.
/** Serialises every writer of the department tree (console edits and Nexus pushes). */
export const DEPT_TREE_LOCK = 727_102;

export function createDeptService(deps: { db: Db; depts: DeptRepository; now: () => number }) {
  const { db, depts } = deps;

  async function requireDept(id: number, tx: Db | Tx = db) {
    const dept = await depts.findById(id, tx);
    if (!dept) throw new NotFound('dept', id);
    return dept;
  }

  /**
   * A caller whose data scope is not "all" changes only departments they see, and only under departments they
   * see: otherwise moving a department under one's own would widen an "own department and below" scope.
   */
  function assertInScope(scope: DataScope, field: string, deptId: number) {
    if (!scope.all && !scope.deptIds.includes(deptId)) throw new Forbidden('deptOutsideScope', { field, id: deptId });
  }

  return {
    tree: async () => buildTree(await depts.all()),
    get: (id: number) => requireDept(id),

    async save(ctx: RequestContext, body: DeptSaveBody) {
      const actor = actorOf(ctx);
      const now = new Date(deps.now());
      const scope = await ctx.scope();
      const id = await db.transaction(async (tx) => {
        await lockTree(tx, DEPT_TREE_LOCK);
        const existing = body.id !== undefined ? await requireDept(body.id, tx) : undefined;
        if (existing) assertInScope(scope, 'id', existing.id);
        if (body.parentId !== 0 && (!existing || existing.parentId !== body.parentId)) assertInScope(scope, 'parentId', body.parentId);
        const isRoot = existing?.parentId === 0;
        let ancestors = '0';
        if (isRoot) {
          if (body.parentId !== 0) throw new InvalidField('parentId', 'deptParentInvalid');
        } else {
          const parent = body.parentId === 0 ? undefined : await depts.findById(body.parentId, tx);
          if (!parent) throw new InvalidField('parentId', 'deptParentInvalid');
          // Under itself or its own descendant would make a cycle.
          if (existing && (parent.id === existing.id || `,${parent.ancestors},`.includes(`,${existing.id},`))) {
            throw new InvalidField('parentId', 'deptParentInvalid');
          }
          ancestors = ancestorsBelow(parent);
        }
        if (await depts.siblingNamed(body.parentId, body.name, body.id, tx)) throw new Conflict('deptNameTaken', { name: body.name });
        const fields = {
          parentId: body.parentId,
          ancestors,
          name: body.name,
          orderNum: body.orderNum,
          leader: body.leader ?? null,
          phone: body.phone ?? null,
          status: body.status,
          muser: actor,
          mtime: now,
        };
        if (!existing) return depts.insert(tx, { ...fields, cuser: actor, ctime: now });
        await depts.update(tx, existing.id, fields);
        if (existing.ancestors !== ancestors) await depts.rebaseSubtree(tx, existing.id, existing.ancestors, ancestors);
        return existing.id;
      });
      return requireDept(id);
    },

    async delete(ctx: RequestContext, ids: number[]) {
      const wanted = [...new Set(ids)];
      const scope = await ctx.scope();
      for (const id of wanted) assertInScope(scope, 'ids', id);
      return db.transaction(async (tx) => {
        await lockTree(tx, DEPT_TREE_LOCK);
        const found = await depts.findByIds(wanted, tx);
        const missing = wanted.filter((id) => !found.some((dept) => dept.id === id));
        if (missing.length) throw new NotFound('dept', missing.join(','));
        const nameOf = (id: number | undefined) => found.find((dept) => dept.id === id)!.name;
        const root = found.find((dept) => dept.parentId === 0);
        if (root) throw new Conflict('deptRoot');
        const { withChildren, withUsers } = await depts.blockers(wanted, tx);
        if (withChildren !== undefined) throw new Conflict('deptHasChildren', { name: nameOf(withChildren) });
        if (withUsers !== undefined) throw new Conflict('deptHasUsers', { name: nameOf(withUsers) });
        await depts.softDelete(tx, wanted, { muser: actorOf(ctx), mtime: new Date(deps.now()) });
        return { deleted: wanted.length };
      });
    },
  };
}

export type DeptService = ReturnType<typeof createDeptService>;
