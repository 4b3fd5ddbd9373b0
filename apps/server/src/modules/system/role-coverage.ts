import { DATA_SCOPE, type DataScope } from '../../platform/auth/data-scope.ts';

/**
 * The one rule behind every grant and every role edit made by someone other than the super administrator:
 * a caller may hand out (or shape) a role only when the caller already holds all of it — every menu of the
 * role among the caller's own menus, and every department the role's data scope covers inside the caller's
 * data scope. Departments covered are compared, never scope numbers: "own department and below" held in a
 * small department can be narrower than "custom: three departments". "All" is covered only by "all".
 * Pure functions, so the rule is tested exhaustively without a database.
 */

/** A live department as the tree stores it: `ancestors` lists the ids from the root down to its parent ("0,1,4"). */
export interface DeptNode {
  id: number;
  ancestors: string;
}

/** What a role says about data: its scope number and, for custom scope, its departments. */
export interface RoleScopeDefinition {
  dataScope: number;
  deptIds: readonly number[];
}

/** The department and its descendants, among `depts` (nothing when the department is not among them). */
export function deptSubtree(rootId: number, depts: readonly DeptNode[]): number[] {
  if (!depts.some((dept) => dept.id === rootId)) return [];
  const ids = depts
    .filter((dept) => dept.id === rootId || dept.ancestors.split(',').some((part) => Number(part) === rootId))
    .map((dept) => dept.id);
  return [...new Set(ids)].sort((a, b) => a - b);
}

/**
 * The departments a role's data scope covers when held by someone in `holderDeptId` (null: no department).
 * Self scope covers no department (only the holder's own records); own-department scopes cover nothing
 * for a holder without a department; an unknown scope number covers everything (refused unless "all").
 */
export function deptsCoveredByRole(role: RoleScopeDefinition, holderDeptId: number | null, depts: readonly DeptNode[]): DataScope {
  switch (role.dataScope) {
    case DATA_SCOPE.custom:
      return { all: false, deptIds: [...new Set(role.deptIds)].sort((a, b) => a - b) };
    case DATA_SCOPE.ownDept:
      return { all: false, deptIds: holderDeptId === null ? [] : [holderDeptId] };
    case DATA_SCOPE.ownDeptAndBelow:
      return { all: false, deptIds: holderDeptId === null ? [] : deptSubtree(holderDeptId, depts) };
    case DATA_SCOPE.self:
      return { all: false, deptIds: [] };
    default:
      return { all: true };
  }
}

/** Departments of `inner` outside `outer` ('all' when `inner` is everything and `outer` is not). */
export function uncoveredDepts(outer: DataScope, inner: DataScope): number[] | 'all' {
  if (outer.all) return [];
  if (inner.all) return 'all';
  const allowed = new Set(outer.deptIds);
  return [...new Set(inner.deptIds)].filter((id) => !allowed.has(id)).sort((a, b) => a - b);
}

/** The caller as the rule sees them. */
export interface Granter {
  /** Holds the built-in administrator role: may do anything. */
  superAdmin: boolean;
  /** Menus granted through the caller's live, enabled roles. */
  menuIds: ReadonlySet<number>;
  /** The caller's data scope. */
  scope: DataScope;
}

/** A role as it would be held: its menus, and the departments it covers for each holder concerned. */
export interface RoleGrant {
  menuIds: readonly number[];
  covers: readonly DataScope[];
}

export type CoverVerdict =
  | { covered: true }
  | { covered: false; missingMenuIds: number[]; uncoveredDeptIds: number[] | 'all' };

/** Whether `caller` holds all of `role`: the one check every grant and role edit goes through. */
export function callerCoversRole(caller: Granter, role: RoleGrant): CoverVerdict {
  if (caller.superAdmin) return { covered: true };
  const missingMenuIds = [...new Set(role.menuIds)].filter((id) => !caller.menuIds.has(id)).sort((a, b) => a - b);
  let uncovered: number[] | 'all' = [];
  for (const covered of role.covers) {
    const outside = uncoveredDepts(caller.scope, covered);
    if (outside === 'all') {
      uncovered = 'all';
      break;
    }
    uncovered = [...new Set([...uncovered, ...outside])].sort((a, b) => a - b);
  }
  if (missingMenuIds.length === 0 && uncovered !== 'all' && uncovered.length === 0) return { covered: true };
  return { covered: false, missingMenuIds, uncoveredDeptIds: uncovered };
}
